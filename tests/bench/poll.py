#!/usr/bin/python3
"""Polls a SQLite store while relanced writes it, for benchmarks.

usage: poll.py DB SQL N TIMEOUT [INTERVAL_MS]
SQL returns one number (e.g. "select count(*) from events"). Prints
"T_FIRST T_DONE V_FIRST VALUE" once VALUE >= N or TIMEOUT seconds passed:
T_FIRST is the first poll (epoch seconds) that saw VALUE > 0 and V_FIRST
what it saw, T_DONE the first that saw VALUE >= N (0 when never). The store is opened read-only, so polling
takes no write lock; each poll is one short WAL read transaction.
"""
import os, sqlite3, sys, time

db, sql, n, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
interval = (float(sys.argv[5]) if len(sys.argv) > 5 else 50) / 1000.0
deadline = time.time() + timeout
while not os.path.exists(db) and time.time() < deadline:
    time.sleep(0.01)
con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
t_first = t_done = 0.0
v = v_first = 0
while time.time() < deadline:
    try:
        v = con.execute(sql).fetchone()[0] or 0
    except sqlite3.OperationalError:
        v = 0
    now = time.time()
    if v > 0 and not t_first:
        t_first, v_first = now, v
    if v >= n:
        t_done = now
        break
    time.sleep(interval)
print("%.3f %.3f %d %d" % (t_first, t_done, v_first, v))
