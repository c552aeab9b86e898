#!/usr/bin/python3
"""answers.py BASE_URL KEY_FILE DB N_CONFIRM N_MOVE THREADS: students answer
through the page as fast as THREADS clients can (keep-alive connections),
end to end: a POST answers 303 once the answer is committed (reply.h: one
store transaction per answer, its CloudEvent queued in it).

  confirm: N_CONFIRM appointments (the first of as many students), one
           POST token=..&action=confirm each; the token is computed from
           the key file (link.h) with the sequence read from the store
  move:    N_MOVE other appointments (the second of as many students):
           GET the page (its token and free slots), then POST a move to
           the second slot offered; counted per GET + POST pair

Prints "CONFIRM_RATE CONFIRM_OK MOVE_RATE MOVE_OK MOVE_REFUSED" (answers
per second, 303 answers, 409 answers: a slot taken meanwhile by another
client)."""
import base64
import hashlib
import hmac
import http.client
import re
import sqlite3
import sys
import threading
import time
import urllib.parse


def b64_128(mac):
    return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")


def code_of(key, uid):
    return b64_128(hmac.new(key, b"relance-link\0" + uid.encode(), hashlib.sha256).digest())


def token_of(key, code, seq):
    return b64_128(hmac.new(key, b"relance-token\0" + code.encode() + b"\0" + str(seq).encode(),
                            hashlib.sha256).digest())


class Client:
    def __init__(self, host, port):
        self.host, self.port, self.c = host, port, None

    def request(self, method, path, body=None):
        for attempt in (0, 1):
            if self.c is None:
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                hdrs = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
                self.c.request(method, path, body=body, headers=hdrs)
                r = self.c.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.c.close()
                    self.c = None
                return r.status, data
            except (http.client.HTTPException, OSError):
                self.c.close()
                self.c = None
                if attempt:
                    raise
        return None, b""


def run(jobs, nthreads, fn, host, port):
    """fn(client, job) -> status; returns (seconds, {status: count})"""
    counts, lock, it = {}, threading.Lock(), iter(jobs)

    def worker():
        c = Client(host, port)
        while True:
            with lock:
                job = next(it, None)
            if job is None:
                return
            st = fn(c, job)
            with lock:
                counts[st] = counts.get(st, 0) + 1

    ts = [threading.Thread(target=worker) for _ in range(nthreads)]
    t0 = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.time() - t0, counts


def main():
    base, keyfile, db, n_conf, n_move, nthreads = sys.argv[1:7]
    n_conf, n_move, nthreads = int(n_conf), int(n_move), int(nthreads)
    u = urllib.parse.urlsplit(base)
    host, port = u.hostname, u.port or 80
    key = bytes.fromhex(open(keyfile).read().split()[0])
    con = sqlite3.connect(db, timeout=10)
    now = int(time.time())
    rows = con.execute(
        "select student_id, uid, sequence from appointments where status = 1 and starts_at > ?"
        " order by student_id, starts_at", (now + 86400,)).fetchall()
    con.close()
    first, second = {}, {}
    for sid, uid, seq in rows:
        if sid not in first:
            first[sid] = (uid, seq)
        elif sid not in second:
            second[sid] = (uid, seq)
    students = sorted(first)
    conf = [first[s] for s in students[:n_conf]]
    # other appointments (their second) of the first N_MOVE students
    moves = [second[s] for s in students[:n_move] if s in second]

    def confirm(c, job):
        uid, seq = job
        code = code_of(key, uid)
        st, _ = c.request("POST", "/r/" + code,
                          "token=%s&action=confirm" % token_of(key, code, seq))
        return st

    def move(c, job):
        uid, _ = job
        code = code_of(key, uid)
        st, page = c.request("GET", "/r/" + code)
        if st != 200:
            return st
        page = page.decode()
        tok = re.search(r'name="token" value="([^"]+)"', page).group(1)
        slots = re.findall(r'name="slot" value="(\d+)"', page)
        if len(slots) < 2:
            return "noslot"
        st, _ = c.request("POST", "/r/" + code, "token=%s&action=move&slot=%s" % (tok, slots[1]))
        return st

    secs, cc = run(conf, nthreads, confirm, host, port)
    conf_rate = cc.get(303, 0) / secs if secs > 0 else 0
    print("confirm: %d in %.2f s: %s" % (len(conf), secs, cc), file=sys.stderr)
    secs, mc = run(moves, nthreads, move, host, port)
    move_rate = mc.get(303, 0) / secs if secs > 0 else 0
    print("move: %d in %.2f s: %s" % (len(moves), secs, mc), file=sys.stderr)
    print("%.0f %d %.0f %d %d" % (conf_rate, cc.get(303, 0), move_rate, mc.get(303, 0),
                                  mc.get(409, 0)))


if __name__ == "__main__":
    main()
