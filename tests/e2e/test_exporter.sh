#!/bin/bash
# sluice exporter, end to end (root): a private bpffs; two namespaces joined
# by a veth pair with sluice attached (XDP) on the gateway side; a policed,
# a drop and a pass class with feeds; pings through it. In the gateway
# namespace (its own loopback, so the ports are free and nothing is reachable
# from outside): `sluice exporter` started before anything is loaded, its
# /metrics checked line by line and by `promtool check metrics`, following a
# feed reload, detach --all and a new state without a restart; a real
# Prometheus server scraping it every second, queried through its HTTP API
# (and every expression of contrib/grafana-sluice.json evaluated there);
# the other paths, the listen addresses, the errors and the signals.
# Prints "ok - NAME" / "not ok - NAME" lines ("# " details).
# shellcheck disable=SC2016 # jq filters in single quotes
set -u
cd "$(dirname "$0")/../.." || exit 1

S=${SLUICE:-$(pwd)/.output/sluice} # SLUICE: another binary to test
ID=$$
NA=slexa$ID # the gateway: sluice attached to a0, the exporter, Prometheus
NB=slexb$ID # the peer: 10.97.0.2 (class web), 10.97.0.3 (class bad)
T=$(mktemp -d /tmp/sluice-test-exporter.XXXXXX)
B=$T/bpffs
EPORT=19469 # the exporter, on the gateway namespace's loopback
PPORT=19090 # Prometheus, likewise
EPID=""	    # the main exporter
PROM_PID=""
PIDS=() # other background processes
. tests/e2e/tap.sh

# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local p
	for p in $PROM_PID $EPID "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in $PROM_PID $EPID "${PIDS[@]}"; do
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

