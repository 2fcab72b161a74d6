#!/bin/bash
# Rate enforcement benchmark (make bench-rates): TCP goodput with iperf3
# through a client - gateway - server namespace topology, at several
# configured rates, 1 and 8 flows, for sluice police (XDP and TC), sluice
# shape, and, in the same run, plain tc HTB and nftables `limit rate`. Writes
# a markdown table and a gnuplot PNG of achieved against configured rate.
# Traffic stays inside the namespaces this script creates. Needs root.
#   RATES="1 10 100 1000" (Mbit/s)  FLOWS="1 8"  SECS=6  METHODS="..."
set -euo pipefail
cd "$(dirname "$0")/.."

RATES=${RATES:-1 10 100 1000}
FLOWS=${FLOWS:-1 8}
SECS=${SECS:-6}
METHODS=${METHODS:-police-xdp police-tc shape htb nft}
OUT=${OUT:-.output}
S=$(pwd)/$OUT/sluice
ID=$$
CL=slbc$ID GW=slbg$ID SV=slbs$ID
BPF=$(mktemp -d /tmp/sluice-bench-rates.XXXXXX)
MD=$OUT/bench-rates.md
DAT=$OUT/bench-rates.dat
PNG=$OUT/bench-rates.png

[ "$(id -u)" = 0 ] || { echo "bench-rates: needs root" >&2; exit 1; }
# Run a copy: a rebuild during the run must not change what is measured.
cp "$S" "$BPF.sluice"
S=$BPF.sluice

cleanup() {
	ip netns exec "$GW" "$S" detach --all >/dev/null 2>&1 || true
	for n in "$CL" "$GW" "$SV"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$n" 2>/dev/null || true
	done
	umount "$BPF" 2>/dev/null || true
	rmdir "$BPF" 2>/dev/null || true
	rm -f "$BPF.sluice"
}
trap cleanup EXIT

setup() {
	for n in "$CL" "$GW" "$SV"; do ip netns add "$n"; ip -n "$n" link set lo up; done
	ip link add c0 netns "$CL" type veth peer name g0 netns "$GW"
	ip link add s0 netns "$SV" type veth peer name g1 netns "$GW"
	ip -n "$CL" addr add 10.233.1.2/24 dev c0
	ip -n "$GW" addr add 10.233.1.1/24 dev g0
	ip -n "$GW" addr add 10.233.2.1/24 dev g1
	ip -n "$SV" addr add 10.233.2.2/24 dev s0
	for l in "$CL c0" "$GW g0" "$GW g1" "$SV s0"; do
		set -- $l
		ip -n "$1" link set "$2" up
	done
	ip -n "$CL" route add default via 10.233.1.1
	ip -n "$SV" route add default via 10.233.2.1
	ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1
	mount -t bpf bpf "$BPF"
	ip netns exec "$SV" iperf3 -s -D -p 5201 >/dev/null
	sleep 0.5
}

sl() { ip netns exec "$GW" env SLUICE_BPFFS="$BPF" "$S" "$@" >/dev/null; }

# configure METHOD at RATE Mbit/s (client -> server uploads are limited)
configure() {
	local m=$1 r=$2
	case $m in
	police-xdp)
		sl attach g0 --hook xdp --match dst
		sl class set lim --rate "${r}mbit"
		echo 10.233.2.2 | sl feed load lim - ;;
	police-tc)
		sl attach g1 --hook tc-egress
		sl class set lim --rate "${r}mbit"
		echo 10.233.2.2 | sl feed load lim - ;;
	shape)
		sl attach g1 --hook tc-egress
		sl class set lim --rate "${r}mbit" --mode shape
		echo 10.233.2.2 | sl feed load lim - ;;
	htb)
		ip netns exec "$GW" tc qdisc add dev g1 root handle 1: htb default 10
		ip netns exec "$GW" tc class add dev g1 parent 1: classid 1:10 htb \
			rate "${r}mbit" ceil "${r}mbit" quantum 1514 ;;
	nft)
		ip netns exec "$GW" nft -f - <<-EOF
		table inet slbench {
			chain limit_fwd {
				type filter hook forward priority 0;
				ip daddr 10.233.2.2 limit rate over $((r * 125000)) bytes/second drop
			}
		}
		EOF
		;;
	esac
}

unconfigure() {
	sl detach --all || true
	ip netns exec "$GW" tc qdisc del dev g1 root 2>/dev/null || true
	ip netns exec "$GW" nft delete table inet slbench 2>/dev/null || true
}

# prints "goodput_bps mean_rtt_us"
measure() {
	local flows=$1 j
	j=$(timeout $((SECS + 20)) ip netns exec "$CL" iperf3 -c 10.233.2.2 -p 5201 -t "$SECS" \
		-O 1 -P "$flows" -J 2>/dev/null) || true
	echo "$j" | jq -r '[(.end.sum_received.bits_per_second // 0),
		((.end.streams // []) | map(.sender.mean_rtt // 0) | if length > 0 then add / length else 0 end)]
		| @tsv' 2>/dev/null || echo "0 0"
}

setup
: >"$DAT"
{
	echo "| method | flows | configured Mbit/s | goodput Mbit/s | goodput / rate | on wire / rate | mean RTT ms |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
} >"$MD"
printf '%-11s %5s %10s %12s %8s %8s %9s\n' method flows rate goodput ratio wire rtt_ms
for m in $METHODS; do
	for f in $FLOWS; do
		for r in $RATES; do
			configure "$m" "$r"
			read -r bps rtt < <(measure "$f")
			unconfigure
			ratio=$(echo "$bps / ($r * 1000000)" | bc -l)
			# on the wire: full-size segments carry 1448 payload bytes in a
			# 1514-byte Ethernet frame (TCP timestamps on)
			wire=$(echo "$ratio * 1514 / 1448" | bc -l)
			printf '%-11s %5d %10d %12.2f %8.3f %8.3f %9.2f\n' "$m" "$f" "$r" \
				"$(echo "$bps / 1000000" | bc -l)" "$ratio" "$wire" "$(echo "$rtt / 1000" | bc -l)"
			printf '| %s | %d | %d | %.2f | %.3f | %.3f | %.2f |\n' "$m" "$f" "$r" \
				"$(echo "$bps / 1000000" | bc -l)" "$ratio" "$wire" "$(echo "$rtt / 1000" | bc -l)" >>"$MD"
			echo "$m-$f $r $(echo "$bps / 1000000" | bc -l)" >>"$DAT"
		done
	done
done

if command -v gnuplot >/dev/null; then
	plots=""
	for m in $METHODS; do
		for f in $FLOWS; do
			plots="$plots${plots:+, }'$DAT' using 2:(stringcolumn(1) eq '$m-$f' ? \$3 / \$2 : 1/0) with linespoints title '$m, $f flow(s)'"
		done
	done
	gnuplot <<-EOF
	set terminal png size 1000,700
	set output '$PNG'
	set logscale x
	set xrange [0.8:1250]
	set yrange [0.6:1.2]
	set xlabel 'configured rate (Mbit/s)'
	set ylabel 'TCP goodput / configured rate'
	set title 'iperf3 TCP through a gateway namespace (goodput; 0.956 = the rate on the wire)'
	set key right bottom
	set grid
	plot 1 title 'configured rate' with lines dashtype 2 lc rgb 'black', 0.956 title 'payload share of full-size frames' with lines dashtype 3 lc rgb 'gray', $plots
	EOF
	echo "plot: $PNG"
fi
echo "table: $MD"
