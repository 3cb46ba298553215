#!/usr/bin/env python3
"""Forwarded answers, byte for byte (standard library only; forward_bytes_test.sh).

  forward_bytes.py rules FILE        the fake upstream's rules (fake_upstream.py --rules)
                                     for every name the run asks
  forward_bytes.py run PORT          asks sitedns on 127.0.0.1:PORT the fixed list of
                                     queries and prints each answer, normalised, one a line
  forward_bytes.py compare PORT GOLDEN   the same, compared with GOLDEN: exit 0 when every
                                     line is equal, else a readable account of each
                                     difference and exit 1
  forward_bytes.py upstream LOG      every name of the run reached the upstream exactly
                                     once (fake_upstream.py's log): the first ask of each
                                     was a miss, the two others hits; else exit 1

The list: each answer kind (A, MX, AAAA, an answer that fits 512 bytes only without
options, one over 512 bytes, NXDOMAIN, NODATA) under each client variant (no EDNS, EDNS,
DO, a client COOKIE, a client and server COOKIE, ECS for IPv4 and IPv6, COOKIE and ECS,
a small EDNS size with COOKIE and ECS, ECS from an untrusted sender...), over UDP and TCP.
Each name is asked by one variant over one transport only, three times on one socket or
connection: the first ask is a miss that goes upstream, the second a hit in the
forwarder's cache, the third a hit there or in the receiving thread's copy.

A line is "LABEL ask=N sc=S HEX": the answer's bytes, with only what legitimately differs
between runs normalised, found by parsing the message:
  - every RR's TTL (not the OPT's flags) is set to ffffffff: it counts down with time;
  - a 16-byte server cookie (RFC 9018 §4.2) keeps its version and reserved bytes, its
    timestamp and hash become ee: they depend on the clock and the secret.
S says what the server cookie was: `sent` (the one the query carried, echoed), `new`,
or `-` (none). A query that got no answer prints "no-answer" instead of HEX.
"""
import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dns_client import query, read_exact  # noqa: E402
from fake_upstream import decode_name, encode_name  # noqa: E402

HOST = "127.0.0.1"
UNTRUSTED = "127.0.0.2"  # in the view, not in ecs_trust: its ECS is ignored
TIMEOUT_S = 5.0  # above the forwarder's deadline (2.5 s): a SERVFAIL is seen as one
ASKS = 3
CLIENT_COOKIE = bytes.fromhex("0123456789abcdef")
TTL_MASK = 0xFFFFFFFF
COOKIE_MASK = 0xEE

T_A, T_MX, T_AAAA, T_OPT = 1, 15, 28, 41
OPT_COOKIE, OPT_ECS = 10, 8
CLASSIC_UDP = 512
OPT_BYTES = 11  # an OPT without options
COOKIE_BYTES = 4 + 8 + 16  # the option a client cookie gets back

# Answer kinds: (label, qtype, rule for the fake upstream). {records} is filled per name.
KINDS = [
    ("a", T_A, "answer addr=192.0.2.10 ttl=300"),
    ("mx", T_MX, "answer mx=10:mail.fwd.test ttl=300"),
    ("aaaa", T_AAAA, "answer aaaa=2001:db8::10 ttl=300"),
    ("mid", T_A, "answer addr=192.0.2.100 ttl=300 records={records}"),
    ("large", T_A, "answer addr=192.0.2.100 ttl=300 records=40"),
    ("nx", T_A, "nxdomain minimum=120"),
    ("nodata", T_AAAA, "nodata minimum=120"),
]

