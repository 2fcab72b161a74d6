# shellcheck shell=bash disable=SC2034
# sluice end-to-end test helpers, sourced by tests/e2e/test_*.sh and by
# scripts/demo.sh.
#
# Topology (every name suffixed with the PID, so runs never collide):
#
#   client ns $CL            gateway ns $GW                 server ns $SV
#   cl0 10.231.1.2/24 --- gwc0 10.231.1.1/24
#       fd5c:1::2/64           fd5c:1::1/64
#                              gws0 10.231.2.1/24 --- sv0 10.231.2.2/24
#                                   fd5c:2::1/64          fd5c:2::2/64
#                                                     lo  10.231.3.1/32, fd5c:3::1/128
#
# The server's second address ($SV4B, $SV6B) is in no sluice class: the
# control flows. Forwarding is on in the gateway only; the client and the
# server route just the test prefixes through it, and every neighbour entry
# is static, so no packet ever leaves these namespaces and no ARP or
# neighbour discovery can be caught by a drop class. sluice runs inside the
# gateway, with its pins on a private bpffs mounted on a temporary directory
# (never /sys/fs/bpf: `ip netns exec` remounts /sys).
#
# Output is TAP-like: "ok - NAME" / "not ok - NAME" and "# detail" lines;
# tests/run.sh counts them. finish() prints the totals and sets the status.
set -u

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SLUICE_ROOT=$(cd "$E2E_LIB_DIR/../.." && pwd)
SLUICE=${SLUICE:-$SLUICE_ROOT/.output/sluice}

E2E_ID=$$
CL=slc$E2E_ID
GW=slg$E2E_ID
SV=sls$E2E_ID
# devices: the client's, the gateway's client-facing and server-facing, the server's
CL_DEV=cl0 GW_CDEV=gwc0 GW_SDEV=gws0 SV_DEV=sv0
# addresses
CL4=10.231.1.2 GWC4=10.231.1.1 GWS4=10.231.2.1 SV4=10.231.2.2 SV4B=10.231.3.1
CL6=fd5c:1::2 GWC6=fd5c:1::1 GWS6=fd5c:2::1 SV6=fd5c:2::2 SV6B=fd5c:3::1
# fixed MAC addresses, for the static neighbour entries
CL_MAC=02:5c:01:00:00:02 GWC_MAC=02:5c:01:00:00:01
GWS_MAC=02:5c:02:00:00:01 SV_MAC=02:5c:02:00:00:02

E2E_TMP=""  # scratch directory (iperf3 logs, feed files)
BPFFS=""    # the private bpffs mount point
IPERF_SERVER_PID="" # the background iperf3 server and client, while they run
IPERF_CLIENT_PID=""
E2E_PIDS=() # other background jobs of a test, stopped by the cleanup
E2E_PORT=5201
E2E_QUIET=${E2E_QUIET:-0}

# ---------------------------------------------------------------- reporting

# ok, not_ok, diag, result, check, check_fails, finish
. "$E2E_LIB_DIR/tap.sh"

# bail MSG: a broken setup; stop here (the EXIT trap cleans up)
bail() {
	echo "not ok - setup: $*"
	E2E_FAIL=$((E2E_FAIL + 1))
	exit 1
}

log() { [ "$E2E_QUIET" = 1 ] || echo "# $*"; }

# ---------------------------------------------------------------- running things

# in NS CMD...: run CMD in namespace NS, bounded
in_ns() {
	local ns=$1
	shift
	timeout -k 5 30 ip netns exec "$ns" "$@"
}

# sl ARGS...: sluice in the gateway, on the private bpffs
sl() { timeout -k 5 60 ip netns exec "$GW" "$SLUICE" "$@"; }

# sl_ok ARGS...: sluice that must succeed (setup steps); bails otherwise
sl_ok() {
	local out
	out=$(sl "$@" 2>&1) || bail "sluice $* failed: $out"
	[ "$E2E_QUIET" = 1 ] || diag "sluice $*: $out"
}

# feed CLASS ADDR...: load the addresses into CLASS through standard input
feed() {
	local cls=$1
	shift
	printf '%s\n' "$@" | sl feed load "$cls" - >/dev/null
}

