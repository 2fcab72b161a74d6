#!/bin/bash
# Attach, detach and error handling:
#
#   - XDP (native and generic), tc-ingress and tc-egress on both gateway
#     veths, classes and feeds loaded; attaching twice is a no-op
#     ("changed": false); `detach DEV --hook H` removes just that hook.
#   - `sluice detach --all` removes everything: afterwards none of this
#     instance's programs, maps or links exist any more (bpftool, polled:
#     the kernel frees them after an RCU grace period), no sl_* program or
#     map of ours is listed, no clsact qdisc that sluice created is left, no
#     XDP program is attached, no pin is left under the bpffs, while a
#     clsact qdisc that existed before the attach survives.
#   - Errors: detaching an unattached device, an unknown device, an unknown
#     class on feed load, a bad rate, an invalid feed line (FILE:LINE:
#     reason, the tables unchanged): each exits non-zero with a one-line
#     message on stderr, and with -j the message is {"error": ...}.
#
# bpftool lists the BPF objects of the whole host, where other sluice
# instances (other tests, benchmarks) may run at the same time; so the
# checks are on the IDs of this instance's objects, collected from its pins
# before the detach, and sl_* objects of other instances are only counted.
set -u
. "$(dirname "$0")/lib.sh"

# err_check NAME PATTERN ARGS...: `sluice ARGS` fails, prints nothing on
# stdout and exactly one line on stderr, "sluice: ..." matching PATTERN (an
# extended regex); `sluice -j ARGS` fails the same way with one JSON line
# {"error": "..."} whose text matches PATTERN.
err_check() {
	local name=$1 pat=$2 rc out err
	shift 2
	out=$(sl "$@" 2>"$E2E_TMP/stderr")
	rc=$?
	err=$(cat "$E2E_TMP/stderr")
	if [ "$rc" != 0 ] && [ -z "$out" ] && [ "$(wc -l <"$E2E_TMP/stderr")" = 1 ] &&
		grep -Eq "^sluice: .*($pat)" <<<"$err"; then
		ok "$name: exit $rc, \"$err\""
	else
		not_ok "$name" "sluice $*: exit $rc" "stdout: ${out:-(empty)}" \
			"stderr: ${err:-(empty)}" "expected a non-zero exit and one line matching /$pat/"
	fi
	out=$(sl -j "$@" 2>"$E2E_TMP/stderr")
	rc=$?
	err=$(cat "$E2E_TMP/stderr")
	if [ "$rc" != 0 ] && [ -z "$out" ] && [ "$(wc -l <"$E2E_TMP/stderr")" = 1 ] &&
		jq -e --arg p "$pat" '(keys == ["error"]) and (.error | type == "string") and
			(.error | test($p))' <<<"$err" >/dev/null 2>&1; then
		ok "$name (-j): exit $rc, $err"
	else
		not_ok "$name (-j)" "sluice -j $*: exit $rc" "stdout: ${out:-(empty)}" \
			"stderr: ${err:-(empty)}" "expected a non-zero exit and one line {\"error\": /$pat/}"
	fi
}

# ours_alive: print this instance's BPF objects that still exist
ours_alive() {
	local id
	for id in $OUR_PROGS; do
		bpftool prog show id "$id" >/dev/null 2>&1 && echo "prog $id"
	done
	for id in $OUR_MAPS; do
		bpftool map show id "$id" >/dev/null 2>&1 && echo "map $id"
	done
	for id in $OUR_LINKS; do
		bpftool link show id "$id" >/dev/null 2>&1 && echo "link $id"
	done
}

