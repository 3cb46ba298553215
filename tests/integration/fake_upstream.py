#!/usr/bin/env python3
"""A scriptable fake DNS upstream for the forwarding tests (standard library only).

  fake_upstream.py serve --port-file FILE --log FILE [--port P] [--rule RULE]...
                         [--default RULE] [--rules JSON_FILE]
  fake_upstream.py burst PORT NAME COUNT ADDRESS [--timeout S]
  fake_upstream.py spread PORT NAME COUNT [--type T] [--source ADDR] [--rcode R]
                          [--address A] [--ttl N] [--ede CODE] [--timeout S] [--distinct]
                          [--dnssec] [--ad 0|1]

serve: a UDP and TCP DNS server on 127.0.0.1 (port P, or an ephemeral one), which
writes its port to FILE once both sockets are bound, and logs every query it receives
as one line of the log:

  transport=udp qname=a.test. qtype=A id=4242 sport=40001 rd=1 edns=1232 opts=8,10

(`edns=none` without OPT, `opts=-` without options; qname lowercased). A rule is
"NAME ACTION [key=value]..." (NAME with or without the final dot, or `*`):

  answer     A record (addr=192.0.2.1, ttl=300) for qtype A; with aaaa=ADDRESS,
             srv=PRIORITY:WEIGHT:PORT:TARGET, ptr=TARGET or mx=PREFERENCE:TARGET also
             that record for its qtype; NODATA for other types. With records=N, N A
             records (addr, addr+1, ...), for answers too large for 512 bytes
  nxdomain   NXDOMAIN with the SOA of zone= (default: NAME less its first label) in the
             authority section, TTL and MINIMUM = minimum= (default 60)
  nodata     NOERROR, no answer, the SOA as for nxdomain
  servfail   SERVFAIL
  drop       no reply
  drop-first no reply to the first count= (default 1) queries for the name (UDP or TCP),
             then `answer`
  delay MS   `answer` MS milliseconds later (delay=MS works with every action)
  hold       `answer`, but no reply before count= (default 1) queries have come under
             this rule (any names it matches, UDP or TCP): then every held reply at once,
             and later ones at once too. The sender's sockets of those queries are then
             all open together, whatever the time it took them to come.
  truncate   over UDP: TC=1 with no answer; over TCP: the answer
  wrong-id   a reply with another ID (address 6.6.6.6), then the real one after
             gap=MS (default 100) unless real=0
  wrong-question  the same with another question name (x.NAME)
  wrong-port      the same, the spoof sent from another socket (another source port)

--default sets the rule for names without one (default: "answer"). --rules names a
JSON file {"NAME": "ACTION key=value ...", "*": ...} re-read whenever it changes; its
rules override the command line's. Control queries: `die.control.` switches to "drop
everything" (after answering it), `revive.control.` back. SIGTERM stops the server.

burst: one UDP socket sends COUNT queries for NAME A (RD=1, IDs 1000..) to 127.0.0.1:PORT
at once and waits up to S seconds (default 4) for every answer; exit 0 when each ID got
exactly one NOERROR reply holding ADDRESS, else prints what went wrong and exits 1.

spread: COUNT queries for NAME (type T, default A; RD=1, EDNS 1232, DO=1 with --dnssec,
RFC 3225), each from its own
UDP socket bound to ADDR (default 127.0.0.1) and so from its own source port, all sent
before any reply is read; waits up to S seconds (default 4). With --distinct each
query asks its own name, INDEX.NAME (INDEX from 0), so none is merged or cached with
another. A server whose workers
share the port with SO_REUSEPORT gets them spread over its threads by the kernel.
Prints one line with the tally of what came back ("100 ports: 63 NOERROR A=192.0.2.1
ttl=300 ad=0 ede=-, 37 SERVFAIL ..."); exit 0 when every port got one reply with rcode R
(default NOERROR) and, where given, an A or AAAA record with address A, that TTL, that
Extended DNS Error code (RFC 8914) and that AD flag (RFC 4035 §3.2.3), else 1.
"""
import argparse
import functools
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"
TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
         33: "SRV", 41: "OPT", 255: "ANY"}
