#!/bin/bash
# Every repository file that README.md, the man pages (docs/*.8, docs/*.5)
# or the Makefile's install target names is tracked by git: a file hidden
# by .gitignore (contrib/cron.d/sluice once was, by "*.d") or never added
# fails here. Needs no root and no network.
. "$(dirname "$0")/tap.sh"
set -u
cd "$(dirname "$0")/../.." || exit 1

DIRS='contrib|docs|tests|scripts|user|bpf|include|bench'

# names FILE: the repository paths named in FILE (roff escapes undone),
# wildcards kept (git matches them as pathspecs)
names() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(em/ /g' "$1" |
		grep -oE "(^|[^/A-Za-z0-9_.*-])(($DIRS)/[A-Za-z0-9_.*+/-]*[A-Za-z0-9_*]|\.clang-format)" |
		sed -E 's/^[^A-Za-z0-9_.]//' | sort -u
}

# install_names: the paths of the repository in the install target's recipe
install_names() {
	sed -n '/^install:/,/^$/p' Makefile |
		grep -oE "(^|[^/A-Za-z0-9_.*-])($DIRS)/[A-Za-z0-9_.*+/-]*[A-Za-z0-9_*]" |
		sed -E 's/^[^A-Za-z0-9_.]//' | sort -u
}

# untracked: the names on standard input that match no tracked file
untracked() {
	local p
	while read -r p; do
		[ -n "$(git ls-files -- "$p")" ] || echo "$p"
	done
}

# a checkout owned by another user than root's is still this one
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0="$PWD"
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	not_ok "a git work tree" "$(pwd) is not one"
	finish
	exit
fi

# The check itself: a name of no tracked file is found, tracked ones are not.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
printf 'See contrib/cron.d/sluice, contrib/no-such-file and tests/e2e/test_*.sh.\n' >"$tmp"
[ "$(names "$tmp" | untracked)" = contrib/no-such-file ]
result "the check finds a name of no tracked file, and only it" $? "$(names "$tmp" | untracked)"

for f in README.md docs/*.8 docs/*.5; do
	n=$(names "$f" | wc -l)
	missing=$(names "$f" | untracked)
	[ -z "$missing" ] && [ "$n" -gt 0 ]
	result "$f: the $n repository files it names are tracked" $? "not tracked: $missing"
done
n=$(install_names | wc -l)
missing=$(install_names | untracked)
[ -z "$missing" ] && [ "$n" -gt 5 ]
result "make install: the $n repository files it installs are tracked" $? "not tracked: $missing"
finish
