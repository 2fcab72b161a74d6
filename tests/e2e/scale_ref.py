#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Outside reference for test_scale.sh, written with Python's ipaddress.

  scale_ref.py gen DIR NCLASSES PER_CLASS SEED
      writes DIR/cNNN.<fmt> feeds (plain, gzip, ipset save, registry CSV,
      ranges, host bits set) with prefixes nested and repeated across
      classes, DIR/classes.txt (one class name a line, in config order) and
      DIR/addrs.txt (the addresses to probe)
  scale_ref.py check DIR CLASSLIST.json LOOKUP.json
      computes the expected class and prefix of every probed address from
      the feeds alone (longest prefix wins; the same prefix in several
      classes goes to the lowest class id) and compares with sluice's
      answers; prints the mismatches and exits 1 if there are any
"""
import gzip
import ipaddress
import json
import os
import random
import sys


def rand_net(rng, v6, plen):
    bits = 128 if v6 else 32
    a = rng.getrandbits(bits)
    if v6:
        a = (a & ((1 << 125) - 1)) | (0x2 << 124)  # 2000::/3, like real feeds
        return ipaddress.IPv6Network((a, plen), strict=False)
    return ipaddress.IPv4Network((a, plen), strict=False)


def sub_net(rng, net):
    """A random prefix inside net, at least as long."""
    bits = net.max_prefixlen
    plen = rng.randint(net.prefixlen, bits)
    off = rng.getrandbits(bits - net.prefixlen) if bits > net.prefixlen else 0
    a = int(net.network_address) + off
    return ipaddress.ip_network((a, plen), strict=False)


def gen(d, ncls, per, seed):
    rng = random.Random(seed)
    os.makedirs(d, exist_ok=True)
    pool = []  # prefixes already used, for nesting and repeats across classes
    names = []
    probes = set()
    for c in range(ncls):
        name = "c%03d" % c
        names.append(name)
        fmt = c % 4  # plain, gzip, ipset save, registry CSV
        lines = []
        for _ in range(per):
            r = rng.random()
            if pool and r < 0.25:
                net = sub_net(rng, rng.choice(pool))  # nested in another class's
            elif pool and r < 0.28:
                net = rng.choice(pool)  # the same prefix in another class
            elif r < 0.80:
                net = rand_net(rng, False, 32 if rng.random() < 0.7 else rng.randint(8, 31))
            else:
                net = rand_net(rng, True, rng.choice([32, 40, 48, 56, 64, 96, 128]))
            pool.append(net)
            text = str(net)
            t = rng.random() if fmt < 2 else 1.0
            if t < 0.05 and net.prefixlen < net.max_prefixlen:
                # host bits set: sluice masks it with a warning
                text = "%s/%d" % (net.network_address + 1, net.prefixlen)
            elif t < 0.10 and net.version == 4 and net.num_addresses > 2:
                # a range that is not one CIDR block
                text = "%s-%s" % (net.network_address + 1, net.broadcast_address)
            lines.append(text)
            if rng.random() >= 0.04:  # the edges of one prefix in 25
                continue
            for a in (net.network_address, net.broadcast_address):
                probes.add(a)
                if int(a) > 0:
                    probes.add(a - 1)
                if int(a) < (1 << net.max_prefixlen) - 1:
                    probes.add(a + 1)
        if fmt == 0:
            with open(os.path.join(d, name + ".txt"), "w") as f:
                f.write("# %s: plain\n" % name)
                f.writelines(l + "\n" for l in lines)
        elif fmt == 1:
            with gzip.open(os.path.join(d, name + ".txt.gz"), "wt") as f:
                f.writelines(l + "  # gzip\n" for l in lines)
        elif fmt == 2:
            with open(os.path.join(d, name + ".ipset"), "w") as f:
                f.write("create %s hash:net family inet hashsize 1024\n" % name)
                f.writelines("add %s %s\n" % (name, l) for l in lines)
        else:
            with open(os.path.join(d, name + ".csv"), "w") as f:
                f.write("Updated: 2026-11-28 06:00\n")
                for i in range(0, len(lines), 3):
                    f.write(" | ".join(lines[i:i + 3]) + ";Org %d;;\n" % i)
    for _ in range(5000):  # and anywhere: 80% IPv4, 20% IPv6 in 2000::/3
        v6 = rng.random() < 0.2
        probes.add(rand_net(rng, v6, 128 if v6 else 32).network_address)
    with open(os.path.join(d, "classes.txt"), "w") as f:
        f.writelines(n + "\n" for n in names)
    with open(os.path.join(d, "addrs.txt"), "w") as f:
        f.writelines(str(a) + "\n" for a in sorted(probes, key=lambda a: (a.version, a)))


def parse_feed(path):
    """The prefixes of a feed file, by the formats' documented rules."""
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt", encoding="latin-1") as f:
        text = f.read().splitlines()
    nets = []
    for line in text:
        if path.endswith(".ipset"):
            if not line.startswith("add "):
                continue
            fields = [line.split()[2]]
        elif path.endswith(".csv"):
            if line.startswith("Updated:"):
                continue
            fields = [x.strip() for x in line.split(";")[0].split("|")]
        else:
            line = line.split("#")[0].strip()
            if not line:
                continue
            fields = [line]
        for x in fields:
            if "-" in x:
                lo, hi = (ipaddress.ip_address(y) for y in x.split("-"))
                nets.extend(ipaddress.summarize_address_range(lo, hi))
            else:
                nets.append(ipaddress.ip_network(x, strict=False))
    return nets


def check(d, classlist, lookups):
    ids = {c["class"]: c["class_id"] for c in json.load(open(classlist))["classes"]}
    best = {}  # (version, plen, network int) -> (class id, class name)
    for name in open(os.path.join(d, "classes.txt")).read().split():
        path = next(os.path.join(d, f) for f in sorted(os.listdir(d))
                    if f.split(".")[0] == name)
        for net in parse_feed(path):
            k = (net.version, net.prefixlen, int(net.network_address))
            v = (ids[name], name)
            if k not in best or v < best[k]:
                best[k] = v
    bad = 0
    answers = json.load(open(lookups))["results"]
    for ans in answers:
        a = ipaddress.ip_address(ans["addr"])
        bits = a.max_prefixlen
        want_cls, want_pfx = "default", None
        for plen in range(bits, -1, -1):
            net = int(a) >> (bits - plen) << (bits - plen) if plen else 0
            hit = best.get((a.version, plen, net))
            if hit:
                want_cls = hit[1]
                want_pfx = str(ipaddress.ip_network((net, plen)))
                break
        got_pfx = ans["prefix"]
        if got_pfx is not None:
            got_pfx = str(ipaddress.ip_network(got_pfx))
        if ans["class"] != want_cls or got_pfx != want_pfx:
            bad += 1
            if bad <= 10:
                print("mismatch: %s: sluice %s %s, reference %s %s"
                      % (a, ans["class"], got_pfx, want_cls, want_pfx))
    print("%d addresses, %d prefixes, %d mismatches" % (len(answers), len(best), bad))
    return 1 if bad or not answers else 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif len(sys.argv) == 5 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit(__doc__)
