#!/bin/bash
# sluice top, end to end (root): a private bpffs, two namespaces joined by a
# veth pair, sluice on the gateway side (XDP in, TC egress out) with a
# policed class, a drop class and an idle class over the peer's addresses,
# ping floods through it while `sluice top` runs; the JSON and text frames,
# the terminal behaviour under a pseudo-terminal (q, ^C, SIGTERM, the size),
# and the errors. Prints "ok - NAME" / "not ok - NAME" lines ("# " details).
# Traffic stays between the namespaces this script creates.
# shellcheck disable=SC2016 # jq filters and ANSI sequences in single quotes
set -u
cd "$(dirname "$0")/../.." || exit 1

S=${SLUICE:-$(pwd)/.output/sluice} # SLUICE: another binary to test
ID=$$
NA=sltopa$ID # the gateway side: sluice is attached to a0 here
NB=sltopb$ID # the peer: 10.99.0.2 (class web), 10.99.0.3 (class bad)
T=$(mktemp -d /tmp/sluice-test-top.XXXXXX)
B=$T/bpffs
PIDS=()
. tests/e2e/tap.sh

# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ -d "$B/sluice" ]; then
		ip netns exec "$NA" env SLUICE_BPFFS="$B" "$S" detach --all >/dev/null 2>&1 ||
			SLUICE_BPFFS="$B" "$S" detach --all >/dev/null 2>&1 || true
	fi
	ip netns del "$NA" 2>/dev/null || true
	ip netns del "$NB" 2>/dev/null || true
	umount "$B" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

sl() { ip netns exec "$NA" env SLUICE_BPFFS="$B" "$S" "$@"; }

if [ "$(id -u)" != 0 ]; then
	not_ok "top: setup" "needs root"
	exit 1
fi
if [ ! -x "$S" ]; then
	not_ok "top: setup" "$S not built (make)"
	exit 1
fi
mkdir -p "$B"
if ! mount -t bpf bpf "$B"; then
	not_ok "top: setup" "cannot mount a bpf filesystem on $B"
	exit 1
fi
export SLUICE_BPFFS=$B

# --- errors: nothing loaded, bad options -------------------------------------

timeout 10 "$S" top --iterations 1 >"$T/none.out" 2>"$T/none.err"
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -q "nothing attached" "$T/none.err" &&
	[ ! -s "$T/none.out" ]
result "top: nothing loaded fails with the 'nothing attached' error" $? \
	"exit status $rc, stderr: $(cat "$T/none.err")"

timeout 10 "$S" -j top --iterations 1 >/dev/null 2>"$T/none-j.err"
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] &&
	jq -e '.error | test("nothing attached")' "$T/none-j.err" >/dev/null 2>&1
result "top -j: nothing loaded gives a JSON error" $? \
	"exit status $rc, stderr: $(cat "$T/none-j.err")"

bad_opts=""
for args in "--interval 0" "--interval -1" "--interval abc" "--interval 1e9" \
	"--interval nan" "--iterations 0" "--iterations x" "--iterations -3" "extra"; do
	# shellcheck disable=SC2086
	if timeout 10 "$S" top $args >/dev/null 2>"$T/opt.err" || [ ! -s "$T/opt.err" ]; then
		bad_opts="$bad_opts [$args]"
	fi
done
[ -z "$bad_opts" ]
result "top: bad --interval / --iterations / arguments are rejected with a message" $? \
	"accepted or silent:$bad_opts"

# --- setup: namespaces, veth, classes, feeds ----------------------------------

setup() {
	ip netns add "$NA" && ip netns add "$NB" &&
		ip -n "$NA" link set lo up && ip -n "$NB" link set lo up &&
		ip link add a0 netns "$NA" type veth peer name b0 netns "$NB" &&
		ip -n "$NA" addr add 10.99.0.1/24 dev a0 &&
		ip -n "$NB" addr add 10.99.0.2/24 dev b0 &&
		ip -n "$NB" addr add 10.99.0.3/24 dev b0 &&
		ip -n "$NA" link set a0 up && ip -n "$NB" link set b0 up &&
		sl attach a0 --hook xdp >/dev/null &&
		sl attach a0 --hook tc-egress >/dev/null &&
		sl class set web --rate 1gbit >/dev/null &&
		sl class set bad --drop >/dev/null &&
		sl class set idle --pass >/dev/null &&
		echo 10.99.0.2 >"$T/web.txt" && echo 10.99.0.3 >"$T/bad.txt" &&
		echo 10.99.0.9 >"$T/idle.txt" &&
		sl feed load web "$T/web.txt" >/dev/null &&
		sl feed load bad "$T/bad.txt" >/dev/null &&
		sl feed load idle "$T/idle.txt" >/dev/null
}
if ! setup >"$T/setup.log" 2>&1; then
	not_ok "top: setup (namespaces, veth, attach, classes, feeds)" "$(cat "$T/setup.log")"
	exit 1
