# shellcheck shell=bash
# TAP-like reporting for the end-to-end tests: "ok - NAME" and "not ok - NAME"
# lines with "# " details, which tests/run.sh counts. Sourced by lib.sh and by
# the tests that build their own topology.

E2E_PASS=0
E2E_FAIL=0
# numbers with a decimal point (printf '%.0f', awk), whatever the caller's locale
export LC_ALL=C

ok() { echo "ok - $1"; E2E_PASS=$((E2E_PASS + 1)); }

# not_ok NAME [DETAIL...]
not_ok() {
	local d
	echo "not ok - $1"
	shift
	for d in "$@"; do
		diag "$d"
	done
	E2E_FAIL=$((E2E_FAIL + 1))
}

# diag TEXT: "# " before every line
diag() {
	local l
	while IFS= read -r l; do
		echo "# $l"
	done <<<"$*"
}

# result NAME STATUS DETAIL...: ok when STATUS (of the checks just run) is 0
result() {
	local name=$1 status=$2
	shift 2
	if [ "$status" = 0 ]; then ok "$name"; else not_ok "$name" "$@"; fi
}

# check NAME CMD...: ok when CMD succeeds (its output is shown on failure)
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "command: $*" "${out:-(no output)}"
	fi
}

# check_fails NAME CMD...: ok when CMD fails
check_fails() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		not_ok "$name" "command succeeded but should have failed: $*" "${out:-(no output)}"
	else
		ok "$name"
	fi
}

# finish: the totals, and the status of the test
finish() {
	echo "# $E2E_PASS passed, $E2E_FAIL failed"
	[ "$E2E_FAIL" = 0 ]
}
