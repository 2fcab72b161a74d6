#!/bin/bash
# The change a feed load reports against the live list: prefixes and
# addresses added and removed (IPv4 addresses, IPv6 /64s), counted once
# where prefixes nest or overlap, both ways; the prefixes of a rollback. No
# network: a private bpffs, no attachment.
. "$(dirname "$0")/bpffs.sh"
bpffs_setup

# old: a /24 with a host inside it, a /24 and a /22; new: the first /24
# grown to a /23, half of the second, two /24s inside the /22 (one old
# interval covering two new ones, and reaching past the first), a /16
printf '10.0.0.0/24\n10.0.0.5\n10.0.2.0/24\n10.0.4.0/22\n' >"$T/old.txt"
printf '2001:db8::/48\n2001:db8:10::/48\n' >>"$T/old.txt"
printf '10.0.0.0/23\n10.0.2.128/25\n10.0.5.0/24\n10.0.7.0/24\n192.168.0.0/16\n' >"$T/new.txt"
# (and the same in IPv6, counted in /64s)
printf '2001:db8::/47\n2001:db8:2::/64\n2001:db8:10:1::/64\n2001:db8:10:3::/64\n' >>"$T/new.txt"
sl class set c --drop >/dev/null || { echo "not ok - setup"; exit 1; }
sl feed load c "$T/old.txt" >/dev/null || { echo "not ok - setup"; exit 1; }

counts='[.added_v4, .removed_v4, .addresses_added_v4, .addresses_removed_v4,
	.added_v6, .removed_v6, .nets64_added_v6, .nets64_removed_v6] | map(tostring) | join(" ")'
# added: 10.0.1.0/24 and the /16 (256 + 65536); removed: 10.0.2.0/25 and
# the /22 less two /24s (128 + 512); IPv6: the /47's other /48 and one
# /64 added, the second /48 less two /64s removed
got=$(sl -j feed load c "$T/new.txt" | jq -r "$counts")
want="5 4 65792 640 4 2 65537 65534"
[ "$got" = "$want" ] && ok "load: prefixes and addresses added and removed" ||
	not_ok "load: prefixes and addresses added and removed" "got $got, want $want"

got=$(sl -j feed load c "$T/old.txt" | jq -r "$counts")
want="4 5 640 65792 2 4 65534 65537"
[ "$got" = "$want" ] && ok "the reverse load counts the other way round" ||
	not_ok "the reverse load counts the other way round" "got $got, want $want"

got=$(sl -j feed rollback c | jq -r '[.added_v4, .removed_v4, .added_v6, .removed_v6] | join(" ")')
want="5 4 4 2"
[ "$got" = "$want" ] && ok "rollback: the prefixes changed back to the previous list" ||
	not_ok "rollback: the prefixes changed back to the previous list" "got $got, want $want"

# the whole address space against one host inside it
printf '0.0.0.0/0\n::/0\n' >"$T/all.txt"
printf '10.9.9.9\n' >"$T/one.txt"
sl feed load c "$T/all.txt" >/dev/null
got=$(sl -j feed load c "$T/one.txt" | jq -r '[.addresses_added_v4, .addresses_removed_v4,
	.nets64_removed_v6 == pow(2; 64)] | map(tostring) | join(" ")')
want="0 4294967295 true"
[ "$got" = "$want" ] && ok "/0 to one host: every other address removed" ||
	not_ok "/0 to one host: every other address removed" "got $got, want $want"

finish
