#!/usr/bin/env python3
"""The data set of `make bench`: the same zones for every server, and dnsperf's queries.

    gen_data.py OUT [--sites N] [--hosts K] [--queries Q] [--seed S] [--ttl T]

Writes into OUT:
  zones/<zone>.zone  one RFC 1035 zone file per site; sitedns, NSD and Knot all read these
  zones.list         "<zone> <absolute path of its file>", one line per zone
  queries.txt        Q queries for dnsperf, drawn with a seeded generator (same file each time)
  fwd_queries.txt    100 distinct names that exist, for the forwarders (cache hits once warm)
  check.txt          the questions bench/lib.sh's check_answers asks every server first

Zones: london, paris, madrid, then site4 ... siteN, under example.local. Each has SOA,
NS, an apex MX 10 mail and TXT, ns and mail A, www CNAME mail, a wildcard *.dyn A and
host0 ... host<K-1> A. The query mix: 40% apex MX, 30% mail A, 15% a random host<k> A,
10% a random name that does not exist (NXDOMAIN), 5% a random name under the wildcard.
"""
import argparse
import random
import sys
from pathlib import Path

DOMAIN = "example.local"
FIRST_SITES = ("london", "paris", "madrid")


def sites(count):
    return [FIRST_SITES[i] if i < len(FIRST_SITES) else f"site{i + 1}" for i in range(count)]


def host_address(site_no, k):
    """host<k> of site number site_no (1-based): 10.<site>.<(k+256) high>.<(k+256) low>."""
    low = (k + 256) & 0xFFFF
    return f"10.{site_no % 256}.{low >> 8}.{low & 255}"


def zone_file(site, site_no, hosts, ttl):
    origin = f"{site}.{DOMAIN}."
    net = f"10.{site_no % 256}.0"
    head = [
        f"$ORIGIN {origin}",
        f"$TTL {ttl}",
        f"@ IN SOA ns.{origin} hostmaster.{origin} 2024010101 3600 900 604800 300",
        f"@ IN NS ns.{origin}",
        f"@ IN MX 10 mail.{origin}",
        '@ IN TXT "v=spf1 mx -all"',
        f"ns IN A {net}.53",
        f"mail IN A {net}.25",
        f"www IN CNAME mail.{origin}",
        f"*.dyn IN A {net}.99",
    ]
    body = [f"host{k} IN A {host_address(site_no, k)}" for k in range(hosts)]
    return "\n".join(head + body) + "\n"


def query(rng, zone, hosts):
    draw = rng.random()
    if draw < 0.40:
        return f"{zone} MX"
    if draw < 0.70:
        return f"mail.{zone} A"
    if draw < 0.85:
        return f"host{rng.randrange(hosts)}.{zone} A" if hosts else f"ns.{zone} A"
    if draw < 0.95:
        return f"nx{rng.getrandbits(32):08x}.{zone} A"
    return f"w{rng.getrandbits(32):08x}.dyn.{zone} A"


def forwarded_names(zones, hosts, count=100):
    names = [f"host{k}.{z}" for k in range(hosts) for z in zones][:count]
    names += [f"w{j}.dyn.{zones[j % len(zones)]}" for j in range(count - len(names))]
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--sites", type=int, default=3)
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--ttl", type=int, default=3600)
    a = ap.parse_args()
    if a.sites < 1:
        ap.error("--sites must be at least 1")
    if not 0 <= a.hosts <= 65000:
        ap.error("--hosts must be between 0 and 65000")
    if a.queries < 1:
        ap.error("--queries must be at least 1")

    (a.out / "zones").mkdir(parents=True, exist_ok=True)
    zones = []
    for no, site in enumerate(sites(a.sites), 1):
        zone = f"{site}.{DOMAIN}"
        path = (a.out / "zones" / f"{zone}.zone").resolve()
        path.write_text(zone_file(site, no, a.hosts, a.ttl))
        zones.append((zone, path))
    (a.out / "zones.list").write_text("".join(f"{z} {p}\n" for z, p in zones))

    names = [z for z, _ in zones]
    rng = random.Random(a.seed)
    (a.out / "queries.txt").write_text(
        "".join(query(rng, rng.choice(names), a.hosts) + "\n" for _ in range(a.queries)))
    (a.out / "fwd_queries.txt").write_text(
        "".join(f"{n} A\n" for n in forwarded_names(names, a.hosts)))

    # One of each kind of answer, asked of every server before it is timed.
    z = "paris." + DOMAIN if a.sites >= 2 else names[0]
    last = names[-1]
    check = [f"{z} MX", f"mail.{z} A", f"www.{z} A", f"{z} TXT", f"{z} SOA", f"{z} NS",
             f"nosuchname.{z} A", f"foo.dyn.{z} A", f"mail.{z} AAAA"]
    if a.hosts:
        check.append(f"host{a.hosts - 1}.{last} A")
    (a.out / "check.txt").write_text("".join(q + "\n" for q in check))
    print(f"gen_data: {len(zones)} zones of {a.hosts} hosts, {a.queries} queries in {a.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