TYPE_CODES = {name: code for code, name in TYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
SPOOF_ADDRESS = "6.6.6.6"


# ---------------------------------------------------------------- wire helpers

def encode_name(name):
    labels = [label for label in name.rstrip(".").split(".") if label]
    return b"".join(bytes([len(label)]) + label.encode() for label in labels) + b"\0"


def decode_name(message, offset):
    """(name with final dot, offset after it); follows compression pointers."""
    labels, end, jumps = [], None, 0
    while True:
        length = message[offset]
        if length & 0xC0 == 0xC0:
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | message[offset + 1]
            jumps += 1
            if jumps > 20:
                raise ValueError("compression loop")
            continue
        offset += 1
        if length == 0:
            break
        labels.append(message[offset:offset + length].decode("latin-1"))
        offset += length
    return ".".join(labels) + ".", (end if end is not None else offset)


class Query:
    """The parts of a query the fake needs."""

    def __init__(self, message):
        (self.id, self.flags, qdcount, ancount, nscount, arcount) = struct.unpack(">HHHHHH", message[:12])
        if qdcount != 1:
            raise ValueError("qdcount %d" % qdcount)
        self.raw_name, offset = decode_name(message, 12)
        self.qname = self.raw_name.lower()
        self.qtype, self.qclass = struct.unpack(">HH", message[offset:offset + 4])
        offset += 4
        self.question_end = offset
        self.edns_size = None
        self.options = []
        for index in range(ancount + nscount + arcount):
            _, offset = decode_name(message, offset)
            rtype, rclass, _ttl, rdlength = struct.unpack(">HHIH", message[offset:offset + 10])
            offset += 10
            if rtype == 41 and index >= ancount + nscount:
                self.edns_size = rclass
                position = offset
                while position + 4 <= offset + rdlength:
                    code, length = struct.unpack(">HH", message[position:position + 4])
                    self.options.append(code)
                    position += 4 + length
            offset += rdlength
        self.rd = bool(self.flags & 0x0100)
        self.message = message

    def log_line(self, transport, sport):
        return "transport=%s qname=%s qtype=%s id=%d sport=%d rd=%d edns=%s opts=%s" % (
            transport, self.qname, TYPES.get(self.qtype, str(self.qtype)), self.id, sport,
            int(self.rd), "none" if self.edns_size is None else self.edns_size,
            ",".join(str(code) for code in self.options) or "-")


def rr(owner_wire, rtype, ttl, rdata):
    return owner_wire + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def soa_rdata(zone, minimum):
    return (encode_name("ns." + zone) + encode_name("hostmaster." + zone) +
            struct.pack(">IIIII", 1, 3600, 600, 86400, minimum))


def build_reply(query, rule, *, rcode=0, answers=(), authority=(), tc=False, qid=None, qname=None):
    flags = 0x8000 | (query.flags & 0x7900) | 0x0400 | 0x0080  # QR, opcode+RD kept, AA, RA
    if tc:
        flags |= 0x0200
    flags |= rcode
    additional = []
    if query.edns_size is not None:
        additional.append(b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0))
    header = struct.pack(">HHHHHH", query.id if qid is None else qid, flags, 1, len(answers),
                         len(authority), len(additional))
    name_wire = encode_name(qname) if qname else encode_name(query.raw_name)
    question = name_wire + struct.pack(">HH", query.qtype, query.qclass)
    return header + question + b"".join(answers) + b"".join(authority) + b"".join(additional)


def typed_rdata(qtype, rule, address=None):
    """The RDATA an answering rule gives for qtype, or None (NODATA)."""
    if qtype == 1:
        return socket.inet_aton(address or rule.get("addr", "192.0.2.1"))
    if qtype == 28 and "aaaa" in rule:
        return socket.inet_pton(socket.AF_INET6, rule["aaaa"])
    if qtype == 33 and "srv" in rule:
        priority, weight, port, target = rule["srv"].split(":", 3)
        return struct.pack(">HHH", int(priority), int(weight), int(port)) + encode_name(target)
    if qtype == 12 and "ptr" in rule:
        return encode_name(rule["ptr"])
    if qtype == 15 and "mx" in rule:
        preference, target = rule["mx"].split(":", 1)
        return struct.pack(">H", int(preference)) + encode_name(target)
    return None


