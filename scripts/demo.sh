#!/bin/bash
# sluice demo (make demo, as root): a client, a gateway running sluice and a
# server, in network namespaces joined by veth pairs. A small sample feed
# puts the server's first address in a class policed at 10mbit and a few
# other addresses in a drop class; iperf3 then measures an upload to the
# policed address and one to the server's second, unclassified address.
# Everything is removed at the end, whatever happens. Traffic stays inside
# the namespaces this script creates.
set -u
cd "$(dirname "$0")/.." || exit 1

# The topology and helpers of the end-to-end tests.
E2E_QUIET=1 # quiet helpers (read by lib.sh)
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. tests/e2e/lib.sh

SECS=4 # measured seconds per flow, after one omitted second of slow start
RATE=10mbit
BLOCKED4=10.231.4.1 # an extra server address, in the drop class

if [ -t 1 ]; then
	B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' Y=$'\e[33m' R=$'\e[31m' N=$'\e[0m'
else
	B="" D="" G="" Y="" R="" N=""
fi

bail() {
	echo "${R}demo: $*${N}" >&2
	exit 1
}
e2e_cleanup_hook() { printf '\n%scleaning up: sluice detach --all, namespaces, bpffs%s\n' "$D" "$N"; }
step() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
# run: show a sluice command, then run it (output indented)
run() {
	printf '%s$ sluice %s%s\n' "$D" "$*" "$N"
	sl "$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

[ "$(id -u)" = 0 ] || bail "needs root: sudo make demo"
[ -x "$SLUICE" ] || bail "$SLUICE is missing: run make"
for c in ip iperf3 jq ping ss timeout mountpoint awk; do
	command -v "$c" >/dev/null || bail "$c is not installed: run make deps"
done

echo "${B}sluice demo${N}: policing and dropping on a gateway, with XDP"
echo
printf '   %-24s %-24s %-16s\n' "client" "gateway (sluice)" "server"
printf '   %-24s %-24s %-16s %s\n' "$CL_DEV $CL4" "$GW_CDEV [XDP]   $GW_SDEV" "$SV_DEV $SV4" "class bulk (police $RATE)"
printf '   %-24s %-24s %-16s %s\n' "    $CL6" "" "    $SV6" "class bulk"
printf '   %-24s %-24s %-16s %s\n' "" "" "lo  $SV4B" "no class"
printf '   %-24s %-24s %-16s %s\n' "" "" "    $BLOCKED4" "class blocked (drop)"

step "Building the topology (namespaces $CL, $GW, $SV)"
topo_setup
ip -n "$SV" addr add "$BLOCKED4/32" dev lo || bail "server address $BLOCKED4"
ip -n "$GW" route add "$BLOCKED4/32" via "$SV4" || bail "gateway route to $BLOCKED4"
echo "    ok; sluice keeps its state on a private bpffs: $BPFFS"

step "Attaching sluice to the gateway's client-facing veth"
echo "    XDP, matching the destination: uploads are classified by the server address"
run attach "$GW_CDEV" --hook xdp --match dst || bail "attach failed"

step "Creating two classes and loading a sample feed"
run class set bulk --rate "$RATE" || bail "class set failed"
run class set blocked --drop || bail "class set failed"
cat >"$E2E_TMP/bulk.txt" <<EOF
# sample feed: one address or prefix per line
$SV4
$SV6
198.51.100.0/24
2001:db8:100::/48
EOF
cat >"$E2E_TMP/blocked.txt" <<EOF
$BLOCKED4
203.0.113.0/24
2001:db8:bad::/48
EOF
printf '%s%s%s\n' "$D" "    feed for bulk:    $(grep -v '^#' "$E2E_TMP/bulk.txt" | tr '\n' ' ')" "$N"
printf '%s%s%s\n' "$D" "    feed for blocked: $(tr '\n' ' ' <"$E2E_TMP/blocked.txt")" "$N"
run feed load bulk "$E2E_TMP/bulk.txt" || bail "feed load failed"
run feed load blocked "$E2E_TMP/blocked.txt" || bail "feed load failed"

step "Where does each address go? (sluice lookup)"
run lookup "$SV4" "$SV6" "$SV4B" "$BLOCKED4" 203.0.113.7

step "Dropping: ping from the client"
for a in "$SV4B" "$BLOCKED4"; do
	if ping_ok "$CL" "$a"; then
		printf '    ping %-12s %sanswered%s\n' "$a" "$G" "$N"
	else
		printf '    ping %-12s %sno answer (dropped by sluice)%s\n' "$a" "$Y" "$N"
	fi
done

step "Policing: iperf3 uploads from the client, $((SECS + 1)) s each"
results=()
for a in "$SV4" "$SV4B"; do
	printf '    measuring %s ...\n' "$a"
	if goodput "$a" "$SECS"; then
		results+=("$(mbit "$GOODPUT")")
	else
		results+=("failed: $IPERF_ERROR")
	fi
done
printf '\n    %-34s %-34s\n' "to $SV4 (class bulk, $RATE)" "to $SV4B (no class)"
printf '    %s%-34s%s %s%-34s%s\n' "$Y" "${results[0]} Mbit/s" "$N" "$G" "${results[1]} Mbit/s" "$N"
echo "    ${D}(TCP through a policer runs a little below the rate: losses halve its window)${N}"

step "Counters (sluice stats)"
run stats

step "State (sluice status)"
run status

echo
echo "${B}Done.${N} See sluice(8) for more: shaping, tc hooks, feed formats, JSON output."
