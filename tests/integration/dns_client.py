#!/usr/bin/env python3
"""Raw DNS-over-TCP checks that dig and kdig cannot make (standard library only).

  dns_client.py pipeline PORT   20 queries written back to back on one connection
                                before any answer is read (RFC 7766 §6.2.1.1)
  dns_client.py idle PORT       a connection that sends nothing is closed within 2 s
  dns_client.py cap PORT N      with max_connections N, connection N+1 is closed at once
  dns_client.py short PORT      a frame shorter than a DNS header closes the connection

Prints one line per failure and exits 1 if any.

query() and read_exact() are also the forwarding clients' (forward_bytes.py,
forward_expiry.py): one query builder and one TCP reader for the raw-socket tests.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_upstream import encode_name  # noqa: E402

HOST = "127.0.0.1"
failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def query(qid, name, qtype, rd=False, edns=None, do=False, options=()):
    """A query message: header (RD as given), one question, class IN; with an EDNS size,
    an OPT record (DO as given) carrying `options`, each (code, bytes)."""
    arcount = 0 if edns is None else 1
    message = struct.pack(">HHHHHH", qid, 0x0100 if rd else 0, 1, 0, 0, arcount) + \
        encode_name(name) + struct.pack(">HH", qtype, 1)
    if edns is not None:
        rdata = b"".join(struct.pack(">HH", code, len(data)) + data for code, data in options)
        message += b"\0" + struct.pack(">HHIH", 41, edns, 0x8000 if do else 0, len(rdata)) + rdata
    return message


def framed(message):
    return struct.pack(">H", len(message)) + message


def read_exact(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(data), count))
        data += chunk
    return data


def read_answer(sock):
    (length,) = struct.unpack(">H", read_exact(sock, 2))
    return read_exact(sock, length)


def connect(port, timeout=5.0):
    sock = socket.create_connection((HOST, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def closed_within(sock, seconds):
    """True when the server closes `sock` (EOF or reset) within `seconds`."""
    sock.settimeout(seconds)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def check_pipeline(port):
    names = [("paris.example.local", 15, 0), ("mail.paris.example.local", 1, 0),
             ("nope.paris.example.local", 1, 3), ("example.org", 1, 5)]
    expected = {}
    batch = b""
    for i in range(20):
        name, qtype, rcode = names[i % len(names)]
        qid = 4000 + i
        expected[qid] = (name, rcode)
        batch += framed(query(qid, name, qtype))
    with connect(port) as sock:
        sock.sendall(batch)  # all 20 before reading anything
        seen = set()
        for _ in range(20):
            answer = read_answer(sock)
            qid, flags = struct.unpack(">HH", answer[:4])
            if qid not in expected:
                fail("pipeline: unexpected answer id %d" % qid)
                continue
            if qid in seen:
                fail("pipeline: two answers with id %d" % qid)
            seen.add(qid)
            name, rcode = expected[qid]
            if not flags & 0x8000:
                fail("pipeline: id %d: QR not set" % qid)
            if flags & 0x000F != rcode:
                fail("pipeline: id %d (%s): rcode %d, expected %d" % (qid, name, flags & 0xF, rcode))
        if seen != set(expected):
            fail("pipeline: no answer for ids %s" % sorted(set(expected) - seen))
        # The connection stays usable after the burst.
        sock.sendall(framed(query(5000, "paris.example.local", 15)))
        if struct.unpack(">H", read_answer(sock)[:2])[0] != 5000:
            fail("pipeline: query after the burst not answered")


def check_idle(port):
    with connect(port) as sock:
        start = time.monotonic()
        if not closed_within(sock, 2.0):
            fail("idle: connection still open after 2 s without a query")
        else:
            print("idle connection closed after %.2f s" % (time.monotonic() - start))


def check_cap(port, cap):
    socks = []
    try:
        for i in range(cap):
            sock = connect(port)
            sock.sendall(framed(query(100 + i, "paris.example.local", 15)))
            read_answer(sock)
            socks.append(sock)
        extra = connect(port)
        if not closed_within(extra, 1.0):
            fail("cap: connection %d of a cap of %d was not closed" % (cap + 1, cap))
        extra.close()
        socks.pop().close()
        # A slot is free again once the server has seen the close: poll briefly.
        deadline = time.monotonic() + 3.0
        while True:
            try:
                sock = connect(port)
                sock.sendall(framed(query(999, "paris.example.local", 15)))
                read_answer(sock)
                socks.append(sock)
                break
            except (ConnectionError, OSError):
                if time.monotonic() > deadline:
                    fail("cap: no connection accepted after one was closed")
                    break
                time.sleep(0.05)
    finally:
        for sock in socks:
            sock.close()


def check_short(port):
    with connect(port) as sock:
        sock.sendall(framed(b"\0" * 5))
        if not closed_within(sock, 2.0):
            fail("short: a 5-byte frame did not close the connection")


def main():
    command, port = sys.argv[1], int(sys.argv[2])
    if command == "pipeline":
        check_pipeline(port)
    elif command == "idle":
        check_idle(port)
    elif command == "cap":
        check_cap(port, int(sys.argv[3]))
    elif command == "short":
        check_short(port)
    else:
        sys.exit("unknown command " + command)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