# Client variants: (label, source address, EDNS size or None, DO, options). Options are
# (code, bytes) or the marker "SERVER_COOKIE": the client cookie with the server cookie
# a first answer gave.
ECS4 = (OPT_ECS, struct.pack(">HBB", 1, 24, 0) + bytes([127, 0, 0]))
ECS6 = (OPT_ECS, struct.pack(">HBB", 2, 56, 0) + socket.inet_pton(socket.AF_INET6, "2001:db8:1234:5600::")[:7])
CCOOKIE = (OPT_COOKIE, CLIENT_COOKIE)
SCOOKIE = "SERVER_COOKIE"
VARIANTS = [
    ("noedns", HOST, None, False, []),
    ("edns", HOST, 1232, False, []),
    ("do", HOST, 1232, True, []),
    ("ccookie", HOST, 1232, False, [CCOOKIE]),
    ("scookie", HOST, 1232, False, [SCOOKIE]),
    ("ecs4", HOST, 1232, False, [ECS4]),
    ("ecs6", HOST, 1232, False, [ECS6]),
    ("cookie-ecs", HOST, 1232, False, [SCOOKIE, ECS4]),
    ("do-cookie-ecs6", HOST, 1232, True, [CCOOKIE, ECS6]),
    ("small-cookie-ecs", HOST, 512, False, [CCOOKIE, ECS4]),
    ("tiny-cookie", HOST, 100, False, [CCOOKIE]),
    ("ecs-untrusted", UNTRUSTED, 1232, False, [ECS4]),
]
TRANSPORTS = ("udp", "tcp")
PRIME = "prime.fwd.test"


def qname(kind, variant, transport):
    return "%s.%s.%s.fwd.test" % (kind, variant, transport)


def mid_records(name):
    """A records that fit 512 bytes with an OPT but not with a COOKIE option as well:
    header, question, N records of 16 bytes (a compressed owner), the OPT."""
    room = CLASSIC_UDP - 12 - (len(encode_name(name)) + 4) - OPT_BYTES
    return room // 16  # room % 16 < COOKIE_BYTES, so the cookie makes it overflow


def cases():
    """[(name, qtype, variant, transport)] in the order asked."""
    out = []
    for variant in VARIANTS:
        for transport in TRANSPORTS:
            for kind, qtype, _ in KINDS:
                out.append((qname(kind, variant[0], transport), qtype, variant, transport))
    return out


def rules():
    table = {PRIME: "answer addr=192.0.2.1 ttl=300"}
    for variant in VARIANTS:
        for transport in TRANSPORTS:
            for kind, _, rule in KINDS:
                name = qname(kind, variant[0], transport)
                table[name] = rule.format(records=mid_records(name))
    return table


# ---------------------------------------------------------------- queries

class Channel:
    """One UDP socket or TCP connection to sitedns, from `source`."""

    def __init__(self, transport, port, source):
        self.transport = transport
        if transport == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((source, 0))
            self.sock.connect((HOST, port))
        else:
            self.sock = socket.create_connection((HOST, port), timeout=TIMEOUT_S,
                                                 source_address=(source, 0))
        self.sock.settimeout(TIMEOUT_S)

    def ask(self, message):
        """The answer whose ID is the query's, or None after TIMEOUT_S."""
        (qid,) = struct.unpack(">H", message[:2])
        deadline = time.monotonic() + TIMEOUT_S
        try:
            if self.transport == "tcp":
                self.sock.sendall(struct.pack(">H", len(message)) + message)
                (length,) = struct.unpack(">H", read_exact(self.sock, 2))
                return read_exact(self.sock, length)
            self.sock.send(message)
            while True:
                self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
                reply = self.sock.recv(65535)
                if reply[:2] == message[:2]:
                    return reply
        except (OSError, ConnectionError):
            return None

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------- normalising

def server_cookie_of(message):
    """The server cookie of the answer's COOKIE option, or None."""
    for code, start, length in options_of(message):
        if code == OPT_COOKIE and length > 8:
            return message[start + 8:start + length]
    return None


def records_of(message):
    """[(offset of the RR's type, type, rdata offset, rdlength)] of every RR."""
    _, _, qdcount, ancount, nscount, arcount = struct.unpack(">HHHHHH", message[:12])
    offset = 12
    for _ in range(qdcount):
        _, offset = decode_name(message, offset)
        offset += 4
    out = []
    for _ in range(ancount + nscount + arcount):
        _, offset = decode_name(message, offset)
        rtype, _, _, rdlength = struct.unpack(">HHIH", message[offset:offset + 10])
        out.append((offset, rtype, offset + 10, rdlength))
        offset += 10 + rdlength
    if offset != len(message):
        raise ValueError("%d bytes after the last record" % (len(message) - offset))
    return out


