#!/bin/bash
# sluice apply: plan, apply, idempotence, changed feeds only, removals,
# config errors with FILE:LINE and no change to live state, the lock, and a
# run killed midway leaving a working state.
. "$(dirname "$0")/lib.sh"

topo_setup
CONF=$E2E_TMP/sluice.conf
printf '%s\n' "$SV4" >"$E2E_TMP/slow.txt"
printf '%s\n%s\n' "$SV4B" "$SV6B" | gzip >"$E2E_TMP/block.gz"

write_conf() {
	cat >"$CONF" <<-EOF
	; written by test_apply.sh
	[global]
	max_classes = 1024

	[attach $GW_CDEV]
	hook = xdp
	match = dst

	[attach $GW_SDEV]
	hook = tc-egress

	[class slow]
	policy = police
	rate = ${1:-10mbit}
	feed = $E2E_TMP/slow.txt

	[class blocked]
	policy = drop
	feed = $E2E_TMP/block.gz
	EOF
}

# apply_rc ARGS...: run `sluice apply`, set RC and OUT
apply_rc() {
	OUT=$(sl "$@" 2>&1)
	RC=$?
}

# ---- per-command help, without touching any state
out=$("$SLUICE" apply --help 2>&1) && grep -qF "sluice apply [-c FILE] [--dry-run]" <<<"$out" &&
	! grep -q "sluice attach" <<<"$out" &&
	out2=$("$SLUICE" help feed 2>&1) && grep -qF "sluice feed load CLASS" <<<"$out2" &&
	grep -qF -- "--max-churn PCT" <<<"$out2" && ! grep -q "sluice apply" <<<"$out2"
result "apply --help and help feed print just that command's synopsis" $? "$out" "$out2"

write_conf
# ---- plan before anything is loaded: exit status 2, every action listed
apply_rc -j apply -c "$CONF" --dry-run
if [ "$RC" = 2 ] && jq -e '.dry_run and .changes >= 5' <<<"$OUT" >/dev/null; then
	ok "dry run with nothing loaded plans the whole config (exit 2)"
else
	not_ok "dry run with nothing loaded plans the whole config (exit 2)" "rc=$RC" "$OUT"
fi
[ -d "$BPFFS/sluice" ] && not_ok "a dry run loads nothing" || ok "a dry run loads nothing"

# ---- apply
apply_rc -j apply -c "$CONF"
if [ "$RC" = 0 ] && jq -e '.changes == 6' <<<"$OUT" >/dev/null; then
	ok "apply: 2 classes, 2 feeds, 2 attachments"
else
	not_ok "apply: 2 classes, 2 feeds, 2 attachments" "rc=$RC" "$OUT"
fi
lk=$(sl -j lookup "$SV4" "$SV4B" "$SV6B" "$CL4")
if [ "$(jq -r '[.[].class] | join(",")' <<<"$lk")" = "slow,blocked,blocked,default" ]; then
	ok "lookup after apply"
else
	not_ok "lookup after apply" "$lk"
fi
tcp_fails "$SV4B" && ok "the blocked class drops traffic" || not_ok "the blocked class drops traffic"

# ---- idempotence
gen=$(sl -j status | jq .tables.generation)
apply_rc apply -c "$CONF"
if [ "$RC" = 0 ] && grep -q "nothing to do" <<<"$OUT"; then ok "second apply: nothing to do ($OUT)"
else not_ok "second apply: nothing to do" "rc=$RC" "$OUT"; fi
apply_rc -j apply -c "$CONF" --dry-run
[ "$RC" = 0 ] && jq -e '.changes == 0' <<<"$OUT" >/dev/null &&
	ok "dry run with nothing to change exits 0" || not_ok "dry run with nothing to change exits 0" "rc=$RC" "$OUT"
[ "$(sl -j status | jq .tables.generation)" = "$gen" ] && ok "no table swap on a no-op apply" ||
	not_ok "no table swap on a no-op apply"
# touching a feed without changing its bytes is still a no-op
touch "$E2E_TMP/slow.txt"
apply_rc apply -c "$CONF"
grep -q "nothing to do" <<<"$OUT" && ok "same bytes, new mtime: nothing to do" ||
	not_ok "same bytes, new mtime: nothing to do" "$OUT"

# ---- a changed feed and a changed rate: only those
printf '%s\n%s\n' "$SV4" "$SV6" >"$E2E_TMP/slow.txt"
write_conf 20mbit
apply_rc -j apply -c "$CONF" --dry-run
acts=$(jq -c '[.actions[] | .action + " " + .object]' <<<"$OUT")
if [ "$RC" = 2 ] && [ "$acts" = '["update class slow","load feeds of slow"]' ]; then
	ok "plan lists exactly the changed class and feed"
