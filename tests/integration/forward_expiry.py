#!/usr/bin/env python3
"""After an upstream changes its answer and the old entry expires, every thread serves
the new one (standard library only; forward_expiry_test.sh).

  forward_expiry.py PORT METRICS_PORT NAME OLD NEW RULES [--udp N] [--tcp N]
                    [--warm-rounds N] [--after-rounds N] [--after-s S] [--deadline-s S]

Opens N UDP sockets (default 48), each bound to its own source port of 127.0.0.1, which
SO_REUSEPORT spreads over sitedns's receive threads, and N TCP connections (default 4).
The queries are plain (A, RD=1; every other one with an OPT without options), the kind
each thread keeps a copy of.

  1. warm: every socket asks NAME --warm-rounds times (default 5); every answer must be
     OLD, and every worker thread of sitedns must have answered some of them (the
     metrics endpoint's sitedns_thread_answers_total), so each holds a copy;
  2. switch: RULES (fake_upstream.py --rules, re-read when it changes) now answers
     NEW for NAME;
  3. rounds until one answer is NEW (bounded by --deadline-s, default 15 s, a guard
     against a hang, never the assertion): in a round every socket sends its query,
     then every answer is read, so a round's queries are all sent after the previous
     round's answers came;
  4. from the round after the one that first saw NEW: every answer on every socket must
     be NEW, never OLD, for at least --after-rounds rounds (default 30) and --after-s
     seconds (default 2.5, longer than an old copy could outlive the entry).

Prints what it saw, one line a step, and "expiry: ok" or "expiry: FAIL ..." last;
exit 0 when every assertion held.
"""
import argparse
import os
import re
import socket
import struct
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dns_client import query, read_exact  # noqa: E402
from fake_upstream import parse_reply  # noqa: E402

HOST = "127.0.0.1"
REPLY_TIMEOUT_S = 5.0  # above the forwarder's deadline (2.5 s)


def outcome(reply, qid):
    """'192.0.2.x' for a NOERROR answer with one A record, else a short description."""
    if reply is None:
        return "no reply"
    try:
        rcode, addresses, _, _ = parse_reply(reply, qid)
    except (ValueError, IndexError, struct.error) as error:
        return "unparsable(%s)" % error
    if rcode == "NOERROR" and len(addresses) == 1:
        return addresses[0][2]
    return "%s %s" % (rcode, ",".join(address for _, _, address in addresses) or "-")