fi
ok "top: setup (namespaces, veth, attach xdp + tc-egress, classes, feeds)"
# Wait for the link (and ARP) before the floods.
timeout 10 ip netns exec "$NB" ping -q -c 1 -w 5 -I 10.99.0.2 10.99.0.1 >/dev/null 2>&1

# --- traffic while top runs ---------------------------------------------------

# A flood from 10.99.0.2 (class web: passed both ways) and one from
# 10.99.0.3 (class bad: dropped at XDP); no traffic for class idle.
timeout 15 ip netns exec "$NB" ping -q -f -s 1000 -w 6 -I 10.99.0.2 10.99.0.1 \
	>/dev/null 2>&1 &
PIDS+=($!)
timeout 15 ip netns exec "$NB" ping -q -f -s 1000 -w 6 -I 10.99.0.3 10.99.0.1 \
	>/dev/null 2>&1 &
PIDS+=($!)
sleep 0.5

timeout 20 "$S" -j top --iterations 3 --interval 0.5 >"$T/top.json" 2>"$T/top-j.err"
rc=$?
[ "$rc" = 0 ] && [ "$(wc -l <"$T/top.json")" = 3 ] && jq -e . "$T/top.json" >/dev/null
result "top -j --iterations 3 exits 0 with 3 JSON lines" $? \
	"exit status $rc, stderr: $(cat "$T/top-j.err")" "output: $(head -c 2000 "$T/top.json")"

# jcheck NAME FILTER: ok when FILTER is true over the array of refreshes.
jcheck() {
	jq -se "$2" "$T/top.json" >/dev/null 2>&1
	result "$1" $? "jq: $2" "output: $(head -c 3000 "$T/top.json")"
}

jcheck "top -j: every refresh has the fields, raw numbers, a measured interval" '
	length == 3 and all(.[];
		(.time_ns | type) == "number" and .interval_ns > 400000000 and
		.interval_ns < 1500000000 and (.classes | length) == 4 and
		all(.classes[]; (.class | type) == "string" and (.class_id | type) == "number" and
			(.policy | type) == "string" and
			all(.in, .out; all(.pass_pps, .pass_bps, .drop_pps, .drop_bps;
				type == "number" and . >= 0 and . == floor))) and (.time | test("^[0-9-]+T[0-9:.]+Z$")) and
		all(.not_classified.in, .not_classified.out;
			all(.pass_pps, .pass_bps, .drop_pps, .drop_bps; type == "number"))) and
	.[0].time_ns < .[1].time_ns and .[1].time_ns < .[2].time_ns'

jcheck "top -j: the classes, ids and policies are listed" '
	all(.[]; (.classes | map(.class) | sort) == ["bad", "default", "idle", "web"] and
		(.classes[] | select(.class == "web") | .policy) == "police" and
		(.classes[] | select(.class == "bad") | .policy) == "drop" and
		(.classes[] | select(.class == "default") | .class_id) == 0)'

jcheck "top -j: the policed class passes traffic in (XDP) in some refresh" '
	any(.[]; .classes[] | select(.class == "web") | .in.pass_bps > 0 and .in.pass_pps > 0)'

jcheck "top -j: the policed class passes the replies out (tc-egress) in some refresh" '
	any(.[]; .classes[] | select(.class == "web") | .out.pass_bps > 0)'

jcheck "top -j: the drop class drops in some refresh and passes nothing" '
	any(.[]; .classes[] | select(.class == "bad") | .in.drop_pps > 0 and .in.drop_bps > 0) and
	all(.[]; .classes[] | select(.class == "bad") | .in.pass_pps == 0 and .out.pass_pps == 0)'

jcheck "top -j: the idle class is 0 in every refresh" '
	all(.[]; .classes[] | select(.class == "idle") |
		[.in[], .out[]] | all(. == 0))'

