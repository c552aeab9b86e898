/*
 * check_ical.c — unit tests of ical.c (contract section 3): every feed kind
 * is parsed back with libical's own parser (no X-LIC-ERROR), the required
 * properties are there, times convert back to the same instants through
 * the feed's own VTIMEZONE across the 2026 DST changes, accents survive
 * folding (lines of at most 75 octets, each valid UTF-8), old cancellations
 * leave the feed, the output is deterministic, adviser feeds follow
 * [calendar] adviser_locale and cancelled events say so in SUMMARY. Ends
 * with the rendering time of an adviser feed of 10,000 appointments
 * (printed, and bounded loosely).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libical/ical.h>

#include "config.h"
#include "event.h"
#include "ical.h"
#include "store.h"
#include "util.h"

static struct config *cfg;

static int64_t
T(const char *s)
{
	int64_t t;
	ck_assert_msg(rfc3339_parse(s, &t) == 0, "bad time %s", s);
	return t;
}

static const char *long_given = "Marie-Ève-Clémentine-Ségolène-Héloïse-Gwenaëlle";
static const char *long_family = "Belvalette-Dûrand-Ça-Œuvre-Éloïse-Noël-Ådalbërt-Ünterwäld";

static void
fill(struct ical_appt *a, const char *uid, const char *start, int status, int seq)
{
	memset(a, 0, sizeof *a);
	a->uid = uid;
	a->kind = KIND_CHECKIN;
	a->status = status;
	a->sequence = seq;
	a->starts_at = T(start);
	a->ends_at = a->starts_at + 1800;
	a->created_at = T("2026-06-20T10:00:00Z");
	a->updated_at = T("2026-06-21T10:00:00Z");
	a->locale = "fr";
	a->student_given_name = "Axel";
	a->student_family_name = "Belvalette";
	a->student_id = "S-1";
	a->adviser_name = "Amélie Comelli";
	a->adviser_email = "amelie.comelli@example.org";
	a->adviser_id = "A-1";
}

/* Parses text and returns the VCALENDAR; fails on any libical error. */
static icalcomponent *
parse_ok(const char *text)
{
	icalcomponent *c = icalparser_parse_string(text);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(icalcomponent_isa(c), ICAL_VCALENDAR_COMPONENT);
	ck_assert_int_eq(icalcomponent_count_errors(c), 0);
	return c;
}

/* Every line ends with CRLF, has at most 75 octets and is valid UTF-8. */
static void
check_lines(const char *s)
{
	const char *p = s;
	while (*p) {
		const char *e = strstr(p, "\r\n");
		ck_assert_msg(e != NULL, "line without CRLF: %.40s", p);
		ck_assert_msg(e - p <= 75, "line of %d octets: %.80s", (int)(e - p), p);
		for (const unsigned char *q = (const unsigned char *)p; q < (const unsigned char *)e;) {
			int n = *q < 0x80 ? 1 : (*q & 0xe0) == 0xc0 ? 2 : (*q & 0xf0) == 0xe0 ? 3 :
				(*q & 0xf8) == 0xf0 ? 4 : 0;
			ck_assert_msg(n > 0, "bad UTF-8 lead byte in %.80s", p);
			ck_assert_msg(q + n <= (const unsigned char *)e, "UTF-8 split by folding: %.80s", p);
			for (int k = 1; k < n; k++)
				ck_assert_msg((q[k] & 0xc0) == 0x80, "bad UTF-8 in %.80s", p);
			q += n;
		}
		p = e + 2;
	}
}

static icalcomponent *
find_event(icalcomponent *cal, const char *uid)
{
	for (icalcomponent *e = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); e;
	     e = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		if (strcmp(icalcomponent_get_uid(e), uid) == 0)
			return e;
	return NULL;
}

static int
count_events(icalcomponent *cal)
{
	return icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT);
}

/* DTSTART of ev as an instant, through the calendar's own VTIMEZONE. */
static int64_t
start_via_vtimezone(icalcomponent *cal, icalcomponent *ev)
{
	icalcomponent *vt = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
	icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
	icalparameter *tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	icaltimezone *tz = icaltimezone_new();
	struct icaltimetype t = icalproperty_get_dtstart(p);
	int64_t v;

	ck_assert_ptr_nonnull(vt);
	ck_assert_ptr_nonnull(tzid);
	ck_assert_str_eq(icalparameter_get_tzid(tzid), "Europe/Paris");
	ck_assert_int_eq(icaltimezone_set_component(tz, icalcomponent_new_clone(vt)), 1);
	ck_assert_str_eq(icaltimezone_get_tzid(tz), "Europe/Paris");
	t.zone = NULL;
	v = (int64_t)icaltime_as_timet_with_zone(t, tz);
	icaltimezone_free(tz, 1);
	return v;
}

