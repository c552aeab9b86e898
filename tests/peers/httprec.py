#!/usr/bin/python3
"""httprec.py: an HTTP server that records every request, for tests of
webhook SMS gateways and of Kannel's incoming-SMS get-url.

Each request is appended to --log as one JSON line:
  {"method": ..., "path": ..., "query": {name: [values]}, "headers": {...},
   "body": "...", "concurrent": N}  (query values and body decoded as UTF-8;
   N: requests being handled when it arrived, itself included)
and answered with --status (default 200) and --body (default "ok"), except
the first N requests when --fail-first N CODE is given, after --delay
seconds (default 0: at once).
--port 0 (default) picks a free port; --ready FILE receives the port.
Stops on SIGTERM/SIGINT with exit 0.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--log", required=True)
    p.add_argument("--status", type=int, default=200)
    p.add_argument("--body", default="ok")
    p.add_argument("--fail-first", nargs=2, type=int, metavar=("N", "CODE"))
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--ready")
    args = p.parse_args()
    lock = threading.Lock()
    state = {"fail": args.fail_first[0] if args.fail_first else 0, "busy": 0}
    out = open(args.log, "a")

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            u = urlsplit(self.path)
            rec = {"method": self.command, "path": u.path,
                   "query": parse_qs(u.query, keep_blank_values=True,
                                     encoding="utf-8", errors="replace"),
                   "headers": {k: v for k, v in self.headers.items()},
                   "body": body.decode("utf-8", "replace")}
            with lock:
                state["busy"] += 1
                rec["concurrent"] = state["busy"]
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                out.flush()
                status = args.status
                if state["fail"] > 0:
                    state["fail"] -= 1
                    status = args.fail_first[1]
            if args.delay > 0:
                time.sleep(args.delay)
            with lock:
                state["busy"] -= 1
            data = args.body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = handle_any

        def log_message(self, fmt, *a):
            sys.stderr.write("httprec: %s\n" % (fmt % a))

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), H)
    srv.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(
        target=srv.shutdown).start())
    signal.signal(signal.SIGINT, lambda *a: threading.Thread(
        target=srv.shutdown).start())
    if args.ready:
        tmp = args.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, args.ready)
    srv.serve_forever()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
