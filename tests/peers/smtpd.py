#!/usr/bin/python3
"""smtpd.py: a test SMTP server (aiosmtpd) for relance's integration tests.

Stores every accepted message byte-for-byte (envelope.original_content) as
DIR/NNNNNN.eml, with its envelope in DIR/NNNNNN.env ("mail-from: ...",
"rcpt-to: ..." lines, plus "tls: yes|no" and "auth: USER|-"); the .env file
is written first and both are renamed into place, so a test that sees an
.eml file sees a complete message.

Options:
  --host H            listen address (default 127.0.0.1)
  --port P            TCP port; 0 (default) picks a free one
  --dir DIR           message store (created if missing)
  --tls CERT KEY      offer STARTTLS and require it before MAIL/AUTH
  --auth USER:PASS    offer AUTH PLAIN/LOGIN and require it
  --fail-rcpt ADDR:CODE   always answer CODE to RCPT TO:<ADDR> (repeatable)
  --fail-first N CODE     answer CODE to the first N transactions
  --fail-at rcpt|data     where --fail-first answers (default rcpt:
                          at RCPT; data: at the end of DATA)
  --ready FILE        once listening, write the port to FILE (atomically)

Run with /usr/bin/python3 (Debian's python3-aiosmtpd). Stops on SIGTERM or
SIGINT with exit 0.
"""

import argparse
import asyncio
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REASONS = {
    421: "Service not available",
    450: "Mailbox unavailable, try again later",
    451: "Local error in processing, try again later",
    452: "Insufficient system storage",
    550: "Mailbox unavailable",
    552: "Exceeded storage allocation",
    553: "Mailbox name not allowed",
    554: "Transaction failed",
}


def reply(code):
    return "%d %s" % (code, REASONS.get(code, "Rejected by test server"))


def atomic_write(path, data):
    tmp = "%s.tmp" % path
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler:
    def __init__(self, args):
        self.dir = args.dir
        self.fail_rcpt = {}
        for spec in args.fail_rcpt:
            addr, _, code = spec.rpartition(":")
            self.fail_rcpt[addr.lower()] = int(code)
        self.fail_left = args.fail_first[0] if args.fail_first else 0
        self.fail_code = args.fail_first[1] if args.fail_first else 0
        self.fail_at = args.fail_at
        self.seq = 0
        if self.dir:
            os.makedirs(self.dir, exist_ok=True)
            # continue numbering after what is already there
            for name in os.listdir(self.dir):
                stem = name.split(".")[0]
                if stem.isdigit():
                    self.seq = max(self.seq, int(stem))

    def take_failure(self):
        if self.fail_left > 0:
            self.fail_left -= 1
            return True
        return False

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        code = self.fail_rcpt.get(address.lower())
        if code is not None:
            log("RCPT %s refused with %d" % (address, code))
            return reply(code)
        # one failure per transaction: on its first recipient
        if (self.fail_at == "rcpt" and not envelope.rcpt_tos
                and self.take_failure()):
            log("RCPT %s refused with %d (fail-first)" %
                (address, self.fail_code))
            return reply(self.fail_code)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_at == "data" and self.take_failure():
            log("DATA refused with %d (fail-first)" % self.fail_code)
            return reply(self.fail_code)
        self.seq += 1
        user = "-"
        if session.authenticated and session.auth_data is not None:
            ad = session.auth_data
            user = ad.login.decode() if isinstance(ad, LoginPassword) else str(ad)
        if self.dir:
            base = os.path.join(self.dir, "%06d" % self.seq)
            env = ["mail-from: %s" % envelope.mail_from]
            env += ["rcpt-to: %s" % r for r in envelope.rcpt_tos]
            env.append("tls: %s" % ("yes" if session.ssl else "no"))
            env.append("auth: %s" % user)
            atomic_write(base + ".env", ("\n".join(env) + "\n").encode())
            atomic_write(base + ".eml", envelope.original_content)
        log("stored message %d from %s to %s (%d bytes)" %
            (self.seq, envelope.mail_from, ",".join(envelope.rcpt_tos),
             len(envelope.original_content)))
        return "250 Message accepted for delivery"


def log(msg):
    print("smtpd: %s" % msg, file=sys.stderr, flush=True)


def make_authenticator(userpass):
    want_user, _, want_pass = userpass.partition(":")

    def authenticator(server, session, envelope, mechanism, auth_data):
        if (isinstance(auth_data, LoginPassword)
                and auth_data.login == want_user.encode()
                and auth_data.password == want_pass.encode()):
            return AuthResult(success=True, auth_data=auth_data)
        log("AUTH %s failed" % mechanism)
        return AuthResult(success=False, handled=False)

    return authenticator


def main():
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    p = argparse.ArgumentParser(description="test SMTP server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--dir")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--auth", metavar="USER:PASS")
    p.add_argument("--fail-rcpt", action="append", default=[],
                   metavar="ADDR:CODE")
    p.add_argument("--fail-first", nargs=2, type=int, metavar=("N", "CODE"))
    p.add_argument("--fail-at", choices=("rcpt", "data"), default="rcpt")
    p.add_argument("--ready", metavar="FILE")
    args = p.parse_args()

    tls_context = None
    if args.tls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.tls[0], args.tls[1])

    handler = Handler(args)
    kw = dict(hostname="smtpd.test", ident="relance test smtpd",
              data_size_limit=50 * 1024 * 1024)
    if tls_context is not None:
        kw.update(tls_context=tls_context, require_starttls=True)
    if args.auth:
        kw.update(authenticator=make_authenticator(args.auth),
                  auth_required=True,
                  auth_require_tls=tls_context is not None)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, loop=loop, **kw), args.host, args.port))
    port = server.sockets[0].getsockname()[1]
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(0))
    log("listening on %s:%d tls=%s auth=%s" %
        (args.host, port, "yes" if tls_context else "no",
         "yes" if args.auth else "no"))
    if args.ready:
        atomic_write(args.ready, ("%d\n" % port).encode())
    loop.run_until_complete(stop)
    server.close()
    loop.run_until_complete(server.wait_closed())
    loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