/* The SUMMARY of event uid in a feed of kind rendered from a[0..n), parsed
 * back with libical, is want. */
static void
expect_summary(enum ical_feed_kind kind, const struct ical_appt *a, size_t n, int64_t now,
	       const char *uid, const char *want)
{
	char *s = ical_render_feed(cfg, kind, "x", a, n, now, NULL);
	icalcomponent *cal = parse_ok(s), *ev = find_event(cal, uid);

	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(icalcomponent_get_summary(ev), want);
	icalcomponent_free(cal);
	free(s);
}

START_TEST(adviser_feed)
{
	struct ical_appt a[4];
	size_t len = 0;
	char *s;
	icalcomponent *cal, *ev;
	int64_t now = T("2026-06-22T12:00:00Z");

	fill(&a[0], "winter@relance.test", "2026-01-15T08:00:00Z", APPT_CONFIRMED, 0);  /* 09:00 CET */
	fill(&a[1], "summer@relance.test", "2026-07-15T07:00:00Z", APPT_MISSED, 2);     /* 09:00 CEST */
	fill(&a[2], "cancel@relance.test", "2026-09-01T12:00:00Z", APPT_CANCELLED, 1);
	fill(&a[3], "long@relance.test", "2026-10-26T08:00:00Z", APPT_CONFIRMED, 0);    /* after the change */
	a[3].student_given_name = long_given;
	a[3].student_family_name = long_family;
	s = ical_render_feed(cfg, ICAL_FEED_ADVISER, "Avenir Pro — Amélie Comelli", a, 4, now, &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(len, strlen(s));
	check_lines(s);
	ck_assert_ptr_nonnull(strstr(s, "METHOD:PUBLISH\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "VERSION:2.0\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "REFRESH-INTERVAL;VALUE=DURATION:PT"));
	ck_assert_ptr_nonnull(strstr(s, "X-PUBLISHED-TTL:PT"));
	ck_assert_ptr_nonnull(strstr(s, "X-WR-CALNAME:Avenir Pro — Amélie Comelli\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "TZID:Europe/Paris\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "DTSTART;TZID=Europe/Paris:20260115T090000\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "DTSTART;TZID=Europe/Paris:20260715T090000\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "SUMMARY:Point d'étape — Axel Belvalette\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "ORGANIZER;CN=Amélie Comelli:mailto:amelie.comelli@example.org"));

	cal = parse_ok(s);
	ck_assert_int_eq(count_events(cal), 4);
	for (ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
	     ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
		ck_assert_ptr_nonnull(icalcomponent_get_first_property(ev, ICAL_UID_PROPERTY));
		ck_assert_ptr_nonnull(icalcomponent_get_first_property(ev, ICAL_DTSTAMP_PROPERTY));
		ck_assert_ptr_nonnull(icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY));
		ck_assert_ptr_nonnull(icalcomponent_get_first_property(ev, ICAL_SEQUENCE_PROPERTY));
		ck_assert_ptr_nonnull(icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY));
		ck_assert_ptr_nonnull(icalcomponent_get_first_property(ev, ICAL_LASTMODIFIED_PROPERTY));
		ck_assert_ptr_nonnull(icalcomponent_get_first_property(ev, ICAL_LOCATION_PROPERTY));
	}
	/* Times through the feed's own VTIMEZONE, both sides of both DST changes. */
	for (int i = 0; i < 4; i++) {
		ev = find_event(cal, a[i].uid);
		ck_assert_ptr_nonnull(ev);
		ck_assert_int_eq(start_via_vtimezone(cal, ev), a[i].starts_at);
		ck_assert_int_eq(icalcomponent_get_sequence(ev), a[i].sequence);
	}
	ev = find_event(cal, "cancel@relance.test");
	ck_assert_int_eq(icalcomponent_get_status(ev), ICAL_STATUS_CANCELLED);
	ev = find_event(cal, "summer@relance.test");
	ck_assert_int_eq(icalcomponent_get_status(ev), ICAL_STATUS_CONFIRMED);
	ck_assert_ptr_nonnull(strstr(icalcomponent_get_description(ev), "absent"));
	/* Accents intact through escaping, folding and unfolding. */
	ev = find_event(cal, "long@relance.test");
	{
		char *want = xasprintf("Point d'étape — %s %s", long_given, long_family);
		ck_assert_str_eq(icalcomponent_get_summary(ev), want);
		free(want);
	}
	icalcomponent_free(cal);
	free(s);
}
END_TEST

START_TEST(student_feed)
{
	struct ical_appt a[2];
	char *s;
	icalcomponent *cal, *ev, *al;
	int64_t now = T("2026-06-22T12:00:00Z");

	fill(&a[0], "one@relance.test", "2026-07-06T07:00:00Z", APPT_CONFIRMED, 0);
	fill(&a[1], "two@relance.test", "2026-07-03T07:00:00Z", APPT_CONFIRMED, 0);
	a[0].locale = a[1].locale = "en";
	a[1].kind = KIND_DROPIN;
	a[1].location = "CIO, 3 rue de la Paix; salle 2";
	s = ical_render_feed(cfg, ICAL_FEED_STUDENT, "Avenir Pro", a, 2, now, NULL);
	ck_assert_ptr_nonnull(s);
	check_lines(s);
	cal = parse_ok(s);
	ev = find_event(cal, "one@relance.test");
	ck_assert_str_eq(icalcomponent_get_summary(ev), "Check-in with your adviser Amélie Comelli");
	al = icalcomponent_get_first_component(ev, ICAL_VALARM_COMPONENT);
	ck_assert_ptr_nonnull(al);
	{
		struct icaltriggertype tr =
			icalproperty_get_trigger(icalcomponent_get_first_property(al, ICAL_TRIGGER_PROPERTY));
		ck_assert_int_lt(icaldurationtype_as_int(tr.duration), 0);
	}
	ev = find_event(cal, "two@relance.test");
	ck_assert_str_eq(icalcomponent_get_location(ev), "CIO, 3 rue de la Paix; salle 2");
	ck_assert_ptr_nonnull(strstr(s, "LOCATION:CIO\\, 3 rue de la Paix\\; salle 2\r\n"));
	icalcomponent_free(cal);
	free(s);

	a[0].locale = "fr";
	expect_summary(ICAL_FEED_STUDENT, a, 1, now, "one@relance.test",
		       "Point d'étape avec Amélie Comelli (Avenir Pro)");
}
END_TEST

START_TEST(establishment_feed)
{
	struct ical_appt a[2];
	char *s;
	icalcomponent *cal;

	memset(a, 0, sizeof a);
	for (int i = 0; i < 2; i++) {
		a[i].uid = i ? "slot-2@relance.test" : "slot-1@relance.test";
		a[i].kind = KIND_DROPIN;
		a[i].status = APPT_CONFIRMED;
		a[i].starts_at = T("2026-07-02T07:00:00Z") + i * 1200;
		a[i].ends_at = a[i].starts_at + 1200;
		a[i].updated_at = T("2026-06-21T10:00:00Z");
		a[i].capacity = 3;
		a[i].booked = i ? 3 : 1;
	}
	s = ical_render_feed(cfg, ICAL_FEED_ESTABLISHMENT, "Permanences — Lycée Jean Moulin", a, 2,
			     T("2026-06-22T12:00:00Z"), NULL);
	ck_assert_ptr_nonnull(s);
	cal = parse_ok(s);
	ck_assert_int_eq(count_events(cal), 2);
	ck_assert_str_eq(icalcomponent_get_summary(find_event(cal, "slot-1@relance.test")),
			 "Permanence Avenir Pro — 1/3");
	ck_assert_str_eq(icalcomponent_get_summary(find_event(cal, "slot-2@relance.test")),
			 "Permanence Avenir Pro — 3/3 (complet)");
	ck_assert_ptr_null(strstr(s, "ORGANIZER"));
	ck_assert_ptr_null(strstr(s, "mailto:"));
	icalcomponent_free(cal);
	free(s);
}
END_TEST

/* Contract 3: every event has an ORGANIZER, the adviser, whose email is
 * optional in events: without one, the adviser's URN. */
START_TEST(organizer_without_email)
{
	struct ical_appt a[1];
	char *s;
	icalcomponent *cal, *ev;
	icalproperty *org;

	fill(&a[0], "noemail@relance.test", "2026-07-15T07:00:00Z", APPT_CONFIRMED, 0);
	a[0].adviser_email = NULL;
	for (int kind = ICAL_FEED_ADVISER; kind <= ICAL_FEED_STUDENT; kind++) {
		s = ical_render_feed(cfg, kind, "x", a, 1, T("2026-06-22T12:00:00Z"), NULL);
		cal = parse_ok(s);
		ev = find_event(cal, "noemail@relance.test");
		ck_assert_ptr_nonnull(ev);
		org = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
		ck_assert_ptr_nonnull(org);
		ck_assert_str_eq(icalproperty_get_organizer(org), "urn:relance:adviser:A-1");
		ck_assert_ptr_nonnull(strstr(s, "ORGANIZER;CN=Amélie Comelli:urn:relance:adviser:A-1\r\n"));
		icalcomponent_free(cal);
		free(s);
	}
}
END_TEST

START_TEST(cancelled_retention_and_determinism)
{
	struct ical_appt a[2];
	char *s1, *s2;
	int64_t now = T("2026-08-01T12:00:00Z");
	icalcomponent *cal;

	fill(&a[0], "recent@relance.test", "2026-08-10T08:00:00Z", APPT_CANCELLED, 1);
	a[0].updated_at = now - 29 * 86400;
	fill(&a[1], "old@relance.test", "2026-08-11T08:00:00Z", APPT_CANCELLED, 1);
	a[1].updated_at = now - 40 * 86400;
	s1 = ical_render_feed(cfg, ICAL_FEED_ADVISER, "x", a, 2, now, NULL);
	cal = parse_ok(s1);
	ck_assert_ptr_nonnull(find_event(cal, "recent@relance.test"));
	ck_assert_ptr_null(find_event(cal, "old@relance.test"));
	icalcomponent_free(cal);
	/* Same rows a minute later: same bytes (the ETag is a hash of them). */
	s2 = ical_render_feed(cfg, ICAL_FEED_ADVISER, "x", a, 2, now + 60, NULL);
	ck_assert_str_eq(s1, s2);
	free(s1);
	free(s2);
}
END_TEST

/* The adviser feed of a[0] (ok@, confirmed) and a[1] (cancel@) rendered at
 * now with [calendar] adviser_locale = locale: the confirmed event's
 * SUMMARY and DESCRIPTION and the cancelled one's SUMMARY are the ones
 * given. Returns the feed's text (to free). */
static char *
expect_adviser_texts(const struct ical_appt *a, int64_t now, const char *locale,
		     const char *summary, const char *desc, const char *cancelled)
{
	icalcomponent *cal, *ev;
	char *s;

	memcpy(cfg->calendar.adviser_locale, locale, 3);
	s = ical_render_feed(cfg, ICAL_FEED_ADVISER, "x", a, 2, now, NULL);
	memcpy(cfg->calendar.adviser_locale, "fr", 3);
	cal = parse_ok(s);
	ev = find_event(cal, "ok@relance.test");
	ck_assert_str_eq(icalcomponent_get_summary(ev), summary);
	ck_assert_str_eq(icalcomponent_get_description(ev), desc);
	ev = find_event(cal, "cancel@relance.test");
	ck_assert_str_eq(icalcomponent_get_summary(ev), cancelled);
	ck_assert_int_eq(icalcomponent_get_status(ev), ICAL_STATUS_CANCELLED);
	icalcomponent_free(cal);
	return s;
}

/* Adviser feeds in [calendar] adviser_locale; a cancelled event's SUMMARY
 * says so in adviser and student feeds, in their language. */
START_TEST(adviser_locale_and_cancelled_summary)
{
	struct ical_appt a[2];
	int64_t now = T("2026-06-22T12:00:00Z");
	icalcomponent *cal;
	char *s;

	fill(&a[0], "ok@relance.test", "2026-07-15T07:00:00Z", APPT_CONFIRMED, 0);
	fill(&a[1], "cancel@relance.test", "2026-07-16T07:00:00Z", APPT_CANCELLED, 1);
	a[0].situation = SIT_TRAINING;
	a[0].locale = a[1].locale = "en";     /* the student's: not the adviser's */

	/* default: French */
	s = expect_adviser_texts(a, now, "fr", "Point d'étape — Axel Belvalette",
				 "Point d'étape Avenir Pro avec Axel Belvalette (élève S-1).\n"
				 "Statut : prévu.\nSituation : en formation.",
				 "Annulé : Point d'étape — Axel Belvalette");
	free(s);
	/* adviser_locale = en, whatever the students' */
	a[0].locale = a[1].locale = "fr";
	s = expect_adviser_texts(a, now, "en", "Check-in — Axel Belvalette",
				 "Avenir Pro check-in with Axel Belvalette (student S-1).\n"
				 "Status: scheduled.\nSituation: in training.",
				 "Cancelled: Check-in — Axel Belvalette");
	ck_assert_ptr_nonnull(strstr(s, "CATEGORIES:Avenir Pro,Check-in,cancelled\r\n"));
	ck_assert_ptr_null(strstr(s, "Point d'étape"));
	ck_assert_ptr_null(strstr(s, "Statut"));
	free(s);

	/* student feeds: the student's language */
	expect_summary(ICAL_FEED_STUDENT, a, 2, now, "cancel@relance.test",
		       "Annulé : Point d'étape avec Amélie Comelli (Avenir Pro)");
	expect_summary(ICAL_FEED_STUDENT, a, 2, now, "ok@relance.test",
		       "Point d'étape avec Amélie Comelli (Avenir Pro)");
	a[1].locale = "en";
	s = ical_render_feed(cfg, ICAL_FEED_STUDENT, "x", a, 2, now, NULL);
	cal = parse_ok(s);
	ck_assert_str_eq(icalcomponent_get_summary(find_event(cal, "cancel@relance.test")),
			 "Cancelled: Check-in with your adviser Amélie Comelli");
	/* no VALARM on a cancelled event */
	ck_assert_ptr_null(icalcomponent_get_first_component(find_event(cal, "cancel@relance.test"),
							       ICAL_VALARM_COMPONENT));
	icalcomponent_free(cal);
	free(s);
}
END_TEST

/* The PARTSTAT of the ATTENDEE of ev (its only one), and its address. */
static icalparameter_partstat
partstat(icalcomponent *ev, const char **addr)
{
	icalproperty *p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
	icalparameter *ps;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY));
	ps = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);
	ck_assert_ptr_nonnull(ps);
	*addr = icalproperty_get_attendee(p);
	return icalparameter_get_partstat(ps);
}

