#!/usr/bin/env python3
"""A UDP flood for the rate limiting test (standard library only).

  rate_limit_flood.py PORT N FLOODER EXEMPT OTHER

Sends N queries for www.r.test A from FLOODER (a loopback address, bound as the source)
without waiting for answers; after every 4th one a query from EXEMPT and after every 50th
one from OTHER, each waiting for its answer (which also paces the flood, so the server's
socket never queues more than a few datagrams); halfway, one query over TCP from FLOODER.
The server answers in order on one thread, so when the last answer to EXEMPT is in, every
answer to FLOODER has been sent: they are read without waiting. Prints one JSON object:
per source the answers without TC ("pass") and with TC ("tc"), queries sent, the TCP
answer's RCODE and TC, the flood's duration, and "bad" listing malformed answers.
"""
import json
import select
import socket
import struct
import sys
import time

NAME = "www.r.test"


def query(qid):
    wire = b"".join(bytes([len(label)]) + label.encode() for label in NAME.split("."))
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + b"\0" + struct.pack(">HH", 1, 1)


def udp_socket(source):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((source, 0))
    return sock


class Tally:
    def __init__(self):
        self.sent = 0
        self.passed = 0
        self.tc = 0
        self.bad = []

    def record(self, answer, expected_question):
        if len(answer) < 12:
            self.bad.append("short answer")
            return
        _, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", answer[:12])
        if not flags & 0x8000:
            self.bad.append("QR clear")
        if flags & 0x0200:
            self.tc += 1
            # A slipped answer: header and question only (TC=1, RFC 7766 clients retry).
            if (qd, an, ns, ar) != (1, 0, 0, 0) or answer[12:] != expected_question:
                self.bad.append("truncated answer is not header + question: %r" % answer)
        else:
            self.passed += 1
            if an == 0:
                self.bad.append("an answer without records")

    def summary(self):
        return {"sent": self.sent, "pass": self.passed, "tc": self.tc, "bad": self.bad}


def exchange(sock, port, qid, tally, question):
    """Sends one query and waits (at most 5 s) for its answer."""
    sock.sendto(query(qid), ("127.0.0.1", port))
    tally.sent += 1
    sock.settimeout(5.0)
    try:
        answer, _ = sock.recvfrom(4096)
    except socket.timeout:
        tally.bad.append("no answer to query %d" % qid)
        return
    tally.record(answer, question)


def drain(sock, tally, question):
    """Reads what has arrived, without waiting."""
    while select.select([sock], [], [], 0)[0]:
        answer, _ = sock.recvfrom(4096)
        tally.record(answer, question)


def tcp_query(port, source):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5.0, source_address=(source, 0))
    message = query(0x7777)
    sock.sendall(struct.pack(">H", len(message)) + message)
    data = b""
    while len(data) < 2 or len(data) < 2 + struct.unpack(">H", data[:2])[0]:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    sock.close()
    if len(data) < 14:
        return {"rcode": -1, "tc": False}
    flags = struct.unpack(">H", data[4:6])[0]
    return {"rcode": flags & 0x0f, "tc": bool(flags & 0x0200)}


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    flooder, exempt, other = sys.argv[3:6]
    question = query(0)[12:]
    sockets = {name: udp_socket(source) for name, source in
               (("flooder", flooder), ("exempt", exempt), ("other", other))}
    tallies = {name: Tally() for name in sockets}
    tcp = None
    start = time.monotonic()
    for i in range(1, count + 1):
        sockets["flooder"].sendto(query(i & 0xffff), ("127.0.0.1", port))
        tallies["flooder"].sent += 1
        if i % 4 == 0:
            exchange(sockets["exempt"], port, i, tallies["exempt"], question)
        if i % 50 == 0:
            exchange(sockets["other"], port, i, tallies["other"], question)
        if i == count // 2:
            tcp = tcp_query(port, flooder)
        drain(sockets["flooder"], tallies["flooder"], question)
    exchange(sockets["exempt"], port, 0xffff, tallies["exempt"], question)
    seconds = time.monotonic() - start
    drain(sockets["flooder"], tallies["flooder"], question)
    result = {name: tally.summary() for name, tally in tallies.items()}
    result["tcp"] = tcp
    result["seconds"] = seconds
    print(json.dumps(result))


if __name__ == "__main__":
    main()
