#!/bin/bash
# A gateway set up from contrib/ as a new user would: the example config with
# its device and paths changed, feeds served over HTTP on the gateway's
# loopback and fetched by contrib/sluice-fetch-feeds, cron-style runs repeated
# with unchanged, changed and bad feeds: an HTML page served with status 200
# never replaces the last good copy (which a simulated reboot loads whole),
# ETags are sent back (If-None-Match), and each feed's state file records
# the last check, the last change and the failures.
. "$(dirname "$0")/lib.sh"

topo_setup
WWW=$E2E_TMP/www
VAR=$E2E_TMP/var
CONF=$E2E_TMP/sluice.conf
LIST=$E2E_TMP/feeds.list
# The server listens on the gateway namespace's own loopback, which no other
# test shares, so a fixed port cannot collide (a PID-derived one once ran
# past 65535).
HTTP_PORT=18080
mkdir -p "$WWW"

# The example, on this topology: the uplink is the server-facing device.
sed -e "s/^\[attach eth0\]/[attach $GW_SDEV]/" -e "s|/var/lib/sluice/|$VAR/|g" \
	"$SLUICE_ROOT/contrib/sluice.conf.example" >"$CONF"
grep -q "^\[attach $GW_SDEV\]" "$CONF" && ! grep -q /var/lib/sluice "$CONF" ||
	bail "the example config no longer has [attach eth0] and /var/lib/sluice feeds"

# The feeds as their publishers write them; every file starts a day old.
cat >"$WWW/firehol_level1.netset" <<EOF
#
# firehol_level1
#
# ipv4 hash:net ipset
#
# Source File Date: Sat Nov 28 10:00:00 UTC 2026
#
$SV4B
198.51.100.0/24
192.0.2.0/28
EOF
# enough entries that one more is within the example's max_churn of 20%
seq 1 20 | sed 's/^/100.64.0./' >>"$WWW/firehol_level1.netset"
printf 'Updated: 2026-11-28 06:00\n%s | 203.0.113.0/24;Example Org;RU;\n' "$SV4" |
	gzip >"$WWW/registry-dump.csv.gz"
