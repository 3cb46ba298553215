#!/usr/bin/env python3
"""Idle connections to the metrics endpoint, for metrics_limits_test.sh.

  metrics_flood.py PORT COUNT SOURCE EXPECT_OPEN STATUS RELEASE

Opens COUNT TCP connections to 127.0.0.1:PORT from SOURCE and sends nothing on them.
Waits (at most 8 s) until the server has closed all but EXPECT_OPEN of them, then writes
STATUS: {"opened", "closed_at_once", "open"}. Then it holds the rest until the file
RELEASE exists, or the server has closed every one (its idle timeout), or 20 s pass, and
writes STATUS.final: {"closed_by_server", "released"}. A connection counts as closed by
the server when a read on it ends (EOF or reset): the client never sends a byte.
"""
import json
import os
import resource
import select
import socket
import sys
import time


def write_json(path, value):
    with open(path + ".tmp", "w") as out:
        json.dump(value, out)
    os.rename(path + ".tmp", path)


def closed_now(socks, closed, wait):
    """Marks in `closed` the sockets the server has ended; waits at most `wait` seconds."""
    open_socks = [s for s in socks if s not in closed]
    if not open_socks:
        return
    readable, _, _ = select.select(open_socks, [], [], wait)
    for s in readable:
        try:
            data = s.recv(1)
        except OSError:
            data = b""
        if not data:
            closed.add(s)


def main():
    port, count, source, expect_open = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    status, release = sys.argv[5], sys.argv[6]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = count + 64
    if soft < want and (hard == resource.RLIM_INFINITY or hard >= want):
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        socks.append(s)
    closed = set()
    deadline = time.monotonic() + 8  # the test waits 10 s for STATUS
    while len(socks) - len(closed) > expect_open and time.monotonic() < deadline:
        closed_now(socks, closed, 0.05)
    write_json(status, {"opened": len(socks), "closed_at_once": len(closed),
                        "open": len(socks) - len(closed)})
    deadline = time.monotonic() + 20
    released = False
    while len(closed) < len(socks) and time.monotonic() < deadline:
        if os.path.exists(release):
            released = True
            break
        closed_now(socks, closed, 0.05)
    write_json(status + ".final", {"closed_by_server": len(closed), "released": released})
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
