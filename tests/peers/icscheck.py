#!/usr/bin/python3
"""icscheck.py — validates a relance iCalendar feed with an independent
parser (Debian's python3-icalendar), run as /usr/bin/python3.

    icscheck.py FILE [--kind adviser|student|establishment] [--dst-both]

Checks (contract section 3): the calendar parses; VERSION 2.0, PRODID,
METHOD:PUBLISH, REFRESH-INTERVAL;VALUE=DURATION, X-PUBLISHED-TTL; one
VTIMEZONE per TZID used; every VEVENT has UID (unique), DTSTAMP, DTSTART and
DTEND with a TZID, SEQUENCE, STATUS in {CONFIRMED, CANCELLED}; every local
time converted through the feed's own VTIMEZONE gives the same instant as
the system's tzdata (so the DST rules are right), and with --dst-both the
feed has events both in winter and in summer time. Adviser and student
feeds: an ORGANIZER on every event; student feeds: a VALARM on confirmed
events; establishment feeds: no ORGANIZER, ATTENDEE or mailto.

Prints one line per event: UID<TAB>STATUS<TAB>SEQUENCE<TAB>UTC START<TAB>
UTC OFFSET<TAB>SUMMARY, and exits 0, or prints "icscheck: ..." reasons on
stderr and exits 1.
"""
import argparse
import datetime
import sys
import zoneinfo

from icalendar import Calendar

errors = []


class VTimezone:
    """Offsets of a VTIMEZONE evaluated here from its observances (DTSTART,
    RRULE, RDATE, TZOFFSETFROM/TO): python-icalendar 4.0.3's own to_tz()
    rejects an RRULE UNTIL in UTC, which RFC 5545 requires."""

    def __init__(self, comp):
        from dateutil import rrule
        self.onsets = []  # (local onset, offset to)
        for ob in comp.subcomponents:
            if ob.name not in ("STANDARD", "DAYLIGHT"):
                continue
            start = ob["DTSTART"].dt.replace(tzinfo=None)
            off_from = ob["TZOFFSETFROM"].td
            off_to = ob["TZOFFSETTO"].td
            times = [start]
            if "RRULE" in ob:
                r = dict(ob["RRULE"])
                until = None
                if "UNTIL" in r:
                    u = r.pop("UNTIL")[0]
                    if getattr(u, "tzinfo", None) is not None:
                        u = u.astimezone(datetime.timezone.utc).replace(tzinfo=None) + off_from
                    until = u
                spec = ";".join("%s=%s" % (k, ",".join(str(x) for x in v)) for k, v in r.items())
                rule = rrule.rrulestr("RRULE:" + spec, dtstart=start)
                end = until or datetime.datetime(2100, 1, 1)
                times = list(rule.between(start, end, inc=True))
            for rd in ob.get("RDATE", []) if isinstance(ob.get("RDATE"), list) else (
                    [ob["RDATE"]] if "RDATE" in ob else []):
                for d in rd.dts:
                    times.append(d.dt.replace(tzinfo=None))
            for t in times:
                self.onsets.append((t, off_to))
        self.onsets.sort()

    def utcoffset(self, local):
        best = None
        for t, off in self.onsets:
            if t <= local:
                best = off
            else:
                break
        return best


def err(msg):
    errors.append(msg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--kind", choices=["adviser", "student", "establishment"])
    ap.add_argument("--dst-both", action="store_true")
    a = ap.parse_args()

    raw = open(a.file, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        print("icscheck: not UTF-8: %s" % e, file=sys.stderr)
        return 1
    for n, line in enumerate(text.split("\r\n")[:-1], 1):
        if len(line.encode("utf-8")) > 75:
            err("line %d longer than 75 octets" % n)
    if not text.endswith("\r\n"):
        err("does not end with CRLF")
    cal = Calendar.from_ical(raw)
    if str(cal.get("VERSION")) != "2.0":
        err("VERSION is not 2.0")
    if not cal.get("PRODID"):
        err("no PRODID")
    if str(cal.get("METHOD")) != "PUBLISH":
        err("METHOD is not PUBLISH")
    if "REFRESH-INTERVAL;VALUE=DURATION:" not in text:
        err("no REFRESH-INTERVAL;VALUE=DURATION")
    if not cal.get("X-PUBLISHED-TTL"):
        err("no X-PUBLISHED-TTL")

    zones = {}
    for tz in cal.walk("VTIMEZONE"):
        zones[str(tz["TZID"])] = VTimezone(tz)
    uids = set()
    offsets = set()
    for ev in cal.walk("VEVENT"):
        uid = str(ev.get("UID", ""))
        if not uid:
            err("VEVENT without UID")
        if uid in uids:
            err("duplicate UID %s" % uid)
        uids.add(uid)
        for p in ("DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "STATUS"):
            if p not in ev:
                err("%s: no %s" % (uid, p))
        status = str(ev.get("STATUS", ""))
        if status not in ("CONFIRMED", "CANCELLED"):
            err("%s: STATUS %s" % (uid, status))
        start = None
        for p in ("DTSTART", "DTEND"):
            prop = ev.get(p)
            if prop is None:
                continue
            tzid = prop.params.get("TZID")
            if not tzid:
                err("%s: %s without TZID" % (uid, p))
                continue
            if tzid not in zones:
                err("%s: no VTIMEZONE for TZID %s" % (uid, tzid))
                continue
            local = prop.dt.replace(tzinfo=None)
            feed_off = zones[tzid].utcoffset(local)
            via_tzdata = local.replace(tzinfo=zoneinfo.ZoneInfo(tzid))
            if feed_off != via_tzdata.utcoffset():
                err("%s: %s %s has offset %s in the feed's VTIMEZONE, %s in tzdata"
                    % (uid, p, local, feed_off, via_tzdata.utcoffset()))
            if p == "DTSTART" and feed_off is not None:
                start = local.replace(tzinfo=datetime.timezone(feed_off))
        if a.kind == "student" and status == "CONFIRMED" and not ev.walk("VALARM"):
            err("%s: no VALARM in a student feed" % uid)
        if a.kind in ("adviser", "student") and "ORGANIZER" not in ev:
            err("%s: no ORGANIZER (the adviser)" % uid)
        if a.kind == "establishment" and ("ORGANIZER" in ev or "ATTENDEE" in ev):
            err("%s: personal data in an establishment feed" % uid)
        off = start.utcoffset() if start else None
        if off is not None:
            offsets.add(off)
        utc = start.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if start else "?"
        print("%s\t%s\t%s\t%s\t%s\t%s" % (uid, status, ev.get("SEQUENCE"), utc,
                                          off, str(ev.get("SUMMARY", ""))))
    if a.kind == "establishment" and "mailto:" in text.lower():
        err("mailto: in an establishment feed")
    if a.dst_both and len(offsets) < 2:
        err("events in only one UTC offset (%s): DST not exercised" % offsets)
    for e in errors:
        print("icscheck: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
