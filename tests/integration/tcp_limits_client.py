#!/usr/bin/env python3
"""TCP limits client for tcp_limits_test.sh; prints one JSON object.

  tcp_limits_client.py PORT per_client  -- 2 connections from 127.0.0.1 are answered, a
      third from 127.0.0.1 is closed at once, 127.0.0.2 is answered; after closing one of
      the first two, 127.0.0.1 connects again.
  tcp_limits_client.py PORT pipeline N [eof]  -- N queries sent on one connection before
      any answer is read, then every answer read back; with `eof`, the client closes its
      sending side before reading (the server still answers every query, RFC 7766 §6.2.4).
"""
import json
import socket
import struct
import sys
import time

NAME = "www.t.test."


def query(qid):
    msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in NAME.rstrip(".").split("."):
        msg += bytes([len(label)]) + label.encode()
    msg += b"\x00" + struct.pack(">HH", 1, 1)
    return struct.pack(">H", len(msg)) + msg


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_answer(sock):
    """(id, rcode) of the next answer, or None on EOF."""
    head = recv_exact(sock, 2)
    if head is None:
        return None
    msg = recv_exact(sock, struct.unpack(">H", head)[0])
    if msg is None:
        return None
    qid, flags = struct.unpack(">HH", msg[:4])
    return qid, flags & 0x0F


def connect(port, source):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def answered(sock, qid):
    try:
        sock.sendall(query(qid))
        return read_answer(sock) == (qid, 0)
    except OSError:
        return False


def closed_at_once(sock):
    """True when the server closes the connection without answering a query."""
    try:
        sock.sendall(query(99))
        return read_answer(sock) is None
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def per_client(port):
    first = [connect(port, "127.0.0.1") for _ in range(2)]
    r = {"first_two": all(answered(s, 1 + i) for i, s in enumerate(first))}
    third = connect(port, "127.0.0.1")
    r["third_closed"] = closed_at_once(third)
    third.close()
    other = connect(port, "127.0.0.2")
    r["other_answered"] = answered(other, 7)
    # Closing one of the first two frees a place for 127.0.0.1: the session ends on a
    # worker thread, so retry until it has (bounded).
    first[0].close()
    deadline = time.monotonic() + 5
    r["again"] = False
    while time.monotonic() < deadline and not r["again"]:
        s = connect(port, "127.0.0.1")
        r["again"] = answered(s, 8)
        s.close()
    for s in first[1:] + [other]:
        s.close()
    return r


def pipeline(port, n, eof):
    sock = connect(port, "127.0.0.3")
    sock.settimeout(10)
    sock.sendall(b"".join(query(1000 + i) for i in range(n)))
    if eof:
        sock.shutdown(socket.SHUT_WR)
    ids = []
    while len(ids) < n:
        answer = read_answer(sock)
        if answer is None or answer[1] != 0:
            break
        ids.append(answer[0])
    sock.close()
    return {"sent": n, "answered": len(ids), "all": sorted(ids) == [1000 + i for i in range(n)]}


def main():
    port = int(sys.argv[1])
    if sys.argv[2] == "per_client":
        r = per_client(port)
    else:
        r = pipeline(port, int(sys.argv[3]), sys.argv[4:] == ["eof"])
    print(json.dumps(r))


main()
