#!/bin/bash
# Feed sources that are not plain files (issue F2), sources that never end
# and a lock held for ever (F6), and a bpffs others can write to: pipes,
# FIFOs, process substitution and standard input load the same as the same
# bytes in a file and are never taken as unchanged; /dev/zero and a FIFO
# with no writer fail with a clear error in bounded time; a writer waits
# --wait seconds for the lock and names its holder; directories squatted by
# another user are refused. No network: a private bpffs, no attachment.
. "$(dirname "$0")/bpffs.sh"
bpffs_setup mode=1777
holder=
bpffs_cleanup_hook() { [ -n "$holder" ] && kill "$holder" 2>/dev/null; }

printf '10.1.0.0/16\n10.2.0.0/16\n# a comment\n2001:db8:5::/48\n' >"$T/list.txt"
gzip -c "$T/list.txt" >"$T/list.gz"
sl class set blk --drop >/dev/null || { echo "not ok - setup"; exit 1; }
sl feed load blk "$T/list.txt" >/dev/null
want=$(sl -j lookup 10.1.2.3 10.2.0.1 2001:db8:5::1 10.3.0.1 | jq -c '[.results[].prefix]')
sl feed load blk --allow-empty /dev/null >/dev/null

# loaded_by NAME CMD...: CMD loads the list; lookups as from the file
loaded_by() {
	local name=$1 out got
	shift
	sl feed load blk --allow-empty /dev/null >/dev/null
	out=$("$@" 2>&1)
	got=$(sl -j lookup 10.1.2.3 10.2.0.1 2001:db8:5::1 10.3.0.1 | jq -c '[.results[].prefix]')
	[ "$got" = "$want" ] && ok "$name loads what the file loads" ||
		not_ok "$name loads what the file loads" "got $got, want $want" "$out"
}
loaded_by "process substitution" sl feed load blk <(cat "$T/list.txt")
loaded_by "a pipe on stdin" sh -c "cat '$T/list.txt' | '$SLUICE' feed load blk -"
loaded_by "a gzip pipe on stdin" sh -c "cat '$T/list.gz' | '$SLUICE' feed load blk -"
mkfifo "$T/fifo"
(cat "$T/list.txt" >"$T/fifo") &
loaded_by "a FIFO" sl feed load blk "$T/fifo"
wait

# the same bytes again through a pipe: read again, never "unchanged"
out=$(sl -j feed load blk <(cat "$T/list.txt"))
[ "$(jq -r .sources_unchanged <<<"$out")" = false ] &&
	[ "$(jq -r .lines <<<"$out")" = 4 ] && ok "a pipe is read again, never taken as unchanged" ||
	not_ok "a pipe is read again, never taken as unchanged" "$out"
# and with --allow-empty a pipe that is read once is not emptied by a second read
sl feed load blk --allow-empty <(cat "$T/list.txt") >/dev/null
[ "$(sl -j feed list | jq '.classes[0].prefixes_v4')" = 2 ] &&
	ok "a pipe with --allow-empty keeps its prefixes (read once)" ||
	not_ok "a pipe with --allow-empty keeps its prefixes (read once)"

# sources that never end
t0=$SECONDS
out=$(sl feed load blk /dev/zero 2>&1)
rc=$?
[ $rc = 1 ] && grep -q '/dev/zero: more than 256 MiB' <<<"$out" && [ $((SECONDS - t0)) -lt 30 ] &&
	ok "/dev/zero fails with a clear error ($((SECONDS - t0)) s)" ||
	not_ok "/dev/zero fails with a clear error" "status $rc" "$out"
rm -f "$T/fifo2"
mkfifo "$T/fifo2"
t0=$SECONDS
out=$(SLUICE_READ_TIMEOUT=2 sl feed load blk "$T/fifo2" 2>&1)
rc=$?
[ $rc = 1 ] && grep -q 'fifo2: no data for 2 seconds' <<<"$out" && [ $((SECONDS - t0)) -lt 10 ] &&
	ok "a FIFO with no writer times out ($((SECONDS - t0)) s)" ||
	not_ok "a FIFO with no writer times out" "status $rc" "$out"
# a writer that stalls: the read is bounded too, and holds no lock meanwhile
(
	echo 10.7.0.0/16
	sleep 30
) >"$T/fifo2" &
stall=$!
SLUICE_READ_TIMEOUT=3 sl feed load blk "$T/fifo2" >"$T/stalled.out" 2>&1 &
loader=$!
sleep 1
t0=$(date +%s%N)
sl class set other --drop >/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 1000 ] && ok "a stalled feed holds no lock: another writer went on in $ms ms" ||
	not_ok "a stalled feed holds no lock" "class set took $ms ms"
wait $loader
rc=$?
kill $stall 2>/dev/null
[ $rc = 1 ] && grep -q 'no data for 3 seconds' "$T/stalled.out" &&
	ok "a stalled writer times out" || not_ok "a stalled writer times out" "$(cat "$T/stalled.out")"

# the lock held by another process: --wait, then the holder's pid
flock -o "$BPFFS/sluice_lock" sh -c "touch '$T/held'; exec sleep 20" &
holder=$!
for _ in $(seq 100); do
	[ -e "$T/held" ] && break
	sleep 0.05
done
t0=$(date +%s%N)
out=$(sl -w 1 class set blk3 --drop 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc = 1 ] && grep -q "another sluice command holds the lock (pid $holder)" <<<"$out" &&
	[ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ] &&
	ok "a writer waits --wait 1 s for the lock, then names the holder ($ms ms)" ||
	not_ok "a writer waits --wait 1 s for the lock, then names the holder" "status $rc, $ms ms" "$out"
kill $holder 2>/dev/null
wait $holder 2>/dev/null
holder=
check "the lock is free again" sl -w 5 class set blk3 --drop

# a bpffs others can write to (mode 1777): sluice's directories are 0700
# root's, and one another user made first is refused
mode=$(stat -c '%a %U' "$BPFFS/sluice" "$BPFFS/sluice_lock" | sort -u)
[ "$mode" = "700 root" ] && ok "sluice's directories are mode 0700, root's" ||
	not_ok "sluice's directories are mode 0700, root's" "$mode"
sl detach --all >/dev/null
setpriv --reuid 65534 --regid 65534 --clear-groups mkdir "$BPFFS/sluice" ||
	not_ok "another user can make a directory on the bpffs"
out=$(sl class set x --drop 2>&1)
rc=$?
[ $rc = 1 ] && grep -q "sluice is not sluice's (owner uid 65534" <<<"$out" &&
	ok "a pin directory another user made is refused" ||
	not_ok "a pin directory another user made is refused" "status $rc" "$out"
rmdir "$BPFFS/sluice" "$BPFFS/sluice_lock" # (the refused command made the lock)
setpriv --reuid 65534 --regid 65534 --clear-groups mkdir "$BPFFS/sluice_lock"
out=$(sl class set x --drop 2>&1)
rc=$?
[ $rc = 1 ] && grep -q "sluice_lock is not sluice's" <<<"$out" &&
	ok "a lock directory another user made is refused" ||
	not_ok "a lock directory another user made is refused" "status $rc" "$out"
rmdir "$BPFFS/sluice_lock"
check "with the squatters gone, it works" sl class set x --drop

finish