else
	not_ok "plan lists exactly the changed class and feed" "rc=$RC" "$OUT"
fi
apply_rc apply -c "$CONF"
[ "$(sl -j lookup "$SV6" | jq -r '.[0].class')" = slow ] &&
	[ "$(sl -j class list | jq '.classes[] | select(.name == "slow") | .rate_bps')" = 20000000 ] &&
	ok "changed feed and rate applied" || not_ok "changed feed and rate applied" "$OUT"

# ---- config errors: FILE:LINE, exit 1, nothing changes
gen=$(sl -j status | jq .tables.generation)
cp "$CONF" "$E2E_TMP/good.conf"
sed -i 's/^rate = 20mbit/rate = twenty/' "$CONF"
line=$(grep -n "^rate = twenty" "$CONF" | cut -d: -f1)
apply_rc apply -c "$CONF"
if [ "$RC" = 1 ] && grep -q "$CONF:$line: bad rate 'twenty'" <<<"$OUT"; then
	ok "bad rate reported as FILE:LINE ($OUT)"
else
	not_ok "bad rate reported as FILE:LINE" "rc=$RC" "$OUT"
fi
printf '[class x]\npolicy = shape\n' >"$E2E_TMP/bad2.conf"
apply_rc apply -c "$E2E_TMP/bad2.conf"
[ "$RC" = 1 ] && grep -q "bad2.conf:2: class x needs a rate" <<<"$OUT" &&
	ok "missing rate reported as FILE:LINE" || not_ok "missing rate reported as FILE:LINE" "$OUT"
printf '[klass x]\npolicy = drop\n' >"$E2E_TMP/bad3.conf"
apply_rc apply -c "$E2E_TMP/bad3.conf"
[ "$RC" = 1 ] && grep -q "bad3.conf:2: unknown section \[klass x\]" <<<"$OUT" &&
	ok "unknown section reported" || not_ok "unknown section reported" "$OUT"
printf '[attach lo]\nhook = tc-egress\nxdp_mode = native\n' >"$E2E_TMP/bad5.conf"
apply_rc apply -c "$E2E_TMP/bad5.conf"
[ "$RC" = 1 ] && grep -q "bad5.conf:3: xdp_mode applies to hook xdp only" <<<"$OUT"
result "xdp_mode without an xdp hook is an error" $? "$OUT"
printf '[class kept]\npolicy = pass\n\n[class forgotten]\n# policy = drop\n' >"$E2E_TMP/bad4.conf"
apply_rc apply -c "$E2E_TMP/bad4.conf"
[ "$RC" = 1 ] && grep -q "bad4.conf:4: \[class forgotten\] is empty" <<<"$OUT" &&
	ok "an empty class section is an error, not a class to remove" ||
	not_ok "an empty class section is an error, not a class to remove" "$OUT"
# inih takes an indented header straight after another for a header too
printf '[class kept]\n  [class other]\npolicy = pass\n' >"$E2E_TMP/bad6.conf"
apply_rc apply -c "$E2E_TMP/bad6.conf"
[ "$RC" = 1 ] && grep -q "bad6.conf:1: \[class kept\] is empty" <<<"$OUT"
result "an empty section before an indented header is found too" $? "$OUT"
# the first error in the file is the one reported
printf '[class a]\npolicy = bogus\n[class b]\n' >"$E2E_TMP/bad7.conf"
apply_rc apply -c "$E2E_TMP/bad7.conf"
[ "$RC" = 1 ] && grep -q "bad7.conf:2: bad policy 'bogus'" <<<"$OUT"
result "a bad value before an empty section is the error reported" $? "$OUT"
apply_rc -j apply -c "$E2E_TMP/missing.conf"
[ "$RC" = 1 ] && jq -e '.error | test("missing.conf")' <<<"$OUT" >/dev/null &&
	ok "missing file: JSON error" || not_ok "missing file: JSON error" "$OUT"
[ "$(sl -j status | jq .tables.generation)" = "$gen" ] &&
	[ "$(sl -j class list | jq '.classes | length')" = 3 ] &&
	ok "live state unchanged by bad configs" || not_ok "live state unchanged by bad configs"
cp "$E2E_TMP/good.conf" "$CONF"