/* Students' answers (contract section 8): confirmed, ATTENDEE ACCEPTED and
 * a mark in the adviser feed's SUMMARY; not answered, no ATTENDEE; cancelled
 * by the student, CANCELLED with "annulé par l'élève", kept 30 days. */
START_TEST(answers)
{
	struct ical_appt a[3];
	int64_t now = T("2026-06-22T12:00:00Z");
	icalcomponent *cal, *ev;
	const char *addr;
	char *s;

	fill(&a[0], "yes@relance.test", "2026-07-15T07:00:00Z", APPT_CONFIRMED, 0);
	fill(&a[1], "none@relance.test", "2026-07-16T07:00:00Z", APPT_CONFIRMED, 0);
	fill(&a[2], "no@relance.test", "2026-07-17T07:00:00Z", APPT_CANCELLED, 1);
	a[0].answer = ANSWER_CONFIRMED;
	a[0].student_email = "axel@example.org";
	a[2].answer = ANSWER_CANCELLED;
	a[2].updated_at = now - 29 * 86400;
	s = ical_render_feed(cfg, ICAL_FEED_ADVISER, "x", a, 3, now, NULL);
	check_lines(s);
	cal = parse_ok(s);
	ck_assert_int_eq(count_events(cal), 3);
	ev = find_event(cal, "yes@relance.test");
	ck_assert_str_eq(icalcomponent_get_summary(ev), "Point d'étape — Axel Belvalette (✔ confirmé)");
	ck_assert_int_eq(partstat(ev, &addr), ICAL_PARTSTAT_ACCEPTED);
	ck_assert_str_eq(addr, "mailto:axel@example.org");
	ck_assert_ptr_nonnull(strstr(icalcomponent_get_description(ev), "confirmé par l'élève"));
	ev = find_event(cal, "none@relance.test");
	ck_assert_str_eq(icalcomponent_get_summary(ev), "Point d'étape — Axel Belvalette");
	ck_assert_ptr_null(icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY));
	ev = find_event(cal, "no@relance.test");
	ck_assert_int_eq(icalcomponent_get_status(ev), ICAL_STATUS_CANCELLED);
	ck_assert_str_eq(icalcomponent_get_summary(ev), "Annulé par l'élève : Point d'étape — Axel Belvalette");
	ck_assert_int_eq(partstat(ev, &addr), ICAL_PARTSTAT_DECLINED);
	ck_assert_ptr_nonnull(strstr(s, ";PARTSTAT=ACCEPTED"));
	ck_assert_ptr_null(strstr(s, "NEEDS-ACTION"));
	icalcomponent_free(cal);
	free(s);
	/* English adviser feed, the student's own feed */
	memcpy(cfg->calendar.adviser_locale, "en", 3);
	expect_summary(ICAL_FEED_ADVISER, a, 3, now, "yes@relance.test",
		       "Check-in — Axel Belvalette (✔ confirmed)");
	expect_summary(ICAL_FEED_ADVISER, a, 3, now, "no@relance.test",
		       "Cancelled by the student: Check-in — Axel Belvalette");
	memcpy(cfg->calendar.adviser_locale, "fr", 3);
	expect_summary(ICAL_FEED_STUDENT, a, 3, now, "yes@relance.test",
		       "Point d'étape avec Amélie Comelli (Avenir Pro)");
	expect_summary(ICAL_FEED_STUDENT, a, 3, now, "no@relance.test",
		       "Annulé à votre demande : Point d'étape avec Amélie Comelli (Avenir Pro)");
	/* gone after 30 days (and a bit) */
	s = ical_render_feed(cfg, ICAL_FEED_ADVISER, "x", a, 3, now + 3 * 86400, NULL);
	cal = parse_ok(s);
	ck_assert_int_eq(count_events(cal), 2);
	ck_assert_ptr_null(find_event(cal, "no@relance.test"));
	icalcomponent_free(cal);
	free(s);
	/* the establishment feed names nobody */
	s = ical_render_feed(cfg, ICAL_FEED_ESTABLISHMENT, "x", a, 1, now, NULL);
	ck_assert_ptr_null(strstr(s, "ATTENDEE"));
	free(s);
}
END_TEST

