#!/usr/bin/python3
"""Generates exam.completed events for benchmarks and load tests.

usage: gen_events.py N ADVISERS FIRST_DAY [DAYS] [SEED]
Prints "student_id<TAB>json" lines (kcat -K '\t'). Exams end over DAYS days
(default 14) from FIRST_DAY (YYYY-MM-DD); students are spread over ADVISERS
advisers and 500 establishments. Deterministic for a given SEED. The events
come from tests/helpers/events.py, the builder behind lib.sh's ev_exam.
"""
import datetime, os, random, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
import events  # noqa: E402

n, advisers, first = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
days = int(sys.argv[4]) if len(sys.argv) > 4 else 14
rnd = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 42)
d0 = datetime.date.fromisoformat(first)
given = ["Axel", "Inès", "Léa", "Noah", "Chloé", "Mathis", "Zoé", "Yanis", "Jade", "Éloïse"]
family = ["Belvalette", "Martin", "Lefèvre", "Muller", "Schmitt", "Bernard", "Dubois", "Weber"]
out = sys.stdout
for i in range(n):
    sid = "S%09dAB" % i
    uai = "%07dX" % (570000 + i % 500)
    adv = "adv%04d" % (i % advisers)
    ev = events.exam(id="bench-%d" % i, student=sid, given_name=rnd.choice(given),
                     family_name=rnd.choice(family), email="s%d@example.org" % i,
                     phone="+336%08d" % i, locale=rnd.choice(["fr", "en"]), consent=events.DROP,
                     uai=uai, school="Lycée %d" % (i % 500),
                     last_exam_on=(d0 + datetime.timedelta(days=i % days)).isoformat(),
                     adviser=adv, adviser_name="Conseiller %d" % (i % advisers),
                     adviser_email="%s@ml.example.org" % adv)
    out.write(sid + "\t" + events.dumps(ev) + "\n")