# Collect the IDs of everything this instance holds: the pinned programs,
# maps and links, the maps the programs use, and the live prefix tables
# (the inner maps of sl_v4 and sl_v6).
collect_ids() {
	local f j
	OUR_PROGS="" OUR_MAPS="" OUR_LINKS=""
	while IFS= read -r f; do
		if j=$(bpftool -j prog show pinned "$f" 2>/dev/null); then
			OUR_PROGS+=" $(jq -r .id <<<"$j")"
			OUR_MAPS+=" $(jq -r '(.map_ids // []) | map(tostring) | join(" ")' <<<"$j")"
		elif j=$(bpftool -j map show pinned "$f" 2>/dev/null); then
			OUR_MAPS+=" $(jq -r .id <<<"$j")"
		elif j=$(bpftool -j link show pinned "$f" 2>/dev/null); then
			OUR_LINKS+=" $(jq -r .id <<<"$j")"
		fi
	done < <(find "$BPFFS/sluice" -type f)
	for f in sl_v4 sl_v6; do
		# values are the inner map IDs, as four little-endian bytes
		OUR_MAPS+=" $(bpftool -j map dump pinned "$BPFFS/sluice/$f" 2>/dev/null |
			jq -r '.[].value | map(ltrimstr("0x")) | reverse | join("")' |
			while read -r h; do echo $((16#$h)); done | tr '\n' ' ')"
	done
	OUR_PROGS=$(tr ' ' '\n' <<<"$OUR_PROGS" | grep -E '^[0-9]+$' | sort -un | tr '\n' ' ')
	OUR_MAPS=$(tr ' ' '\n' <<<"$OUR_MAPS" | grep -E '^[0-9]+$' | sort -un | tr '\n' ' ')
	OUR_LINKS=$(tr ' ' '\n' <<<"$OUR_LINKS" | grep -E '^[0-9]+$' | sort -un | tr '\n' ' ')
}

# sl_named KIND: "ID NAME" of every BPF KIND (prog or map) named sl_*
sl_named() {
	bpftool -j "$1" show 2>/dev/null |
		jq -r '.[] | select((.name // "") | startswith("sl_")) | "\(.id) \(.name)"'
}

# lookup_is ADDR CLASS: `lookup -j ADDR` answers CLASS
lookup_is() {
	sl -j lookup "$1" | jq -e --arg c "$2" '.results[0].class == $c' >/dev/null
}

topo_setup
command -v bpftool >/dev/null || bail "bpftool not installed (make deps)"
command -v tc >/dev/null || bail "tc not installed (make deps)"

# Errors before anything is loaded
err_check "detach of a device with nothing attached (nothing loaded)" \
	"nothing attached to $GW_CDEV" detach "$GW_CDEV"
err_check "status with nothing loaded" "not loaded" status

# A foreign clsact qdisc, there before sluice
in_ns "$GW" tc qdisc add dev "$GW_SDEV" clsact || bail "tc qdisc add clsact"

out=$(sl -j attach "$GW_CDEV" --hook xdp 2>&1)
if jq -e '.changed == true and .hook == "xdp" and .dev == "'"$GW_CDEV"'"' <<<"$out" >/dev/null 2>&1; then
	ok "attach xdp: \"changed\": true"
else
	not_ok "attach xdp: \"changed\": true" "attach -j: $out"
fi
out=$(sl -j attach "$GW_CDEV" --hook xdp 2>&1)
rc=$?
if [ "$rc" = 0 ] && jq -e '.changed == false' <<<"$out" >/dev/null 2>&1; then
	ok "attach xdp twice: a no-op, \"changed\": false"
else
	not_ok "attach xdp twice: a no-op, \"changed\": false" "exit $rc: $out"
fi
sl_ok attach "$GW_CDEV" --hook tc-ingress
sl_ok attach "$GW_CDEV" --hook tc-egress
out=$(sl -j attach "$GW_CDEV" --hook tc-egress 2>&1)
if jq -e '.changed == false' <<<"$out" >/dev/null 2>&1; then
	ok "attach tc-egress twice: a no-op, \"changed\": false"
else
	not_ok "attach tc-egress twice: a no-op, \"changed\": false" "$out"
fi
sl_ok attach "$GW_SDEV" --hook xdp --xdp-mode generic
sl_ok attach "$GW_SDEV" --hook tc-ingress
sl_ok attach "$GW_SDEV" --hook tc-egress
n=$(sl -j status | jq '.attachments | length')
if [ "$n" = 6 ]; then
	ok "status lists 6 attachments"
else
	not_ok "status lists 6 attachments" "$(sl status 2>&1)"
fi

sl_ok class set lim --rate 10mbit
sl_ok class set blk --drop
printf '%s\n' "$SV4" "$SV6" 10.77.0.0/16 >"$E2E_TMP/lim.txt"
printf '%s\n' 192.0.2.0/24 2001:db8::/32 >"$E2E_TMP/blk.txt"
sl_ok feed load lim "$E2E_TMP/lim.txt"
sl_ok feed load blk "$E2E_TMP/blk.txt"
check "lookup: $SV4 is in lim" lookup_is "$SV4" lim
check "lookup: 10.77.1.1 is in lim" lookup_is 10.77.1.1 lim

# Errors with the state loaded
err_check "detach of an unattached device" "nothing attached to lo" detach lo
err_check "attach to an unknown device" "unknown device nosuchdev0" attach nosuchdev0
err_check "detach of an unknown device" "unknown device nosuchdev0" detach nosuchdev0
err_check "feed load into an unknown class" "unknown class nosuchclass" \
	feed load nosuchclass "$E2E_TMP/lim.txt"
err_check "class set with a bad rate" "bad rate '10zbit'" class set newcls --rate 10zbit
n=$(sl -j class list | jq '[.classes[] | select(.class == "newcls")] | length')
if [ "$n" = 0 ]; then
	ok "a bad rate creates no class"
else
	not_ok "a bad rate creates no class" "class list: ${n:-(failed)} classes named newcls"
fi

# An invalid feed line: reported as FILE:LINE: reason, the tables unchanged.
bad=$E2E_TMP/bad.txt
printf '%s\n' 10.88.0.0/16 not-an-address 10.99.0.0/16 >"$bad"
before=$(sl -j lookup "$SV4" 10.77.1.1 10.88.1.1 10.99.1.1)
err=$(sl feed load lim "$bad" 2>&1 >/dev/null)
rc=$?
if [ "$rc" != 0 ] && grep -q "^sluice: $bad:2: " <<<"$err"; then
	ok "invalid feed line: exit $rc, reported as FILE:LINE: reason"
	diag "$err"
else
	not_ok "invalid feed line reported as FILE:LINE: reason" "exit $rc" "stderr: $err"
fi
err_check "invalid feed line (--strict)" "$bad:2: " feed load --strict lim "$bad"
after=$(sl -j lookup "$SV4" 10.77.1.1 10.88.1.1 10.99.1.1)
if [ -n "$before" ] && [ "$before" = "$after" ] &&
	jq -e '.results[2].class == "default" and .results[3].class == "default"' <<<"$after" >/dev/null; then
	ok "invalid feed: tables unchanged (lookup answers as before)"
else
	not_ok "invalid feed: tables unchanged" "before: $before" "after:  $after"
fi
n=$(sl -j class list | jq '.classes[] | select(.class == "lim") | .prefixes_v4 + .prefixes_v6')
if [ "$n" = 3 ]; then
	ok "invalid feed: class lim still holds its 3 prefixes"
else
	not_ok "invalid feed: class lim still holds its 3 prefixes" "class list: $n prefixes"
fi

# detach of one hook of one device
sl_ok detach "$GW_CDEV" --hook tc-egress
n=$(sl -j status | jq --arg d "$GW_CDEV" '[.attachments[] | select(.dev == $d)] | length')
if [ "$n" = 2 ] && in_ns "$GW" tc qdisc show dev "$GW_CDEV" | grep -q clsact; then
	ok "detach $GW_CDEV --hook tc-egress: xdp and tc-ingress (and its clsact) remain"
else
	not_ok "detach $GW_CDEV --hook tc-egress leaves the other hooks" "$(sl status 2>&1)"
fi

# detach --all
collect_ids
diag "this instance: programs $OUR_PROGS; maps $OUR_MAPS; links $OUR_LINKS"
if [ -z "$OUR_PROGS" ] || [ -z "$OUR_MAPS" ] || [ -z "$OUR_LINKS" ]; then
	not_ok "collect this instance's BPF object IDs" "programs '$OUR_PROGS' maps '$OUR_MAPS' links '$OUR_LINKS'"
fi
out=$(sl -j detach --all 2>&1)
rc=$?
if [ "$rc" = 0 ] && jq -e '.detached == 5 and .unloaded == true' <<<"$out" >/dev/null 2>&1; then
	ok "detach --all: $out"
else
	not_ok "detach --all" "exit $rc: $out"
fi

alive=""
for _ in $(seq 30); do
	alive=$(ours_alive)
	[ -z "$alive" ] && break
	sleep 0.1
done
if [ -z "$alive" ]; then
	ok "detach --all: every program, map and link of this instance is freed"
else
	not_ok "detach --all: every program, map and link of this instance is freed" \
		"still there after 3 s:" "$alive"
fi
leftover=""
foreign=0
while read -r id name; do
	[ -n "$id" ] || continue
	case " $OUR_PROGS $OUR_MAPS " in
	*" $id "*) leftover+="$name ($id) " ;;
	*) foreign=$((foreign + 1)) ;;
	esac
