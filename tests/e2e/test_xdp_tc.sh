#!/bin/bash
# xdp and tc-ingress on one device: XDP counts, drops and polices inbound
# packets, and leaves its verdict in the packet's metadata; the TC ingress
# program of the same device then only sends shaped classes on to the IFB.
# Each packet is counted and policed once:
#
#   1. pings through a pass, a police and a shape class are counted once
#      (replies from the server enter the gateway's server-facing veth);
#   2. a class policed at 20mbit delivers the rate, not half of it (a packet
#      policed twice takes its length from the bucket twice);
#   3. a class shaped inbound at 8mbit still goes through the IFB's HTB;
#   4. with different matches (xdp by destination, tc-ingress by source)
#      each hook classifies for itself, as before;
#   5. XDP in generic (skb) mode hands over the same way.
#
# Goodput bounds as in test_police.sh and test_shape.sh: policed TCP runs at
# 60% of the rate or more (half the rate is what double policing gives),
# below rate + (burst + 64 KiB) / T; shaped TCP at 85-103% of the rate.
set -u
. "$(dirname "$0")/lib.sh"

PINGS=40
SECS=6

# in_packets CLASS: inbound packets passed in CLASS
in_packets() {
	sl -j stats | jq -r --arg n "$1" '.classes[] | select(.class == $n) | .in.passed_packets'
}

# pings_once LABEL CLASS: $PINGS replies from $SV4B, counted once in CLASS
pings_once() {
	local before after
	before=$(in_packets "$2")
	timeout -k 2 30 ip netns exec "$CL" ping -n -q -c "$PINGS" -i 0.02 -W 2 -w 20 "$SV4B" \
		>"$E2E_TMP/ping.out" 2>&1
	after=$(in_packets "$2")
	if [ "$((after - before))" = "$PINGS" ]; then
		ok "$1: $PINGS replies counted once in class $2"
	else
		not_ok "$1: $PINGS replies counted once in class $2" \
			"counted $((after - before)); $(tail -2 "$E2E_TMP/ping.out")"
	fi
}

topo_setup

out=$(sl attach "$GW_SDEV" --hook xdp 2>&1) && out2=$(sl attach "$GW_SDEV" --hook tc-ingress 2>&1)
rc=$?
if [ "$rc" = 0 ] && ! grep -qi "twice" <<<"$out$out2"; then
	ok "xdp and tc-ingress attach to one device without a warning"
else
	not_ok "xdp and tc-ingress attach to one device without a warning" "$out" "$out2"
fi
ping_ok "$CL" "$SV4B" || not_ok "ping through the gateway before any class"

# ---- 1: counted once, whatever the policy
sl_ok class set once --pass
feed once "$SV4B"
pings_once "pass class" once
sl_ok class set once --rate 100mbit
pings_once "police class" once
sl_ok class set once --rate-in 100mbit --mode shape
pings_once "shape class" once
sl_ok class del once

# ---- 2: policed once
sl_ok class set lim --rate 20mbit
feed lim "$SV4"
burst=$(sl -j class list | jq -r '.classes[] | select(.class == "lim") | .burst_in_bytes')
read -r lo hi < <(awk -v r=20000000 -v b="${burst:-0}" -v t="$SECS" \
	'BEGIN { printf "%.0f %.0f\n", r * 0.6, (r + (b + 65536) * 8 / t) * 1.05 }')
if goodput "$SV4" "$SECS" -R; then
	if [ "$GOODPUT" -ge "$lo" ] && [ "$GOODPUT" -le "$hi" ]; then
		ok "download policed at 20mbit once ($(mbit "$GOODPUT") Mbit/s)"
	else
		not_ok "download policed at 20mbit once" \
			"goodput $(mbit "$GOODPUT") Mbit/s, allowed $(mbit "$lo")-$(mbit "$hi")"
	fi
else
	not_ok "download policed at 20mbit once" "$IPERF_ERROR"
fi
sl_ok class del lim

# ---- 3: shaped through the IFB with XDP in front
sl_ok class set sh --rate-in 8mbit --mode shape
feed sh "$SV4"
ifindex=$(in_ns "$GW" cat /sys/class/net/"$GW_SDEV"/ifindex)
if goodput "$SV4" "$SECS" -R; then
	if awk -v b="$GOODPUT" 'BEGIN { exit !(b >= 0.85 * 8e6 && b <= 1.03 * 8e6) }'; then
		ok "download shaped at 8mbit through the IFB ($(mbit "$GOODPUT") Mbit/s)"
	else
		not_ok "download shaped at 8mbit through the IFB" \
			"goodput $(mbit "$GOODPUT") Mbit/s, allowed 6.80-8.24"
	fi
else
	not_ok "download shaped at 8mbit through the IFB" "$IPERF_ERROR"
fi
sent=$(in_ns "$GW" tc -s -j qdisc show dev "slifb$ifindex" |
	jq '[.[] | select(.kind == "htb") | .packets] | add // 0')
if [ "${sent:-0}" -gt 1000 ]; then ok "the IFB's HTB queued the shaped packets ($sent)"
else not_ok "the IFB's HTB queued the shaped packets" "htb packets: ${sent:-none}"; fi
sl_ok class del sh

# ---- 4: different matches: each hook classifies for itself
sl_ok detach "$GW_SDEV" --hook xdp
sl_ok attach "$GW_SDEV" --hook xdp --match dst
sl_ok class set src --pass
feed src "$SV4B"
sl_ok class set dst --pass
feed dst "$CL4"
pings_once "xdp --match dst" dst
pings_once "tc-ingress --match src" src

# ---- and with XDP in generic (skb) mode
sl_ok detach "$GW_SDEV" --hook xdp
sl_ok attach "$GW_SDEV" --hook xdp --xdp-mode generic
pings_once "generic xdp" src

sl_ok detach --all
left=$(in_ns "$GW" ip -br link | grep -c slifb)
if [ "$left" = 0 ]; then ok "detach --all removes the IFB"
else not_ok "detach --all removes the IFB" "$(in_ns "$GW" ip -br link)"; fi

finish
