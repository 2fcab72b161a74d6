#!/bin/bash
# sluice(8) and `sluice --help` name the same commands and options: every
# command and option of the help is in the man page's SYNOPSIS or OPTIONS,
# and every one there is in the help. Needs no root.
. "$(dirname "$0")/tap.sh"
set -u
cd "$(dirname "$0")/../.." || exit 1
S=${SLUICE:-.output/sluice}
[ -x "$S" ] || { not_ok "$S not built (make)"; finish; }

# roff to text: \- to -, font escapes out
man_part() {
	sed -n "/^\.SH $1/,/^\.SH $2/p" docs/sluice.8 | sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' \
		-e 's/\\(bu//g' -e 's/\\&//g' -e 's/"//g'
}
opts() { grep -oE -- '(^|[][ (|,])--?[a-z][a-z0-9-]*' | sed -E 's/^[^-]*//' | sort -u; }
# commands: "OBJECT" or "OBJECT SUB" (a lower-case word after the object)
cmd_words() { awk '{ print ($3 ~ /^[a-z]+$/) ? $2 " " $3 : $2 }' | sort -u; }
help_cmds() { grep '^  sluice [a-z]' | cmd_words; }
man_cmds() { grep '^\.B sluice [a-z]' | sed 's/^\.B //' | awk '{ print " " $0 }' | cmd_words; }

help=$("$S" --help)
syn=$(man_part SYNOPSIS DESCRIPTION; man_part OPTIONS COMMANDS)
a=$(opts <<<"$help")
b=$(opts <<<"$syn")
only_help=$(comm -23 <(echo "$a") <(echo "$b"))
only_man=$(comm -13 <(echo "$a") <(echo "$b"))
[ -z "$only_help" ]
result "every option of --help is in sluice(8)" $? "missing from the man page:" $only_help
[ -z "$only_man" ]
result "every option of sluice(8) is in --help" $? "missing from --help:" $only_man

a=$(help_cmds <<<"$help")
b=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' docs/sluice.8 | man_cmds)
only_help=$(comm -23 <(echo "$a") <(echo "$b"))
only_man=$(comm -13 <(echo "$a") <(echo "$b"))
[ -n "$a" ] && [ -z "$only_help" ] && [ -z "$only_man" ]
st=$? # before any $(...) in the arguments below resets $?
result "--help and sluice(8) list the same commands ($(echo "$a" | paste -sd,))" $st \
	"only in --help: $(echo $only_help)" "only in sluice(8): $(echo $only_man)"

# each command has its section in COMMANDS
miss=""
while read -r c; do
	[ -n "$c" ] || continue
	grep -q "^\.SS \"\{0,1\}$c\b" docs/sluice.8 || miss+=" '$c'"
done <<<"$a"
[ -z "$miss" ]
result "every command has its section in sluice(8)" $? "no section:$miss"
finish