done < <(sl_named prog; sl_named map)
if [ -z "$leftover" ]; then
	ok "detach --all: bpftool lists no sl_* program or map of this instance"
else
	not_ok "detach --all: bpftool lists no sl_* program or map of this instance" "$leftover"
fi
[ "$foreign" = 0 ] || diag "$foreign sl_* programs and maps of other sluice instances on this host (not ours)"

qd=$(in_ns "$GW" tc qdisc show)
if ! grep -q "clsact.*dev $GW_CDEV" <<<"$qd" && grep -q "clsact.*dev $GW_SDEV" <<<"$qd"; then
	ok "detach --all: sluice's clsact on $GW_CDEV removed, the foreign one on $GW_SDEV kept"
else
	not_ok "detach --all: sluice's clsact removed, the foreign one kept" "$qd"
fi
filters=$(for d in "$GW_CDEV" "$GW_SDEV"; do
	for h in ingress egress; do
		in_ns "$GW" tc filter show dev "$d" "$h"
	done
done)
if [ -z "$filters" ]; then
	ok "detach --all: no TC filter left"
else
	not_ok "detach --all: no TC filter left" "$filters"
fi
links=$(in_ns "$GW" ip link show)
if ! grep -qi xdp <<<"$links"; then
	ok "detach --all: no XDP program on any device"
