#!/bin/bash
# sluice exporter under a slow-client attack (root): in a namespace of its
# own (its own loopback, nothing reachable from outside) and on a private
# bpffs with one class loaded, the exporter is held by 200 connections that
# each trickle one header line every 3 s for 20 s (tests/e2e/trickle.py);
# meanwhile scrapes must still be answered, and their latency is shown. Then
# idle connections are closed by the exporter's idle time-out.
# Prints "ok - NAME" / "not ok - NAME" lines ("# " details).
set -u
cd "$(dirname "$0")/../.." || exit 1

S=${SLUICE:-$(pwd)/.output/sluice}
ID=$$
NA=slsl$ID
T=$(mktemp -d /tmp/sluice-test-exporter-slow.XXXXXX)
B=$T/bpffs
EPORT=19470
EPID=""
TPID=""
CLIENTS=200
. tests/e2e/tap.sh

# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local p
	for p in $TPID $EPID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	SLUICE_BPFFS="$B" "$S" detach --all >/dev/null 2>&1 || true
	ip netns del "$NA" 2>/dev/null || true
	umount "$B" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

na() { ip netns exec "$NA" "$@"; }
# scrape_time FILE: one scrape into FILE (5 s at most); prints its seconds
scrape_time() {
	na curl -sS -m 5 -o "$1" -w '%{time_total}' "http://127.0.0.1:$EPORT/metrics"
}

mkdir -p "$B"
if ! mount -t bpf bpf "$B" || ! ip netns add "$NA" || ! ip -n "$NA" link set lo up; then
	not_ok "exporter slow clients: setup" "cannot make the namespace or mount a bpffs"
	exit 1
fi
if ! printf '192.0.2.0/24\n' >"$T/feed" ||
	! SLUICE_BPFFS="$B" "$S" class set web --rate 10mbit >/dev/null 2>"$T/err" ||
	! SLUICE_BPFFS="$B" "$S" feed load web "$T/feed" >/dev/null 2>>"$T/err"; then
	not_ok "exporter slow clients: a class loaded" "$(cat "$T/err")"
	exit 1
fi
# not through na(): $! must be the exporter itself (ip netns exec execs it),
# or the cleanup would kill a subshell and leave the exporter running
ip netns exec "$NA" env SLUICE_BPFFS="$B" "$S" exporter --listen "127.0.0.1:$EPORT" \
	>"$T/exp.out" 2>&1 &
EPID=$!
for _ in $(seq 1 50); do
	grep -q serving "$T/exp.out" && break
	sleep 0.1
done

t=$(scrape_time "$T/m0")
check "exporter slow clients: a scrape before (${t}s)" grep -q '^sluice_up 1$' "$T/m0"

ip netns exec "$NA" python3 tests/e2e/trickle.py "$EPORT" "$CLIENTS" 20 3 >"$T/trickle.out" 2>&1 &
TPID=$!
for _ in $(seq 1 100); do
	grep -q '^open' "$T/trickle.out" && break
	sleep 0.1
done
check "exporter slow clients: $CLIENTS trickling connections open" \
	grep -qx "open $CLIENTS" "$T/trickle.out"

# Scrapes while they trickle, spread over their 20 s.
fails=0 times=""
for i in $(seq 1 8); do
	if t=$(scrape_time "$T/m$i") && grep -q '^sluice_up 1$' "$T/m$i" &&
		grep -q '^sluice_class_info{.*class="web"' "$T/m$i"; then
		times="$times ${t}s"
	else
		fails=$((fails + 1))
		times="$times FAIL"
	fi
	sleep 2
done
est=$(na ss -tnH state established "( sport = :$EPORT )" | wc -l)
diag "scrape latency with $CLIENTS slow clients:$times ($est connections established)"
result "exporter slow clients: 8 scrapes answered while $CLIENTS clients trickle" \
	"$fails" "$fails of 8 scrapes failed:$times"

wait "$TPID"
TPID=""
check "exporter slow clients: trickling clients are not cut off while they send" \
	grep -qx "closed 0" "$T/trickle.out"

# Idle connections: closed by the exporter after its idle time-out (10 s).
ip netns exec "$NA" python3 - "$EPORT" >"$T/idle.out" 2>&1 <<'PY' &
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(50)]
time.sleep(14)
closed = 0
for s in socks:
    s.settimeout(0.5)
    try:
        closed += s.recv(1) == b""
    except OSError:
        closed += 1
print("closed %d" % closed)
PY
TPID=$!
t=$(scrape_time "$T/m9")
check "exporter slow clients: a scrape beside 50 idle connections (${t}s)" \
	grep -q '^sluice_up 1$' "$T/m9"
wait "$TPID"
TPID=""
check "exporter slow clients: idle connections are closed after the time-out" \
	grep -qx "closed 50" "$T/idle.out"
kill "$EPID" 2>/dev/null
wait "$EPID" 2>/dev/null
EPID=""
finish