def options_of(message):
    """[(code, data offset, length)] of the OPT record's options."""
    out = []
    for _, rtype, start, rdlength in records_of(message):
        if rtype != T_OPT:
            continue
        position = start
        while position + 4 <= start + rdlength:
            code, length = struct.unpack(">HH", message[position:position + 4])
            out.append((code, position + 4, length))
            position += 4 + length
    return out


def normalise(message):
    out = bytearray(message)
    for type_at, rtype, _, _ in records_of(message):
        if rtype != T_OPT:
            out[type_at + 4:type_at + 8] = struct.pack(">I", TTL_MASK)
    for code, start, length in options_of(message):
        if code == OPT_COOKIE and length == 8 + 16:
            server = start + 8
            out[server + 4:server + 16] = bytes([COOKIE_MASK]) * 12
    return bytes(out)


def line(label, ask, reply, sent_cookie):
    if reply is None:
        return "%s ask=%d sc=- no-answer" % (label, ask)
    try:
        normalised = normalise(reply).hex()
        cookie = server_cookie_of(reply)
    except (ValueError, IndexError, struct.error) as error:
        return "%s ask=%d sc=- unparsable(%s) %s" % (label, ask, error, reply.hex())
    if cookie is None:
        sc = "-"
    else:
        sc = "sent" if cookie == sent_cookie else "new"
    return "%s ask=%d sc=%s %s" % (label, ask, sc, normalised)


# ---------------------------------------------------------------- the run

def run(port):
    """The lines of the whole run."""
    lines = []
    prime = Channel("udp", port, HOST)
    reply = prime.ask(query(1, PRIME, T_A, rd=True, edns=1232, options=[CCOOKIE]))
    prime.close()
    lines.append(line("prime udp A", 1, reply, None))
    server_cookie = server_cookie_of(reply) if reply else None
    if server_cookie is None:
        lines.append("prime: no server cookie, the scookie variants send none")
        server_cookie = b""
    qid = 100
    for name, qtype, (variant, source, edns, do, options), transport in cases():
        sent = [(OPT_COOKIE, CLIENT_COOKIE + server_cookie) if option == SCOOKIE else option
                for option in options]
        channel = Channel(transport, port, source)
        for ask in range(1, ASKS + 1):
            qid += 1
            reply = channel.ask(query(qid, name, qtype, rd=True, edns=edns, do=do, options=sent))
            label = "%s %s %s" % (name, transport, {T_A: "A", T_MX: "MX", T_AAAA: "AAAA"}[qtype])
            lines.append(line(label, ask, reply, server_cookie if SCOOKIE in options else None))
        channel.close()
    return lines


# ---------------------------------------------------------------- a readable difference

def describe(hexed):
    """A short dissection of a normalised answer's hex: header, each RR, each option."""
    try:
        message = bytes.fromhex(hexed)
        qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", message[:12])
        parts = ["id=%d flags=%04x (qr=%d aa=%d tc=%d rd=%d ra=%d ad=%d cd=%d rcode=%d) qd=%d an=%d ns=%d ar=%d" % (
            qid, flags, flags >> 15, (flags >> 10) & 1, (flags >> 9) & 1, (flags >> 8) & 1,
            (flags >> 7) & 1, (flags >> 5) & 1, (flags >> 4) & 1, flags & 0xF, qd, an, ns, ar)]
        for index, (type_at, rtype, start, rdlength) in enumerate(records_of(message)):
            section = "an" if index < an else "ns" if index < an + ns else "ar"
            owner, _ = decode_name(message, _owner_start(message, type_at))
            _, rclass, ttl, _ = struct.unpack(">HHIH", message[type_at:type_at + 10])
            text = "%s %s type=%d class=%d ttl=%08x rdata=%s" % (
                section, owner, rtype, rclass, ttl, message[start:start + rdlength].hex())
            if rtype == T_OPT:
                text = "%s OPT size=%d ext=%08x options=%s" % (
                    section, rclass, ttl, ",".join("%d:%s" % (code, message[s:s + n].hex())
                                                  for code, s, n in options_of(message)) or "-")
            parts.append(text)
        return parts
    except (ValueError, IndexError, struct.error) as error:
        return ["(cannot dissect: %s)" % error]