else
	not_ok "detach --all: no XDP program on any device" "$links"
fi
# progs.debug and maps.debug are the kernel's own (bpf_preload), not pins
pins=$(find "$BPFFS" -mindepth 1 ! -name progs.debug ! -name maps.debug)
if [ -z "$pins" ]; then
	ok "detach --all: no pins left under the bpffs"
else
	not_ok "detach --all: no pins left under the bpffs" "$pins"
fi
check "traffic flows after detach --all" ping_ok "$CL" "$SV4"

out=$(sl detach --all 2>&1)
rc=$?
if [ "$rc" = 0 ]; then
	ok "detach --all again: nothing to do, exit 0 ($out)"
else
	not_ok "detach --all again succeeds" "exit $rc: $out"
fi
err_check "detach of a device after detach --all" "nothing attached to $GW_CDEV" detach "$GW_CDEV"

# A broken (or older, differently laid out) pinned state: detach --all still
# undoes its attachments and removes it.
sl_ok attach "$GW_SDEV" --hook tc-egress
sl_ok attach "$GW_CDEV" --hook tc-ingress
rm -f "$BPFFS/sluice/sl_sources"
out=$(sl detach --all 2>&1)
rc=$?
# (the foreign clsact made above on $GW_SDEV stays; sluice's filters go)
qd=$(in_ns "$GW" tc qdisc show dev "$GW_CDEV"; for d in "$GW_CDEV" "$GW_SDEV"; do
	in_ns "$GW" tc filter show dev "$d" ingress; in_ns "$GW" tc filter show dev "$d" egress; done)
pins=$(find "$BPFFS" -mindepth 1 ! -name progs.debug ! -name maps.debug)
if [ "$rc" = 0 ] && ! grep -Eq "clsact|sl_t" <<<"$qd" && [ -z "$pins" ]; then
	ok "detach --all clears a broken state and its attachments ($out)"
else
	not_ok "detach --all clears a broken state and its attachments" "exit $rc: $out" "$qd" "$pins"
fi

# A state made by a sluice whose programs read another table layout (the
# layout field of sl_state, at byte 36, set to 0 as before the field
# existed): commands refuse to write tables into it, traffic keeps flowing
# through it, and detach --all removes it.
sl_ok attach "$GW_CDEV" --hook xdp
state=$(bpftool -j map dump pinned "$BPFFS/sluice/sl_state" |
	jq -r '.[0].value | to_entries | map(if .key == 36 then "0x00" else .value end) | join(" ")')
# shellcheck disable=SC2086 # one argument a byte
bpftool map update pinned "$BPFFS/sluice/sl_state" key 0 0 0 0 value $state ||
	not_ok "set the layout of the pinned state to 0"
err_check "a state of another layout is refused" "another version of sluice" class set x --pass
check "traffic flows through a state of another layout" ping_ok "$CL" "$SV4"
out=$(sl detach --all 2>&1)
rc=$?
pins=$(find "$BPFFS" -mindepth 1 ! -name progs.debug ! -name maps.debug)
if [ "$rc" = 0 ] && [ -z "$pins" ] && ! in_ns "$GW" ip link show "$GW_CDEV" | grep -q xdp; then
	ok "detach --all clears a state of another layout ($out)"
else
	not_ok "detach --all clears a state of another layout" "exit $rc: $out" "$pins"
fi

finish
