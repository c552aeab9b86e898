#!/usr/bin/python3
"""The demo's class: one vocational class of a lycée that has just sat its
last exam, as CloudEvents for `make demo` (tests/demo.sh).

usage: class.py exams LAST_EXAM_ON    -> "key<TAB>json" exam.completed lines
       class.py students              -> the class as a table, for people

Twenty students of the Lycée La Briquerie (Thionville), two advisers of the
Mission locale du Nord Mosellan; most students have a phone and an email,
some only one of them; one event is broken on purpose (a phone number
typed the French way, not E.164), so it goes to the dead-letter topic.
"""
import os, sys

# the events come from tests/helpers/events.py, the builder behind lib.sh's ev_exam
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
import events  # noqa: E402

UAI, LYCEE = "0570123X", "Lycée La Briquerie"
PROG = {"code": "BP-MELEC", "label": "Bac pro Métiers de l'électricité et de ses environnements connectés"}
ADVISERS = [
    {"id": "acomelli", "name": "Amélie Comelli", "email": "a.comelli@ml-nordmosellan.example.org"},
    {"id": "tmarchal", "name": "Théo Marchal", "email": "t.marchal@ml-nordmosellan.example.org"},
]
# id, given name, family name, phone, email, locale
CLASS = [
    ("070123401AB", "Inès", "Zerrouki", "+33612340101", "ines.zerrouki@example.org", "fr"),
    ("070123402AB", "Léa", "Schmitt", "+33612340102", "lea.schmitt@example.org", "fr"),
    ("070123403AB", "Noé", "Muller", "+33612340103", None, "fr"),
    ("070123404AB", "Chloé", "Weber", None, "chloe.weber@example.org", "fr"),
    ("070123405AB", "Mathéo", "Klein", "+33612340105", "matheo.klein@example.org", "fr"),
    ("070123406AB", "Zoé", "Hoffmann", "+33612340106", "zoe.hoffmann@example.org", "fr"),
    ("070123407AB", "Yanis", "Benali", "+33612340107", None, "fr"),
    ("070123408AB", "Jade", "Lefèvre", "+33612340108", "jade.lefevre@example.org", "fr"),
    ("070123409AB", "Éloïse", "Becker", None, "eloise.becker@example.org", "fr"),
    ("070123410AB", "Gaëtan", "Wagner", "+33612340110", "gaetan.wagner@example.org", "fr"),
    ("070123411AB", "Maëlys", "Fischer", "+33612340111", "maelys.fischer@example.org", "fr"),
    ("070123412AB", "Loïc", "Roth", "+33612340112", None, "fr"),
    ("070123413AB", "Anaïs", "Meyer", "+33612340113", "anais.meyer@example.org", "fr"),
    ("070123414AB", "Jérémy", "Kieffer", "+33612340114", "jeremy.kieffer@example.org", "fr"),
    ("070123415AB", "Océane", "Dupont", None, "oceane.dupont@example.org", "fr"),
    ("070123416AB", "Kévin", "Schneider", "+33612340116", "kevin.schneider@example.org", "fr"),
    ("070123417AB", "Clémence", "Bauer", "+33612340117", "clemence.bauer@example.org", "fr"),
    ("070123418AB", "Adèle", "Laurent", "+33612340118", "adele.laurent@example.org", "fr"),
    ("070123419AB", "Raphaël", "Nguyen", "+447700900119", "raphael.nguyen@example.org", "en"),
    ("070123420AB", "Héloïse", "Girard", "+33612340120", "heloise.girard@example.org", "fr"),
]
BAD = ("070123421AB", "Théo", "Lambert", "06 12 34 01 21", None, "fr")


def exam(n, s, last):
    sid, given, family, phone, email, locale = s
    return events.exam(id="sis-0570123X-2026-%04d" % n, uai=UAI, time=last + "T15:05:00Z",
                       student=sid, given_name=given, family_name=family, locale=locale,
                       phone=phone or events.DROP, email=email or events.DROP,
                       school=LYCEE, programme_code=PROG["code"], programme_label=PROG["label"],
                       last_exam_on=last, adviser=ADVISERS[n % 2]["id"],
                       adviser_name=ADVISERS[n % 2]["name"], adviser_email=ADVISERS[n % 2]["email"])


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "exams":
        for n, s in enumerate(CLASS + [BAD]):
            ev = exam(n, s, sys.argv[2])
            print(s[0] + "\t" + events.dumps(ev))
    elif len(sys.argv) == 2 and sys.argv[1] == "students":
        for s in CLASS:
            name = "%s %s" % (s[1], s[2])
            print("%s  %s %s" % (s[0], name.ljust(20), ", ".join(c for c in (s[3], s[4]) if c)))
    else:
        sys.exit(__doc__)


main()
