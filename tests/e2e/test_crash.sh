#!/bin/bash
# Kills at every point of a change (issue F1): feed load, apply, feed
# rollback and class del are killed with SIGKILL at each injected point of
# the commit (SLUICE_CRASH_AT, user/journal.c; filter and filtered inside
# each table swap, user/table_build.c), and a 300K-line load is
# killed at random moments. After each kill, the records (feed list, status)
# and the live tables (lookups through the datapath's own code) agree, the
# next run of the same command gives exactly the list it loads, and no
# staging is left behind. No network: a private bpffs, no attachment.
. "$(dirname "$0")/bpffs.sh"
bpffs_setup

A4=10.0.0.1 A6=2001:db8:a::1 B4=10.9.0.1 B6=2001:db8:b::1
printf '10.0.0.0/24\n2001:db8:a::/48\n' >"$T/A.txt"
printf '10.9.0.0/16\n10.8.0.0/16\n2001:db8:b::/48\n' >"$T/B.txt"
cat >"$T/B.conf" <<EOF
[class blk]
policy = drop
feed = $T/B.txt
EOF

# leftovers: staging that nothing will commit
leftovers() {
	find "$BPFFS" -name 'journal*' -o -name 'staged_*' -o -name '*_new' | sed "s|$BPFFS/||"
}

# live WHICH: what the records and the tables say, "A", "B", "none" or "mixed: ..."
live() {
	local src n4 st4 l
	src=$(sl -j feed list | jq -r '.classes[] | select(.class == "blk") | .sources[0].path // "none"')
	n4=$(sl -j feed list | jq -r '.classes[] | select(.class == "blk") | .prefixes_v4')
	st4=$(sl -j status | jq -r .tables.prefixes_v4)
	l=$(sl -j lookup "$A4" "$A6" "$B4" "$B6" | jq -r '[.results[].class] | join(" ")')
	case "$src/$n4/$st4/$l" in
	"$T/A.txt/1/1/blk blk default default") echo A ;;
	"$T/B.txt/2/2/default default blk blk") echo B ;;
	*) echo "mixed: sources $src, class v4 $n4, table v4 $st4, lookups $l" ;;
	esac
}

# agree NAME WANT...: the state is one of WANT, and nothing is left behind
agree() {
	local name=$1 got left
	shift
	got=$(live)
	left=$(leftovers)
	for w in "$@"; do
		if [ "$got" = "$w" ] && [ -z "$left" ]; then
			ok "$name: records and tables agree ($got)"
			return
		fi
	done
	not_ok "$name: records and tables agree" "got: $got" "left behind: ${left:-nothing}"
}

fresh() {
	sl detach --all >/dev/null 2>&1
	sl class set blk --drop >/dev/null && sl feed load blk "$T/A.txt" >/dev/null ||
		{ echo "not ok - setup"; exit 1; }
}

# feed rollback, without kills: the previous list back, and back again
fresh
out=$(sl feed rollback blk 2>&1)
rc=$?
[ $rc = 1 ] && grep -q "class blk has no previous list" <<<"$out" &&
	ok "rollback with no previous list: a clear error" ||
	not_ok "rollback with no previous list: a clear error" "status $rc" "$out"
sl feed load blk "$T/B.txt" >/dev/null
prev=$(sl -j feed list | jq -c '.classes[0].previous | [.prefixes_v4, .prefixes_v6, .paths[0]]')
[ "$prev" = "[1,1,\"$T/A.txt\"]" ] && ok "feed list shows the previous list kept" ||
	not_ok "feed list shows the previous list kept" "$prev"
sl feed rollback blk >/dev/null
r1=$(live)
sl feed rollback blk >/dev/null
r2=$(live)
[ "$r1/$r2" = "A/B" ] && ok "rollback puts back the previous list, a second one undoes it" ||
	not_ok "rollback puts back the previous list, a second one undoes it" "$r1 then $r2"

POINTS="lists stage journal commit filter filtered swap rotate records done"
# points before the commit leave the old list, the others the new one
want_after() { case $1 in lists | stage | journal) echo "$2" ;; *) echo "$3" ;; esac; }