# ---------------------------------------------------------------- rules

def parse_rule(text):
    """'ACTION [MS] key=value ...' -> dict."""
    words = text.split()
    rule = {"action": words[0] if words else "answer"}
    rest = words[1:]
    if rule["action"] == "delay":
        rule["action"] = "answer"
        if rest and "=" not in rest[0]:
            rule["delay"] = rest.pop(0)
    for word in rest:
        key, _, value = word.partition("=")
        rule[key] = value
    return rule


def normalise(name):
    return "*" if name == "*" else name.lower().rstrip(".") + "."


class Rules:
    def __init__(self, command_line, default, path):
        self.base = {normalise(name): parse_rule(action) for name, action in command_line}
        self.base.setdefault("*", parse_rule(default))
        self.path = path
        self.stamp = None
        self.loaded = {}
        self.lock = threading.Lock()

    def _reload(self):
        if not self.path:
            return
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return
        stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        if stamp == self.stamp:
            return
        try:
            with open(self.path) as handle:
                data = json.load(handle)
        except (OSError, ValueError) as error:
            print("fake_upstream: cannot read %s: %s" % (self.path, error), file=sys.stderr)
            return
        self.loaded = {normalise(name): parse_rule(action) for name, action in data.items()}
        self.stamp = stamp

    def lookup(self, qname):
        with self.lock:
            self._reload()
            for table in (self.loaded, self.base):
                if qname in table:
                    return table[qname]
            return self.loaded.get("*") or self.base["*"]


class Hold:
    """The replies of a `hold` rule, kept back until `count` queries have come."""

    def __init__(self, count):
        self.count = count
        self.waiting = []
        self.lock = threading.Lock()

    def add(self, send):
        """Keeps `send` (sends one reply) back, or calls every kept one once this is the
        count-th; once open, calls `send` at once."""
        with self.lock:
            if self.waiting is not None:
                self.waiting.append(send)
                if len(self.waiting) < self.count:
                    return
                ready, self.waiting = self.waiting, None
            else:
                ready = [send]
        for each in ready:
            each()


# ---------------------------------------------------------------- server

def bind_pair(port):
    """A UDP and a listening TCP socket on the same port of HOST. With port 0 the free
    port UDP got may be in use for TCP (another test's connection): try another one,
    as sitedns does (Server::bind_endpoint)."""
    for attempt in range(1, 21):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((HOST, port))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind((HOST, udp.getsockname()[1]))
        except OSError:
            tcp.close()
            udp.close()
            if port != 0 or attempt == 20:
                raise
            continue
        tcp.listen(64)
        return udp, tcp


