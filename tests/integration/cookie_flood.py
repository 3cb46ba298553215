#!/usr/bin/env python3
"""A UDP flood with or without a DNS COOKIE option, for cookies_test.sh (standard library).

  cookie_flood.py PORT N SOURCE COOKIE_HEX|- MARKERS

Sends N queries for www.r.test A from SOURCE (a loopback address, bound as the source),
each with an OPT record carrying COOKIE_HEX as its COOKIE option ("-": an OPT without
options), without waiting for answers. After every BATCH of them, one plain query from
the next address of MARKERS ("127.0.3." gives 127.0.3.1, 127.0.3.2, ...: each its own
rate limiting budget), waiting for its answer: the server answers in order on one
thread, so once it is in every answer to SOURCE before it has been sent, and the
server's socket never queues more than a batch. Prints one JSON object: queries
sent, answers without TC ("pass") and with TC ("tc"), answers carrying a COOKIE option,
and "bad" listing malformed answers or a missing marker answer.
"""
import json
import select
import socket
import struct
import sys

NAME = "www.r.test"
COOKIE = 10
BATCH = 50


def query(qid, options):
    wire = b"".join(bytes([len(label)]) + label.encode() for label in NAME.split("."))
    header = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1 if options is not None else 0)
    message = header + wire + b"\0" + struct.pack(">HH", 1, 1)
    if options is not None:
        message += b"\0" + struct.pack(">HHIH", 41, 1232, 0, len(options)) + options
    return message


def has_cookie(answer):
    """True when the answer's last record is an OPT holding a COOKIE option."""
    _, _, qd, an, ns, ar = struct.unpack(">HHHHHH", answer[:12])
    if ar == 0:
        return False
    at = 12
    for _ in range(qd):
        while answer[at] != 0:
            at += 1 + answer[at]
        at += 5
    rdata = b""
    for _ in range(an + ns + ar):
        while answer[at] != 0 and answer[at] < 0xC0:
            at += 1 + answer[at]
        at += 2 if answer[at] >= 0xC0 else 1
        rtype, _, _, length = struct.unpack(">HHIH", answer[at:at + 10])
        rdata = answer[at + 10:at + 10 + length] if rtype == 41 else b""
        at += 10 + length
    while len(rdata) >= 4:
        code, length = struct.unpack(">HH", rdata[:4])
        if code == COOKIE:
            return True
        rdata = rdata[4 + length:]
    return False


def wait_for_marker(port, source, result):
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind((source, 0))
    probe.settimeout(5.0)
    probe.sendto(query(0xffff, None), ("127.0.0.1", port))
    try:
        probe.recvfrom(4096)
    except socket.timeout:
        result["bad"].append("no answer to the marker query from " + source)
    probe.close()


def main():
    port, count, source, cookie_hex, marker = (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3],
                                               sys.argv[4], sys.argv[5])
    options = b"" if cookie_hex == "-" else struct.pack(
        ">HH", COOKIE, len(cookie_hex) // 2) + bytes.fromhex(cookie_hex)
    flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    flood.bind((source, 0))
    flood.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    result = {"sent": 0, "pass": 0, "tc": 0, "cookie": 0, "bad": []}
    for i in range(1, count + 1):
        flood.sendto(query(i, options), ("127.0.0.1", port))
        result["sent"] += 1
        if i % BATCH == 0 or i == count:
            wait_for_marker(port, marker + str(i // BATCH + 1), result)
    while select.select([flood], [], [], 0)[0]:
        answer, _ = flood.recvfrom(4096)
        if len(answer) < 12:
            result["bad"].append("short answer")
            continue
        flags = struct.unpack(">H", answer[2:4])[0]
        result["tc" if flags & 0x0200 else "pass"] += 1
        if has_cookie(answer):
            result["cookie"] += 1
    print(json.dumps(result))


if __name__ == "__main__":
    main()
