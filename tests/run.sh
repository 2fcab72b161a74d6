#!/bin/bash
# sluice test runner: tests/run.sh [all|unit|fuzz|datapath|e2e]
#
# Unit and datapath tests are cmocka binaries in .output/tests; end-to-end
# tests are tests/e2e/test_*.sh scripts that print TAP-style "ok - NAME" and
# "not ok - NAME" lines. Tests that need root fail under CI=true when they
# cannot have it, and are reported as skipped elsewhere. The last line is
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

OUT=.output
LOGDIR=$OUT/test-logs
mkdir -p "$LOGDIR"
what=${1:-all}
passed=0 failed=0 skipped=0
failures=()

is_root() { [ "$(id -u)" = 0 ]; }

need_root() {
	is_root && return 0
	if [ "${CI:-}" = true ]; then
		echo "FAIL $1: needs root (CI=true)"
		failed=$((failed + 1))
		failures+=("$1")
	else
		echo "SKIP $1: needs root"
		skipped=$((skipped + 1))
	fi
	return 1
}

# tally NAME PASSED FAILED LOG PATTERN: add to the totals and report, with
# the seconds since the suite's start (CI has a time budget); on failure show
# the log's lines that match PATTERN
tally() {
	local took=$((SECONDS - suite_start))
	passed=$((passed + $2))
	failed=$((failed + $3))
	if [ "$3" != 0 ]; then
		failures+=("$1")
		echo "FAIL $1 ($2 passed, $3 failed, ${took}s; log: $4)"
		grep -E "$5" "$4" | head -30
	else
		echo "ok   $1 ($2 passed, ${took}s)"
	fi
}

run_cmocka() {
	local bin=$1 name log p f rc
	name=$(basename "$bin")
	log=$LOGDIR/$name.log
	suite_start=$SECONDS
	"$bin" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1 # crashed, or a sanitizer report
	fi
	tally "$name" "$p" "$f" "$log" \
		'^\[  FAILED  \]|^\[  ERROR   \]|ERROR: AddressSanitizer|runtime error'
}

run_unit() {
	local b found=0
	for b in "$OUT"/tests/test_*; do
		[ -x "$b" ] || continue
		found=1
		run_cmocka "$b"
	done
	[ $found = 1 ] || { echo "FAIL unit: no unit tests built"; failed=$((failed + 1)); }
}

# A short libFuzzer run over the feed parsers (longer runs: make fuzz).
run_fuzz() {
	local log=$LOGDIR/fuzz_feed.log corpus=$OUT/fuzz-corpus
	mkdir -p "$corpus"
	if "$OUT/fuzz_feed" -max_total_time="${FUZZ_TIME:-20}" -max_len=65536 -timeout=10 \
		"$corpus" tests/fuzz/corpus >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "ok   fuzz_feed ($(grep -o 'Done [0-9]* runs' "$log" | tail -1))"
	else
		failed=$((failed + 1))
		failures+=("fuzz_feed")
		echo "FAIL fuzz_feed (log: $log)"
		grep -E 'ERROR|SUMMARY|crash-' "$log" | head -10
	fi
}

run_datapath() {
	need_root datapath || return 0
	run_cmocka "$OUT/tests/dp_test"
	run_cmocka "$OUT/tests/diff_test"
	run_cmocka "$OUT/tests/feed_test"
	run_cmocka "$OUT/tests/flow_test"
}

run_e2e() {
	local t name log rc p f
	for t in tests/e2e/test_*.sh; do
		name=$(basename "$t" .sh)
		need_root "$name" || continue
		log=$LOGDIR/$name.log
		suite_start=$SECONDS
		timeout -k 10 600 bash "$t" >"$log" 2>&1
		rc=$?
		p=$(grep -c '^ok ' "$log")
		f=$(grep -c '^not ok ' "$log")
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			f=1
			echo "not ok - $name exited with status $rc" >>"$log"
		fi
		tally "$name" "$p" "$f" "$log" '^not ok|^#'
	done
}

case $what in
all) run_unit; run_fuzz; run_datapath; run_e2e ;;
unit) run_unit ;;
fuzz) run_fuzz ;;
datapath) run_datapath ;;
e2e) run_e2e ;;
*) echo "usage: $0 [all|unit|fuzz|datapath|e2e]" >&2; exit 2 ;;
esac

[ ${#failures[@]} = 0 ] || echo "failed: ${failures[*]}"
echo "took ${SECONDS}s"
if [ $skipped != 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed = 0 ]
