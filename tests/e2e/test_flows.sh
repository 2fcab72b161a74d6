#!/bin/bash
# Per flow and per host policing end to end (iperf3 through the namespaces):
#
#   1. --per flow: N parallel TCP uploads each run near the rate, so the
#      aggregate is near N x rate; `sluice -j flows` lists the live flows.
#   2. --per host: two client addresses uploading at once each get the rate;
#      two connections of one address share it.
#   3. --initiator local: a connection opened from the server side passes
#      unlimited, one opened from the client side is policed.
#   4. The throttling scenario (IMC 2021): a per-flow class at 150kbit on the
#      downloads stretches a 400 KB download to about 20 s, while a second
#      connection started beside it gets its own 150 kbit/s.
#
# XDP on the gateway's client-facing veth, --match dst: the remote side is
# the server, the local side the client. Bounds as test_police.sh: a TCP
# flow through a policer runs at 50-100% of the rate (lower bound loose for
# a loaded machine), never above rate + (burst + 64 KiB) * 8 / T (+5%).
set -u
. "$(dirname "$0")/lib.sh"

RATE=4000000
SECS=6
N=3
CL4B=10.231.1.3

# upper BPS_PER_BUCKET: the bound of one bucket over SECS, bit/s
upper() {
	awk -v r="$RATE" -v t="$SECS" 'BEGIN { printf "%.0f", (r + (131072 + 65536) * 8 / t) * 1.05 }'
}

# streams: the receiver's bit/s of each stream of the last goodput run
streams() {
	jq -r '.end.streams[].receiver.bits_per_second | floor' "$E2E_TMP/iperf-client.json"
}

# in_band LABEL BPS LOW HIGH
in_band() {
	if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
		ok "$1: $(mbit "$2") Mbit/s"
	else
		not_ok "$1: $(mbit "$2") Mbit/s" "expected $(mbit "$3") to $(mbit "$4") Mbit/s"
	fi
}

topo_setup
sl_ok attach "$GW_CDEV" --hook xdp --match dst --max-flows 4096
hi=$(upper)

# 1. per flow: N streams each near the rate
sl_ok class set fl --rate 4mbit --per flow
feed fl "$SV4" || bail "feed load"
if goodput "$SV4" "$SECS" -P "$N"; then
	in_band "per flow: $N streams together" "$GOODPUT" $((N * RATE / 2)) $((N * hi))
	i=0
	for bps in $(streams); do
		i=$((i + 1))
		in_band "per flow: stream $i" "$bps" $((RATE / 2)) "$hi"
	done
else
	not_ok "per flow: $N streams" "iperf3 failed: $IPERF_ERROR"
fi
rows=$(sl -j flows fl | jq '[.flows[] | select(.proto == "tcp" and .remote == "'"$SV4"'"
	and .scope == "flow" and .in.passed_bytes > 0)] | length')
check "flows -j lists the live connections (got $rows)" [ "${rows:-0}" -ge "$N" ]
act=$(sl -j stats | jq '.classes[] | select(.class == "fl") | .flows_active')
check "stats counts the active flows (got $act)" [ "${act:-0}" -ge "$N" ]
topf=$(sl -j top --interval 0.2 --iterations 1 | jq '.classes[] | select(.class == "fl") | .flows_active')
check "top shows the active flows (got $topf)" [ "${topf:-0}" -ge "$N" ]
sl -j stats --prometheus | grep -q '^sluice_class_flows{class="fl",scope="flow"}'
check "the exporter has one flows series for the class" [ $? = 0 ]

# 2. per host: two addresses at once each get the rate
ip -n "$CL" addr add "$CL4B/24" dev "$CL_DEV"
ip -n "$GW" neigh replace "$CL4B" lladdr "$CL_MAC" dev "$GW_CDEV" nud permanent
sl_ok class set fl --rate 4mbit --per host
iperf_server $((SECS + 30)); p1=$IPERF_PORT s1=$IPERF_SERVER_PID
iperf_server $((SECS + 30)); p2=$IPERF_PORT s2=$IPERF_SERVER_PID
for a in "$CL4:$p1" "$CL4B:$p2"; do
	timeout -k 2 $((SECS + 20)) ip netns exec "$CL" iperf3 -c "$SV4" -p "${a#*:}" \
		-B "${a%:*}" -t "$SECS" -O 1 -J >"$E2E_TMP/host-${a#*:}.json" 2>&1 &
done
wait
kill "$s1" "$s2" 2>/dev/null
for p in "$p1" "$p2"; do
	bps=$(jq -r '.end.sum_received.bits_per_second // 0 | floor' "$E2E_TMP/host-$p.json")
	in_band "per host: one of two addresses at once" "${bps:-0}" $((RATE / 2)) "$hi"
