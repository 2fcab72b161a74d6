#!/bin/bash
# Hundreds of classes, hundreds of thousands of prefixes in every feed format
# (nested and repeated across classes, ranges, host bits set), loaded by one
# `sluice apply`; `sluice lookup --stdin` on every probed address must agree
# with an outside reference written with Python's ipaddress module
# (tests/e2e/scale_ref.py), class and prefix.
. "$(dirname "$0")/lib.sh"

NCLASSES=${SCALE_CLASSES:-300}
PER_CLASS=${SCALE_PER_CLASS:-1000}
REF=$E2E_LIB_DIR/scale_ref.py

topo_setup
D=$E2E_TMP/feeds
python3 "$REF" gen "$D" "$NCLASSES" "$PER_CLASS" 7 || bail "feed generation failed"

{
	printf '[attach %s]\nhook = xdp\n' "$GW_CDEV"
	while read -r c; do
		printf '\n[class %s]\npolicy = pass\nfeed = %s\n' "$c" "$(ls "$D/$c".*)"
	done <"$D/classes.txt"
} >"$E2E_TMP/scale.conf"

t0=$(date +%s%N)
out=$(sl -j apply -c "$E2E_TMP/scale.conf" 2>"$E2E_TMP/apply.err")
rc=$?
t1=$(date +%s%N)
secs=$(((t1 - t0) / 1000000))
n=$(sl -j class list | jq '[.classes[] | .prefixes_v4 + .prefixes_v6] | add')
[ "$rc" = 0 ] && [ "$(sl -j class list | jq '.classes | length')" = $((NCLASSES + 1)) ] &&
	[ "$n" -gt $((NCLASSES * PER_CLASS / 2)) ]
result "one apply loads $NCLASSES classes, $n prefixes ($secs ms)" $? \
	"exit status $rc" "$(head -c 1500 <<<"$out")" "$(head -20 "$E2E_TMP/apply.err")"
grep -q "host bits set" "$E2E_TMP/apply.err"
result "host bits in the feeds are reported as warnings" $? "$(head -5 "$E2E_TMP/apply.err")"

sl -j class list >"$E2E_TMP/classes.json"
sl -j lookup --stdin <"$D/addrs.txt" >"$E2E_TMP/lookup.json" 2>"$E2E_TMP/lookup.err"
rc=$?
[ "$rc" = 0 ] && [ "$(jq '.results | length' "$E2E_TMP/lookup.json")" = "$(wc -l <"$D/addrs.txt")" ]
result "lookup --stdin answers every address" $? "exit status $rc" \
	"$(head -5 "$E2E_TMP/lookup.err")"
ref=$(python3 "$REF" check "$D" "$E2E_TMP/classes.json" "$E2E_TMP/lookup.json")
result "sluice lookup agrees with the ipaddress reference: $(tail -1 <<<"$ref")" $? "$ref"

# ---- a cron-style rerun: nothing changed, nothing done
gen=$(sl -j status | jq .tables.generation)
out=$(sl apply -c "$E2E_TMP/scale.conf" 2>&1)
grep -q "nothing to do" <<<"$out" && [ "$(sl -j status | jq .tables.generation)" = "$gen" ]
result "a second apply with the same feeds does nothing" $? "$out"

# ---- two feeds changed and one broken: the good ones go live in one swap,
# the broken one is refused with FILE:LINE and keeps its prefixes
printf '100.64.1.1\n' >>"$D/c000.txt"
printf 'add c002 100.64.2.0/24\n' >>"$D/c002.ipset"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "garbage line $i"; done >>"$D/c004.txt"
printf '\n[attach %s]\nhook = tc-egress\n' "$GW_SDEV" >>"$E2E_TMP/scale.conf"
probe=$(grep -v '[#-]' "$D/c004.txt" | head -1 | cut -d/ -f1)
before=$(sl -j lookup "$probe")
bytes0=$(sl -j status | jq .tables.bytes_v4)
out=$(sl -j apply -c "$E2E_TMP/scale.conf" 2>"$E2E_TMP/apply2.err")
rc=$?
[ "$rc" != 0 ] && grep -q "c004.txt:1002: " "$E2E_TMP/apply2.err" &&
	[ "$(sl -j status | jq .tables.generation)" = $((gen + 1)) ] &&
	[ "$(classes=$(sl -j lookup 100.64.1.1 100.64.2.9); jq -r '[.results[].class] | join(",")' <<<"$classes")" = c000,c002 ] &&
	jq -e '.results[0].class != "default"' <<<"$before" >/dev/null &&
	[ "$(sl -j lookup "$probe")" = "$before" ] &&
	[ "$(sl -j status | jq '.attachments | length')" = 2 ]
result "a broken feed fails the run alone: other feeds in one swap, the new attachment made" $? \
	"exit status $rc, generation $gen -> $(sl -j status | jq .tables.generation)" \
	"$(head -5 "$E2E_TMP/apply2.err")"

# That rebuild went into a map made ahead from the live table's size (a
# few percent larger: user/table_build.h): every probed address answers
# as before it (the two new prefixes are outside the probes' ranges).
bytes1=$(sl -j status | jq .tables.bytes_v4)
sl -j lookup --stdin <"$D/addrs.txt" >"$E2E_TMP/lookup2.json"
cmp -s "$E2E_TMP/lookup.json" "$E2E_TMP/lookup2.json" && [ "$bytes1" -gt $((bytes0 + bytes0 / 64)) ]
result "the rebuild into a map made ahead answers every probe as before ($bytes0 -> $bytes1 bytes)" \
	$? "$(diff "$E2E_TMP/lookup.json" "$E2E_TMP/lookup2.json" | head -5)"

finish
