#!/bin/bash
# Policing end to end: TCP uploads from the client to the server through the
# gateway, where sluice polices a class holding the server's first address.
#
#   1. XDP on the gateway's client-facing veth, --match dst (uploads are
#      classified by the server address): the policed flow's goodput is
#      within the tolerance below, a flow to the server's second
#      (unclassified) address is at least 10x faster, and `stats -j` counts
#      drops in the class.
#   2. The same with --hook tc-egress on the gateway's server-facing veth
#      (match dst by default).
#   3. A live rate change (`class set` 10mbit -> 20mbit, nothing
#      reattached) roughly doubles the goodput.
#
# Tolerance. A policer drops what exceeds the bucket instead of queueing it,
# and TCP answers each loss by halving its window, so a single TCP flow
# through a policer runs below the rate: typically 60-100% of it, lower with
# small bursts. That is the lower bound (POLICE_MIN_PCT, 60%). The upper
# bound is exact arithmetic: sluice's bucket admits at most
# rate * T + burst + one packet (a packet is admitted while any token is
# left, see bpf/police.h) in any window of T seconds, so the goodput over the
# T measured seconds is at most rate + (burst + 64 KiB) * 8 / T, where burst
# is the class's actual bucket as `class list -j` reports it and 64 KiB is
# the largest (GSO) packet. Goodput counts TCP payload only, ~4% less than
# the wire bytes the bucket counts; we still allow 5% on top of the bound for
# the receiver's timing (iperf3 measures intervals on its own clock).
set -u
. "$(dirname "$0")/lib.sh"

RATE_MBIT=10
SECS=8                  # measured seconds (after one omitted second)
POLICE_MIN_PCT=${POLICE_MIN_PCT:-60}
FAST_FACTOR=10          # the unclassified flow is at least this much faster
MAXPKT=65536

# band RATE_BPS BURST_BYTES: "LOW HIGH" in bit/s
band() {
	awk -v r="$1" -v b="$2" -v t="$SECS" -v p="$MAXPKT" -v m="$POLICE_MIN_PCT" \
		'BEGIN { printf "%.0f %.0f\n", r * m / 100, (r + (b + p) * 8 / t) * 1.05 }'
}

# class_burst NAME DIR: the class's bucket size in bytes for in or out
class_burst() {
	sl -j class list | jq -r --arg n "$1" --arg d "$2" \
		'.classes[] | select(.class == $n) | .["burst_" + $d + "_bytes"]'
}

# dropped NAME DIR: the class's dropped packets in direction in or out
dropped() {
	sl -j stats | jq -r --arg n "$1" --arg d "$2" \
		'.classes[] | select(.class == $n) | .[$d].dropped_packets'
}

# police_check LABEL DIR RATE_MBIT: the policed flow's goodput is in the band.
# Sets POLICED to the goodput.
police_check() {
	local label=$1 dir=$2 rate=$(($3 * 1000000)) burst lo hi
	POLICED=0
	burst=$(class_burst lim "$dir")
	read -r lo hi < <(band "$rate" "${burst:-0}")
	if ! goodput "$SV4" "$SECS"; then
		not_ok "$label: policed flow at $3mbit" "iperf3 failed: $IPERF_ERROR"
		return
	fi
	POLICED=$GOODPUT
	if [ "$GOODPUT" -ge "$lo" ] && [ "$GOODPUT" -le "$hi" ]; then
		ok "$label: policed flow at $3mbit: $(mbit "$GOODPUT") Mbit/s"
	else
		not_ok "$label: policed flow at $3mbit: $(mbit "$GOODPUT") Mbit/s" \
			"expected $(mbit "$lo") to $(mbit "$hi") Mbit/s (burst $burst bytes)"
	fi
	diag "$label: policed goodput $(mbit "$GOODPUT") Mbit/s at $3mbit," \
		"band $(mbit "$lo")-$(mbit "$hi"), burst $burst B"
}

# fast_check LABEL: the unclassified second address is FAST_FACTOR x faster
fast_check() {
	local label=$1
	if ! goodput "$SV4B" 3; then
		not_ok "$label: unclassified flow" "iperf3 failed: $IPERF_ERROR"
		return
	fi
	if [ "$GOODPUT" -ge $((POLICED * FAST_FACTOR)) ] &&
		[ "$GOODPUT" -ge $((RATE_MBIT * 1000000 * FAST_FACTOR)) ]; then
		ok "$label: unclassified flow ${FAST_FACTOR}x faster: $(mbit "$GOODPUT") Mbit/s"
	else
		not_ok "$label: unclassified flow ${FAST_FACTOR}x faster" \
			"$(mbit "$GOODPUT") Mbit/s against $(mbit "$POLICED") Mbit/s policed"
	fi
}

# drops_check LABEL DIR: the class counted dropped packets in DIR
drops_check() {
	local n
	n=$(dropped lim "$2")
	if [ -n "$n" ] && [ "$n" -gt 0 ] 2>/dev/null; then
		ok "$1: stats -j counts $n dropped packets ($2) in the policed class"
	else
		not_ok "$1: stats -j counts dropped packets in the policed class" \
			"dropped_packets ($2): '${n}'" "$(sl -j stats 2>&1)"
	fi
}

topo_setup

sl_ok class set lim --rate ${RATE_MBIT}mbit
feed lim "$SV4" || bail "feed load lim"

# 1. XDP, client-facing veth, match dst
sl_ok attach "$GW_CDEV" --hook xdp --match dst
police_check xdp in "$RATE_MBIT"
fast_check xdp
drops_check xdp in

# 2. tc-egress, server-facing veth, match dst by default
sl_ok detach "$GW_CDEV"
sl_ok attach "$GW_SDEV" --hook tc-egress
police_check tc-egress out "$RATE_MBIT"
tc10=$POLICED
fast_check tc-egress
drops_check tc-egress out

# 3. Live rate change on the tc-egress attachment
sl_ok class set lim --rate $((RATE_MBIT * 2))mbit
police_check "tc-egress after class set" out $((RATE_MBIT * 2))
if [ "$tc10" -gt 0 ] && [ "$POLICED" -gt 0 ]; then
	# limits as wide as the two runs' own bands allow (60-109% of each rate):
	# the check is that the goodput moved with the rate
	ratio=$(awk -v a="$POLICED" -v b="$tc10" 'BEGIN { printf "%.2f", a / b }')
	if awk -v r="$ratio" 'BEGIN { exit !(r >= 1.1 && r <= 3.6) }'; then
		ok "live rate change ${RATE_MBIT} -> $((RATE_MBIT * 2))mbit: goodput x$ratio"
	else
		not_ok "live rate change ${RATE_MBIT} -> $((RATE_MBIT * 2))mbit roughly doubles goodput" \
			"goodput x$ratio ($(mbit "$tc10") -> $(mbit "$POLICED") Mbit/s), expected x1.4 to x2.8"
	fi
else
	not_ok "live rate change roughly doubles goodput" "no goodput to compare"
fi

finish