class Fake:
    def __init__(self, args):
        self.rules = Rules(args.rule or [], args.default, args.rules)
        self.dead = False
        self.seen = {}  # qname -> queries so far, for drop-first
        self.log_lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1)
        self.udp, self.tcp = bind_pair(args.port)
        port = self.udp.getsockname()[1]
        self.port = port
        temporary = args.port_file + ".tmp"
        with open(temporary, "w") as handle:
            handle.write("%d\n" % port)
        os.rename(temporary, args.port_file)

    def record(self, line):
        with self.log_lock:
            self.log.write(line + "\n")

    def answers_for(self, query, rule, address=None):
        """(rcode, answers, authority) for an answering rule."""
        action = rule["action"]
        zone = rule.get("zone")
        if not zone:
            zone = query.qname.split(".", 1)[1] if query.qname.count(".") > 1 else query.qname
        zone = normalise(zone)
        minimum = int(rule.get("minimum", 60))
        soa = [rr(encode_name(zone), 6, minimum, soa_rdata(zone, minimum))]
        if action == "servfail":
            return 2, [], []
        if action == "nxdomain":
            return 3, [], soa
        if action == "nodata":
            return 0, [], soa
        rdata = typed_rdata(query.qtype, rule, address)
        if rdata is None:
            return 0, [], soa
        ttl = int(rule.get("ttl", 300))
        if query.qtype == 1 and address is None and "records" in rule:
            first = struct.unpack(">I", rdata)[0]
            return 0, [rr(b"\xc0\x0c", 1, ttl, struct.pack(">I", first + index))
                       for index in range(int(rule["records"]))], []
        return 0, [rr(b"\xc0\x0c", query.qtype, ttl, rdata)], []

    def hold_of(self, rule):
        """The rule's Hold, kept in the rule itself under a key no `key=value` word can
        spell: one per rule, whichever thread asks first."""
        with self.log_lock:
            return rule.setdefault(" hold", Hold(int(rule.get("count", 1))))

    def schedule(self, when, send):
        """Calls `send` now, `when` seconds later, or, `when` a Hold, when it opens."""
        if isinstance(when, Hold):
            when.add(send)
        elif when > 0:
            timer = threading.Timer(when, send)
            timer.daemon = True
            timer.start()
        else:
            send()

    def replies(self, query, transport):
        """[(delay_s or Hold, bytes, from_other_socket)] for one query."""
        if query.qname == "die.control.":
            self.dead = True
            return [(0, build_reply(query, {}), False)]
        if query.qname == "revive.control.":
            self.dead = False
            return [(0, build_reply(query, {}), False)]
        if self.dead:
            return []
        rule = self.rules.lookup(query.qname)
        action = rule["action"]
        delay = int(rule.get("delay", 0)) / 1000.0
        if action == "drop":
            return []
        if action == "drop-first":
            with self.log_lock:
                self.seen[query.qname] = self.seen.get(query.qname, 0) + 1
                if self.seen[query.qname] <= int(rule.get("count", 1)):
                    return []
        if action == "truncate" and transport == "udp":
            return [(delay, build_reply(query, rule, tc=True), False)]
        rcode, answers, authority = self.answers_for(query, rule)
        real = build_reply(query, rule, rcode=rcode, answers=answers, authority=authority)
        if action == "hold":
            return [(self.hold_of(rule), real, False)]
        if action in ("wrong-id", "wrong-question", "wrong-port"):
            _, spoof_answers, _ = self.answers_for(query, {"action": "answer", "ttl": 300},
                                                   SPOOF_ADDRESS)
            spoof = build_reply(query, rule, answers=spoof_answers,
                                qid=(query.id ^ 0x5A5A) if action == "wrong-id" else None,
                                qname=("x." + query.raw_name) if action == "wrong-question" else None)
            out = [(delay, spoof, action == "wrong-port")]
            if rule.get("real", "1") != "0":
                out.append((delay + int(rule.get("gap", 100)) / 1000.0, real, False))
            return out
        return [(delay, real, False)]

    # -- UDP

    def serve_udp(self):
        while True:
            try:
                message, peer = self.udp.recvfrom(65535)
            except OSError:
                return
            try:
                query = Query(message)
            except (ValueError, IndexError, struct.error) as error:
                self.record("transport=udp unparsable sport=%d error=%s" % (peer[1], error))
                continue
            self.record(query.log_line("udp", peer[1]) + (" dead=1" if self.dead else ""))
            for delay, reply, other in self.replies(query, "udp"):
                self.schedule(delay, functools.partial(self.send_udp, reply, peer, other))

    def send_udp(self, reply, peer, other_socket):
        try:
            if other_socket:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as spoofer:
                    spoofer.bind((HOST, 0))
                    spoofer.sendto(reply, peer)
            else:
                self.udp.sendto(reply, peer)
        except OSError:
            pass

    # -- TCP

    def serve_tcp(self):
        while True:
            try:
                connection, peer = self.tcp.accept()
            except OSError:
                return
            thread = threading.Thread(target=self.serve_connection, args=(connection, peer), daemon=True)
            thread.start()

    def serve_connection(self, connection, peer):
        send_lock = threading.Lock()

        def send(reply):
            with send_lock:
                try:
                    connection.sendall(struct.pack(">H", len(reply)) + reply)
                except OSError:
                    pass

        with connection:
            connection.settimeout(30)
            while True:
                try:
                    prefix = read_exact(connection, 2)
                    (length,) = struct.unpack(">H", prefix)
                    message = read_exact(connection, length)
                except (OSError, ConnectionError):
                    return
                try:
                    query = Query(message)
                except (ValueError, IndexError, struct.error) as error:
                    self.record("transport=tcp unparsable sport=%d error=%s" % (peer[1], error))
                    return
                self.record(query.log_line("tcp", peer[1]) + (" dead=1" if self.dead else ""))
                for delay, reply, _ in self.replies(query, "tcp"):
                    self.schedule(delay, functools.partial(send, reply))