# Everything sluice runs in the gateway namespace, on the private bpffs.
# SL for background runs: "${SL[@]}" ... & gives the pid of sluice itself.
SL=(ip netns exec "$NA" env SLUICE_BPFFS="$B" "$S")
sl() { "${SL[@]}" "$@"; }
na() { ip netns exec "$NA" "$@"; }
# get PATH [CURL ARGS]: an HTTP request to the exporter
get() {
	local path=$1
	shift
	na curl -sS -m 5 "$@" "http://127.0.0.1:$EPORT$path"
}
# scrape FILE: /metrics into FILE
scrape() { get /metrics -o "$1"; }
# value FILE SERIES: the value of the sample SERIES (name and labels, exact)
value() { awk -v s="$2" '$1 == s { print $2; n++ } END { exit n != 1 }' "$1"; }
# wait_line FILE PATTERN: up to 5 s for a line matching PATTERN
wait_line() {
	for _ in $(seq 1 50); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# wait_exit PID: up to 5 s for PID to end; its exit status, or 124
wait_exit() {
	for _ in $(seq 1 50); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			return $?
		fi
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 124
}

if [ "$(id -u)" != 0 ]; then
	not_ok "exporter: setup" "needs root"
	exit 1
fi
missing=""
for c in curl jq promtool prometheus; do
	command -v "$c" >/dev/null || missing="$missing $c"
done
if [ ! -x "$S" ] || [ -n "$missing" ]; then
	not_ok "exporter: setup" "missing:$missing $([ -x "$S" ] || echo "$S (make)")" \
		"run scripts/deps.sh"
	exit 1
fi
mkdir -p "$B"
if ! mount -t bpf bpf "$B"; then
	not_ok "exporter: setup" "cannot mount a bpf filesystem on $B"
	exit 1
fi
export SLUICE_BPFFS=$B
if ! { ip netns add "$NA" && ip netns add "$NB" && ip -n "$NA" link set lo up &&
	ip -n "$NB" link set lo up; } >"$T/setup.log" 2>&1; then
	not_ok "exporter: setup (namespaces)" "$(cat "$T/setup.log")"
	exit 1
fi

# --- nothing loaded -------------------------------------------------------------

"${SL[@]}" -j exporter --listen "127.0.0.1:$EPORT" >"$T/e1.out" 2>"$T/e1.err" &
EPID=$!
wait_line "$T/e1.out" listen
[ "$(jq -c . "$T/e1.out" 2>/dev/null)" = "{\"listen\":\"127.0.0.1:$EPORT\"}" ]
result "exporter -j: prints one JSON line with the listen address" $? \
	"stdout: $(cat "$T/e1.out")" "stderr: $(cat "$T/e1.err")"

scrape "$T/m0.txt"
printf '# HELP sluice_up %s\n# TYPE sluice_up gauge\nsluice_up 0\n' \
	"1 when the sluice state could be read, else 0." | cmp -s - "$T/m0.txt"
result "exporter: nothing loaded serves sluice_up 0 and nothing else" $? \
	"metrics: $(cat "$T/m0.txt" 2>&1)"
promtool check metrics <"$T/m0.txt" >"$T/p0.out" 2>&1
result "promtool check metrics passes on the sluice_up 0 exposition" $? "$(cat "$T/p0.out")"

# --- state: veth, attach, classes, feeds, traffic ----------------------------------

printf '# web\n10.97.0.2\n198.51.100.0/24\n203.0.113.128/25\nnot-a-prefix\n2001:db8:1::/48\n2001:db8:2::1\n' \
	>"$T/web.txt"
echo 10.97.0.3 >"$T/bad.txt"
setup() {
	ip link add a0 netns "$NA" type veth peer name b0 netns "$NB" &&
		ip -n "$NA" addr add 10.97.0.1/24 dev a0 &&
		ip -n "$NB" addr add 10.97.0.2/24 dev b0 &&
		ip -n "$NB" addr add 10.97.0.3/24 dev b0 &&
		ip -n "$NA" link set a0 up && ip -n "$NB" link set b0 up &&
		sl attach a0 --hook xdp &&
		sl class set web --rate 10mbit &&
		sl class set bad --drop &&
		sl class set idle --pass &&
		sl feed load web "$T/web.txt" --max-invalid 50 &&
		sl feed load bad "$T/bad.txt"
}
if ! setup >"$T/setup.log" 2>&1; then
	not_ok "exporter: setup (veth, attach, classes, feeds)" "$(cat "$T/setup.log")"
	exit 1
fi
ok "exporter: setup (veth, attach xdp, classes web 10mbit, bad drop, idle pass, feeds)"
# Traffic: echo requests from 10.97.0.2 (web: passed) and 10.97.0.3 (bad: dropped).
ip netns exec "$NB" ping -q -c 1 -W 5 -I 10.97.0.2 10.97.0.1 >/dev/null 2>&1
ip netns exec "$NB" ping -q -c 6 -i 0.05 -W 1 -I 10.97.0.2 10.97.0.1 >"$T/ping-web.out" 2>&1
ping_web=$?
ip netns exec "$NB" ping -q -c 4 -i 0.05 -W 1 -I 10.97.0.3 10.97.0.1 >/dev/null 2>&1
ping_bad=$?
[ "$ping_web" = 0 ] && [ "$ping_bad" != 0 ]
result "exporter: traffic: the web pings pass, the bad ones are dropped" $? \
	"web ping status $ping_web, bad ping status $ping_bad" "$(cat "$T/ping-web.out")"

# --- the exposition -----------------------------------------------------------------

get /metrics -D "$T/m1.hdr" -o "$T/m1.txt"
ctype=$(tr -d '\r' <"$T/m1.hdr" | sed -n 's/^[Cc]ontent-[Tt]ype: //p')
[ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ] && grep -q '^HTTP/1.1 200' "$T/m1.hdr"
result "exporter: /metrics is 200 with Content-Type text/plain; version=0.0.4" $? \
	"headers: $(cat "$T/m1.hdr")"

promtool check metrics <"$T/m1.txt" >"$T/p1.out" 2>&1
result "promtool check metrics passes on the exposition" $? "$(cat "$T/p1.out")"

# Every sample belongs to a family announced by one HELP and one TYPE line just
# before its samples (families not interleaved), and the names follow the rules.
awk '
	/^# HELP / { help[$3]++; cur = ""; next }
	/^# TYPE / { type[$3]++; cur = $3; t[$3] = $4; next }
	/^#/ || /^$/ { print "stray line: " $0; bad = 1; next }
	{
		name = $1; sub(/\{.*/, "", name)
		if (name != cur) { print "sample outside its family: " $0; bad = 1 }
		if (name !~ /^sluice_[a-z0-9_]+$/) { print "bad name: " name; bad = 1 }
		if ((t[name] == "counter") != (name ~ /_total$/)) {
			print "counter without _total or the reverse: " name; bad = 1
		}
	}
	END {
		for (n in type) if (help[n] != 1 || type[n] != 1) { print "family twice or without HELP: " n; bad = 1 }
		exit bad
	}' "$T/m1.txt" >"$T/fam.out" 2>&1
result "exporter: every family has HELP and TYPE once, sluice_ names, _total counters" $? \
	"$(cat "$T/fam.out")"

missing=""
for fam in sluice_up sluice_class_info sluice_class_packets_total sluice_class_bytes_total \
	sluice_unclassified_packets_total sluice_unclassified_bytes_total \
	sluice_class_rate_bytes_per_second sluice_class_burst_bytes sluice_class_prefixes \
	sluice_table_prefixes sluice_table_capacity sluice_table_bytes sluice_table_generation \
	sluice_last_swap_timestamp_seconds sluice_feed_last_load_timestamp_seconds \
	sluice_feed_sources sluice_feed_invalid_lines sluice_attachments; do
	grep -q "^# TYPE $fam " "$T/m1.txt" && grep -q "^${fam}[{ ]" "$T/m1.txt" ||
		missing="$missing $fam"
done
[ -z "$missing" ]
result "exporter: every metric family is there with samples" $? "missing:$missing"

# exact SERIES VALUE...: each SERIES has exactly VALUE in $T/m1.txt
exact() {
	local bad="" v
	while [ $# -ge 2 ]; do
		v=$(value "$T/m1.txt" "$1") && [ "$v" = "$2" ] || bad="$bad [$1 is '${v:-absent}', expected $2]"
		shift 2
	done
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}
out=$(exact 'sluice_up' 1 \
	'sluice_class_info{class="web",policy="police"}' 1 \
	'sluice_class_info{class="bad",policy="drop"}' 1 \
	'sluice_class_info{class="idle",policy="pass"}' 1 \
	'sluice_class_info{class="default",policy="pass"}' 1 \
	'sluice_class_rate_bytes_per_second{class="web",direction="in"}' 1250000 \
	'sluice_class_rate_bytes_per_second{class="web",direction="out"}' 1250000 \
	'sluice_class_prefixes{class="web",family="ipv4"}' 3 \
	'sluice_class_prefixes{class="web",family="ipv6"}' 2 \
	'sluice_class_prefixes{class="bad",family="ipv4"}' 1 \
	'sluice_class_prefixes{class="bad",family="ipv6"}' 0 \
	'sluice_class_prefixes{class="idle",family="ipv4"}' 0 \
	'sluice_feed_sources{class="web"}' 1 \
	'sluice_feed_sources{class="idle"}' 0 \
	'sluice_feed_invalid_lines{class="web"}' 1 \
	'sluice_feed_invalid_lines{class="bad"}' 0 \
	'sluice_table_prefixes{family="ipv4"}' 4 \
	'sluice_table_prefixes{family="ipv6"}' 2 \
	'sluice_attachments{dev="a0",hook="xdp",match="src",state="present"}' 1 \
	'sluice_classes' 4)
result "exporter: class, rate (10mbit = 1250000 bytes/s), prefix, feed, table and attachment values" \
	$? "$out"

# The rate and burst of pass and drop classes are absent (unlimited), and so is
# a feed timestamp for a class never loaded; the default class has no feed.
! grep -Eq '^sluice_class_(rate_bytes_per_second|burst_bytes)\{class="(bad|idle|default)"' \
	"$T/m1.txt" &&
	! grep -Eq '^sluice_feed_[a-z_]*\{class="default"\}' "$T/m1.txt" &&
	! grep -q '^sluice_feed_last_load_timestamp_seconds{class="idle"}' "$T/m1.txt" &&
	[ "$(grep -c '^sluice_attachments{' "$T/m1.txt")" = 1 ] &&
	[ "$(grep -c '^sluice_class_packets_total{' "$T/m1.txt")" = 16 ]
result "exporter: no rate for unlimited classes, no feed series for default or unloaded classes" \
	$? "$(grep -E '^sluice_(class_rate|class_burst|feed|attach)' "$T/m1.txt")"

sl -j status >"$T/status.json" 2>&1
out=$(exact 'sluice_table_generation' "$(jq .tables.generation "$T/status.json")" \
	'sluice_table_capacity{family="ipv4"}' "$(jq .tables.v4_capacity "$T/status.json")" \
	'sluice_table_capacity{family="ipv6"}' "$(jq .tables.v6_capacity "$T/status.json")" \
	'sluice_table_bytes{family="ipv4"}' "$(jq .tables.v4_bytes "$T/status.json")" \
	'sluice_table_bytes{family="ipv6"}' "$(jq .tables.v6_bytes "$T/status.json")" \
	'sluice_classes_capacity' "$(jq .max_classes "$T/status.json")")
result "exporter: table generation, capacity and bytes agree with sluice status" $? "$out" \
	"status: $(cat "$T/status.json")"

now=$(date +%s)
ts_ok=1
for s in 'sluice_feed_last_load_timestamp_seconds{class="web"}' \
	'sluice_feed_last_load_timestamp_seconds{class="bad"}' sluice_last_swap_timestamp_seconds; do
	v=$(value "$T/m1.txt" "$s") && [[ $v =~ ^[0-9]+\.[0-9]{9}$ ]] &&
		[ "${v%.*}" -gt $((now - 300)) ] && [ "${v%.*}" -le "$now" ] || ts_ok=0
done
[ $ts_ok = 1 ]
result "exporter: feed load and swap timestamps are seconds since the epoch, recent" $? \
	"now $now" "$(grep -E '_timestamp_seconds' "$T/m1.txt")"

# The counters against the traffic sent: 7 echo requests from web, 4 from bad.
cnt() { value "$T/m1.txt" "$1" || echo -1; }
wp=$(cnt 'sluice_class_packets_total{class="web",direction="in",verdict="pass"}')
wb=$(cnt 'sluice_class_bytes_total{class="web",direction="in",verdict="pass"}')
wd=$(cnt 'sluice_class_packets_total{class="web",direction="in",verdict="drop"}')
bd=$(cnt 'sluice_class_packets_total{class="bad",direction="in",verdict="drop"}')
bb=$(cnt 'sluice_class_bytes_total{class="bad",direction="in",verdict="drop"}')
bp=$(cnt 'sluice_class_packets_total{class="bad",direction="in",verdict="pass"}')
ip=$(cnt 'sluice_class_packets_total{class="idle",direction="in",verdict="pass"}')
un=$(cnt 'sluice_unclassified_packets_total{direction="in"}')
[ "$wp" -ge 7 ] && [ "$wb" -ge $((wp * 98)) ] && [ "$wd" = 0 ] && [ "$bd" -ge 4 ] &&
	[ "$bb" -ge $((bd * 98)) ] && [ "$bp" = 0 ] && [ "$ip" = 0 ] && [ "$un" -ge 0 ]
result "exporter: packet and byte counters by class, direction and verdict follow the traffic" $? \
	"web pass $wp pkts $wb bytes, web drop $wd; bad drop $bd pkts $bb bytes, bad pass $bp;" \
	"idle pass $ip; unclassified in $un"

# --- the other paths -------------------------------------------------------------------

code=$(get /nope -o "$T/404.txt" -w '%{http_code}')
code2=$(get /metrics/x -o /dev/null -w '%{http_code}')
[ "$code" = 404 ] && [ "$code2" = 404 ] && grep -q /metrics "$T/404.txt"
result "exporter: other paths are 404" $? "/nope: $code, /metrics/x: $code2"

code=$(get / -D "$T/idx.hdr" -o "$T/idx.html" -w '%{http_code}')
[ "$code" = 200 ] && grep -qi '^content-type: text/html' "$T/idx.hdr" &&
	grep -q 'href="/metrics"' "$T/idx.html"
result "exporter: / is a small HTML index linking /metrics" $? "status $code" \
	"$(cat "$T/idx.hdr" "$T/idx.html")"

code=$(get /metrics -X POST -d x=1 -o /dev/null -w '%{http_code}')
code2=$(get /metrics -I -o "$T/head.hdr" -w '%{http_code}')
[ "$code" = 405 ] && [ "$code2" = 200 ]
result "exporter: POST is 405, HEAD is 200" $? "POST $code, HEAD $code2"

# --- following the state without a restart ----------------------------------------------

gen0=$(value "$T/m1.txt" sluice_table_generation)
echo 192.0.2.0/24 >>"$T/web.txt"
sl feed load web "$T/web.txt" --max-invalid 50 >"$T/reload.log" 2>&1
scrape "$T/m2.txt"
[ "$(value "$T/m2.txt" 'sluice_class_prefixes{class="web",family="ipv4"}')" = 4 ] &&
	[ "$(value "$T/m2.txt" sluice_table_generation)" -gt "$gen0" ]
result "exporter: a feed reload shows at the next scrape" $? "$(cat "$T/reload.log")" \
	"$(grep -E 'sluice_class_prefixes\{class="web"|generation' "$T/m2.txt")"

# --- a real Prometheus server scraping the exporter -------------------------------------------

cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sluice
    static_configs:
      - targets: ['127.0.0.1:$EPORT']
EOF
ip netns exec "$NA" prometheus --config.file="$T/prometheus.yml" \
	--storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$PPORT" \
	--log.level=warn >"$T/prometheus.log" 2>&1 &
PROM_PID=$!

# pq QUERY: the query's result (JSON) from Prometheus
pq() {
	na curl -sS -m 5 -G "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1"
}
up_ok=0
for _ in $(seq 1 60); do
	if pq sluice_up 2>/dev/null | jq -e '.status == "success" and
		(.data.result | length) == 1 and .data.result[0].value[1] == "1"' >/dev/null 2>&1 &&
		pq 'sluice_class_prefixes{class="web",family="ipv4"}' 2>/dev/null |
		jq -e '.data.result[0].value[1] == "4"' >/dev/null 2>&1; then
		up_ok=1
		break
	fi
	kill -0 "$PROM_PID" 2>/dev/null || break
	sleep 0.5
done
[ $up_ok = 1 ]
result "prometheus: scrapes the exporter: sluice_up 1 and the web class's 4 IPv4 prefixes" $? \
	"sluice_up: $(pq sluice_up 2>&1)" \
	"prefixes: $(pq 'sluice_class_prefixes{class="web"}' 2>&1)" \
	"log: $(tail -20 "$T/prometheus.log")"

# (polled: the server's view settles within a few scrapes)
for _ in $(seq 1 20); do
	na curl -sS -m 5 "http://127.0.0.1:$PPORT/api/v1/targets" >"$T/targets.json" 2>&1
	jq -e '.data.activeTargets | length == 1 and .[0].health == "up" and .[0].lastError == ""' \
		"$T/targets.json" >/dev/null 2>&1 && break
	sleep 0.5
done
jq -e '.data.activeTargets | length == 1 and .[0].health == "up" and .[0].lastError == ""' \
	"$T/targets.json" >/dev/null 2>&1
result "prometheus: the target is up, no scrape error" $? "$(cat "$T/targets.json")" \
	"log: $(tail -20 "$T/prometheus.log")"

for _ in $(seq 1 20); do
	pq 'sluice_class_bytes_total{class="web",direction="in",verdict="pass"}' >"$T/q.json" 2>&1
	jq -e '.data.result | length == 1' "$T/q.json" >/dev/null 2>&1 && break
	sleep 0.5
done
jq -e --arg wb "$wb" '.data.result[0].value[1] | tonumber >= ($wb | tonumber)' "$T/q.json" \
	>/dev/null 2>&1 &&
	pq 'count(sluice_class_info)' | jq -e '.data.result[0].value[1] == "4"' >/dev/null 2>&1
result "prometheus: the counters and the four classes are queryable" $? "$(cat "$T/q.json")"

# Every expression of the Grafana dashboard, with its variables set to all.
bad_exprs=""
n_exprs=0
while IFS= read -r e; do
	n_exprs=$((n_exprs + 1))
	q=${e//\$__rate_interval/1m}
	q=${q//\$instance/.*}
	q=${q//\$class/.*}
	pq "$q" 2>&1 | jq -e '.status == "success"' >/dev/null 2>&1 || bad_exprs="$bad_exprs [$e]"
done < <(jq -r '.panels[].targets[].expr' contrib/grafana-sluice.json 2>/dev/null)
[ -z "$bad_exprs" ] && [ "$n_exprs" -ge 6 ] &&
	jq -e '.schemaVersion >= 36 and
		any(.templating.list[]; .name == "DS_PROMETHEUS" and .type == "datasource" and
			.query == "prometheus") and
		any(.templating.list[]; .name == "class" and .multi and
			.query.query == "label_values(sluice_class_info, class)")' \
		contrib/grafana-sluice.json >/dev/null 2>&1
result "grafana dashboard: valid JSON, the variables, all $n_exprs expressions evaluate in Prometheus" \
	$? "failed:$bad_exprs"
pq 'sum by (class, family) (sluice_class_prefixes{class=~".*"})' |
	jq -e '[.data.result[] | select(.metric.class == "web")] | length == 2' >/dev/null 2>&1
result "grafana dashboard: the prefixes-per-class query has the web class's two families" $?

kill "$PROM_PID" 2>/dev/null
wait_exit "$PROM_PID"
PROM_PID=""

# --- detach --all and a new state under the running exporter ---------------------------------

sl detach --all >"$T/detach.log" 2>&1
for _ in 1 2 3; do scrape "$T/m3.txt"; done
cmp -s "$T/m0.txt" "$T/m3.txt"
result "exporter: after detach --all it serves sluice_up 0 alone" $? \
	"$(cat "$T/detach.log")" "metrics: $(head -5 "$T/m3.txt")"

sl class set web --rate 20mbit >"$T/again.log" 2>&1
scrape "$T/m4.txt"
[ "$(value "$T/m4.txt" sluice_up)" = 1 ] &&
	[ "$(value "$T/m4.txt" 'sluice_class_rate_bytes_per_second{class="web",direction="in"}')" = 2500000 ] &&
	! grep -q '^sluice_attachments{' "$T/m4.txt"
result "exporter: a new state is served again without a restart" $? "$(cat "$T/again.log")" \
	"$(head -20 "$T/m4.txt")"

# One message per change of the state's condition, not one per scrape.
n_none=$(grep -c "nothing loaded under" "$T/e1.err")
n_back=$(grep -c "readable again" "$T/e1.err")
[ "$n_none" = 2 ] && [ "$n_back" = 2 ] && [ "$(wc -l <"$T/e1.err")" = 4 ]
result "exporter: reports each change of the state once on stderr, not every scrape" $? \
	"stderr: $(cat "$T/e1.err")"

# --- listen addresses, errors, signals -------------------------------------------------------

"${SL[@]}" exporter >"$T/e2.out" 2>"$T/e2.err" &
e2=$!
PIDS+=("$e2")
wait_line "$T/e2.out" "http://127.0.0.1:9469/metrics"
code=$(na curl -sS -m 5 -o "$T/e2.txt" -w '%{http_code}' http://127.0.0.1:9469/metrics)
kill -INT "$e2" 2>/dev/null
wait_exit "$e2"
rc=$?
PIDS=()
[ "$code" = 200 ] && [ "$(value "$T/e2.txt" sluice_up)" = 1 ] && [ "$rc" = 0 ]
result "exporter: listens on 127.0.0.1:9469 by default; SIGINT exits 0" $? \
	"status $code, exit status $rc" "stdout: $(cat "$T/e2.out")" "stderr: $(cat "$T/e2.err")"

if na ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
	"${SL[@]}" -j exporter --listen '[::1]:19470' >"$T/e3.out" 2>"$T/e3.err" &
	e3=$!
	PIDS+=("$e3")
	wait_line "$T/e3.out" listen
	code=$(na curl -sS -g -m 5 -o "$T/e3.txt" -w '%{http_code}' 'http://[::1]:19470/metrics')
	kill -TERM "$e3" 2>/dev/null
	wait_exit "$e3"
	rc=$?
	PIDS=()
	[ "$(jq -r .listen "$T/e3.out" 2>/dev/null)" = "[::1]:19470" ] && [ "$code" = 200 ] &&
		[ "$(value "$T/e3.txt" sluice_up)" = 1 ] && [ "$rc" = 0 ]
	result "exporter: --listen [::1]:PORT serves over IPv6" $? "status $code, exit $rc" \
		"stdout: $(cat "$T/e3.out")" "stderr: $(cat "$T/e3.err")"
else
	echo "# no ::1 in the namespace (IPv6 disabled): the [::1] listen check is not run"
fi

bad_args=""
for a in "--listen x" "--listen 127.0.0.1" "--listen 127.0.0.1:65536" "--listen ::1:80" \
	"--listen 127.0.0.1:-1" "--listen [::1]" "--listen 127.0.0.1:$EPORT" "extra" "--bogus"; do
	# shellcheck disable=SC2086
	if timeout 5 "${SL[@]}" exporter $a \
		>/dev/null 2>"$T/arg.err" || [ ! -s "$T/arg.err" ]; then
		bad_args="$bad_args [$a]"
	fi
done
[ -z "$bad_args" ]
result "exporter: bad listen addresses, a port in use and bad arguments fail with a message" $? \
	"accepted, or silent:$bad_args"

kill -TERM "$EPID" 2>/dev/null
wait_exit "$EPID"
rc=$?
EPID=""
[ "$rc" = 0 ]
result "exporter: SIGTERM exits 0" $? "exit status $rc" "stderr: $(cat "$T/e1.err")"

# --- sluice stats --prometheus ------------------------------------------------------------------

sl stats --prometheus >"$T/stats.txt" 2>"$T/stats.err" &&
	promtool check metrics <"$T/stats.txt" >"$T/p5.out" 2>&1 &&
	[ "$(value "$T/stats.txt" sluice_up)" = 1 ] &&
	[ "$(grep '^# TYPE' "$T/stats.txt")" = "$(grep '^# TYPE' "$T/m4.txt")" ]
result "stats --prometheus: the same families as the exporter, promtool passes" $? \
	"$(cat "$T/p5.out" "$T/stats.err" 2>/dev/null)"

finish