class Clients:
    def __init__(self, port, udp_count, tcp_count):
        self.udp = []
        for _ in range(udp_count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((HOST, 0))
            sock.connect((HOST, port))
            self.udp.append(sock)
        self.tcp = []
        for _ in range(tcp_count):
            sock = socket.create_connection((HOST, port), timeout=REPLY_TIMEOUT_S)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.tcp.append(sock)
        self.qid = 0

    def labels(self):
        return (["udp:%d" % sock.getsockname()[1] for sock in self.udp] +
                ["tcp:%d" % sock.getsockname()[1] for sock in self.tcp])

    def round(self, name):
        """One query from every socket and connection, all sent before any answer is
        read: [(label, outcome)]."""
        sent = []
        for index, sock in enumerate(self.udp + self.tcp):
            self.qid = (self.qid + 1) & 0xFFFF
            message = query(self.qid, name, 1, rd=True, edns=1232 if index % 2 == 1 else None)
            try:
                if sock.type == socket.SOCK_DGRAM:
                    sock.send(message)
                else:
                    sock.sendall(struct.pack(">H", len(message)) + message)
            except OSError:
                pass
            sent.append((sock, self.qid))
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        results = []
        for (sock, qid), label in zip(sent, self.labels()):
            reply = None
            try:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                if sock.type == socket.SOCK_DGRAM:
                    while reply is None:
                        data = sock.recv(65535)
                        if data[:2] == struct.pack(">H", qid):
                            reply = data
                else:
                    (length,) = struct.unpack(">H", read_exact(sock, 2))
                    reply = read_exact(sock, length)
            except (OSError, ConnectionError):
                pass
            results.append((label, outcome(reply, qid)))
        return results


def thread_answers(metrics_port):
    """{thread: answers} from sitedns_thread_answers_total."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port, timeout=5) as page:
        text = page.read().decode()
    return {thread: int(count) for thread, count in
            re.findall(r'^sitedns_thread_answers_total\{thread="(\d+)"\} (\d+)$', text, re.M)}


def tally(results):
    counts = {}
    for _, seen in results:
        counts[seen] = counts.get(seen, 0) + 1
    return ", ".join("%d %s" % (n, seen) for seen, n in sorted(counts.items(), key=lambda i: -i[1]))


def write_rule(path, name, address, ttl):
    temporary = path + ".tmp"
    with open(temporary, "w") as handle:
        handle.write('{"%s": "answer addr=%s ttl=%d"}\n' % (name, address, ttl))
    os.rename(temporary, path)  # a new inode: the fake re-reads it on its next query


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("metrics_port", type=int)
    parser.add_argument("name")
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("rules")
    parser.add_argument("--ttl", type=int, default=2)
    parser.add_argument("--udp", type=int, default=48)
    parser.add_argument("--tcp", type=int, default=4)
    parser.add_argument("--warm-rounds", type=int, default=5)
    parser.add_argument("--after-rounds", type=int, default=30)
    parser.add_argument("--after-s", type=float, default=2.5)
    parser.add_argument("--deadline-s", type=float, default=15.0)
    args = parser.parse_args()
    failures = []

    clients = Clients(args.port, args.udp, args.tcp)
    before = thread_answers(args.metrics_port)
    warm = []
    for _ in range(args.warm_rounds):
        warm += clients.round(args.name)
    after = thread_answers(args.metrics_port)
    moved = sorted(t for t in after if after[t] > before.get(t, 0))
    print("warm: %d rounds x %d sockets: %s; threads that answered: %s of %s" % (
        args.warm_rounds, len(clients.labels()), tally(warm), ",".join(moved) or "none",
        ",".join(sorted(after)) or "none"))
    if any(seen != args.old for _, seen in warm):
        failures.append("warm: not every answer was %s (%s)" % (args.old, tally(warm)))
    if len(after) < 2 or moved != sorted(after):
        failures.append("warm: not every worker thread answered (%s of %s)" % (moved, sorted(after)))

    write_rule(args.rules, args.name, args.new, args.ttl)
    print("switch: the upstream answers %s from now on" % args.new)

    rounds_before = 0
    deadline = time.monotonic() + args.deadline_s
    first_new = None
    while first_new is None and time.monotonic() < deadline:
        results = clients.round(args.name)
        rounds_before += 1
        bad = [(label, seen) for label, seen in results if seen not in (args.old, args.new)]
        if bad:
            failures.append("before the new answer: %d answers neither old nor new: %s" % (
                len(bad), ", ".join("%s %s" % b for b in bad[:5])))
            break
        if any(seen == args.new for _, seen in results):
            first_new = results
        else:
            time.sleep(0.02)
    if first_new is None:
        failures.append("no socket saw %s within %.0f s" % (args.new, args.deadline_s))
    else:
        print("first new: round %d after the switch: %s" % (rounds_before, tally(first_new)))
        start = time.monotonic()
        rounds_after = 0
        stale = {}  # label -> [(round, what it got instead)]
        last_wrong_s = None
        while rounds_after < args.after_rounds or time.monotonic() - start < args.after_s:
            results = clients.round(args.name)
            rounds_after += 1
            for label, seen in results:
                if seen != args.new:
                    stale.setdefault(label, []).append((rounds_after, seen))
                    last_wrong_s = time.monotonic() - start
        total = rounds_after * len(clients.labels())
        wrong = sum(len(v) for v in stale.values())
        print("after: %d rounds x %d sockets: %d answers, %d not %s%s" % (
            rounds_after, len(clients.labels()), total, wrong, args.new,
            "" if last_wrong_s is None else
            " (the last in a round that ended %.2f s after the first new answer, for "
            "information only)" % last_wrong_s))
        for label, seen in sorted(stale.items())[:10]:
            got = sorted(set(what for _, what in seen))
            print("  %s: %d answers not %s (%s), rounds %d to %d" % (
                label, len(seen), args.new, ", ".join(got), seen[0][0], seen[-1][0]))
        if len(stale) > 10:
            print("  ... and %d more sockets" % (len(stale) - 10))
        if wrong:
            failures.append("after a socket saw %s, %d answers on %d sockets were not it" % (
                args.new, wrong, len(stale)))
    for failure in failures:
        print("expiry: FAIL " + failure)
    if not failures:
        print("expiry: ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