def _owner_start(message, type_at):
    """Where the owner name of the RR whose type is at `type_at` starts."""
    _, _, qdcount, ancount, nscount, arcount = struct.unpack(">HHHHHH", message[:12])
    offset = 12
    for _ in range(qdcount):
        _, offset = decode_name(message, offset)
        offset += 4
    for _ in range(ancount + nscount + arcount):
        start = offset
        _, offset = decode_name(message, offset)
        if offset == type_at:
            return start
        offset += 10 + struct.unpack(">H", message[offset + 8:offset + 10])[0]
    raise ValueError("no RR at %d" % type_at)


def split(text):
    """'LABEL ask=N sc=S HEX' -> (key 'LABEL ask=N', 'sc=S', HEX)."""
    head, _, rest = text.partition(" ask=")
    ask, _, rest = rest.partition(" ")
    sc, _, hexed = rest.partition(" ")
    return "%s ask=%s" % (head, ask), sc, hexed


def compare(port, golden_path):
    with open(golden_path) as handle:
        golden = [text.rstrip("\n") for text in handle if text.strip() and not text.startswith("#")]
    got = run(port)
    want = {split(text)[0]: text for text in golden}
    have = {split(text)[0]: text for text in got}
    differing = 0
    for key in list(want) + [k for k in have if k not in want]:
        if want.get(key) == have.get(key):
            continue
        differing += 1
        print("DIFF %s" % key)
        if key not in have or key not in want:
            print("  only in %s" % ("the golden file" if key in want else "this run"))
            continue
        _, want_sc, want_hex = split(want[key])
        _, have_sc, have_hex = split(have[key])
        if want_sc != have_sc:
            print("  server cookie: golden %s, got %s" % (want_sc, have_sc))
        if want_hex != have_hex:
            first = next((i for i in range(min(len(want_hex), len(have_hex)))
                          if want_hex[i] != have_hex[i]), min(len(want_hex), len(have_hex)))
            print("  bytes: golden %d, got %d; first difference at byte %d" % (
                len(want_hex) // 2, len(have_hex) // 2, first // 2))
            print("  golden: %s" % want_hex)
            print("  got:    %s" % have_hex)
            want_parts, have_parts = describe(want_hex), describe(have_hex)
            for index in range(max(len(want_parts), len(have_parts))):
                a = want_parts[index] if index < len(want_parts) else "(none)"
                b = have_parts[index] if index < len(have_parts) else "(none)"
                if a == b:
                    print("    = %s" % a)
                else:
                    print("    - %s\n    + %s" % (a, b))
    print("forward_bytes: %d of %d answers differ from %s" % (differing, len(want), golden_path))
    return 1 if differing else 0


def upstream(log_path):
    """Each name of the run reached the upstream once."""
    counts = {}
    with open(log_path) as handle:
        for text in handle:
            for word in text.split():
                if word.startswith("qname="):
                    name = word[len("qname="):]
                    counts[name] = counts.get(name, 0) + 1
    wrong = []
    for name, _, _, _ in cases():
        seen = counts.get(name + ".", 0)
        if seen != 1:
            wrong.append("%s: %d upstream queries" % (name, seen))
    for text in wrong[:20]:
        print("upstream: " + text)
    print("upstream: %d of %d names went upstream exactly once" % (len(cases()) - len(wrong), len(cases())))
    return 1 if wrong else 0


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "rules" and len(sys.argv) == 3:
        with open(sys.argv[2], "w") as handle:
            json.dump(rules(), handle, indent=1, sort_keys=True)
        return 0
    if command == "run" and len(sys.argv) == 3:
        for text in run(int(sys.argv[2])):
            print(text)
        return 0
    if command == "compare" and len(sys.argv) == 4:
        return compare(int(sys.argv[2]), sys.argv[3])
    if command == "upstream" and len(sys.argv) == 3:
        return upstream(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