START_TEST(render_one)
{
	struct ical_appt a;
	size_t len;
	char *s;
	icalcomponent *cal;

	fill(&a, "mail@relance.test", "2026-03-29T07:30:00Z", APPT_CONFIRMED, 3); /* DST day, 09:30 CEST */
	s = ical_render_one(cfg, &a, T("2026-03-20T12:00:00Z"), &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(len, strlen(s));
	check_lines(s);
	ck_assert_ptr_nonnull(strstr(s, "METHOD:PUBLISH\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "DTSTART;TZID=Europe/Paris:20260329T093000\r\n"));
	cal = parse_ok(s);
	ck_assert_int_eq(count_events(cal), 1);
	ck_assert_int_eq(start_via_vtimezone(cal, find_event(cal, "mail@relance.test")), a.starts_at);
	icalcomponent_free(cal);
	free(s);
}
END_TEST

START_TEST(bench_adviser_10k)
{
	size_t n = 10000, len = 0;
	struct ical_appt *a = xcalloc(n, sizeof *a);
	char (*uids)[40] = xcalloc(n, sizeof *uids);
	struct timespec t0, t1;
	double ms;
	char *s;

	for (size_t i = 0; i < n; i++) {
		snprintf(uids[i], sizeof uids[i], "u%zu@relance.test", i);
		fill(&a[i], uids[i], "2026-07-01T07:00:00Z", APPT_CONFIRMED, (int)(i % 3));
		a[i].starts_at += (int64_t)i * 1800;
		a[i].ends_at = a[i].starts_at + 1800;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = ical_render_feed(cfg, ICAL_FEED_ADVISER, "bench", a, n, T("2026-06-22T12:00:00Z"), &len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("bench: adviser feed of %zu appointments rendered in %.1f ms (%zu bytes)\n", n, ms, len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_gt(len, n * 300);
	free(s);
	free(a);
	free(uids);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("ical");
	TCase *tc = tcase_create("ical");
	SRunner *sr;
	int failed;

	cfg = config_default();
	if (cfg == NULL || tz_set("Europe/Paris") != 0)
		return 1;
	free(cfg->checkins.location);
	cfg->checkins.location = xstrdup("Lycée Jean Moulin, bureau de l'orientation (salle B12)");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, adviser_feed);
	tcase_add_test(tc, student_feed);
	tcase_add_test(tc, establishment_feed);
	tcase_add_test(tc, organizer_without_email);
	tcase_add_test(tc, cancelled_retention_and_determinism);
	tcase_add_test(tc, adviser_locale_and_cancelled_summary);
	tcase_add_test(tc, answers);
	tcase_add_test(tc, render_one);
	tcase_add_test(tc, bench_adviser_10k);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	config_free(cfg);
	return failed ? 1 : 0;
}
