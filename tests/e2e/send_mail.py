#!/usr/bin/env python3
"""Submits one message over SMTP, as a site's mail client would, and prints the queue ID
the server gave it ("250 2.0.0 Ok: queued as 4Xyz..." -> "4Xyz...").

Usage: send_mail.py HOST FROM TO MESSAGE_ID SUBJECT
"""
import smtplib
import sys
from email.message import EmailMessage


def main() -> int:
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    host, sender, recipient, message_id, subject = sys.argv[1:]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    msg.set_content(f"{subject}\n")
    with smtplib.SMTP(host, 25, local_hostname="client.invalid", timeout=15) as smtp:
        smtp.ehlo()
        code, reply = smtp.mail(sender)
        if code != 250:
            print(f"MAIL FROM refused: {code} {reply.decode()}", file=sys.stderr)
            return 1
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            print(f"RCPT TO refused: {code} {reply.decode()}", file=sys.stderr)
            return 1
        code, reply = smtp.data(msg.as_bytes())
        if code != 250:
            print(f"DATA refused: {code} {reply.decode()}", file=sys.stderr)
            return 1
    print(reply.decode().split()[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