# ping_ok NS ADDR: one echo answered within 1 s (three tries)
ping_ok() {
	local i
	for i in 1 2 3; do
		timeout -k 2 5 ip netns exec "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}

# ping_fails NS ADDR: three echoes, none answered
ping_fails() {
	! timeout -k 2 10 ip netns exec "$1" ping -n -q -c 3 -i 0.2 -W 1 "$2" >/dev/null 2>&1
}

# ---------------------------------------------------------------- iperf3

# iperf_server [LIFETIME [NS]]: start a one-off iperf3 server in NS (the
# server namespace) on a fresh port and wait until it listens. Sets
# IPERF_PORT; the server gives up after LIFETIME s.
iperf_server() {
	local lifetime=${1:-60} ns=${2:-$SV}
	E2E_PORT=$((E2E_PORT + 1))
	IPERF_PORT=$E2E_PORT
	timeout -k 2 "$lifetime" ip netns exec "$ns" iperf3 -s -1 -p "$IPERF_PORT" \
		>"$E2E_TMP/iperf-server-$IPERF_PORT.log" 2>&1 &
	IPERF_SERVER_PID=$!
	for _ in $(seq 50); do
		ip netns exec "$ns" ss -Hltn "sport = :$IPERF_PORT" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

iperf_server_stop() {
	if [ -n "$IPERF_SERVER_PID" ]; then
		kill "$IPERF_SERVER_PID" 2>/dev/null
		wait "$IPERF_SERVER_PID" 2>/dev/null
	fi
	IPERF_SERVER_PID=""
	return 0
}

# goodput ADDR SECONDS [iperf3 client options...]: TCP upload from the client
# to ADDR for SECONDS after a first, omitted second (slow start). Sets GOODPUT
# to the receiver's goodput in bit/s (an integer), or returns 1 with the
# reason in IPERF_ERROR. Call it directly, not in $(...): it sets variables.
GOODPUT=0
IPERF_ERROR=""
goodput() {
	local addr=$1 secs=$2 json bps
	shift 2
	GOODPUT=0
	IPERF_ERROR=""
	if ! iperf_server $((secs + 30)); then
		IPERF_ERROR="the iperf3 server did not start"
		iperf_server_stop
		return 1
	fi
	# In the background: `wait` lets a signal end the script at once.
	timeout -k 2 $((secs + 20)) ip netns exec "$CL" iperf3 -c "$addr" -p "$IPERF_PORT" \
		-t "$secs" -O 1 -J --connect-timeout 2000 "$@" >"$E2E_TMP/iperf-client.json" 2>&1 &
	IPERF_CLIENT_PID=$!
	wait "$IPERF_CLIENT_PID"
	IPERF_CLIENT_PID=""
	json=$(cat "$E2E_TMP/iperf-client.json")
	iperf_server_stop
	bps=$(jq -r '.end.sum_received.bits_per_second // empty' <<<"$json" 2>/dev/null)
	if [ -z "$bps" ]; then
		IPERF_ERROR=$(jq -r '.error // empty' <<<"$json" 2>/dev/null)
		IPERF_ERROR=${IPERF_ERROR:-${json:0:300}}
		IPERF_ERROR=${IPERF_ERROR:-no output (timed out?)}
		return 1
	fi
	GOODPUT=$(printf '%.0f' "$bps")
}

# tcp_ok ADDR: a one-second TCP transfer to ADDR completes
tcp_ok() {
	goodput "$1" 1
}

# tcp_fails ADDR: the TCP connection cannot be set up (while the server listens)
tcp_fails() {
	goodput "$1" 1 && return 1
	case $IPERF_ERROR in
	*"server did not start"*) return 1 ;;
	esac
	return 0
}

# mbit BPS: bit/s as Mbit/s with two decimals
mbit() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }'; }

# ---------------------------------------------------------------- topology