printf '# v4 CDN networks: none yet\n' >"$WWW/cdn-v4.txt"
printf '%s/128\n' "$SV6" >"$WWW/cdn-v6.txt"
touch -d '1 day ago' "$WWW"/*
for f in firehol_level1.netset registry-dump.csv.gz cdn-v4.txt cdn-v6.txt; do
	echo "http://127.0.0.1:$HTTP_PORT/$f $VAR/$f"
done >"$LIST"

# The HTTP server on the gateway's loopback only, bounded in time: Python's
# http.server (Last-Modified, If-Modified-Since) plus an ETag of the content
# and If-None-Match, which wins over If-Modified-Since as in RFC 9110. Each
# request is logged as "PATH inm=IF-NONE-MATCH code=STATUS".
cat >"$E2E_TMP/etag_server.py" <<'PY'
import hashlib, http.server, os, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    etag = None

    def send_head(self):
        path = self.translate_path(self.path)
        self.etag = None
        if os.path.isfile(path):
            with open(path, 'rb') as f:
                self.etag = '"%s"' % hashlib.sha256(f.read()).hexdigest()[:16]
            inm = self.headers.get('If-None-Match')
            if inm is not None:
                if inm.strip() == self.etag:
                    self.send_response(304)
                    self.end_headers()
                    return None
                del self.headers['If-Modified-Since']
        return super().send_head()

    def end_headers(self):
        if self.etag:
            self.send_header('ETag', self.etag)
        super().end_headers()

    def log_request(self, code='-', size='-'):
        sys.stderr.write('%s inm=%s code=%s\n' % (self.path, self.headers.get('If-None-Match'), code))
        sys.stderr.flush()

os.chdir(sys.argv[1])
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[2])), Handler).serve_forever()
PY
timeout 300 ip netns exec "$GW" python3 "$E2E_TMP/etag_server.py" "$WWW" "$HTTP_PORT" \
	>"$E2E_TMP/http.log" 2>&1 &
HTTP_PID=$!
e2e_cleanup_hook() { kill "$HTTP_PID" 2>/dev/null; }
for _ in $(seq 1 100); do
	in_ns "$GW" curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/" && break
	sleep 0.1
done
in_ns "$GW" curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/cdn-v4.txt" ||
	bail "the HTTP server did not start: $(cat "$E2E_TMP/http.log")"

# fetch: one cron run of the fetch script in the gateway; sets RC, OUT, ERR
fetch() {
	timeout -k 5 120 ip netns exec "$GW" env SLUICE="$SLUICE" SLUICE_CONF="$CONF" \
		SLUICE_FEEDS_LIST="$LIST" SLUICE_FETCH_LOCK="$E2E_TMP/fetch.lock" \
		SLUICE_DEFAULTS=/nonexistent sh "$SLUICE_ROOT/contrib/sluice-fetch-feeds" \
		>"$E2E_TMP/fetch.out" 2>"$E2E_TMP/fetch.err"
	RC=$?
	OUT=$(cat "$E2E_TMP/fetch.out")
	ERR=$(cat "$E2E_TMP/fetch.err")
}

# classes ADDR...: the classes sluice gives the addresses, comma-separated
classes() { sl -j lookup "$@" | jq -r '[.results[].class] | join(",")'; }
generation() { sl -j status | jq .tables.generation; }
loaded() { sl -j feed list | jq -r --arg c "$1" '.classes[] | select(.class == $c) | .loaded_ns'; }

# ---- the first run: everything downloaded, applied, live
fetch
[ "$RC" = 0 ] && [ "$(grep -c ': updated from http' <<<"$OUT")" = 4 ] &&
	[ "$(classes "$SV4B" 198.51.100.9 "$SV4" 203.0.113.1 "$SV6" "$CL4")" = \
		"blocklist,blocklist,registry,registry,bulk-cdn,default" ]
result "first run: 4 feeds downloaded, applied and classifying" $? \
	"exit status $RC" "stdout: $OUT" "stderr: $ERR"
[ "$(sl -j class list | jq -r '[.classes[] | select(.class_id > 0) | .class + ":" + .policy] | join(",")')" = \
	"blocklist:drop,registry:police,bulk-cdn:shape,partners:pass" ]
result "the example's four classes with their policies" $? "$(sl -j class list)"
tcp_fails "$SV4B"
result "a blocklisted address is unreachable through the gateway" $? "$IPERF_ERROR"
tcp_ok "$SV4"
result "a policed registry address is reachable" $? "$IPERF_ERROR"

# A class without feed keys keeps what was loaded by hand.
printf '198.18.0.0/15\n' >"$E2E_TMP/partners.txt"
sl feed load partners "$E2E_TMP/partners.txt" >/dev/null 2>&1
gen=$(generation)
t_reg=$(loaded registry)

# ---- the next cron run: nothing new on the server, nothing changes
fetch
[ "$RC" = 0 ] && [ "$(grep -c ': unchanged$' <<<"$OUT")" = 4 ] &&
	grep -q "nothing to do" <<<"$OUT" && [ "$(generation)" = "$gen" ] &&
	[ "$(classes 198.18.1.1)" = partners ]
result "unchanged feeds: nothing downloaded, apply does nothing, hand-loaded prefixes stay" $? \
	"exit status $RC" "stdout: $OUT" "stderr: $ERR"

# ---- one feed changes on the server: only it is downloaded and reloaded
printf '203.0.113.77\n' >>"$WWW/firehol_level1.netset"
# Each new version is newer than the last by whole seconds (HTTP dates).
touch -d '50 minutes ago' "$WWW/firehol_level1.netset"
fetch
[ "$RC" = 0 ] && [ "$(grep -c ': updated from http' <<<"$OUT")" = 1 ] &&
	grep -q "firehol_level1.netset: updated" <<<"$OUT" &&
	[ "$(classes 203.0.113.77 203.0.113.78)" = "blocklist,registry" ] &&
	[ "$(generation)" != "$gen" ] && [ "$(loaded registry)" = "$t_reg" ]
result "a changed feed: only it is fetched and reloaded, the others keep their load time" $? \
	"exit status $RC" "stdout: $OUT" "stderr: $ERR"
gen=$(generation)

# ---- a bad download: refused with FILE:LINE, the previous list stays live
{
	cat "$WWW/firehol_level1.netset"
	for i in 1 2 3; do echo "<html>error page $i</html>"; done
} >"$WWW/firehol.tmp"
mv "$WWW/firehol.tmp" "$WWW/firehol_level1.netset"
touch -d '40 minutes ago' "$WWW/firehol_level1.netset"
fetch
[ "$RC" = 1 ] && grep -q "firehol_level1.netset.tmp:[0-9]*: " <<<"$ERR" &&
	grep -q "refused by class blocklist" <<<"$ERR" && ! grep -q '<html>' "$VAR/firehol_level1.netset" &&
	[ "$(generation)" = "$gen" ] &&
	[ "$(classes "$SV4B" 203.0.113.77)" = "blocklist,blocklist" ]
result "a bad feed: exit status 1, FILE:LINE named, the last good copy and live tables unchanged" $? \
	"exit status $RC" "stdout: $OUT" "stderr: $ERR"
tcp_fails "$SV4B"
result "after the refused feed the blocklist still drops" $? "$IPERF_ERROR"

# ---- the publisher fixes it: the next run recovers
grep -v '<html>' "$WWW/firehol_level1.netset" >"$WWW/firehol.tmp"
mv "$WWW/firehol.tmp" "$WWW/firehol_level1.netset"
touch -d '30 minutes ago' "$WWW/firehol_level1.netset"
fetch
[ "$RC" = 0 ] && grep -q "firehol_level1.netset: unchanged" <<<"$OUT" &&
	[ "$(classes "$SV4B" 203.0.113.77)" = "blocklist,blocklist" ]
result "a fixed feed: the same list as the last good copy, nothing to change" $? \
	"exit status $RC" "stdout: $OUT" "stderr: $ERR"

# state VAR-FILE KEY: a key of a feed's state file
state() { sed -n "s/^$2=//p" "$VAR/$1.state"; }

# ---- an HTML error page with status 200: refused, the last good copy stays
cp "$VAR/firehol_level1.netset" "$E2E_TMP/good.netset"
cp -p "$WWW/firehol_level1.netset" "$E2E_TMP/www-good.netset"
changed0=$(state firehol_level1.netset changed)
bl_v4() { sl -j class list | jq '[.classes[] | select(.class == "blocklist")][0].prefixes_v4'; }
n_bl=$(bl_v4)
printf '<!DOCTYPE html>\n<html><head><title>503</title></head>\n<body>Try later</body></html>\n' \
	>"$WWW/firehol_level1.netset"
touch -d '25 minutes ago' "$WWW/firehol_level1.netset"
gen=$(generation)
sleep 1
fetch
[ "$RC" = 1 ] && grep -q "refused by class blocklist" <<<"$ERR" &&
	cmp -s "$VAR/firehol_level1.netset" "$E2E_TMP/good.netset" && [ ! -e "$VAR/firehol_level1.netset.tmp" ] &&
	[ "$(generation)" = "$gen" ] && [ "$(state firehol_level1.netset failures)" = 1 ] &&
	[ "$(state firehol_level1.netset changed)" = "$changed0" ] &&
	grep -q '^error=.*refused by class blocklist' "$VAR/firehol_level1.netset.state"
result "an HTML page with status 200: refused, the last good copy kept, the failure counted" $? \
	"exit status $RC" "stdout: $OUT" "stderr: $ERR" "state: $(cat "$VAR/firehol_level1.netset.state")"

# ---- a simulated reboot: everything detached, then the unit's apply
sl detach --all >/dev/null 2>&1
out=$(sl apply -c "$CONF" 2>&1)
rc=$?
[ "$rc" = 0 ] && [ "$(classes "$SV4B" 198.51.100.9 100.64.0.20 203.0.113.77 "$SV4" "$SV6")" = \
	"blocklist,blocklist,blocklist,blocklist,registry,bulk-cdn" ] &&
	[ "$(bl_v4)" = "$n_bl" ] && [ "$n_bl" -gt 20 ]
result "after detach --all and apply every class is whole (the last good lists)" $? \
	"exit status $rc" "$out" "$(sl -j class list 2>&1)"
tcp_fails "$SV4B"
result "after the simulated reboot the blocklist drops" $? "$IPERF_ERROR"
sl feed load partners "$E2E_TMP/partners.txt" >/dev/null 2>&1

# ---- ETags: the server's list is back as it was: If-None-Match, 304
cp -p "$E2E_TMP/www-good.netset" "$WWW/firehol_level1.netset"
checked0=$(state firehol_level1.netset checked)
# the requests of this run only
log0=$(($(wc -l <"$E2E_TMP/http.log") + 1))
http_log() { tail -n "+$log0" "$E2E_TMP/http.log"; }
sleep 1
fetch
etag=$(tr -d '\0' <"$VAR/firehol_level1.netset.etag" 2>/dev/null)
[ "$RC" = 0 ] && grep -q "firehol_level1.netset: unchanged" <<<"$OUT" &&
	[ -n "$etag" ] && http_log | grep -qF "/firehol_level1.netset inm=$etag code=304" &&
	[ "$(state firehol_level1.netset failures)" = 0 ] &&
	[ "$(state firehol_level1.netset checked)" -gt "$checked0" ] &&
	[ "$(state firehol_level1.netset changed)" = "$changed0" ] &&
	[ "$(state firehol_level1.netset failures_total)" -ge 2 ]
result "ETag: the next fetch sends If-None-Match and gets 304; checked moves, changed does not" $? \
	"exit status $RC" "stdout: $OUT" "stderr: $ERR" "etag: $etag" "$(http_log)" \
	"state: $(cat "$VAR/firehol_level1.netset.state")"

# ---- a changed list dated earlier than the copy: only the ETag tells; it goes live
printf '203.0.113.99\n' >>"$WWW/firehol_level1.netset"
touch -d '2 days ago' "$WWW/firehol_level1.netset"
sleep 1
fetch
[ "$RC" = 0 ] && grep -q "firehol_level1.netset: updated" <<<"$OUT" &&
	[ "$(classes 203.0.113.99)" = blocklist ] &&
	[ "$(state firehol_level1.netset changed)" -gt "$changed0" ] &&
	[ "$(tr -d '\0' <"$VAR/firehol_level1.netset.etag")" != "$etag" ]
result "a changed list (the ETag differs, the date does not move) goes live" $? \
	"exit status $RC" "stdout: $OUT" "stderr: $ERR" "$(http_log)"

# ---- the exporter shows each downloaded source's checks, changes and failures
prom=$(sl stats --prometheus)
src=$VAR/firehol_level1.netset
got=$(grep -F "{class=\"blocklist\",source=\"$src\"}" <<<"$prom" | sed 's/{.*} / /')
[ "$(awk '$1 == "sluice_feed_fetch_checked_timestamp_seconds" { print $2 }' <<<"$got")" = \
	"$(state firehol_level1.netset checked)" ] &&
	[ "$(awk '$1 == "sluice_feed_fetch_changed_timestamp_seconds" { print $2 }' <<<"$got")" = \
		"$(state firehol_level1.netset changed)" ] &&
	[ "$(awk '$1 == "sluice_feed_fetch_failures_total" { print $2 }' <<<"$got")" = \
		"$(state firehol_level1.netset failures_total)" ]
result "the exporter shows the fetch state of a downloaded feed (checked, changed, failures)" $? \
	"series: $got" "state: $(cat "$VAR/firehol_level1.netset.state")"

# ---- a publisher's truncated list: more churn than the example allows
head -n 10 "$WWW/firehol_level1.netset" >"$WWW/firehol.tmp"
mv "$WWW/firehol.tmp" "$WWW/firehol_level1.netset"
touch -d '20 minutes ago' "$WWW/firehol_level1.netset"
gen=$(generation)
fetch
[ "$RC" = 1 ] && grep -q "class blocklist.*more than --max-churn 20%" <<<"$ERR" &&
	[ "$(generation)" = "$gen" ] && [ "$(classes 100.64.0.20)" = blocklist ]
result "a feed that removes more than max_churn is refused, the list stays live" $? \
	"exit status $RC" "stdout: $OUT" "stderr: $ERR"

# ---- the server is down: the feeds stay, the run says so
kill "$HTTP_PID" 2>/dev/null
wait "$HTTP_PID" 2>/dev/null
gen=$(generation)
fetch
[ "$RC" = 1 ] && [ "$(grep -c "download failed; keeping $VAR/" <<<"$ERR")" = 4 ] &&
	[ "$(generation)" = "$gen" ] && [ "$(classes "$SV4B")" = blocklist ]
result "server unreachable: exit status 1, every feed kept, tables unchanged" $? \
	"exit status $RC" "stdout: $OUT" "stderr: $ERR"

finish
