#!/bin/bash
# The JSON vocabulary: every command's -j output is checked against the keys
# documented in docs/sluice-json.keys (the list beside sluice(8)'s JSON
# OUTPUT section): no key that is not documented, every number an integer,
# every *_ns key beside its RFC 3339 string, errors and warnings as one
# {"error"} or {"warning"} object a line. Each documented key appears in
# sluice(8), and each command's documented keys are all seen in some run.
. "$(dirname "$0")/lib.sh"

KEYS=$SLUICE_ROOT/docs/sluice-json.keys
topo_setup
OUTS=$E2E_TMP/outs
mkdir "$OUTS"
printf '%s\n%s\n' "$SV4" "$SV6" >"$E2E_TMP/a.txt"
printf '%s\n' "$SV4B" >"$E2E_TMP/b.txt"

# run NAME ARGS...: sluice -j ARGS, stdout kept as one document of command NAME
run() {
	local name=$1
	shift
	sl -j "$@" >>"$OUTS/$name" 2>>"$E2E_TMP/stderr"
	echo "$name $? $*" >>"$E2E_TMP/runs"
}

run version -V
run help help
run help help feed
run class_list class list
run attach attach "$GW_CDEV" --hook xdp
run attach attach "$GW_SDEV" --hook tc-egress
run attach attach "$GW_SDEV" --hook tc-egress
run class_set class set web --rate 10mbit
run class_set class set web --rate 10mbit
run class_set class set blk --drop
run feed_load feed load web "$E2E_TMP/a.txt"
run feed_load feed load web "$E2E_TMP/a.txt"
run feed_plan feed plan blk "$E2E_TMP/b.txt"
run feed_load feed load blk "$E2E_TMP/b.txt"
run feed_check feed check web "$E2E_TMP/b.txt"
printf '%s\n' "$SV4B" "$SV6B" >"$E2E_TMP/b2.txt"
run feed_load feed load blk "$E2E_TMP/b2.txt"
run feed_list feed list
run feed_rollback feed rollback blk
run lookup lookup "$SV4" "$SV6B"
run class_set class set pf --rate 10mbit --per flow --initiator local --idle 5m
printf '%s\n' "$SV6B" >"$E2E_TMP/f.txt" # blk's again after its rollback
run feed_load feed load pf "$E2E_TMP/f.txt"
in_ns "$CL" ping -n -q -c 2 -i 0.2 -W 1 "$SV6B" >/dev/null 2>&1
run flows flows
run flows flows pf --top 5 --sort bytes
run class_list class list
run stats stats
run status status
run top top --interval 0.2 --iterations 2
# the exporter runs until stopped: its one document, at the start
timeout 2 ip netns exec "$GW" "$SLUICE" -j exporter --listen 127.0.0.1:0 >"$OUTS/exporter" 2>>"$E2E_TMP/stderr"
cat >"$E2E_TMP/s.conf" <<CONF
[global]
v4_size = 500000
[attach $GW_CDEV]
hook = xdp
[attach $GW_SDEV]
hook = tc-egress
[class web]
policy = police
rate = 20mbit
feed = $E2E_TMP/a.txt
[class blk]
policy = drop
feed = $E2E_TMP/b.txt
[class new]
policy = drop
feed = $E2E_TMP/b.txt
CONF
run detach detach "$GW_SDEV"
run apply apply -c "$E2E_TMP/s.conf" --dry-run
run apply apply -c "$E2E_TMP/s.conf" --check
run apply apply -c "$E2E_TMP/s.conf"
run class_del class del new
run detach detach "$GW_SDEV"
run apply apply -c "$E2E_TMP/s.conf"
run detach detach --all
run detach detach --all

# exit statuses: 0, or 2 for a plan or dry run that finds changes
bad=$(awk '$2 != 0 && !($2 == 2 && ($0 ~ /dry-run/ || $1 == "feed_plan"))' "$E2E_TMP/runs")
[ -z "$bad" ]
result "every command ran" $? "$bad" "$(cat "$E2E_TMP/stderr")"

