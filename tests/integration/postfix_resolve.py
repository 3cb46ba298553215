#!/usr/bin/env python3
"""Asks Postfix's own trivial-rewrite(8), in stand-alone mode (-S), where it would send
each ADDRESS under the configuration in CONFIG_DIR, and prints what it logged.

Usage: postfix_resolve.py DAEMON_DIR CONFIG_DIR ADDRESS...

Prints one line per address, "ADDRESS TRANSPORT:NEXTHOP RECIPIENT", then each line
trivial-rewrite logged as "log: TEXT" (its warnings, such as "do not list domain X in
BOTH mydestination and virtual_alias_domains", which it only logs). No Postfix is
started and nothing is sent: trivial-rewrite reads a request on stdin and answers on
stdout. Its log goes to the postlog socket under $queue_directory/public, which this
script binds, so CONFIG_DIR/main.cf must set queue_directory to a folder of the test
and maillog_file (with maillog_file_prefixes allowing it) so that Postfix logs there
rather than to syslog.
"""

import os
import socket
import subprocess
import sys


def setting(config_dir, name):
    """The value of NAME in CONFIG_DIR/main.cf, as postconf expands it."""
    return subprocess.run(
        ["postconf", "-c", config_dir, "-x", "-h", name],
        check=True, capture_output=True, text=True).stdout.strip()


def resolve(daemon_dir, config_dir, address):
    """trivial-rewrite's answer to a resolve request: (transport, nexthop, recipient).
    The request and the answer are Postfix's attr_print0 format: name NUL value NUL,
    ended by an empty name."""
    request = b"request\0resolve\0sender\0\0address\0" + address.encode() + b"\0\0"
    answer = subprocess.run(
        [os.path.join(daemon_dir, "trivial-rewrite"), "-S"], input=request,
        env=dict(os.environ, MAIL_CONFIG=config_dir), check=True,
        capture_output=True, timeout=10).stdout
    fields = answer.split(b"\0")
    attrs = dict(zip(fields[0::2], fields[1::2]))
    return tuple(attrs.get(key, b"").decode() for key in (b"transport", b"nexthop", b"recipient"))


def main():
    daemon_dir, config_dir, addresses = sys.argv[1], sys.argv[2], sys.argv[3:]
    public = os.path.join(setting(config_dir, "queue_directory"), "public")
    os.makedirs(public, exist_ok=True)
    path = os.path.join(public, setting(config_dir, "postlog_service_name"))
    if os.path.exists(path):
        os.unlink(path)
    log = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    log.bind(path)
    # trivial-rewrite drops to mail_owner when started as root: it must still log.
    os.chmod(path, 0o666)
    log.setblocking(False)
    for address in addresses:
        transport, nexthop, recipient = resolve(daemon_dir, config_dir, address)
        print(f"{address} {transport}:{nexthop} {recipient}")
    # Each trivial-rewrite has ended: whatever it logged is queued on the socket.
    while True:
        try:
            line = log.recv(65536).decode(errors="replace")
        except BlockingIOError:
            break
        # "Dec  7 15:57:59 host postfix/trivial-rewrite[123]: warning: ..."
        print("log: " + line.split("]: ", 1)[-1])
    log.close()
    os.unlink(path)


if __name__ == "__main__":
    main()