topo_setup() {
	local ns c
	[ "$(id -u)" = 0 ] || bail "needs root"
	[ -x "$SLUICE" ] || bail "$SLUICE not built (make)"
	for c in ip iperf3 jq ping ss timeout; do
		command -v "$c" >/dev/null || bail "$c not installed (make deps)"
	done
	# Signals end the script through exit, so that the EXIT trap runs.
	trap e2e_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	trap 'exit 143' TERM

	E2E_TMP=$(mktemp -d /tmp/sluice-e2e.XXXXXX) || bail "mktemp"
	# Run a copy: a rebuild during the test (make relinks in place) must not
	# swap the binary under it.
	cp "$SLUICE" "$E2E_TMP/sluice" || bail "cannot copy $SLUICE"
	SLUICE=$E2E_TMP/sluice
	BPFFS=$E2E_TMP/bpffs
	mkdir "$BPFFS"
	mount -t bpf bpf "$BPFFS" || bail "cannot mount a bpffs on $BPFFS"
	export SLUICE_BPFFS=$BPFFS

	local fwd
	for ns in "$CL" "$GW" "$SV"; do
		ip netns add "$ns" || bail "ip netns add $ns"
		ip -n "$ns" link set lo up
		# Forwarding in the gateway only. No DAD: addresses usable at once.
		fwd=0
		[ "$ns" = "$GW" ] && fwd=1
		in_ns "$ns" sysctl -qw net.ipv4.ip_forward=$fwd net.ipv6.conf.all.forwarding=$fwd \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 >/dev/null ||
			bail "sysctl in $ns"
	done
	ip -n "$CL" link add "$CL_DEV" address "$CL_MAC" type veth \
		peer name "$GW_CDEV" address "$GWC_MAC" netns "$GW" || bail "veth client-gateway"
	ip -n "$SV" link add "$SV_DEV" address "$SV_MAC" type veth \
		peer name "$GW_SDEV" address "$GWS_MAC" netns "$GW" || bail "veth gateway-server"

	ip -n "$CL" addr add "$CL4/24" dev "$CL_DEV"
	ip -n "$CL" addr add "$CL6/64" dev "$CL_DEV" nodad
	ip -n "$GW" addr add "$GWC4/24" dev "$GW_CDEV"
	ip -n "$GW" addr add "$GWC6/64" dev "$GW_CDEV" nodad
	ip -n "$GW" addr add "$GWS4/24" dev "$GW_SDEV"
	ip -n "$GW" addr add "$GWS6/64" dev "$GW_SDEV" nodad
	ip -n "$SV" addr add "$SV4/24" dev "$SV_DEV"
	ip -n "$SV" addr add "$SV6/64" dev "$SV_DEV" nodad
	ip -n "$SV" addr add "$SV4B/32" dev lo
	ip -n "$SV" addr add "$SV6B/128" dev lo nodad
	ip -n "$CL" link set "$CL_DEV" up
	ip -n "$GW" link set "$GW_CDEV" up
	ip -n "$GW" link set "$GW_SDEV" up
	ip -n "$SV" link set "$SV_DEV" up

	# Only the test prefixes go through the gateway: no default routes.
	ip -n "$CL" route add 10.231.0.0/16 via "$GWC4" || bail "client route"
	ip -n "$CL" -6 route add fd5c::/16 via "$GWC6" || bail "client route (IPv6)"
	ip -n "$SV" route add 10.231.1.0/24 via "$GWS4" || bail "server route"
	ip -n "$SV" -6 route add fd5c:1::/64 via "$GWS6" || bail "server route (IPv6)"
	ip -n "$GW" route add "$SV4B/32" via "$SV4" || bail "gateway route"
	ip -n "$GW" -6 route add "$SV6B/128" via "$SV6" || bail "gateway route (IPv6)"

	# Static neighbours: no ARP or neighbour discovery to be dropped.
	ip -n "$CL" neigh replace "$GWC4" lladdr "$GWC_MAC" dev "$CL_DEV" nud permanent
	ip -n "$CL" neigh replace "$GWC6" lladdr "$GWC_MAC" dev "$CL_DEV" nud permanent
	ip -n "$GW" neigh replace "$CL4" lladdr "$CL_MAC" dev "$GW_CDEV" nud permanent
	ip -n "$GW" neigh replace "$CL6" lladdr "$CL_MAC" dev "$GW_CDEV" nud permanent
	ip -n "$GW" neigh replace "$SV4" lladdr "$SV_MAC" dev "$GW_SDEV" nud permanent
	ip -n "$GW" neigh replace "$SV6" lladdr "$SV_MAC" dev "$GW_SDEV" nud permanent
	ip -n "$SV" neigh replace "$GWS4" lladdr "$GWS_MAC" dev "$SV_DEV" nud permanent
	ip -n "$SV" neigh replace "$GWS6" lladdr "$GWS_MAC" dev "$SV_DEV" nud permanent

	local a
	for a in "$SV4" "$SV4B" "$SV6" "$SV6B"; do
		ping_ok "$CL" "$a" || bail "no connectivity from the client to $a before sluice"
	done
	log "topology up: client $CL, gateway $GW, server $SV; bpffs $BPFFS"
}

# Always runs: stop what we started, unload sluice, remove the namespaces
# and the bpffs mount. A script may define e2e_cleanup_hook to say something
# first.
e2e_cleanup() {
	local rc=$? p ns pids
	set +e
	trap - EXIT HUP INT TERM
	trap '' PIPE # a closed stdout must not stop the cleanup
	if declare -F e2e_cleanup_hook >/dev/null; then
		e2e_cleanup_hook
	fi
	for p in $IPERF_CLIENT_PID $IPERF_SERVER_PID "${E2E_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$BPFFS" ] && ip netns list | grep -qw "$GW" && mountpoint -q "$BPFFS"; then
		timeout -k 5 30 ip netns exec "$GW" "$SLUICE" detach --all >/dev/null 2>&1
	fi
	for ns in "$CL" "$GW" "$SV"; do
		ip netns list | grep -qw "$ns" || continue
		# Anything still running in our namespaces was started by this test.
		pids=$(ip netns pids "$ns" 2>/dev/null)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill $pids 2>/dev/null
			sleep 0.2
			# shellcheck disable=SC2086
			kill -9 $pids 2>/dev/null
		fi
		ip netns del "$ns"
	done
	if [ -n "$BPFFS" ] && mountpoint -q "$BPFFS"; then
		umount "$BPFFS" || umount -l "$BPFFS"
	fi
	[ -n "$E2E_TMP" ] && ! mountpoint -q "$BPFFS" && rm -rf "$E2E_TMP"
	exit "$rc"
}
