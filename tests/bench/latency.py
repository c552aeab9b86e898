#!/usr/bin/python3
"""Latency from event produced to event committed in relanced's store.

usage: latency.py DB BROKERS TOPIC RATE SECONDS [POLL_MS]
Produces RATE exam.completed events per second for SECONDS seconds through
one `kcat -P` (fed in 10 ms ticks), recording the wall time each line is
handed to kcat. A thread polls the store (read-only, every POLL_MS, default
2 ms) for the events table rows of these events, by primary key range, and
records the wall time each one is first seen. Latency = seen - produced:
it includes kcat's own batching (linger 5 ms), the broker, relanced's fetch,
parse, planning, the transaction commit with fsync, and half a poll interval
on average. Prints "p50_ms p99_ms max_ms seen sent".
"""
import os, sqlite3, subprocess, sys, threading, time

# the events come from tests/helpers/events.py, the builder behind lib.sh's ev_exam
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
import events  # noqa: E402

db, brokers, topic = sys.argv[1], sys.argv[2], sys.argv[3]
rate, secs = int(sys.argv[4]), float(sys.argv[5])
poll = (float(sys.argv[6]) if len(sys.argv) > 6 else 2) / 1000.0
SOURCE = "/sis/0579999X"
total = int(rate * secs)
sent = [0.0] * total
seen = [0.0] * total
done = threading.Event()


def event(i):
    sid = "S%09dAB" % (900000000 + i)
    ev = events.exam(id="lat-%08d" % i, source=SOURCE, student=sid, given_name="Léa", family_name="Martin",
                     email="l%d@example.org" % i, phone="+337%08d" % i, consent=events.DROP,
                     uai="0579999X", school="Lycée latence", last_exam_on="2026-12-01",
                     adviser="adv%04d" % (i % 200), adviser_name="Conseiller",
                     adviser_email="adv@ml.example.org")
    return (sid + "\t" + events.dumps(ev) + "\n").encode()


def poller():
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
    low = 0                     # smallest index not seen yet
    while low < total:
        try:
            rows = con.execute("SELECT id FROM events WHERE source = ? AND id >= ?",
                               (SOURCE, "lat-%08d" % low)).fetchall()
        except sqlite3.OperationalError:
            rows = []
        now = time.time()
        for (eid,) in rows:
            i = int(eid[4:])
            if not seen[i]:
                seen[i] = now
        while low < total and seen[low]:
            low += 1
        if done.is_set():
            break
        time.sleep(poll)


lines = [event(i) for i in range(total)]
kcat = subprocess.Popen(["kcat", "-P", "-q", "-b", brokers, "-t", topic, "-K", "\t"],
                        stdin=subprocess.PIPE, bufsize=0)
th = threading.Thread(target=poller, daemon=True)
th.start()
tick = 0.01
per_tick = max(1, int(rate * tick))
t0 = time.time()
i = 0
while i < total:
    target = t0 + (i // per_tick) * tick
    d = target - time.time()
    if d > 0:
        time.sleep(d)
    chunk = lines[i:i + per_tick]
    now = time.time()
    for k in range(len(chunk)):
        sent[i + k] = now
    kcat.stdin.write(b"".join(chunk))
    i += len(chunk)
kcat.stdin.close()
kcat.wait()
th.join(timeout=15)
done.set()
lat = sorted((seen[k] - sent[k]) * 1000.0 for k in range(total) if seen[k])
if not lat:
    print("0 0 0 0 %d" % total)
    sys.exit(1)
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print("%.1f %.1f %.1f %d %d" % (p(0.50), p(0.99), lat[-1], len(lat), total))