# (each rate is rounded to an integer: the sum of N rounded rates is within
# (N + 1) / 2 of the rounded total)
jcheck "top -j: the totals add up the classes and the not-classified frames" '
	all(.[]; . as $f | all("in", "out"; . as $d |
		all("pass_bps", "drop_pps"; . as $k |
			(([$f.classes[][$d][$k]] | add) + $f.not_classified[$d][$k] -
				$f.total[$d][$k]) | (if . < 0 then -. else . end) <=
				(($f.classes | length) + 2) / 2)))'

jcheck "top -j: classes sorted by traffic, busiest first, idle ones last by name" '
	all(.[]; (.classes | map(.in.pass_bps + .in.drop_bps + .out.pass_bps + .out.drop_bps))
		as $t | ([range(1; $t | length)] | all($t[. - 1] >= $t[.])) and
		(.classes | map(select(.in.pass_bps + .in.drop_bps + .out.pass_bps +
			.out.drop_bps == 0) | .class)) as $z | $z == ($z | sort)) and
	any(.[]; .classes[0].class == "web" and .classes[-1].class == "idle")'

timeout 20 "$S" top --iterations 2 --interval 0.5 >"$T/top.txt" 2>"$T/top.err"
rc=$?
[ "$rc" = 0 ] && [ "$(grep -c "^sluice top " "$T/top.txt")" = 2 ] &&
	! grep -q $'\e' "$T/top.txt" && [ "$(grep -c "^$" "$T/top.txt")" = 1 ]
result "top --iterations 2 (text, not a TTY) exits 0 with 2 frames and no ANSI codes" $? \
	"exit status $rc, stderr: $(cat "$T/top.err")" "output:" "$(cat "$T/top.txt")"

missing=""
for w in web bad idle default "(total)" "(not classified)" "pkt/s" "bit/s" \
	"generation" "attachments 2" "classes 4"; do
	grep -qF -- "$w" "$T/top.txt" || missing="$missing [$w]"
done
[ -z "$missing" ] &&
	grep -Eq "^web +police +in +[0-9.]+[KMG]? +[0-9.]+[KMG]bit " "$T/top.txt" &&
	grep -Eq "^bad +drop +in +0 +0bit +[0-9.]+[KMG]? +[0-9.]+[KMG]?bit" "$T/top.txt" &&
	grep -Eq "^idle +pass +in +0 +0bit +0 +0bit$" "$T/top.txt"
result "top text: class names, totals, not-classified line and human units" $? \
	"missing:$missing" "output:" "$(cat "$T/top.txt")"

for p in "${PIDS[@]}"; do
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
PIDS=()

# --- under a pseudo-terminal --------------------------------------------------

# pty_run ACTION: top under script(1) in a 60x12 terminal, then ACTION once
# its second frame is out (q: type q; int: type ^C; term: SIGTERM to sluice). Files $T/ACTION.*;
# sets pty_rc and pty_ms (ms from the action to the exit, or "timeout").
pty_run() {
	local name=$1 action=$1 spid t0 t1
	rm -f "$T/$name".*
	mkfifo "$T/$name.in"
	cat >"$T/$name.sh" <<-EOF
		stty rows 12 cols 60
		stty -g >"$T/$name.before"
		env TERM=xterm SLUICE_BPFFS="$B" \\
			sh -c 'echo \$\$ >"$T/$name.pid"; exec "$S" top --interval 0.5'
		rc=\$?
		stty -g >"$T/$name.after"
		exit \$rc
	EOF
	# script(1) runs the command with $SHELL -c: exec, so that no shell
	# between script and bash dies of the ^C itself (dash does, and script
	# then reports 130 although top exited 0; CI has no SHELL=/bin/bash).
	timeout 20 script -qfec "exec bash $T/$name.sh" /dev/null <"$T/$name.in" >"$T/$name.out" 2>&1 &
	spid=$!
	PIDS+=("$spid")
	exec 7>"$T/$name.in"
	# Act only once top has drawn two frames: its handlers and raw mode are
	# in place by then. A fixed sleep raced a slow start on a loaded machine
	# (^C before the handler was installed killed it with status 130).
	for _ in $(seq 1 200); do
		[ "$(grep -aoF $'\e[H\e[2J' "$T/$name.out" 2>/dev/null | wc -l)" -ge 2 ] && break
		sleep 0.05
	done
	t0=$(date +%s%N)
	case $action in
	q) printf q >&7 ;;
	int) printf '\003' >&7 ;;
	term) kill -TERM "$(cat "$T/$name.pid" 2>/dev/null)" 2>/dev/null ;;
	esac
	pty_ms=timeout
	for _ in $(seq 1 40); do
		if ! kill -0 "$spid" 2>/dev/null; then
			t1=$(date +%s%N)
			pty_ms=$(((t1 - t0) / 1000000))
			break
		fi
		sleep 0.05
	done
	if [ "$pty_ms" = timeout ]; then
		kill "$(cat "$T/$name.pid" 2>/dev/null)" 2>/dev/null
		kill "$spid" 2>/dev/null
	fi
	wait "$spid"
	pty_rc=$?
	exec 7>&-
	unset 'PIDS[${#PIDS[@]}-1]'
}

