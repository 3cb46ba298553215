#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/.

Run it again after changing it; its output is committed. Binary seeds (queries,
upstream replies) are built here; text seeds are the repository's example zones and
configurations plus a few small files written below.

Input layouts (see each target's header comment):
  fuzz_query           one selector byte (client, transport, entry point), the packet
  fuzz_upstream_reply  two control bytes (client flags, age), the reply
"""

import pathlib
import shutil
import struct

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"

A, NS, CNAME, SOA, MX, TXT, AAAA, SRV, OPT, DS, ANY, AXFR = (
    1, 2, 5, 6, 15, 16, 28, 33, 41, 43, 255, 252)


def name(text):
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!6H", qid, flags, qd, an, ns, ar)


def question(qname, qtype, qclass=1):
    return name(qname) + struct.pack("!HH", qtype, qclass)


def opt(size=1232, do=False, options=b"", version=0):
    flags = 0x8000 if do else 0
    return b"\0" + struct.pack("!HHBBHH", OPT, size, 0, version, flags, len(options)) + options


def ecs(family, source, address):
    data = struct.pack("!HBB", family, source, 0) + address
    return struct.pack("!HH", 8, len(data)) + data


def rr(owner, rtype, ttl, rdata, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def query(qname, qtype, qid=0x1234, rd=True, edns=None, qclass=1):
    flags = 0x0100 if rd else 0
    packet = header(qid, flags, 1, 0, 0, 1 if edns is not None else 0)
    packet += question(qname, qtype, qclass)
    if edns is not None:
        packet += edns
    return packet


# fuzz_query: selector bits 0-2 client (0 london, 1 paris, 2 madrid, 3 no view, 4 ::1,
# 5 the recursion view "fuzz", 6 and 7 ECS-trusted), bit 3 TCP, bit 4 respond().
QUERY_SEEDS = {
    "london_mx": (0, query("paris.example.local", MX)),
    "paris_www_edns": (1, query("www.paris.example.local", A, edns=opt())),
    "madrid_wildcard_tcp": (2 | 8, query("x.dyn.london.example.local", A)),
    "noview_refused": (3, query("paris.example.local", A)),
    "v6_any": (4 | 16, query("london.example.local", ANY, edns=opt(4096, do=True))),
    "fuzz_big_udp512": (5, query("big.example.test", TXT)),
    "fuzz_big_edns": (5, query("big.example.test", TXT, edns=opt(1232))),
    "fuzz_referral": (5, query("host.sub.example.test", A)),
    "fuzz_ds_parent": (5, query("deleg.example.test", DS, edns=opt(do=True))),
    "fuzz_chain": (5 | 16, query("chain1.example.test", A)),
    "fuzz_forward": (5, query("www.elsewhere.invalid", AAAA, edns=opt())),
    "fuzz_forward_respond": (5 | 16, query("outside.invalid", A)),
    "fuzz_nxdomain": (5, query("nothere.example.test", A)),
    "fuzz_axfr_tcp": (5 | 8, query("example.test", AXFR)),
    "ecs_v4": (6, query("paris.example.local", MX,
                        edns=opt(options=ecs(1, 24, bytes([10, 2, 0]))))),
    "ecs_v6_forward": (7, query("www.elsewhere.invalid", A,
                                edns=opt(options=ecs(2, 48, bytes.fromhex("20010db80077"))))),
    "badvers": (0, query("london.example.local", SOA, edns=opt(version=1))),
    "chaos": (0, query("version.bind", TXT, qclass=3)),
    "notimp": (0, header(7, 0x2800) + question("london.example.local", A)),
    "two_questions": (0, header(8, 0x0100, 2) + question("a.test", A) + question("b.test", A)),
    "compressed": (5, header(9, 0x0100) + b"\x03www\xc0\x0c" + struct.pack("!HH", A, 1)),
    "short": (0, b"\x12\x34\x01"),
}


def reply(qid, qname, qtype, rcode=0, answers=(), authority=(), additional=(), tc=False,
          edns=True):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    ar = len(additional) + (1 if edns else 0)
    packet = header(qid, flags, 1, len(answers), len(authority), ar)
    packet += question(qname, qtype)
    packet += b"".join(answers) + b"".join(authority) + b"".join(additional)
    if edns:
        packet += opt()
    return packet


PTR_Q = b"\xc0\x0c"  # the question's name
SOA_RDATA = (name("ns1.example.net") + name("hostmaster.example.net") +
             struct.pack("!5I", 2024010101, 7200, 900, 1209600, 300))


def a_rdata(text):
    return bytes(int(x) for x in text.split("."))


# fuzz_upstream_reply: byte 0 client flags (bit 0 EDNS, 1 DO, 2 RD, 3 CD, 4-5 limit,
# 6 stale, 7 case), byte 1 age / 97 s.
REPLY_SEEDS = {
    "a_answer": (0x05, 0, reply(0x4242, "www.example.net", A,
                                answers=[rr(PTR_Q, A, 300, a_rdata("192.0.2.1"))])),
    "cname_chain": (0x85, 3, reply(0x4243, "Www.Example.Net", A, answers=[
        rr(PTR_Q, CNAME, 600, b"\x03web\xc0\x10"),
        rr(b"\x03web\xc0\x10", A, 60, a_rdata("192.0.2.80"))])),
    "nxdomain_soa": (0x01, 10, reply(0x0001, "nothere.example.net", A, rcode=3,
                                     authority=[rr(b"\xc0\x14", SOA, 3600, SOA_RDATA)])),
    "nodata_soa_stale": (0x41, 200, reply(0x0002, "example.net", AAAA,
                                          authority=[rr(PTR_Q, SOA, 60, SOA_RDATA)])),
    "servfail": (0x05, 0, reply(0x0003, "broken.example.net", A, rcode=2)),
    "truncated": (0x00, 0, reply(0x0004, "big.example.net", TXT, tc=True, edns=False)),
    "big_txt_512": (0x04, 1, reply(0x0005, "big.example.net", TXT, answers=[
        rr(PTR_Q, TXT, 300, bytes([60]) + b"x" * 60) for _ in range(12)])),
    "mx_additional": (0x17, 0, reply(0x0006, "example.net", MX, answers=[
        rr(PTR_Q, MX, 300, b"\x00\x0a\x04mail\xc0\x0c")],
        additional=[rr(b"\x04mail\xc0\x0c", A, 300, a_rdata("192.0.2.25"))])),
    "no_opt_referral": (0x00, 0, reply(0x0007, "a.b.example.net", NS,
                                       authority=[rr(b"\xc0\x0e", NS, 86400, name("ns.b"))],
                                       edns=False)),
}


def write(target, files):
    folder = CORPUS / target
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for file_name, data in files.items():
        (folder / file_name).write_bytes(data)


def copies(*patterns):
    files = {}
    for pattern in patterns:
        for path in sorted(ROOT.glob(pattern)):
            files[path.name] = path.read_bytes()
    return files


JSON_ZONE_EXTRA = {
    "minimal.json": b'{"origin": "t.", "soa": {"mname": "ns.t.", "rname": "h.t.", "serial": 1,'
                    b' "refresh": 1, "retry": 1, "expire": 1, "minimum": 1}}',
    "types.json": b'{"origin": "t.", "ttl": 60, "soa": {"mname": "ns.t.", "rname": "h.t.",'
                  b' "serial": 1, "refresh": 1, "retry": 1, "expire": 1, "minimum": 1},'
                  b' "records": [{"name": "@", "type": "NS", "data": "ns"},'
                  b' {"name": "ns", "type": "A", "data": "192.0.2.1"},'
                  b' {"name": "sub", "type": "NS", "data": "ns.sub"},'
                  b' {"name": "ns.sub", "type": "AAAA", "data": "2001:db8::1"},'
                  b' {"name": "*.w", "type": "TXT", "ttl": 5, "data": "\\"a b\\" c"},'
                  b' {"name": "c", "type": "CNAME", "data": "x.example."},'
                  b' {"name": "s", "type": "SRV", "data": "0 0 1 ns"},'
                  b' {"name": "k", "type": "CAA", "data": "0 issue \\"ca.example\\""},'
                  b' {"name": "u", "type": "TYPE65280", "data": "\\\\# 2 0102"}]}',
}

RFC1035_EXTRA = {
    "include.zone": b"$ORIGIN example.test.\n$TTL 60\n@ SOA ns h ( 1 2 3 4 5 )\n"
                    b"  NS ns\nns A 192.0.2.1\n$INCLUDE inc.zone\n"
                    b"$INCLUDE inc.zone sub.example.test.\n",
    "relative.zone": b"@ 300 IN SOA ns.example.test. h.example.test. 1 2 3 4 5\n"
                     b"@ NS ns\nns A 192.0.2.1\nw\\.x TXT \"a\\\"b\" \\065\n*.w MX 10 ns\n",
}

CONFIG_EXTRA = {
    "views_no_zones.json": b'{"listen": ["127.0.0.1:5353", "[::1]:5353"], "threads": 1,'
                           b' "upstreams": ["192.0.2.53", {"address": "192.0.2.54:5300",'
                           b' "timeout_ms": 300, "tcp": true}], "ecs_trust": ["10.88.0.0/16"],'
                           b' "forwarding": {"cache_entries": 0, "serve_stale_s": 0},'
                           b' "views": [{"name": "a", "match_clients": ["any"], "zones": [],'
                           b' "recursion": true, "upstreams": ["[2001:db8::53]:53"]},'
                           b' {"name": "b", "match_clients": ["10.1.2.3", "2001:db8::/32"]}]}',
    "sites_mail.json": b'{"upstreams": [], "sites": {"domain": "example.com", "internal_suffix":'
                       b' "corp.test", "ttl": 60, "list": [{"name": "a", "subnets":'
                       b' ["10.1.0.0/16"], "address": "192.0.2.1", "primary": true,'
                       b' "mail_host": "mx", "preference": 5}, {"name": "b", "subnets":'
                       b' ["10.2.0.0/16"], "address": "192.0.2.2", "address6": "2001:db8::2"}]},'
                       b' "log": {"level": "debug", "queries": true},'
                       b' "tcp": {"idle_timeout_ms": 500, "max_connections": 3}}',
}


def main():
    write("fuzz_query", {k: bytes([sel]) + pkt for k, (sel, pkt) in QUERY_SEEDS.items()})
    write("fuzz_upstream_reply",
          {k: bytes([flags, age]) + pkt for k, (flags, age, pkt) in REPLY_SEEDS.items()})
    write("fuzz_json_zone", {**copies("zones/examples/*.json"), **JSON_ZONE_EXTRA})
    write("fuzz_rfc1035_zone", {**copies("tests/differential/zones/*.zone"), **RFC1035_EXTRA})
    write("fuzz_config", {**copies("config/examples/*.json"), **CONFIG_EXTRA})
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"make_seeds: {total} bytes in {CORPUS}")


if __name__ == "__main__":
    main()
