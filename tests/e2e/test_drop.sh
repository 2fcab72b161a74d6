#!/bin/bash
# Drop classes end to end, IPv4 and IPv6, through the gateway:
#
#   1. XDP on the gateway's client-facing veth (--match dst), a drop class
#      holding the server's first IPv4 and IPv6 addresses: ping and TCP to
#      them fail from the client while the second (unclassified) addresses
#      answer; `lookup -j` gives the class and the prefix; the class's
#      dropped-packet counter grows with every blocked ping; the same
#      addresses work again when the class is set to pass, fail when it is
#      back to drop, and work after `class del`.
#   2. The same with --hook tc-egress on the server-facing veth.
#   3. Source matching: XDP with its default --match src on the server-facing
#      veth and a drop class holding the server's prefixes: the replies from
#      the server's first addresses are dropped, so pings to them fail, while
#      replies from the second addresses (outside the prefixes) pass.
set -u
. "$(dirname "$0")/lib.sh"

# dropped NAME DIR: the class's dropped packets in direction in or out (0 if none)
dropped() {
	local n
	n=$(sl -j stats | jq -r --arg n "$1" --arg d "$2" \
		'.classes[] | select(.class == $n) | .[$d].dropped_packets')
	echo "${n:-0}"
}

# lookup_is ADDR CLASS PREFIX: `lookup -j ADDR` answers CLASS and PREFIX
# (PREFIX "null": no prefix matched)
lookup_is() {
	local out
	out=$(sl -j lookup "$1") || return 1
	jq -e --arg c "$2" --arg p "$3" \
		'.results | length == 1 and .[0].class == $c and ((.[0].prefix // "null") == $p)' \
		<<<"$out" >/dev/null || {
		echo "lookup -j $1: $out (expected class $2, prefix $3)"
		return 1
	}
}

# blocked LABEL CLASS DIR: the drop class blocks the server's first addresses
# (ping and TCP, IPv4 and IPv6), the second addresses still answer, and the
# class's dropped counter grows with the blocked pings.
blocked() {
	local label=$1 cls=$2 dir=$3 before after
	before=$(dropped "$cls" "$dir")
	check "$label: ping $SV4 is dropped" ping_fails "$CL" "$SV4"
	check "$label: ping $SV6 is dropped" ping_fails "$CL" "$SV6"
	after=$(dropped "$cls" "$dir")
	if [ "$after" -ge $((before + 6)) ]; then
		ok "$label: dropped packets ($dir) of class $cls grew from $before to $after"
	else
		not_ok "$label: dropped packets ($dir) of class $cls grow with the blocked pings" \
			"before $before, after $after (6 echo requests sent)"
	fi
	check "$label: TCP to $SV4 fails" tcp_fails "$SV4"
	check "$label: TCP to [$SV6] fails" tcp_fails "$SV6"
	check "$label: ping $SV4B (unclassified) answers" ping_ok "$CL" "$SV4B"
	check "$label: ping $SV6B (unclassified) answers" ping_ok "$CL" "$SV6B"
}

# open LABEL: the server's first addresses answer ping and TCP
open() {
	local label=$1
	check "$label: ping $SV4 answers" ping_ok "$CL" "$SV4"
	check "$label: ping $SV6 answers" ping_ok "$CL" "$SV6"
	check "$label: TCP to $SV4 works" tcp_ok "$SV4"
	check "$label: TCP to [$SV6] works" tcp_ok "$SV6"
}

topo_setup

# 1. XDP on the client-facing veth, match dst
sl_ok attach "$GW_CDEV" --hook xdp --match dst
sl_ok class set blk --drop
feed blk "$SV4" "$SV6" || bail "feed load blk"
check "xdp: lookup -j $SV4 -> blk $SV4/32" lookup_is "$SV4" blk "$SV4/32"
check "xdp: lookup -j $SV6 -> blk $SV6/128" lookup_is "$SV6" blk "$SV6/128"
check "xdp: lookup -j $SV4B -> default, no prefix" lookup_is "$SV4B" default null
check "xdp: lookup -j $SV6B -> default, no prefix" lookup_is "$SV6B" default null
blocked xdp blk in

sl_ok class set blk --pass
open "xdp, class set --pass"
sl_ok class set blk --drop
check "xdp, class set --drop again: ping $SV4 is dropped" ping_fails "$CL" "$SV4"
check "xdp, class set --drop again: ping $SV6 is dropped" ping_fails "$CL" "$SV6"
sl_ok class del blk
open "xdp, class del"
check "xdp, class del: lookup -j $SV4 -> default" lookup_is "$SV4" default null

# 2. tc-egress on the server-facing veth, match dst by default
sl_ok detach "$GW_CDEV"
sl_ok attach "$GW_SDEV" --hook tc-egress
sl_ok class set blk --drop
feed blk "$SV4" "$SV6" || bail "feed load blk"
blocked tc-egress blk out
sl_ok class del blk
open "tc-egress, class del"

# 3. Source matching on ingress: XDP, default match src, server-facing veth
sl_ok detach "$GW_SDEV"
out=$(sl -j attach "$GW_SDEV" --hook xdp 2>&1)
if jq -e '.match == "src" and .hook == "xdp"' <<<"$out" >/dev/null 2>&1; then
	ok "xdp on $GW_SDEV matches src by default"
else
	not_ok "xdp on $GW_SDEV matches src by default" "attach -j: $out"
fi
sl_ok class set srv --drop
feed srv 10.231.2.0/24 fd5c:2::/64 || bail "feed load srv"
check "src match: lookup -j $SV4 -> srv 10.231.2.0/24" lookup_is "$SV4" srv 10.231.2.0/24
check "src match: lookup -j $SV6 -> srv fd5c:2::/64" lookup_is "$SV6" srv fd5c:2::/64
before=$(dropped srv in)
check "src match: replies from $SV4 are dropped" ping_fails "$CL" "$SV4"
check "src match: replies from $SV6 are dropped" ping_fails "$CL" "$SV6"
check "src match: TCP to $SV4 fails" tcp_fails "$SV4"
after=$(dropped srv in)
if [ "$after" -gt "$before" ]; then
	ok "src match: dropped packets (in) of class srv grew from $before to $after"
else
	not_ok "src match: dropped packets (in) of class srv grow" "before $before, after $after"
fi
check "src match: ping $SV4B (replies from outside the prefix) answers" ping_ok "$CL" "$SV4B"
check "src match: ping $SV6B (replies from outside the prefix) answers" ping_ok "$CL" "$SV6B"
check "src match: TCP to $SV4B works" tcp_ok "$SV4B"
sl_ok class del srv
check "src match, class del: ping $SV4 answers" ping_ok "$CL" "$SV4"

finish