done
hosts=$(sl -j flows fl | jq '[.flows[] | select(.scope == "host")] | length')
check "flows -j lists the two hosts (got $hosts)" [ "${hosts:-0}" = 2 ]
if goodput "$SV4" "$SECS" -P 2; then
	in_band "per host: two connections of one address share the rate" "$GOODPUT" \
		$((RATE / 2)) "$hi"
else
	not_ok "per host: two connections" "iperf3 failed: $IPERF_ERROR"
fi

# 3. --initiator local: opened from the server side passes, from the client side not
sl_ok class set fl --rate 4mbit --per flow --initiator local
if goodput "$SV4" "$SECS"; then
	in_band "initiator local: opened by the client, policed" "$GOODPUT" $((RATE / 2)) "$hi"
else
	not_ok "initiator local: opened by the client" "iperf3 failed: $IPERF_ERROR"
fi
iperf_server 40 "$CL" || bail "iperf3 server in the client namespace"
timeout -k 2 30 ip netns exec "$SV" iperf3 -c "$CL4" -p "$IPERF_PORT" -R -t 3 -O 1 -J \
	>"$E2E_TMP/remote.json" 2>&1
iperf_server_stop
bps=$(jq -r '.end.sum_received.bits_per_second // 0 | floor' "$E2E_TMP/remote.json")
check "initiator local: opened by the server, client sends unlimited ($(mbit "${bps:-0}") Mbit/s)" \
	[ "${bps:-0}" -ge $((10 * RATE)) ]
origin=$(sl -j flows fl | jq -r '[.flows[] | select(.origin == "remote")] | length')
check "flows -j shows the server-opened connection as remote (got $origin)" \
	[ "${origin:-0}" -ge 1 ]

sl_ok class del fl
left=$(sl -j flows | jq '.flows | length')
check "class del leaves no flow listed (got $left)" [ "${left:-1}" = 0 ]
# 4. the throttling scenario: downloads, XDP on the server-facing veth
# (remote = the server, the source of the data), 150 kbit/s per connection
sl_ok attach "$GW_SDEV" --hook xdp
sl_ok class set thr --rate 150kbit --per flow
feed thr "$SV4" || bail "feed load thr"
mkdir -p "$E2E_TMP/www"
head -c 409600 /dev/urandom >"$E2E_TMP/www/big"
head -c 153600 /dev/urandom >"$E2E_TMP/www/small"
timeout 120 ip netns exec "$SV" python3 -m http.server 18080 --bind "$SV4" \
	--directory "$E2E_TMP/www" >/dev/null 2>&1 &
E2E_PIDS+=($!)
for _ in $(seq 50); do
	in_ns "$CL" curl -s -o /dev/null "http://$SV4:18080/" && break
	sleep 0.1
done
dl() { # dl FILE OUT: curl's total time and bytes
	timeout 90 ip netns exec "$CL" curl -s -o /dev/null -w '%{time_total} %{size_download}\n' \
		"http://$SV4:18080/$1" >"$2"
}
dl big "$E2E_TMP/big.out" &
big=$!
sleep 5
dl small "$E2E_TMP/small.out"
wait $big
read -r t1 n1 <"$E2E_TMP/big.out"
read -r t2 n2 <"$E2E_TMP/small.out"
diag "400 KB in ${t1:-?} s; 150 KB beside it in ${t2:-?} s"
# 400 KB at 150 kbit/s is 21.8 s; the burst (128 KiB) and TCP's losses
# through a policer move it either way
awk -v t="${t1:-0}" -v n="${n1:-0}" 'BEGIN { exit !(n == 409600 && t >= 12 && t <= 40) }'
result "throttling: a 400 KB download through 150kbit per flow takes about 20 s (${t1:-?} s)" $? \
	"bytes ${n1:-?}"
# the second connection: its own bucket, so 150 KB at about 150 kbit/s
# (burst included: 8 s at the rate, less with the burst), not half of it
awk -v t="${t2:-0}" -v n="${n2:-0}" 'BEGIN { exit !(n == 153600 && t >= 1 && t <= 16) }'
result "throttling: a second connection beside it gets its own 150 kbit/s (${t2:-?} s for 150 KB)" $? \
	"bytes ${n2:-?}"
bps=$(sl -j flows thr | jq '[.flows[] | select(.proto == "tcp")] | length')
[ "${bps:-0}" -ge 2 ] && ok "sluice flows lists both throttled connections ($bps)" ||
	not_ok "sluice flows lists both throttled connections" "${bps:-0}"

finish