# ---- the lock serialises: an apply waits for a holder of the lock
rm -f "$E2E_TMP/locked"
timeout 20 flock -o "$BPFFS/sluice_lock" sh -c "touch '$E2E_TMP/locked'; sleep 2" &
holder=$!
for _ in $(seq 1 100); do
	[ -e "$E2E_TMP/locked" ] && break
	sleep 0.05
done
t0=$(date +%s.%N)
printf '%s\n' "$SV4" >"$E2E_TMP/slow.txt"
apply_rc apply -c "$CONF"
t1=$(date +%s.%N)
wait "$holder"
waited=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
if [ "$RC" = 0 ] && awk -v w="$waited" 'BEGIN { exit !(w >= 1.5) }'; then
	ok "apply waits for the lock (${waited}s) and then applies"
else
	not_ok "apply waits for the lock" "rc=$RC waited ${waited}s" "$OUT"
fi

# ---- a run killed midway leaves a working state, and the next run completes
seq 1 200000 | awk '{ printf "10.%d.%d.%d\n", 100 + int($1 / 65536) % 100, int($1 / 256) % 256, $1 % 256 }' \
	>"$E2E_TMP/big.txt"
cat >>"$CONF" <<-EOF

	[class big]
	policy = drop
	feed = $E2E_TMP/big.txt
EOF
ip netns exec "$GW" "$SLUICE" apply -c "$CONF" >/dev/null 2>&1 &
victim=$!
sleep 0.15
kill -9 "$victim" 2>/dev/null
wait "$victim" 2>/dev/null
lk=$(sl -j lookup "$SV4" "$SV4B")
[ "$(jq -r '[.[].class] | join(",")' <<<"$lk")" = "slow,blocked" ] &&
	ok "after a killed apply the previous classes still answer" ||
	not_ok "after a killed apply the previous classes still answer" "$lk"
tcp_fails "$SV4B" && tcp_ok "$SV4" && ok "after a killed apply traffic still follows the config" ||
	not_ok "after a killed apply traffic still follows the config"
apply_rc apply -c "$CONF"
[ "$RC" = 0 ] && [ "$(sl -j lookup 10.100.1.1 | jq -r '.[0].class')" = big ] &&
	ok "the next apply completes" || not_ok "the next apply completes" "rc=$RC" "$OUT"

# ---- removals: a class and an attachment no longer in the file
cat >"$CONF" <<-EOF
	[attach $GW_SDEV]
	hook = tc-egress

	[class slow]
	policy = police
	rate = 20mbit
	feed = $E2E_TMP/slow.txt
EOF
apply_rc -j apply -c "$CONF"
acts=$(jq -c '[.actions[] | .action + " " + .object] | sort' <<<"$OUT")
if [ "$RC" = 0 ] && [ "$acts" = "[\"delete class big\",\"delete class blocked\",\"detach $GW_CDEV xdp\"]" ]; then
	ok "apply removes what the file no longer names"
else
	not_ok "apply removes what the file no longer names" "rc=$RC" "$OUT"
fi
[ "$(sl -j lookup "$SV4B" | jq -r '.[0].class')" = default ] && tcp_ok "$SV4B" &&
	ok "the deleted class's traffic passes again" || not_ok "the deleted class's traffic passes again"
in_ns "$GW" ip link show "$GW_CDEV" | grep -q xdp && not_ok "XDP removed from $GW_CDEV" ||
	ok "XDP removed from $GW_CDEV"

# ---- SLUICE_CONF names the file when -c does not (the systemd units use it)
OUT=$(timeout 60 ip netns exec "$GW" env SLUICE_CONF="$CONF" "$SLUICE" apply 2>&1)
RC=$?
[ "$RC" = 0 ] && grep -qF "$CONF: nothing to do" <<<"$OUT"
result "apply without -c reads \$SLUICE_CONF" $? "rc=$RC" "$OUT"

# ---- a hand load of unchanged files: JSON keeps the class's counts
printf '10.200.0.0/16\n10.201.0.1\nfd5c:99::/48\n' >"$E2E_TMP/hand.txt"
sl class set hand --pass >/dev/null
sl feed load hand "$E2E_TMP/hand.txt" >/dev/null
OUT=$(sl -j feed load hand "$E2E_TMP/hand.txt")
jq -e '.sources_unchanged and .applied == false and .prefixes_v4 == 2 and
	.prefixes_v6 == 1 and .lines == null and .format == null' <<<"$OUT" >/dev/null
result "feed load of unchanged files: JSON with the class's counts, nothing read" $? "$OUT"

finish
