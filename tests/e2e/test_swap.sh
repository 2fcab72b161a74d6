#!/bin/bash
# Atomic table swaps under real traffic: while a loop swaps a drop class back
# and forth between two feeds as fast as it can, traffic to an address that
# both feeds hold is always dropped, traffic to an address that neither
# holds always passes, and lookups never answer a class that neither
# generation gives.
. "$(dirname "$0")/lib.sh"

topo_setup
sl_ok attach "$GW_CDEV" --hook xdp --match dst
sl_ok class set x --drop
printf '%s\n%s\n' "$SV4" "$SV6" >"$E2E_TMP/a.txt"
printf '%s\n' "$SV4" >"$E2E_TMP/b.txt"
sl_ok feed load x "$E2E_TMP/a.txt"
gen0=$(sl -j status | jq .tables.generation)

# the swapper: runs until killed, or 60 s at most
(
	end=$((SECONDS + 60))
	while [ $SECONDS -lt $end ]; do
		sl feed load x "$E2E_TMP/b.txt" --force >/dev/null 2>&1
		sl feed load x "$E2E_TMP/a.txt" --force >/dev/null 2>&1
	done
) &
swapper=$!
E2E_PIDS+=("$swapper")

# traffic while it swaps
# -w: wait for the last replies (without it ping stops soon after the last
# request, and a reply delayed by the swapper's load would go uncounted)
pass_rx=$(in_ns "$CL" ping -n -q -c 300 -i 0.01 -W 1 -w 20 "$SV4B" 2>/dev/null |
	awk '/received/ { print $4 }')
drop_rx=$(in_ns "$CL" ping -n -q -c 300 -i 0.01 -W 1 "$SV4" 2>/dev/null |
	awk '/received/ { print $4 }')
tcp_ok "$SV4B"
tcp=$?
bad=0
for i in $(seq 30); do
	lk=$(sl -j lookup "$SV4" "$SV4B" "$SV6")
	[ "$(jq -r '.results[0].class' <<<"$lk")" = x ] || bad=$((bad + 1))
	[ "$(jq -r '.results[1].class' <<<"$lk")" = default ] || bad=$((bad + 1))
	case $(jq -r '.results[2].class' <<<"$lk") in x | default) ;; *) bad=$((bad + 1)) ;; esac
done
kill "$swapper" 2>/dev/null
wait "$swapper" 2>/dev/null
swaps=$(($(sl -j status | jq .tables.generation) - gen0))
diag "$swaps table swaps during the traffic"

[ "$swaps" -ge 10 ] && ok "the swapper swapped ($swaps times)" || not_ok "the swapper swapped" "$swaps"
[ "${pass_rx:-0}" = 300 ] && ok "an address in neither feed: 300 of 300 pings answered" ||
	not_ok "an address in neither feed always passes" "received ${pass_rx:-0} of 300"
[ "${drop_rx:-x}" = 0 ] && ok "an address in both feeds: 0 of 300 pings answered" ||
	not_ok "an address in both feeds is always dropped" "received ${drop_rx:-?} of 300"
[ "$tcp" = 0 ] && ok "TCP to an address in neither feed works during swaps" ||
	not_ok "TCP to an address in neither feed works during swaps" "$IPERF_ERROR"
[ "$bad" = 0 ] && ok "lookups during swaps: only classes one generation gives" ||
	not_ok "lookups during swaps: only classes one generation gives" "$bad wrong answers"

finish