# pty_ok: exit status 0 within 2 s of the action
pty_ok() {
	[ "$pty_rc" = 0 ] && [ "$pty_ms" != timeout ] && [ "$pty_ms" -lt 2000 ]
}

# tty_same ACTION: the terminal settings before and after top are the same
tty_same() {
	[ -s "$T/$1.before" ] && cmp -s "$T/$1.before" "$T/$1.after"
}

pty_run q
pty_ok
result "top on a TTY: q quits with status 0 within 2 s" $? \
	"exit status $pty_rc, exit after ${pty_ms} ms" "output: $(head -c 1500 "$T/q.out" | cat -v)"
[ "$(grep -aoF $'\e[H\e[2J' "$T/q.out" | wc -l)" -ge 2 ] && grep -aq "(q quits)" "$T/q.out"
result "top on a TTY: each refresh clears the screen with ANSI" $? \
	"output: $(head -c 1500 "$T/q.out" | cat -v)"
# The last frame: after the last clear, lines cut to 60 columns, 11 lines.
sed 's/\r$//' "$T/q.out" |
	awk 'BEGIN { RS = "\033\\[H\033\\[2J" } { last = $0 } END { printf "%s", last }' >"$T/q.frame"
grep -q "^sluice top " "$T/q.frame" && grep -q "^(2 more)$" "$T/q.frame" &&
	[ "$(awk 'length > 60' "$T/q.frame" | wc -l)" = 0 ] &&
	[ "$(grep -c . "$T/q.frame")" -le 11 ]
result "top on a TTY: fits a 60x12 terminal, the rest as (N more)" $? \
	"last frame:" "$(cat -v "$T/q.frame")"
tty_same q
result "top on a TTY: the terminal settings are restored after q" $? \
	"before: $(cat "$T/q.before" 2>/dev/null)" "after:  $(cat "$T/q.after" 2>/dev/null)"

for sig in int:^C term:SIGTERM; do
	pty_run "${sig%%:*}"
	pty_ok && tty_same "${sig%%:*}"
	result "top on a TTY: ${sig#*:} exits 0 within 2 s and restores the terminal" $? \
		"exit status $pty_rc, exit after ${pty_ms} ms" \
		"before: $(cat "$T/${sig%%:*}.before" 2>/dev/null)" \
		"after:  $(cat "$T/${sig%%:*}.after" 2>/dev/null)"
done

# TERM=dumb and NO_COLOR: a terminal that takes no escapes gets none
for e in TERM=dumb "TERM=xterm NO_COLOR=1"; do
	timeout 20 script -qfec "env $e SLUICE_BPFFS=$B $S top --interval 0.3 --iterations 2" \
		/dev/null </dev/null >"$T/plain.out" 2>&1
	rc=$?
	[ "$rc" = 0 ] && grep -aq "^sluice top " "$T/plain.out" && ! grep -aq $'\e' "$T/plain.out"
	result "top on a TTY with $e: frames without ANSI escapes" $? \
		"exit status $rc, output: $(head -c 600 "$T/plain.out" | cat -v)"
done

# --- the state going away under a running top ----------------------------------

timeout 20 "$S" top --interval 0.3 >"$T/gone.out" 2>"$T/gone.err" &
gpid=$!
PIDS+=("$gpid")
# detach once top has drawn a frame (it has the state open then)
for _ in $(seq 1 50); do
	grep -q '^sluice top ' "$T/gone.out" && break
	sleep 0.1
done
sl detach --all >/dev/null 2>&1
for _ in $(seq 1 30); do
	kill -0 "$gpid" 2>/dev/null || break
	sleep 0.1
done
kill "$gpid" 2>/dev/null
wait "$gpid"
rc=$?
PIDS=()
[ "$rc" != 0 ] && grep -q "unloaded" "$T/gone.err"
result "top: exits non-zero with a message when sluice is unloaded under it" $? \
	"exit status $rc, stderr: $(cat "$T/gone.err")"

finish
