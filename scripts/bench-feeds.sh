#!/bin/bash
# Feed loading benchmark (make bench-feeds): a synthetic 1M-entry feed with
# the realistic mix, gzip-compressed, from file to live tables with sluice,
# against `ipset restore` plus `ipset swap` of the same IPv4 entries, both in
# this run. Reports wall time (best of RUNS), the loader's peak RSS and the
# kernel memory of the tables per prefix. Uses a private bpffs mount and a
# throw-away ipset; touches no traffic. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
RUNS=${RUNS:-3}
OUT=.output
S=$OUT/sluice
GEN=$OUT/bench/genfeed
DIR=$(mktemp -d /tmp/sluice-bench-feeds.XXXXXX)
SETS="sluice_bench_a sluice_bench_b"

cleanup() {
	"$S" --bpffs "$DIR/bpf" detach --all >/dev/null 2>&1 || true
	umount "$DIR/bpf" 2>/dev/null || true
	for s in $SETS; do ipset destroy "$s" 2>/dev/null || true; done
	rm -rf "$DIR"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "bench-feeds: needs root" >&2; exit 1; }
command -v ipset >/dev/null || { echo "bench-feeds: ipset not installed (make deps)" >&2; exit 1; }

# Run a copy: a rebuild during the run must not change what is measured.
cp "$S" "$DIR/sluice"
S=$DIR/sluice
mkdir -p "$DIR/bpf"
mount -t bpf bpf "$DIR/bpf"
export SLUICE_BPFFS=$DIR/bpf

echo "generating $N entries (85% IPv4 hosts, 10% IPv4 /8-/31, 5% IPv6) ..."
"$GEN" "$N" 1 | gzip -1 > "$DIR/a.gz"
"$GEN" "$N" 2 | gzip -1 > "$DIR/b.gz"
"$GEN" "$N" 1 ipset sluice_bench_b > "$DIR/a.ipset"
"$GEN" "$N" 2 ipset sluice_bench_b > "$DIR/b.ipset"
ls -l "$DIR"/*.gz "$DIR"/*.ipset | awk '{print "  " $5 " bytes  " $9}'

now() { date +%s.%N; }
best() { sort -g | head -1; }

# sluice: alternate between two different feeds so every run really swaps.
"$S" class set bench --drop >/dev/null
# Untimed: every timed run then replaces a live list of 1M prefixes, as a
# cron reload does (a first load into an empty class plans against nothing).
"$S" feed load bench "$DIR/b.gz" --force >/dev/null
sl_times=() rss=()
for i in $(seq "$RUNS"); do
	f=$DIR/a.gz; [ $((i % 2)) = 0 ] && f=$DIR/b.gz
	t0=$(now)
	/usr/bin/time -f %M -o "$DIR/rss" "$S" -j feed load bench "$f" --force >"$DIR/load.$i.json"
	t1=$(now)
	sl_times+=("$(echo "$t1 - $t0" | bc -l)")
	echo "$(echo "$t1 - $t0" | bc -l) $i" >>"$DIR/runs"
	rss+=("$(cat "$DIR/rss")")
done
# A cron-style `apply` with nothing changed, 1M prefixes loaded.
printf '[class bench]\npolicy = drop\nfeed = %s\n' "$DIR/b.gz" >"$DIR/sluice.conf"
"$S" apply -c "$DIR/sluice.conf" >/dev/null
noop=$("$S" -j apply -c "$DIR/sluice.conf" | jq '.duration_ns / 1e9')
status=$("$S" -j status)
prefixes=$(echo "$status" | jq '.tables.prefixes_v4 + .tables.prefixes_v6')
bytes=$(echo "$status" | jq '.tables.bytes_v4 + .tables.bytes_v6')

# ipset: restore into a fresh set, swap it with the live one, destroy the old.
ipset create sluice_bench_a hash:net family inet hashsize 1048576 maxelem 4000000
ip_times=()
for i in $(seq "$RUNS"); do
	f=$DIR/a.ipset; [ $((i % 2)) = 0 ] && f=$DIR/b.ipset
	ipset destroy sluice_bench_b 2>/dev/null || true
	t0=$(now)
	ipset restore -exist < "$f"
	ipset swap sluice_bench_b sluice_bench_a
	ipset destroy sluice_bench_b
	t1=$(now)
	ip_times+=("$(echo "$t1 - $t0" | bc -l)")
done

sl=$(printf '%s\n' "${sl_times[@]}" | best)
ip=$(printf '%s\n' "${ip_times[@]}" | best)
peak=$(printf '%s\n' "${rss[@]}" | sort -g | tail -1)
printf '\n%-44s %8s\n' "best of $RUNS runs" "seconds"
printf '%-44s %8.3f\n' "sluice feed load (1M entries, gzip, swap)" "$sl"
printf '%-44s %8.3f\n' "ipset restore + swap (IPv4 entries only)" "$ip"
printf 'speed-up over ipset: %.1fx\n' "$(echo "$ip / $sl" | bc -l)"
printf 'sluice apply with nothing changed (1M prefixes loaded): %.3f s\n' "$noop"
# where the best run's time went, stage by stage (feed load -j: stages)
bestrun=$(sort -g "$DIR/runs" | head -1 | cut -d' ' -f2)
jq -r '.stages | to_entries[] | "  \(.key | rtrimstr("_ns")) \(.value / 1e6) ms"' \
	"$DIR/load.$bestrun.json" | awk '{ printf "stage %-10s %9.1f ms\n", $1, $2 }'
printf 'sluice peak RSS: %d MiB; kernel table memory: %d MiB, %.0f bytes per prefix (%d prefixes)\n' \
	$((peak / 1024)) $((bytes / 1048576)) "$(echo "$bytes / $prefixes" | bc -l)" "$prefixes"
