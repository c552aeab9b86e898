#!/usr/bin/python3
"""slowloris.py: a slow, hostile HTTP client for tests of relanced's limits.

  slowloris.py --port P [--src 127.0.0.2] [--conns 600] [--interval 3]
               [--status FILE]

Keeps --conns connections open to 127.0.0.1:P from the address --src, each
sending an unfinished request ("GET / HTTP/1.1", then one header byte
every --interval seconds, never the final blank line). A connection the
server closes is opened again at the next round. After each round FILE
(when given) receives "open N rounds R" (N: connections still open).
Stops on SIGTERM/SIGINT with exit 0.
"""

import argparse
import os
import resource
import signal
import socket
import sys
import time


def connect(src, port):
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return None
    s.setblocking(False)
    try:
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    except OSError:
        s.close()
        return None
    return [s, b"GET / HTTP/1.1\r\n"]


def alive(s):
    try:
        data = s.recv(4096, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        return data != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--src", default="127.0.0.2")
    ap.add_argument("--conns", type=int, default=600)
    ap.add_argument("--interval", type=float, default=3.0)
    ap.add_argument("--status")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < a.conns + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, a.conns + 64), hard))
    conns = [None] * a.conns
    rounds = 0
    while True:
        for i in range(a.conns):
            c = conns[i]
            if c is not None and not alive(c[0]):
                c[0].close()
                c = conns[i] = None
            if c is None:
                c = conns[i] = connect(a.src, a.port)
                if c is None:
                    continue
            try:  # the request line at first, then one header byte a round
                c[0].send(c[1])
                c[1] = b"X"
            except BlockingIOError:
                pass
            except OSError:
                c[0].close()
                conns[i] = None
        rounds += 1
        if a.status:
            n = sum(1 for c in conns if c is not None)
            with open(a.status + ".tmp", "w") as f:
                f.write("open %d rounds %d\n" % (n, rounds))
            os.replace(a.status + ".tmp", a.status)
        time.sleep(a.interval)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