def read_exact(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def serve(args):
    fake = Fake(args)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    for target in (fake.serve_udp, fake.serve_tcp):
        threading.Thread(target=target, daemon=True).start()
    while not stop.wait(0.2):
        pass
    fake.udp.close()
    fake.tcp.close()
    fake.log.flush()
    return 0


# ---------------------------------------------------------------- burst client

def burst(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((HOST, args.port))
    first = 1000
    wanted = socket.inet_aton(args.address)
    for qid in range(first, first + args.count):
        sock.send(struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + encode_name(args.name) +
                  struct.pack(">HH", 1, 1))
    seen, problems = {}, []
    deadline = time.monotonic() + args.timeout
    while len(seen) < args.count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock.settimeout(remaining)
        try:
            reply = sock.recv(65535)
        except socket.timeout:
            break
        qid, flags, _, ancount = struct.unpack(">HHHH", reply[:8])
        if not first <= qid < first + args.count:
            problems.append("reply with unknown ID %d" % qid)
            continue
        if qid in seen:
            problems.append("two replies for ID %d" % qid)
        rcode = flags & 0xF
        ok = rcode == 0 and ancount >= 1 and wanted in reply[12:]
        seen[qid] = ok
        if not ok:
            problems.append("ID %d: rcode %d, %d answers, %s not found" % (qid, rcode, ancount, args.address))
    missing = args.count - len(seen)
    if missing:
        problems.append("%d of %d IDs got no reply within %.1f s" % (missing, args.count, args.timeout))
    for problem in problems[:10]:
        print("burst: " + problem)
    print("burst: %d of %d IDs answered with %s" % (sum(seen.values()), args.count, args.address))
    return 1 if problems else 0


# ---------------------------------------------------------------- spread client

def skip_question(message, offset):
    _, offset = decode_name(message, offset)
    return offset + 4


def parse_reply(reply, qid):
    """(rcode name, [(type, ttl, address)] of the answer's A/AAAA, [EDE codes], AD bit)."""
    rid, flags, qdcount, ancount, nscount, arcount = struct.unpack(">HHHHHH", reply[:12])
    if rid != qid:
        raise ValueError("ID %d, sent %d" % (rid, qid))
    offset = 12
    for _ in range(qdcount):
        offset = skip_question(reply, offset)
    addresses, edes = [], []
    for index in range(ancount + nscount + arcount):
        _, offset = decode_name(reply, offset)
        rtype, _, ttl, rdlength = struct.unpack(">HHIH", reply[offset:offset + 10])
        offset += 10
        rdata = reply[offset:offset + rdlength]
        if index < ancount and rtype in (1, 28):
            family = socket.AF_INET if rtype == 1 else socket.AF_INET6
            addresses.append((TYPES[rtype], ttl, socket.inet_ntop(family, rdata)))
        if rtype == 41:
            position = 0
            while position + 4 <= len(rdata):
                code, length = struct.unpack(">HH", rdata[position:position + 4])
                if code == 15 and length >= 2:  # EDE, RFC 8914 §2
                    edes.append(struct.unpack(">H", rdata[position + 4:position + 6])[0])
                position += 4 + length
        offset += rdlength
    return RCODES.get(flags & 0xF, str(flags & 0xF)), addresses, edes, (flags >> 5) & 1


def spread_outcome(reply, qid):
    """One port's outcome as a short text, the unit of the tally."""
    try:
        rcode, addresses, edes, ad = parse_reply(reply, qid)
    except (ValueError, IndexError, struct.error) as error:
        return "unparsable(%s)" % error
    text = rcode
    for rtype, ttl, address in addresses:
        text += " %s=%s ttl=%d" % (rtype, address, ttl)
    return text + " ad=%d ede=" % ad + (",".join(str(code) for code in edes) or "-")


def spread_ok(args, reply, qid):
    try:
        rcode, addresses, edes, ad = parse_reply(reply, qid)
    except (ValueError, IndexError, struct.error):
        return False
    if rcode != args.rcode or (args.ad is not None and ad != args.ad):
        return False
    if args.address and not any(a == args.address and (args.ttl is None or t == args.ttl)
                                for _, t, a in addresses):
        return False
    return args.ede is None or args.ede in edes


def spread(args):
    qtype = TYPE_CODES[args.type.upper()]
    opt = b"\0" + struct.pack(">HHIH", 41, 1232, 0x8000 if args.dnssec else 0, 0)
    sockets = []
    for index in range(args.count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((args.source, 0))
        sock.connect((HOST, args.port))
        sockets.append((2000 + index, sock))
    for index, (qid, sock) in enumerate(sockets):
        name = "%d.%s" % (index, args.name) if args.distinct else args.name
        sock.send(struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1) + encode_name(name) +
                  struct.pack(">HH", qtype, 1) + opt)
    results = {}
    deadline = time.monotonic() + args.timeout
    for qid, sock in sockets:
        remaining = deadline - time.monotonic()
        sock.settimeout(max(remaining, 0.001))
        try:
            results[qid] = sock.recv(65535)
        except (socket.timeout, OSError):
            pass
        sock.close()
    tally = {}
    ok = 0
    for qid, _ in sockets:
        reply = results.get(qid)
        outcome = "no reply" if reply is None else spread_outcome(reply, qid)
        tally[outcome] = tally.get(outcome, 0) + 1
        ok += reply is not None and spread_ok(args, reply, qid)
    summary = ", ".join("%d %s" % (n, outcome) for outcome, n in
                        sorted(tally.items(), key=lambda item: -item[1]))
    print("spread: %d of %d ports as expected; %s" % (ok, args.count, summary))
    return 0 if ok == args.count else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser("serve")
    server.add_argument("--port", type=int, default=0)
    server.add_argument("--port-file", required=True)
    server.add_argument("--log", required=True)
    server.add_argument("--rule", action="append", type=lambda text: tuple(text.split(None, 1)),
                        help="'NAME ACTION [key=value]...'")
    server.add_argument("--default", default="answer")
    server.add_argument("--rules")
    client = commands.add_parser("burst")
    client.add_argument("port", type=int)
    client.add_argument("name")
    client.add_argument("count", type=int)
    client.add_argument("address")
    client.add_argument("--timeout", type=float, default=4.0)
    spreader = commands.add_parser("spread")
    spreader.add_argument("port", type=int)
    spreader.add_argument("name")
    spreader.add_argument("count", type=int)
    spreader.add_argument("--type", default="A")
    spreader.add_argument("--source", default=HOST)
    spreader.add_argument("--rcode", default="NOERROR")
    spreader.add_argument("--address")
    spreader.add_argument("--ttl", type=int)
    spreader.add_argument("--ede", type=int)
    spreader.add_argument("--timeout", type=float, default=4.0)
    spreader.add_argument("--distinct", action="store_true")
    spreader.add_argument("--dnssec", action="store_true")
    spreader.add_argument("--ad", type=int, choices=(0, 1))
    args = parser.parse_args()
    return {"serve": serve, "burst": burst, "spread": spread}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