# leaves CMD: the key paths of CMD's outputs, arrays as [] ("actions[].verb")
leaves() {
	jq -r '[paths(type != "object" and type != "array") | reduce .[] as $p (""; if ($p | type) == "number"
		then . + "[]" else (if . == "" then $p else . + "." + $p end) end)]
		| .[]' "$OUTS/$1" | sort -u
}
documented() { awk -v c="$1" '$1 == c { print $2 }' "$KEYS" | sort -u; }

# SLUICE_JSON_KEYS_WRITE=FILE: write the keys seen there, as a start for an edit
if [ -n "${SLUICE_JSON_KEYS_WRITE:-}" ]; then
	for f in "$OUTS"/*; do
		leaves "$(basename "$f")" | sed "s/^/$(basename "$f") /"
	done >"$SLUICE_JSON_KEYS_WRITE"
fi
fail=""
for f in "$OUTS"/*; do
	c=$(basename "$f")
	extra=$(comm -23 <(leaves "$c") <(documented "$c"))
	[ -z "$extra" ] || fail+="$c: undocumented: $(echo $extra)"$'\n'
	unseen=$(comm -13 <(leaves "$c") <(documented "$c"))
	[ -z "$unseen" ] || fail+="$c: documented, never seen: $(echo $unseen)"$'\n'
done
for c in $(awk '!/^#/ { print $1 }' "$KEYS" | sort -u); do
	case $c in error | warning) continue ;; esac
	[ -s "$OUTS/$c" ] || fail+="$c: documented, never run"$'\n'
done
[ -z "$fail" ]
result "every command's -j keys are the documented ones" $? "$fail"

# numbers are integers; KEY_ns has its RFC 3339 KEY beside it (wall clock)
bad=$(cat "$OUTS"/* | jq -c '[paths(numbers) as $p | select(getpath($p) != (getpath($p) | floor)) | $p]
	| select(length > 0)')
[ -z "$bad" ]
result "every number is an integer" $? "$bad"
bad=$(cat "$OUTS"/* | jq -c '[paths(numbers) as $p | ($p[-1] | tostring) as $k
	| select(($k | endswith("_ns")) and ([$k] | inside(["interval_ns", "duration_ns",
		"age_ns", "idle_ns", "read_ns", "parse_ns", "normalise_ns", "plan_ns", "build_ns",
		"swap_ns"]) | not))
	| ($p[:-1] + [$k | rtrimstr("_ns")]) as $q | select((getpath($q) // "") as $v
	| ($v | type) != "string" or ($v | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z$") | not))
	| select(getpath($p) != 0) | $p] | select(length > 0)')
[ -z "$bad" ]
result "every wall-clock _ns key has its RFC 3339 string" $? "$bad"

# every command that changes state says whether it did
bad=$(for c in attach detach class_set class_del feed_load apply; do
	jq -c --arg c "$c" 'select(has("changed") | not) | {($c): .}' "$OUTS/$c"; done)
[ -z "$bad" ]
result "every command that can change state has changed" $? "$bad"
jq -s -e '.[1].changed == false and .[0].changed == true' "$OUTS/class_set" >/dev/null
result "class set of the same spec twice: changed, then not" $? "$(cat "$OUTS/class_set")"

# errors and warnings: one object a line on stderr
err=$(sl -j class del nosuch 2>&1 >/dev/null)
jq -e 'keys == ["error"]' <<<"$err" >/dev/null && [ "$(wc -l <<<"$err")" = 1 ]
result "an error under -j is one {\"error\"} line" $? "$err"
printf '10.231.9.0/23\n' >"$E2E_TMP/w.txt"
sl class set w --drop >/dev/null
warn=$(sl -j feed load w "$E2E_TMP/w.txt" 2>&1 >/dev/null)
[ -n "$warn" ] && jq -e 'keys == ["warning"]' <<<"$warn" >/dev/null
result "a warning under -j is a {\"warning\"} line" $? "$warn"

# the documented keys are in sluice(8)
missing=""
for k in $(awk '!/^#/ { print $2 }' "$KEYS" | tr '.' '\n' | sed 's/\[\]//' | sort -u); do
	sed 's/\\-/-/g; s/\\f[BIRP]//g' "$SLUICE_ROOT/docs/sluice.8" | grep -qw -- "$k" ||
		missing+=" $k"
done
[ -z "$missing" ]
result "every documented key is named in sluice(8)" $? "missing:$missing"

finish
