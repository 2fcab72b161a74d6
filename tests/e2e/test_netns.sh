#!/bin/bash
# Attachments and network namespaces (root): two namespaces, each with a
# veth device v0 of the same ifindex (50), on a private bpffs. sluice attaches
# in both; status in each shows its own device as present and the other as
# in another namespace; detach in one leaves the other's filter alone;
# detach --all from the root namespace removes both (TC by entering the
# recorded namespace, XDP through its pinned link); a namespace that is gone
# shows its attachment as gone, in status and in the metrics.
set -u
cd "$(dirname "$0")/../.." || exit 1

S=${SLUICE:-$(pwd)/.output/sluice}
ID=$$
N1=slns1$ID
N2=slns2$ID
T=$(mktemp -d /tmp/sluice-test-netns.XXXXXX)
B=$T/bpffs
. tests/e2e/tap.sh

# shellcheck disable=SC2317 # run by the trap
cleanup() {
	SLUICE_BPFFS="$B" "$S" detach --all >/dev/null 2>&1 || true
	ip netns del "$N1" 2>/dev/null || true
	ip netns del "$N2" 2>/dev/null || true
	umount "$B" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# inns NS SLUICE-ARGS...: sluice in namespace NS, on the private bpffs
inns() { local ns=$1; shift; timeout 30 ip netns exec "$ns" env SLUICE_BPFFS="$B" "$S" "$@"; }
filter_of() { ip netns exec "$1" tc filter show dev v0 egress 2>/dev/null | grep -c direct-action; }

mkdir -p "$B"
mount -t bpf bpf "$B" || { not_ok "netns: setup" "cannot mount a bpffs"; exit 1; }
for ns in "$N1" "$N2"; do
	ip netns add "$ns" && ip -n "$ns" link add v0 index 50 type veth peer name v1 index 51 &&
		ip -n "$ns" link set v0 up && ip -n "$ns" link set v1 up ||
		{ not_ok "netns: setup $ns"; exit 1; }
done
check "netns: attach tc-egress in the first" inns "$N1" attach v0 --hook tc-egress
check "netns: attach xdp in the first" inns "$N1" attach v0 --hook xdp --xdp-mode generic
check "netns: attach tc-egress on the same ifindex in the second" inns "$N2" attach v0 --hook tc-egress
inns "$N1" -j status >"$T/s1.json" 2>&1
n_here=$(jq '[.attachments[] | select(.state == "present")] | length' "$T/s1.json")
n_other=$(jq '[.attachments[] | select(.state == "other-netns")] | length' "$T/s1.json")
[ "$n_here" = 2 ] && [ "$n_other" = 1 ]
result "netns: status in the first: 2 here, 1 in another namespace" $? "$(cat "$T/s1.json")"
SLUICE_BPFFS="$B" "$S" status >"$T/s0.txt" 2>&1
[ "$(grep -c 'in another network namespace' "$T/s0.txt")" = 3 ]
result "netns: status in the root namespace shows all 3 as in another namespace" $? \
	"$(cat "$T/s0.txt")"

check "netns: detach v0 in the second" inns "$N2" detach v0
[ "$(filter_of "$N2")" = 0 ] && [ "$(filter_of "$N1")" = 1 ]
result "netns: detach in the second removed its filter only" $? \
	"first: $(filter_of "$N1"), second: $(filter_of "$N2")"
inns "$N1" -j status | jq -e '[.attachments[]] | length == 2' >/dev/null
result "netns: the first keeps its 2 attachments" $?

check "netns: detach --all from the root namespace" env SLUICE_BPFFS="$B" "$S" detach --all
xdp=$(ip -n "$N1" -d link show v0 | grep -c 'prog/xdp')
[ "$(filter_of "$N1")" = 0 ] && [ "$xdp" = 0 ] && [ ! -e "$B/sluice" ]
result "netns: detach --all removed the first's filter and XDP program, and every pin" $? \
	"filter: $(filter_of "$N1"), xdp: $xdp, pins: $(ls "$B" 2>&1)"

# A namespace that goes away: its attachment shows as gone.
check "netns: attach again in the second" inns "$N2" attach v0 --hook tc-egress
ip netns del "$N2"
SLUICE_BPFFS="$B" "$S" -j status >"$T/s2.json" 2>&1
jq -e '.attachments | length == 1 and .[0].state == "netns-gone" and .[0].present == false' \
	"$T/s2.json" >/dev/null
result "netns: an attachment of a namespace that is gone shows as netns-gone" $? "$(cat "$T/s2.json")"
SLUICE_BPFFS="$B" "$S" stats --prometheus >"$T/m.txt" 2>&1
grep -q '^sluice_attachments{dev="v0",hook="tc-egress",match="dst",state="netns-gone"} 0$' "$T/m.txt"
result "netns: sluice_attachments is 0 for it, state netns-gone" $? "$(grep attach "$T/m.txt")"
check "netns: detach --all cleans it up" env SLUICE_BPFFS="$B" "$S" detach --all
finish