for p in $POINTS; do
	fresh
	SLUICE_CRASH_AT=$p sl feed load blk "$T/B.txt" >/dev/null 2>&1
	rc=$?
	[ $rc = 137 ] || not_ok "feed load killed at $p" "exit status $rc"
	agree "feed load killed at $p" "$(want_after $p A B)"
	sl feed load blk "$T/B.txt" >/dev/null 2>&1
	agree "feed load killed at $p, run again" B

	fresh
	SLUICE_CRASH_AT=$p sl apply -c "$T/B.conf" >/dev/null 2>&1
	agree "apply killed at $p" "$(want_after $p A B)"
	sl apply -c "$T/B.conf" >/dev/null 2>&1
	agree "apply killed at $p, run again" B

	# live A, previous B: a rollback goes to B
	fresh
	sl feed load blk "$T/B.txt" >/dev/null && sl feed load blk "$T/A.txt" >/dev/null
	SLUICE_CRASH_AT=$p sl feed rollback blk >/dev/null 2>&1
	agree "feed rollback killed at $p" "$(want_after $p A B)"
	sl feed load blk "$T/B.txt" >/dev/null 2>&1
	agree "feed rollback killed at $p, then a load" B
done

# class del: its prefixes leave the tables first, then the class
for p in $POINTS class-del; do
	fresh
	SLUICE_CRASH_AT=$p sl class del blk >/dev/null 2>&1
	l=$(sl -j lookup "$A4" "$B4" | jq -r '[.results[].class] | join(" ")')
	n=$(sl -j status | jq -r .tables.prefixes_v4)
	case "$p/$l/$n" in
	lists/"blk default"/1 | stage/"blk default"/1 | journal/"blk default"/1 | \
		*/"default default"/0)
		ok "class del killed at $p: tables and records agree ($l, $n prefixes)" ;;
	*) not_ok "class del killed at $p: tables and records agree" "lookups $l, table v4 $n" ;;
	esac
	sl class del blk >/dev/null 2>&1
	left=$(leftovers; find "$BPFFS/sluice/feeds" -name 'c1*' -o -name 'p1*' | sed "s|$BPFFS/||")
	cls=$(sl -j class list | jq -r '[.classes[].class] | join(" ")')
	[ "$cls" = default ] && [ -z "$left" ] && ok "class del killed at $p, run again: gone" ||
		not_ok "class del killed at $p, run again: gone" "classes: $cls" "left: $left"
done

# timed kills of a large load (the kill lands anywhere: read, build, commit)
awk 'BEGIN { for (i = 0; i < 300000; i++)
	printf "10.%d.%d.%d\n", 32 + int(i / 65536), int(i / 256) % 256, i % 256 }' >"$T/big.txt"
echo "$B4" >>"$T/big.txt"
fresh
t0=$(date +%s%N)
sl feed load blk "$T/big.txt" >/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
diag "a 300001-line load takes $ms ms"
bad=0
for i in $(seq 12); do
	sl feed load blk "$T/A.txt" >/dev/null 2>&1
	delay=$(awk -v m="$ms" -v i="$i" 'BEGIN { printf "%.3f", m * i / 12 / 1000 }')
	"$SLUICE" feed load blk "$T/big.txt" >/dev/null 2>&1 &
	pid=$! # sluice itself, not a wrapper: the kill must land on it
	sleep "$delay"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	src=$(sl -j feed list | jq -r '.classes[0].sources[0].path')
	n4=$(sl -j feed list | jq -r '.classes[0].prefixes_v4')
	st4=$(sl -j status | jq -r .tables.prefixes_v4)
	l=$(sl -j lookup "$A4" "$B4" | jq -r '[.results[].class] | join(" ")')
	case "$src/$n4/$st4/$l" in
	"$T/A.txt/1/1/blk default" | "$T/big.txt/300001/300001/default blk") ;;
	*) bad=$((bad + 1)); diag "kill after ${delay}s: $src, $n4, $st4, $l" ;;
	esac
	[ -z "$(leftovers)" ] || { bad=$((bad + 1)); diag "left behind: $(leftovers)"; }
done
[ $bad = 0 ] && ok "12 kills during a 300K-line load: records and tables always agree" ||
	not_ok "12 kills during a 300K-line load: records and tables always agree" "$bad bad"
sl feed load blk "$T/big.txt" >/dev/null 2>&1
[ "$(sl -j lookup "$B4" | jq -r '.results[0].class')" = blk ] &&
	[ "$(sl -j status | jq -r .tables.prefixes_v4)" = 300001 ] &&
	ok "after the kills, the next load gives exactly its list" ||
	not_ok "after the kills, the next load gives exactly its list"

finish
