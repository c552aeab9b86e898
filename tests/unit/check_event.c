/*
 * check_event.c — unit tests for event.c (contract section 1): structured
 * and binary CloudEvents, every data rule, reasons without personal data,
 * and robustness on truncated and mangled input.
 *
 * Fixtures: tests/fixtures/events/ (run from the repository root).
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "util.h"

#define FIXDIR "tests/fixtures/events/"

static char errbuf[256];

static char *
fixture(const char *name, size_t *len)
{
	char path[256];
	char *buf;
	size_t n;

	snprintf(path, sizeof(path), FIXDIR "%s", name);
	buf = file_read(path, &n);
	ck_assert_msg(buf != NULL, "cannot read %s", path);
	if (len != NULL)
		*len = n;
	return buf;
}

static struct event *
parse_buf(const char *buf, size_t len)
{
	errbuf[0] = '\0';
	return event_parse(buf, len, NULL, 0, errbuf, sizeof(errbuf));
}

static struct event *
parse_fixture(const char *name)
{
	size_t len;
	char *buf = fixture(name, &len);
	struct event *ev = parse_buf(buf, len);
	free(buf);
	return ev;
}

/*
 * Loads a fixture, replaces (or, val NULL, deletes) the value at the dotted
 * path, returns the compact JSON text. Steals val.
 */
static char *
mut(const char *name, const char *path, json_t *val)
{
	char *buf, *p, *dot, *out;
	json_t *root, *obj;
	size_t len;
	json_error_t jerr;

	buf = fixture(name, &len);
	root = json_loadb(buf, len, 0, &jerr);
	ck_assert_msg(root != NULL, "fixture %s: %s", name, jerr.text);
	free(buf);
	p = xstrdup(path);
	obj = root;
	char *key = p;
	while ((dot = strchr(key, '.')) != NULL) {
		*dot = '\0';
		obj = json_object_get(obj, key);
		ck_assert_msg(obj != NULL, "no %s in %s", key, name);
		key = dot + 1;
	}
	if (val == NULL)
		json_object_del(obj, key);
	else
		json_object_set_new(obj, key, val);
	out = json_dumps(root, JSON_COMPACT);
	ck_assert_ptr_nonnull(out);
	json_decref(root);
	free(p);
	return out;
}

static char *
repeat(const char *unit, int n)
{
	size_t ul = strlen(unit);
	char *s = xmalloc(ul * (size_t)n + 1);
	for (int i = 0; i < n; i++)
		memcpy(s + ul * (size_t)i, unit, ul);
	s[ul * (size_t)n] = '\0';
	return s;
}

/* Asserts that text is rejected with exactly this reason. Frees text. */
static void
reject_at(int line, char *text, const char *reason)
{
	struct event *ev = parse_buf(text, strlen(text));
	ck_assert_msg(ev == NULL, "line %d: accepted, want '%s'", line, reason);
	ck_assert_msg(strcmp(errbuf, reason) == 0, "line %d: reason '%s', want '%s'", line,
		      errbuf, reason);
	free(text);
}
#define REJECT(text, reason) reject_at(__LINE__, (text), (reason))

/* Asserts that text is accepted; returns the event. Frees text. */
static struct event *
accept_at(int line, char *text)
{
	struct event *ev = parse_buf(text, strlen(text));
	ck_assert_msg(ev != NULL, "line %d: rejected: %s", line, errbuf);
	free(text);
	return ev;
}
#define ACCEPT(text) accept_at(__LINE__, (text))
#define ACCEPT_FREE(text) event_free(accept_at(__LINE__, (text)))

#define EXAM "exam-completed.json"
#define STR(s) json_string(s)

/* --- good examples ------------------------------------------------------ */

START_TEST(test_exam_good)
{
	struct event *ev = parse_fixture(EXAM);
	struct ev_exam *x;
	int64_t t;

	ck_assert_msg(ev != NULL, "%s", errbuf);
	ck_assert_int_eq(ev->kind, EV_EXAM_COMPLETED);
	ck_assert_str_eq(ev->id, "3f1c9a8e-4b7d-4f0e-9d2a-7c5e1b0a9f11");
	ck_assert_str_eq(ev->source, "/sis/0570123X");
	ck_assert_str_eq(ev->type, "avenirpro.exam.completed");
	ck_assert_ptr_null(ev->subject);
	ck_assert(ev->has_time);
	ck_assert_int_eq(rfc3339_parse("2026-06-19T14:05:00Z", &t), 0);
	ck_assert_int_eq(ev->time, t);
	x = &ev->u.exam;
	ck_assert_str_eq(x->student_id, "070123456AB");
	ck_assert_str_eq(x->given_name, "Axel");
	ck_assert_str_eq(x->family_name, "Belvalette");
	ck_assert_str_eq(x->email, "axel.b@example.org");
	ck_assert_str_eq(x->phone, "+33612345678");
	ck_assert_str_eq(x->locale, "fr");
	ck_assert_int_eq(x->consent_sms, TRI_TRUE);
	ck_assert_int_eq(x->consent_email, TRI_TRUE);
	ck_assert_str_eq(x->uai, "0570123X");
	ck_assert_str_eq(x->establishment_name, "Lyc\xc3\xa9" "e La Briquerie");
	ck_assert_str_eq(x->programme_code, "BP-RC");
	ck_assert_str_eq(x->programme_label, "Bac pro r\xc3\xa9paration des carrosseries");
	ck_assert_str_eq(x->session, "2026");
	ck_assert_int_eq(x->last_exam_on, days_from_civil(2026, 6, 19));
	ck_assert_str_eq(x->adviser_id, "acomelli");
	ck_assert_str_eq(x->adviser_name, "Am\xc3\xa9lie Comelli");
	ck_assert_str_eq(x->adviser_email, "a.comelli@ml.example.org");
	event_free(ev);
}
END_TEST

START_TEST(test_exam_minimal_defaults)
{
	struct event *ev = parse_fixture("exam-minimal.json");
	struct ev_exam *x;

	ck_assert_msg(ev != NULL, "%s", errbuf);
	x = &ev->u.exam;
	ck_assert(!ev->has_time);
	ck_assert_int_eq(ev->time, 0);
	ck_assert_str_eq(x->given_name, "Zo\xc3\xa9");
	ck_assert_ptr_null(x->family_name);
	ck_assert_ptr_null(x->email);
	ck_assert_str_eq(x->phone, "+33698765432");
	ck_assert_str_eq(x->locale, "fr");
	ck_assert_int_eq(x->consent_sms, TRI_UNSET);
	ck_assert_int_eq(x->consent_email, TRI_UNSET);
	ck_assert_str_eq(x->uai, "0570123X");	/* lower-case letter upper-cased */
	ck_assert_int_eq(x->last_exam_on, days_from_civil(2024, 2, 29));
	ck_assert_ptr_null(x->establishment_name);
	ck_assert_ptr_null(x->programme_code);
	ck_assert_ptr_null(x->programme_label);
	ck_assert_ptr_null(x->session);
	ck_assert_ptr_null(x->adviser_name);
	ck_assert_ptr_null(x->adviser_email);
	event_free(ev);
}
END_TEST

START_TEST(test_attendance_kind)
{
	struct event *ev = parse_fixture("attendance-absent.json");
	int64_t t;

	ck_assert_msg(ev != NULL, "%s", errbuf);
	ck_assert_int_eq(ev->kind, EV_ATTENDANCE_RECORDED);
	ck_assert_str_eq(ev->u.att.student_id, "070123456AB");
	ck_assert_ptr_null(ev->u.att.appointment_uid);
	ck_assert_int_eq(ev->u.att.kind, KIND_DROPIN);
	ck_assert_int_eq(rfc3339_parse("2026-07-02T07:00:00Z", &t), 0);
	ck_assert_int_eq(ev->u.att.starts_at, t);
	ck_assert_int_eq(ev->u.att.status, ATT_ABSENT);
	ck_assert_int_eq(ev->u.att.situation, SIT_SEEKING);
	event_free(ev);
}
END_TEST

START_TEST(test_attendance_uid)
{
	struct event *ev = parse_fixture("attendance-uid.json");

	ck_assert_msg(ev != NULL, "%s", errbuf);
	ck_assert_str_eq(ev->u.att.appointment_uid, "c0ffee42-0001@relance");
	ck_assert_int_eq(ev->u.att.kind, 0);
	ck_assert_int_eq(ev->u.att.starts_at, 0);
	ck_assert_int_eq(ev->u.att.status, ATT_PRESENT);
	ck_assert_int_eq(ev->u.att.situation, SIT_NONE);
	event_free(ev);

	/* uid wins when kind + starts_at are also given */
	ev = ACCEPT(mut("attendance-absent.json", "data.appointment_uid", STR("u1@relance")));
	ck_assert_str_eq(ev->u.att.appointment_uid, "u1@relance");
	ck_assert_int_eq(ev->u.att.kind, 0);
	event_free(ev);

	ev = ACCEPT(mut("attendance-absent.json", "data.kind", STR("workshop")));
	ck_assert_int_eq(ev->u.att.kind, KIND_WORKSHOP);
	event_free(ev);
	ev = ACCEPT(mut("attendance-absent.json", "data.kind", STR("check-in")));
	ck_assert_int_eq(ev->u.att.kind, KIND_CHECKIN);
	event_free(ev);
	ev = ACCEPT(mut("attendance-absent.json", "data.status", STR("excused")));
	ck_assert_int_eq(ev->u.att.status, ATT_EXCUSED);
	event_free(ev);
}
END_TEST

START_TEST(test_attendance_bad)
{
	const char *A = "attendance-absent.json";
	char *s;

	REJECT(fixture("bad-attendance-no-appointment.json", NULL),
	       "data: appointment_uid or kind and starts_at required");
	REJECT(mut(A, "data.starts_at", NULL), "data.starts_at: missing");
	REJECT(mut(A, "data.kind", NULL), "data.kind: missing");
	REJECT(mut(A, "data.kind", STR("visit")), "data.kind: unknown value");
	REJECT(mut(A, "data.kind", STR("Drop-in")), "data.kind: unknown value");
	REJECT(mut(A, "data.starts_at", STR("2026-07-02 9h")), "data.starts_at: not RFC 3339");
	REJECT(mut(A, "data.starts_at", STR("2026-02-30T09:00:00Z")),
	       "data.starts_at: not RFC 3339");
	REJECT(mut(A, "data.starts_at", json_integer(1782979200)),
	       "data.starts_at: must be a string");
	REJECT(mut(A, "data.status", NULL), "data.status: missing");
	REJECT(mut(A, "data.status", STR("late")), "data.status: unknown value");
	REJECT(mut(A, "data.situation", STR("retired")), "data.situation: unknown value");
	REJECT(mut(A, "data.situation", json_null()), "data.situation: must be a string");
	REJECT(mut(A, "data.student_id", NULL), "data.student_id: missing");
	REJECT(mut(A, "data.student_id", json_integer(70123456)),
	       "data.student_id: must be a string");
	REJECT(mut(A, "data.appointment_uid", STR("")), "data.appointment_uid: empty");
	REJECT(mut(A, "data.appointment_uid", STR("u1@relance\r\nX-Evil: 1")),
	       "data.appointment_uid: control character");
	s = repeat("u", 256);
	REJECT(mut(A, "data.appointment_uid", STR(s)), "data.appointment_uid: too long");
	s[255] = '\0';
	event_free(ACCEPT(mut(A, "data.appointment_uid", STR(s))));
	free(s);
	/* each situation */
	const char *sit[] = { "employed", "training", "seeking", "unknown" };
	for (int i = 0; i < 4; i++) {
		struct event *ev = ACCEPT(mut(A, "data.situation", STR(sit[i])));
		ck_assert_int_eq(ev->u.att.situation, (enum situation)(i + 1));
		ck_assert_str_eq(situation_name(ev->u.att.situation), sit[i]);
		event_free(ev);
	}
}
END_TEST

START_TEST(test_update_stop)
{
	struct event *ev = parse_fixture("student-stop.json");

	ck_assert_msg(ev != NULL, "%s", errbuf);
	ck_assert_int_eq(ev->kind, EV_STUDENT_UPDATED);
	ck_assert_str_eq(ev->u.upd.student_id, "070123456AB");
	ck_assert(ev->u.upd.stop);
	ck_assert_ptr_null(ev->u.upd.email);
	ck_assert_ptr_null(ev->u.upd.phone);
	ck_assert_str_eq(ev->u.upd.locale, "");
	ck_assert_int_eq(ev->u.upd.consent_sms, TRI_UNSET);
	ck_assert_int_eq(ev->u.upd.consent_email, TRI_UNSET);
	event_free(ev);
}
END_TEST

START_TEST(test_update_contact)
{
	const char *U = "student-contact.json";
	struct event *ev = parse_fixture(U);

	ck_assert_msg(ev != NULL, "%s", errbuf);
	ck_assert_str_eq(ev->subject, "070123456AB");
	ck_assert(!ev->u.upd.stop);
	ck_assert_str_eq(ev->u.upd.email, "axel.new@example.org");
	ck_assert_str_eq(ev->u.upd.phone, "+33611111111");
	ck_assert_str_eq(ev->u.upd.locale, "en");
	ck_assert_int_eq(ev->u.upd.consent_sms, TRI_FALSE);
	ck_assert_int_eq(ev->u.upd.consent_email, TRI_TRUE);
	event_free(ev);

	REJECT(fixture("bad-update-nothing.json", NULL), "data: nothing to update");
	REJECT(mut("student-stop.json", "data.follow_up", NULL), "data: nothing to update");
	REJECT(mut("student-stop.json", "data.follow_up", STR("continue")),
	       "data.follow_up: must be stop");
	REJECT(mut("student-stop.json", "data.follow_up", json_true()),
	       "data.follow_up: must be a string");
	REJECT(mut(U, "data.email", json_null()), "data.email: must be a string");
	REJECT(mut(U, "data.phone", json_null()), "data.phone: must be a string");
	REJECT(mut(U, "data.email", STR("axel.example.org")), "data.email: invalid");
	REJECT(mut(U, "data.phone", STR("+33 6 11 11 11 11")), "data.phone: invalid");
	REJECT(mut(U, "data.locale", STR("de")), "data.locale: must be fr or en");
	REJECT(mut(U, "data.consent", STR("yes")), "data.consent: must be an object");
	REJECT(mut(U, "data.consent", json_pack("{s:i}", "sms", 1)),
	       "data.consent.sms: must be a boolean");
	REJECT(mut(U, "data.student_id", STR("07 0123")), "data.student_id: bad characters");

	/* each single change is enough */
	ev = ACCEPT(mut("bad-update-nothing.json", "data.consent",
			json_pack("{s:b}", "email", 0)));
	ck_assert_int_eq(ev->u.upd.consent_email, TRI_FALSE);
	ck_assert_int_eq(ev->u.upd.consent_sms, TRI_UNSET);
	event_free(ev);
	ev = ACCEPT(mut("bad-update-nothing.json", "data.locale", STR("fr")));
	ck_assert_str_eq(ev->u.upd.locale, "fr");
	event_free(ev);
	ev = ACCEPT(mut("bad-update-nothing.json", "data.phone", STR("+33622222222")));
	ck_assert_str_eq(ev->u.upd.phone, "+33622222222");
	ck_assert_ptr_null(ev->u.upd.email);
	event_free(ev);
}
END_TEST

/* --- envelope ----------------------------------------------------------- */

START_TEST(test_envelope_required)
{
	REJECT(mut(EXAM, "specversion", NULL), "specversion: missing");
	REJECT(mut(EXAM, "specversion", STR("0.3")), "specversion: must be 1.0");
	REJECT(mut(EXAM, "specversion", json_real(1.0)), "specversion: must be a string");
	REJECT(mut(EXAM, "id", NULL), "id: missing");
	REJECT(mut(EXAM, "id", STR("")), "id: empty");
	REJECT(mut(EXAM, "id", json_integer(42)), "id: must be a string");
	REJECT(mut(EXAM, "source", NULL), "source: missing");
	REJECT(mut(EXAM, "source", STR("")), "source: empty");
	REJECT(mut(EXAM, "source", STR("/sis/a b")), "source: not a URI reference");
	REJECT(mut(EXAM, "source", STR("/sis/%zz")), "source: not a URI reference");
	REJECT(mut(EXAM, "source", STR("/sis/\xc3\xa9")), "source: not a URI reference");
	event_free(ACCEPT(mut(EXAM, "source", STR("https://sis.example.org/a?b=c#d%20e"))));
	REJECT(mut(EXAM, "type", NULL), "type: missing");
	REJECT(mut(EXAM, "type", json_integer(1)), "type: must be a string");
	REJECT(mut(EXAM, "data", NULL), "data: missing");
	REJECT(mut(EXAM, "data", STR("{}")), "data: must be an object");
	REJECT(mut(EXAM, "data", json_array()), "data: must be an object");
	REJECT(mut(EXAM, "time", STR("19/06/2026 16:05")), "time: not RFC 3339");
	REJECT(mut(EXAM, "time", STR("2026-06-19")), "time: not RFC 3339");
	REJECT(mut(EXAM, "subject", STR("x\ny")), "subject: control character");
	/* null envelope attributes are absent (CloudEvents JSON format) */
	struct event *ev = ACCEPT(mut(EXAM, "time", json_null()));
	ck_assert(!ev->has_time);
	event_free(ev);
}
END_TEST

START_TEST(test_envelope_lengths)
{
	char *s = repeat("i", 129);
	REJECT(mut(EXAM, "id", STR(s)), "id: too long");
	s[128] = '\0';
	event_free(ACCEPT(mut(EXAM, "id", STR(s))));
	free(s);
	s = repeat("/", 257);
	REJECT(mut(EXAM, "source", STR(s)), "source: too long");
	s[256] = '\0';
	event_free(ACCEPT(mut(EXAM, "source", STR(s))));
	free(s);
}
END_TEST

START_TEST(test_unknown_type)
{
	REJECT(fixture("bad-unknown-type.json", NULL), "unknown type");
	REJECT(mut(EXAM, "type", STR("avenirpro.exam.completed.v2")), "unknown type");
	REJECT(mut(EXAM, "type", STR("AVENIRPRO.EXAM.COMPLETED")), "unknown type");
}
END_TEST

START_TEST(test_datacontenttype)
{
	event_free(ACCEPT(mut(EXAM, "datacontenttype", STR("application/json"))));
	event_free(ACCEPT(mut(EXAM, "datacontenttype", STR("application/json; charset=utf-8"))));
	event_free(ACCEPT(mut(EXAM, "datacontenttype", STR("Application/JSON"))));
	REJECT(mut(EXAM, "datacontenttype", STR("text/plain")),
	       "datacontenttype: must be application/json");
	REJECT(mut(EXAM, "datacontenttype", STR("application/jsonx")),
	       "datacontenttype: must be application/json");
	REJECT(mut(EXAM, "datacontenttype", STR("application/xml")),
	       "datacontenttype: must be application/json");
	REJECT(mut(EXAM, "datacontenttype", json_integer(1)),
	       "datacontenttype: must be a string");
}
END_TEST

START_TEST(test_not_json)
{
	REJECT(fixture("bad-truncated.json", NULL), "invalid JSON");
	REJECT(xstrdup("{\"specversion\":\"1.0\",}"), "invalid JSON");
	REJECT(xstrdup("{} trailing"), "invalid JSON");
	REJECT(xstrdup("[1,2]"), "not an object");
	REJECT(xstrdup("42"), "not an object");
	REJECT(xstrdup("\"str\""), "not an object");
	REJECT(xstrdup("null"), "not an object");
	REJECT(xstrdup("{\"id\":\"a\",\"id\":\"b\"}"), "duplicate key");
	ck_assert_ptr_null(parse_buf("", 0));
	ck_assert_str_eq(errbuf, "empty message");
	ck_assert_ptr_null(event_parse(NULL, 10, NULL, 0, errbuf, sizeof(errbuf)));
	ck_assert_str_eq(errbuf, "empty message");
	/* no reason buffer at all: still no crash */
	ck_assert_ptr_null(event_parse("{", 1, NULL, 0, NULL, 0));
	/* a short buffer gets a truncated, terminated reason */
	char small[4] = "xyz";
	ck_assert_ptr_null(event_parse("[]", 2, NULL, 0, small, sizeof(small)));
	ck_assert_str_eq(small, "not");
}
END_TEST

START_TEST(test_too_large)
{
	size_t len;
	char *good = fixture(EXAM, &len);
	size_t big = 64 * 1024 + 1;
	char *buf = xmalloc(big);

	/* a valid event padded with whitespace to 64 KiB + 1 */
	memset(buf, ' ', big);
	memcpy(buf, good, len);
	ck_assert_ptr_null(parse_buf(buf, big));
	ck_assert_str_eq(errbuf, "message too large");
	/* exactly 64 KiB is fine */
	struct event *ev = parse_buf(buf, big - 1);
	ck_assert_msg(ev != NULL, "%s", errbuf);
	event_free(ev);
	free(buf);
	free(good);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	REJECT(fixture("bad-utf8.json", NULL), "invalid UTF-8");
	/* overlong '/', a surrogate, a lone continuation, 0xff, truncated seq */
	const char *bad[] = { "\xc0\xaf", "\xed\xa0\x80", "\x80", "\xff", "\xe2\x82",
			      "\xf4\x90\x80\x80" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t = mut(EXAM, "data.student.given_name", STR("@@@@"));
		char *p = strstr(t, "@@@@");
		ck_assert_ptr_nonnull(p);
		char *s = xasprintf("%.*s%s%s", (int)(p - t), t, bad[i], p + 4);
		free(t);
		REJECT(s, "invalid UTF-8");
	}
	/* \u escape of a lone surrogate is not valid JSON text either */
	char *t = mut(EXAM, "data.student.given_name", STR("@@@@"));
	char *p = strstr(t, "@@@@");
	char *s = xasprintf("%.*s\\uD800%s", (int)(p - t), t, p + 4);
	free(t);
	REJECT(s, "invalid JSON");
	/* \u0000 is refused */
	REJECT(mut(EXAM, "data.student.given_name", json_stringn("A\0B", 3)), "invalid JSON");
}
END_TEST

/* --- data rules ---------------------------------------------------------- */

/* Unicode format characters (Cf): refused with their own reason. */
START_TEST(test_format_characters)
{
	static const char *const cf[] = {
		"\xc2\xad",                   /* U+00AD soft hyphen */
		"\xe2\x80\x8b", "\xe2\x80\x8f", /* U+200B zero width space, U+200F RLM */
		"\xe2\x80\xaa", "\xe2\x80\xae", /* U+202A LRE, U+202E RLO */
		"\xe2\x81\xa0", "\xe2\x81\xa4", /* U+2060 word joiner, U+2064 */
		"\xe2\x81\xa6", "\xe2\x81\xa9", /* U+2066 LRI, U+2069 PDI */
		"\xef\xbb\xbf",                /* U+FEFF BOM */
		"\xd8\x9c",                    /* U+061C arabic letter mark */
		"\xf3\xa0\x80\x81",            /* U+E0001 language tag */
	};
	for (size_t i = 0; i < sizeof cf / sizeof cf[0]; i++) {
		char *name = xasprintf("Ax%sel", cf[i]);
		REJECT(mut(EXAM, "data.student.given_name", STR(name)),
		       "data.student.given_name: format character");
		free(name);
	}
	REJECT(mut(EXAM, "data.student.family_name", STR("\xe2\x80\xae" "B")),
	       "data.student.family_name: format character");
	REJECT(mut(EXAM, "data.adviser.name", STR("A\xef\xbb\xbf")),
	       "data.adviser.name: format character");
	REJECT(mut(EXAM, "data.extra", json_pack("{s:s}", "a", "b\xe2\x81\xa7")),
	       "data: format character");
	/* neighbours that are letters or spaces stay */
	event_free(ACCEPT(mut(EXAM, "data.student.given_name", STR("\xc2\xac\xc2\xae\xe2\x80\x90"))));
	event_free(ACCEPT(mut(EXAM, "data.student.given_name", STR("Zo\xc3\xa9 \xe2\x80\x99"))));
	ck_assert(event_is_format_char(0x202e));
	ck_assert(event_is_format_char(0xfeff));
	ck_assert(!event_is_format_char(0xac));
	ck_assert(!event_is_format_char(0x2010));
	ck_assert(!event_is_format_char(0x2070));
	ck_assert(!event_is_format_char('A'));
}
END_TEST

START_TEST(test_control_characters)
{
	char *text = fixture("bad-header-injection.json", NULL);
	struct event *ev = parse_buf(text, strlen(text));

	ck_assert_ptr_null(ev);
	ck_assert_str_eq(errbuf, "data.student.given_name: control character");
	ck_assert_ptr_null(strstr(errbuf, "Bcc"));
	ck_assert_ptr_null(strstr(errbuf, "everyone"));
	ck_assert_ptr_null(strstr(errbuf, "Eve"));
	free(text);

	REJECT(mut(EXAM, "data.student.given_name", STR("Eve\nBcc: x@example.org")),
	       "data.student.given_name: control character");
	REJECT(mut(EXAM, "data.student.given_name", STR("Eve\r")),
	       "data.student.given_name: control character");
	REJECT(mut(EXAM, "data.student.given_name", STR("Eve\t")),
	       "data.student.given_name: control character");
	REJECT(mut(EXAM, "data.student.given_name", STR("Eve\x7f")),
	       "data.student.given_name: control character");
	REJECT(mut(EXAM, "data.student.given_name", STR("Eve\xc2\x85")),	/* U+0085 NEL */
	       "data.student.given_name: control character");
	REJECT(mut(EXAM, "data.student.family_name", STR("B\r\nX")),
	       "data.student.family_name: control character");
	REJECT(mut(EXAM, "data.establishment.name", STR("L\n")),
	       "data.establishment.name: control character");
	REJECT(mut(EXAM, "data.programme.label", STR("L\n")),
	       "data.programme.label: control character");
	REJECT(mut(EXAM, "data.programme.code", STR("L\n")),
	       "data.programme.code: control character");
	REJECT(mut(EXAM, "data.exam.session", STR("2026\n")),
	       "data.exam.session: control character");
	REJECT(mut(EXAM, "data.adviser.name", STR("A\r\nB")),
	       "data.adviser.name: control character");
	REJECT(mut(EXAM, "data.student.email", STR("a@example.org\r\nBcc: b@example.org")),
	       "data.student.email: control character");
	REJECT(mut(EXAM, "id", STR("x\r\n")), "id: control character");
	REJECT(mut(EXAM, "source", STR("/a\n")), "source: control character");
	/* unknown fields: allowed, but not with control characters */
	event_free(ACCEPT(mut(EXAM, "data.student.nickname", STR("Ax"))));
	event_free(ACCEPT(mut(EXAM, "traceparent", STR("00-abc-def-01"))));
	event_free(ACCEPT(mut(EXAM, "data.extra", json_pack("{s:[s,i]}", "a", "b", 1))));
	REJECT(mut(EXAM, "data.student.nickname", STR("A\r\nB")), "data: control character");
	REJECT(mut(EXAM, "data.extra", json_pack("{s:[s]}", "a", "b\n")),
	       "data: control character");
	REJECT(mut(EXAM, "data.extra", json_pack("{s:i}", "k\n", 1)), "data: control character");
	REJECT(mut(EXAM, "traceparent", STR("x\ny")), "envelope: control character");
}
END_TEST

START_TEST(test_dates)
{
	REJECT(fixture("bad-date.json", NULL), "data.exam.last_exam_on: not a real date");
	REJECT(mut(EXAM, "data.exam.last_exam_on", STR("2025-02-29")),
	       "data.exam.last_exam_on: not a real date");
	REJECT(mut(EXAM, "data.exam.last_exam_on", STR("2026-13-01")),
	       "data.exam.last_exam_on: not a real date");
	REJECT(mut(EXAM, "data.exam.last_exam_on", STR("2026-04-31")),
	       "data.exam.last_exam_on: not a real date");
	REJECT(mut(EXAM, "data.exam.last_exam_on", STR("2026-6-19")),
	       "data.exam.last_exam_on: must be YYYY-MM-DD");
	REJECT(mut(EXAM, "data.exam.last_exam_on", STR("19/06/2026")),
	       "data.exam.last_exam_on: must be YYYY-MM-DD");
	REJECT(mut(EXAM, "data.exam.last_exam_on", STR("2026-06-19T00:00:00Z")),
	       "data.exam.last_exam_on: must be YYYY-MM-DD");
	REJECT(mut(EXAM, "data.exam.last_exam_on", json_integer(20260619)),
	       "data.exam.last_exam_on: must be a string");
	struct event *ev = ACCEPT(mut(EXAM, "data.exam.last_exam_on", STR("2024-02-29")));
	ck_assert_int_eq(ev->u.exam.last_exam_on, days_from_civil(2024, 2, 29));
	event_free(ev);
}
END_TEST

START_TEST(test_uai)
{
	REJECT(fixture("bad-uai.json", NULL), "data.establishment.uai: invalid");
	const char *bad[] = { "05701234", "0570123XX", "A570123X", "057O123X", "0570123-",
			      "0570123\xc3\xa9", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		REJECT(mut(EXAM, "data.establishment.uai", STR(bad[i])),
		       bad[i][0] ? "data.establishment.uai: invalid"
				 : "data.establishment.uai: empty");
	}
	REJECT(mut(EXAM, "data.establishment.uai", json_integer(570123)),
	       "data.establishment.uai: must be a string");
	REJECT(mut(EXAM, "data.establishment.uai", NULL), "data.establishment.uai: missing");
	REJECT(mut(EXAM, "data.establishment", NULL), "data.establishment: missing");
	ck_assert_int_eq(event_valid_uai("0570123X"), 0);
	ck_assert_int_eq(event_valid_uai("0570123x"), 0);
	ck_assert_int_eq(event_valid_uai("057012X"), -1);
	ck_assert_int_eq(event_valid_uai(NULL), -1);
}
END_TEST

START_TEST(test_phone)
{
	REJECT(fixture("bad-phone.json", NULL), "data.student.phone: invalid");
	const char *bad[] = { "33612345678", "+3361234", "+33ABCDEFGH", "+0612345678",
			      "+1234567890123456", "+", "++33612345678", "+33 612345678" };
	ck_assert_int_eq(event_valid_phone(""), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(event_valid_phone(bad[i]) == -1, "accepted %s", bad[i]);
		REJECT(mut(EXAM, "data.student.phone", STR(bad[i])), "data.student.phone: invalid");
	}
	ck_assert_int_eq(event_valid_phone("+12345678"), 0);		/* 8 digits */
	ck_assert_int_eq(event_valid_phone("+123456789012345"), 0);	/* 15 digits */
	ck_assert_int_eq(event_valid_phone(NULL), -1);
	REJECT(mut(EXAM, "data.student.phone", json_integer(33612345678)),
	       "data.student.phone: must be a string");
	/* phone only is fine; both present -> both must be valid */
	struct event *ev = ACCEPT(mut(EXAM, "data.student.email", NULL));
	ck_assert_ptr_null(ev->u.exam.email);
	event_free(ev);
	REJECT(mut(EXAM, "data.student.email", STR("nope")), "data.student.email: invalid");
	/* "" (a school export's empty column) is absent in exam.completed */
	ev = ACCEPT(mut(EXAM, "data.student.email", STR("")));
	ck_assert_ptr_null(ev->u.exam.email);
	ck_assert_str_eq(ev->u.exam.phone, "+33612345678");
	event_free(ev);
	ev = ACCEPT(mut(EXAM, "data.adviser.email", STR("")));
	ck_assert_ptr_null(ev->u.exam.adviser_email);
	event_free(ev);
	char *t = mut(EXAM, "data.student.email", STR(""));
	json_t *root = json_loads(t, 0, NULL);
	free(t);
	json_object_set_new(json_object_get(json_object_get(root, "data"), "student"), "phone",
			    json_string(""));
	t = json_dumps(root, JSON_COMPACT);
	REJECT(t, "data.student: email or phone required");
	json_decref(root);
	/* ... but not in student.updated, whose purpose is the change */
	REJECT(mut("student-contact.json", "data.email", STR("")), "data.email: invalid");
	REJECT(mut("student-contact.json", "data.phone", STR("")), "data.phone: invalid");
}
END_TEST

START_TEST(test_email)
{
	const char *bad[] = { "no-at", "a@@b.org", "a@b@c.org", "a b@c.org", "@c.org", "a@",
			      "x,y@z.org", "x@z.org,y@z.org", "<x@z.org>", "x;y@z.org",
			      "\"x\"@z.org", "zo\xc3\xa9@exemple.fr", "x@ex\xc3\xa9.fr",
			      "x@z..org", "x@.z.org", "x@z.org.", "x@z_y.org", "x@-z.org",
			      "x@z-.org", "x@z.-org", "x(y)@z.org", "x\\y@z.org", "x@z:1.org" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(event_valid_email(bad[i]) == -1, "accepted %s", bad[i]);
		REJECT(mut(EXAM, "data.student.email", STR(bad[i])), "data.student.email: invalid");
	}
	/* the WHATWG rule: dots anywhere in the local part, ASCII only */
	const char *good[] = { "axel.b@example.org", "a+tag@x.fr", "o'neil@ex-ample.com",
			       "a@localhost", ".x@z.org", "x.@z.org", "x..y@z.org",
			       "a!#$%&'*+/=?^_`{|}~-@x1-2.y3", "x@xn--exempl-gva.fr" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(event_valid_email(good[i]) == 0, "refused %s", good[i]);
	ck_assert_int_eq(event_valid_email(NULL), -1);
	ck_assert_int_eq(event_valid_email(""), -1);
	ck_assert_int_eq(event_valid_email("a\x01@b.org"), -1);

	/* 254 bytes max */
	char *local = repeat("a", 64);
	char *lab = repeat("b", 61);
	char *dom = xasprintf("%s.%s.%s", lab, lab, lab);	/* 185: labels <= 63 */
	char *e = xasprintf("%s@%s.org", local, dom);	/* 64+1+185+4 = 254 */
	ck_assert_int_eq(strlen(e), 254);
	ck_assert_int_eq(event_valid_email(e), 0);
	free(e);
	e = xasprintf("%s@%sb.org", local, dom);
	ck_assert_int_eq(event_valid_email(e), -1);
	REJECT(mut(EXAM, "data.student.email", STR(e)), "data.student.email: too long");
	free(e);
	free(local);
	free(dom);
	free(lab);
	e = xasprintf("x@%s.org", (lab = repeat("c", 64)));
	ck_assert_int_eq(event_valid_email(e), -1);        /* a label over 63 */
	free(e);
	free(lab);
	e = xasprintf("x@%s.org", (lab = repeat("c", 63)));
	ck_assert_int_eq(event_valid_email(e), 0);
	free(e);
	free(lab);

	REJECT(mut(EXAM, "data.adviser.email", STR("adviser")), "data.adviser.email: invalid");
	/* neither email nor phone */
	char *t = mut(EXAM, "data.student.email", NULL);
	json_t *root = json_loads(t, 0, NULL);
	free(t);
	json_object_del(json_object_get(json_object_get(root, "data"), "student"), "phone");
	REJECT(json_dumps(root, JSON_COMPACT), "data.student: email or phone required");
	json_decref(root);
}
END_TEST

START_TEST(test_lengths)
{
	char *s = repeat("a", 101);
	REJECT(mut(EXAM, "data.student.given_name", STR(s)), "data.student.given_name: too long");
	REJECT(mut(EXAM, "data.student.family_name", STR(s)),
	       "data.student.family_name: too long");
	REJECT(mut(EXAM, "data.adviser.name", STR(s)), "data.adviser.name: too long");
	s[100] = '\0';
	event_free(ACCEPT(mut(EXAM, "data.student.given_name", STR(s))));
	free(s);
	/* code points, not bytes: 100 x "é" is 200 bytes and fine */
	s = repeat("\xc3\xa9", 100);
	struct event *ev = ACCEPT(mut(EXAM, "data.student.given_name", STR(s)));
	ck_assert_str_eq(ev->u.exam.given_name, s);
	event_free(ev);
	free(s);
	s = repeat("\xc3\xa9", 101);
	REJECT(mut(EXAM, "data.student.given_name", STR(s)), "data.student.given_name: too long");
	free(s);

	s = repeat("l", 201);
	REJECT(mut(EXAM, "data.programme.label", STR(s)), "data.programme.label: too long");
	REJECT(mut(EXAM, "data.establishment.name", STR(s)), "data.establishment.name: too long");
	s[200] = '\0';
	event_free(ACCEPT(mut(EXAM, "data.programme.label", STR(s))));
	free(s);

	s = repeat("1", 65);
	REJECT(mut(EXAM, "data.student.id", STR(s)), "data.student.id: too long");
	REJECT(mut(EXAM, "data.adviser.id", STR(s)), "data.adviser.id: too long");
	REJECT(mut(EXAM, "data.programme.code", STR(s)), "data.programme.code: too long");
	REJECT(mut(EXAM, "data.exam.session", STR(s)), "data.exam.session: too long");
	ck_assert_int_eq(event_valid_student_id(s), -1);
	s[64] = '\0';
	ck_assert_int_eq(event_valid_student_id(s), 0);
	ev = ACCEPT(mut(EXAM, "data.student.id", STR(s)));
	ck_assert_str_eq(ev->u.exam.student_id, s);
	event_free(ev);
	free(s);
}
END_TEST

START_TEST(test_ids)
{
	const char *bad[] = { "070 123", "070/123", "070@123", "07\xc3\xa9", "a:b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(event_valid_student_id(bad[i]), -1);
		REJECT(mut(EXAM, "data.student.id", STR(bad[i])), "data.student.id: bad characters");
		REJECT(mut(EXAM, "data.adviser.id", STR(bad[i])), "data.adviser.id: bad characters");
	}
	ck_assert_int_eq(event_valid_student_id("a.B_c-9"), 0);
	ck_assert_int_eq(event_valid_student_id(""), -1);
	ck_assert_int_eq(event_valid_student_id(NULL), -1);
	REJECT(mut(EXAM, "data.student.id", STR("")), "data.student.id: empty");
}
END_TEST

START_TEST(test_required_data)
{
	REJECT(mut(EXAM, "data.student", NULL), "data.student: missing");
	REJECT(mut(EXAM, "data.student.id", NULL), "data.student.id: missing");
	REJECT(mut(EXAM, "data.student.given_name", NULL), "data.student.given_name: missing");
	REJECT(mut(EXAM, "data.student.given_name", STR("")), "data.student.given_name: empty");
	REJECT(mut(EXAM, "data.exam", NULL), "data.exam: missing");
	REJECT(mut(EXAM, "data.exam.last_exam_on", NULL), "data.exam.last_exam_on: missing");
	REJECT(mut(EXAM, "data.adviser", NULL), "data.adviser: missing");
	REJECT(mut(EXAM, "data.adviser.id", NULL), "data.adviser.id: missing");
	/* optional parts may go */
	struct event *ev = ACCEPT(mut(EXAM, "data.programme", NULL));
	ck_assert_ptr_null(ev->u.exam.programme_label);
	event_free(ev);
	ev = ACCEPT(mut(EXAM, "data.student.family_name", STR("")));
	ck_assert_ptr_null(ev->u.exam.family_name);
	event_free(ev);
}
END_TEST

START_TEST(test_wrong_types)
{
	REJECT(mut(EXAM, "data.student.id", json_integer(70123456)),
	       "data.student.id: must be a string");
	REJECT(mut(EXAM, "data.student", STR("Axel")), "data.student: must be an object");
	REJECT(mut(EXAM, "data.student", json_array()), "data.student: must be an object");
	REJECT(mut(EXAM, "data.student.given_name", json_array()),
	       "data.student.given_name: must be a string");
	REJECT(mut(EXAM, "data.student.given_name", json_null()),
	       "data.student.given_name: must be a string");
	REJECT(mut(EXAM, "data.student.family_name", json_false()),
	       "data.student.family_name: must be a string");
	REJECT(mut(EXAM, "data.student.email", json_null()), "data.student.email: must be a string");
	REJECT(mut(EXAM, "data.student.locale", json_integer(1)),
	       "data.student.locale: must be a string");
	REJECT(mut(EXAM, "data.student.locale", STR("FR")), "data.student.locale: must be fr or en");
	REJECT(mut(EXAM, "data.student.locale", STR("de")), "data.student.locale: must be fr or en");
	REJECT(mut(EXAM, "data.student.consent", json_true()),
	       "data.student.consent: must be an object");
	REJECT(mut(EXAM, "data.student.consent.sms", STR("true")),
	       "data.student.consent.sms: must be a boolean");
	REJECT(mut(EXAM, "data.student.consent.email", json_integer(1)),
	       "data.student.consent.email: must be a boolean");
	REJECT(mut(EXAM, "data.student.consent.email", json_null()),
	       "data.student.consent.email: must be a boolean");
	REJECT(mut(EXAM, "data.establishment", STR("0570123X")),
	       "data.establishment: must be an object");
	REJECT(mut(EXAM, "data.programme", json_integer(3)), "data.programme: must be an object");
	REJECT(mut(EXAM, "data.programme.label", json_integer(3)),
	       "data.programme.label: must be a string");
	REJECT(mut(EXAM, "data.exam", json_array()), "data.exam: must be an object");
	REJECT(mut(EXAM, "data.adviser", json_null()), "data.adviser: must be an object");
	REJECT(mut(EXAM, "data.adviser.id", json_integer(7)), "data.adviser.id: must be a string");

	struct event *ev = ACCEPT(mut(EXAM, "data.student.locale", STR("en")));
	ck_assert_str_eq(ev->u.exam.locale, "en");
	event_free(ev);
	ev = ACCEPT(mut(EXAM, "data.student.consent", json_pack("{s:b}", "sms", 0)));
	ck_assert_int_eq(ev->u.exam.consent_sms, TRI_FALSE);
	ck_assert_int_eq(ev->u.exam.consent_email, TRI_UNSET);
	event_free(ev);
}
END_TEST

/* Reasons never carry the offending value. */
START_TEST(test_reasons_without_values)
{
	static const char *paths[] = {
		"id", "source", "type", "time", "subject", "datacontenttype",
		"data.student.id", "data.student.given_name", "data.student.family_name",
		"data.student.email", "data.student.phone", "data.student.locale",
		"data.establishment.uai", "data.establishment.name", "data.programme.code",
		"data.programme.label", "data.exam.session", "data.exam.last_exam_on",
		"data.adviser.id", "data.adviser.name", "data.adviser.email",
		"data.student.extra",
	};
	static const char *values[] = { "SECRET\r\nBcc: SECRET@example.org", "SECRET@@x",
					"SECRET x", "+SECRET" };
	int rejected = 0;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		for (size_t j = 0; j < sizeof(values) / sizeof(values[0]); j++) {
			char *t = mut(EXAM, paths[i], STR(values[j]));
			struct event *ev = parse_buf(t, strlen(t));
			if (ev == NULL) {
				rejected++;
				ck_assert_msg(errbuf[0] != '\0', "no reason for %s", paths[i]);
				ck_assert_msg(strstr(errbuf, "SECRET") == NULL &&
					      strstr(errbuf, "Bcc") == NULL,
					      "reason leaks value: %s", errbuf);
			}
			event_free(ev);
			free(t);
		}
	}
	ck_assert_int_ge(rejected, 50);
}
END_TEST

/* --- binary mode --------------------------------------------------------- */

struct hdrs {
	struct event_header h[10];
	size_t n;
};

static void
hadd(struct hdrs *hs, const char *name, const char *value, size_t len)
{
	hs->h[hs->n].name = name;
	hs->h[hs->n].value = value;
	hs->h[hs->n].len = len;
	hs->n++;
}
#define HADD(hs, name, lit) hadd((hs), (name), (lit), sizeof(lit) - 1)

static void
binary_headers(struct hdrs *hs)
{
	memset(hs, 0, sizeof(*hs));
	HADD(hs, "ce_specversion", "1.0");
	HADD(hs, "ce_id", "b-1");
	HADD(hs, "ce_source", "/sis/0570123X");
	HADD(hs, "ce_type", "avenirpro.exam.completed");
	HADD(hs, "ce_time", "2026-06-18T18:00:00Z");
	HADD(hs, "content-type", "application/json; charset=utf-8");
	HADD(hs, "traceparent", "whatever\r\n");	/* not ours: ignored */
}

static struct event *
parse_binary(const struct hdrs *hs, const char *value)
{
	errbuf[0] = '\0';
	return event_parse(value, strlen(value), hs->h, hs->n, errbuf, sizeof(errbuf));
}

START_TEST(test_binary_good)
{
	struct hdrs hs;
	char *data = fixture("exam-binary-data.json", NULL);
	struct event *ev;
	int64_t t;

	binary_headers(&hs);
	ev = parse_binary(&hs, data);
	ck_assert_msg(ev != NULL, "%s", errbuf);
	ck_assert_int_eq(ev->kind, EV_EXAM_COMPLETED);
	ck_assert_str_eq(ev->id, "b-1");
	ck_assert_str_eq(ev->source, "/sis/0570123X");
	ck_assert(ev->has_time);
	ck_assert_int_eq(rfc3339_parse("2026-06-18T18:00:00Z", &t), 0);
	ck_assert_int_eq(ev->time, t);
	ck_assert_str_eq(ev->u.exam.given_name, "No\xc3\xabl");
	ck_assert_str_eq(ev->u.exam.family_name, "M\xc3\xbcller");
	ck_assert_str_eq(ev->u.exam.locale, "en");
	ck_assert_int_eq(ev->u.exam.consent_sms, TRI_FALSE);
	ck_assert_int_eq(ev->u.exam.consent_email, TRI_UNSET);
	ck_assert_ptr_null(ev->u.exam.phone);
	event_free(ev);

	/* values are not NUL-terminated: only len counts */
	memset(&hs, 0, sizeof(hs));
	hadd(&hs, "ce_specversion", "1.0XXX", 3);
	hadd(&hs, "ce_id", "b-2junk", 3);
	hadd(&hs, "ce_source", "/s!!", 2);
	hadd(&hs, "ce_type", "avenirpro.exam.completedZZ", 24);
	hadd(&hs, "ce_subject", "070123458EF,", 11);
	ev = parse_binary(&hs, data);
	ck_assert_msg(ev != NULL, "%s", errbuf);
	ck_assert_str_eq(ev->id, "b-2");
	ck_assert_str_eq(ev->source, "/s");
	ck_assert_str_eq(ev->subject, "070123458EF");
	ck_assert(!ev->has_time);
	event_free(ev);

	/* header names in any case */
	memset(&hs, 0, sizeof(hs));
	HADD(&hs, "CE_SPECVERSION", "1.0");
	HADD(&hs, "ce_Id", "b-3");
	HADD(&hs, "ce_source", "/s");
	HADD(&hs, "ce_type", "avenirpro.student.updated");
	ev = parse_binary(&hs, "{\"student_id\":\"x1\",\"follow_up\":\"stop\"}");
	ck_assert_msg(ev != NULL, "%s", errbuf);
	ck_assert(ev->u.upd.stop);
	event_free(ev);
	free(data);
}
END_TEST

START_TEST(test_binary_bad)
{
	struct hdrs hs;
	char *data = fixture("exam-binary-data.json", NULL);
	struct event *ev;

	binary_headers(&hs);
	hs.h[1].name = "x-other";	/* drop ce_id */
	ck_assert_ptr_null(parse_binary(&hs, data));
	ck_assert_str_eq(errbuf, "ce_id: missing");

	binary_headers(&hs);
	hadd(&hs, "ce_id", "b-9", 3);
	ck_assert_ptr_null(parse_binary(&hs, data));
	ck_assert_str_eq(errbuf, "ce_id: duplicate header");

	binary_headers(&hs);
	hs.h[1].value = "b-1\r\nBcc: SECRET";
	hs.h[1].len = strlen(hs.h[1].value);
	ck_assert_ptr_null(parse_binary(&hs, data));
	ck_assert_str_eq(errbuf, "ce_id: control character");

	binary_headers(&hs);
	hs.h[1].value = "b\0-1";	/* embedded NUL */
	hs.h[1].len = 4;
	ck_assert_ptr_null(parse_binary(&hs, data));
	ck_assert_str_eq(errbuf, "ce_id: control character");

	binary_headers(&hs);
	hs.h[2].value = "/s\xff";
	hs.h[2].len = 3;
	ck_assert_ptr_null(parse_binary(&hs, data));
	ck_assert_str_eq(errbuf, "ce_source: invalid UTF-8");

	binary_headers(&hs);
	hs.h[0].value = "0.3";
	ck_assert_ptr_null(parse_binary(&hs, data));
	ck_assert_str_eq(errbuf, "ce_specversion: must be 1.0");

	binary_headers(&hs);
	hs.h[3].value = "avenirpro.exam.deleted";
	hs.h[3].len = strlen(hs.h[3].value);
	ck_assert_ptr_null(parse_binary(&hs, data));
	ck_assert_str_eq(errbuf, "unknown type");

	binary_headers(&hs);
	hs.h[4].value = "yesterday";
	hs.h[4].len = strlen(hs.h[4].value);
	ck_assert_ptr_null(parse_binary(&hs, data));
	ck_assert_str_eq(errbuf, "ce_time: not RFC 3339");

	binary_headers(&hs);
	hs.h[5].value = "application/cloudevents+json";
	hs.h[5].len = strlen(hs.h[5].value);
	ck_assert_ptr_null(parse_binary(&hs, data));
	ck_assert_str_eq(errbuf, "content-type: must be application/json");

	binary_headers(&hs);
	hs.h[1].value = NULL;	/* header without value */
	hs.h[1].len = 0;
	ck_assert_ptr_null(parse_binary(&hs, data));
	ck_assert_str_eq(errbuf, "ce_id: empty");

	/* the value must be the data object */
	binary_headers(&hs);
	ck_assert_ptr_null(parse_binary(&hs, "[1]"));
	ck_assert_str_eq(errbuf, "data: must be an object");
	ck_assert_ptr_null(parse_binary(&hs, "{\"student\":"));
	ck_assert_str_eq(errbuf, "invalid JSON");

	/* data rules apply in binary mode too */
	char *p = strstr(data, "0570123X");
	ck_assert_ptr_nonnull(p);
	p[7] = '1';
	ck_assert_ptr_null(parse_binary(&hs, data));
	ck_assert_str_eq(errbuf, "data.establishment.uai: invalid");

	/* without ce_specversion the value is a structured event */
	memset(&hs, 0, sizeof(hs));
	HADD(&hs, "ce_id", "ignored");
	ev = parse_binary(&hs, "{\"student_id\":\"x1\",\"follow_up\":\"stop\"}");
	ck_assert_ptr_null(ev);
	ck_assert_str_eq(errbuf, "specversion: missing");
	free(data);
}
END_TEST

/* --- robustness ----------------------------------------------------------- */

/* Every failure has a reason; nothing crashes (ASan build catches the rest). */
START_TEST(test_truncations_and_mangling)
{
	static const char *files[] = { EXAM, "attendance-absent.json", "student-contact.json",
				       "exam-minimal.json" };
	static const unsigned char subst[] = { 0x00, '"', '{', '}', '[', 0xff, '\n', '\\',
					       '0', 0xc3, ',', ':' };

	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len;
		char *buf = fixture(files[f], &len);
		struct event *ev;
		int accepted = 0;

		while (len > 0 && buf[len - 1] == '\n')
			len--;
		for (size_t n = 0; n < len; n++) {
			ev = parse_buf(buf, n);
			ck_assert_msg(ev == NULL, "%s prefix %zu accepted", files[f], n);
			ck_assert_msg(errbuf[0] != '\0', "%s prefix %zu: no reason", files[f], n);
		}
		for (size_t i = 0; i < len; i++) {
			char saved = buf[i];
			for (size_t k = 0; k < sizeof(subst); k++) {
				buf[i] = (char)subst[k];
				ev = parse_buf(buf, len);
				if (ev == NULL)
					ck_assert_msg(errbuf[0] != '\0', "no reason");
				else
					accepted++;
				event_free(ev);
			}
			buf[i] = saved;
		}
		ck_assert_int_gt(accepted, 0);	/* e.g. digits inside ids */
		free(buf);
	}
	/* deep nesting is refused, not a stack overflow */
	char *deep = repeat("[", 60000);
	ck_assert_ptr_null(parse_buf(deep, strlen(deep)));
	ck_assert_str_eq(errbuf, "invalid JSON");
	free(deep);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(appt_kind_name(KIND_CHECKIN), "check-in");
	ck_assert_str_eq(appt_kind_name(KIND_DROPIN), "drop-in");
	ck_assert_str_eq(appt_kind_name(KIND_WORKSHOP), "workshop");
	ck_assert_str_eq(appt_kind_name((enum appt_kind)0), "unknown");
	ck_assert_str_eq(attendance_name(ATT_PRESENT), "present");
	ck_assert_str_eq(attendance_name(ATT_ABSENT), "absent");
	ck_assert_str_eq(attendance_name(ATT_EXCUSED), "excused");
	ck_assert_str_eq(attendance_name((enum attendance_status)9), "unknown");
	ck_assert_str_eq(situation_name(SIT_EMPLOYED), "employed");
	ck_assert_str_eq(situation_name(SIT_TRAINING), "training");
	ck_assert_str_eq(situation_name(SIT_SEEKING), "seeking");
	ck_assert_str_eq(situation_name(SIT_UNKNOWN), "unknown");
	ck_assert_str_eq(situation_name(SIT_NONE), "none");
	ck_assert_int_eq(situation_parse("employed"), SIT_EMPLOYED);
	ck_assert_int_eq(appt_status_parse("cancelled"), APPT_CANCELLED);
	ck_assert_int_eq(rem_status_parse("sending"), REM_SENDING);
	ck_assert_int_eq(rem_status_parse("skipped"), REM_SKIPPED);
	ck_assert_int_eq(REM_SKIPPED, 5);   /* stored: never renumbered */
	ck_assert_str_eq(rem_status_name(REM_SKIPPED), "skipped");
	ck_assert_int_eq(channel_parse("email"), CH_EMAIL);
	ck_assert_int_eq(channel_parse("fax"), -1);
	ck_assert_int_eq(rem_kind_parse(NULL), -1);
	ck_assert_str_eq(rem_kind_name(REM_ALERT_LOST), "alert-lost");
	ck_assert_str_eq(event_type_name(EV_STUDENT_UPDATED), "avenirpro.student.updated");
	event_free(NULL);
}
END_TEST

static Suite *
event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_exam_good);
	tcase_add_test(tc, test_exam_minimal_defaults);
	tcase_add_test(tc, test_attendance_kind);
	tcase_add_test(tc, test_attendance_uid);
	tcase_add_test(tc, test_attendance_bad);
	tcase_add_test(tc, test_update_stop);
	tcase_add_test(tc, test_update_contact);
	tcase_add_test(tc, test_envelope_required);
	tcase_add_test(tc, test_envelope_lengths);
	tcase_add_test(tc, test_unknown_type);
	tcase_add_test(tc, test_datacontenttype);
	tcase_add_test(tc, test_not_json);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_control_characters);
	tcase_add_test(tc, test_format_characters);
	tcase_add_test(tc, test_dates);
	tcase_add_test(tc, test_uai);
	tcase_add_test(tc, test_phone);
	tcase_add_test(tc, test_email);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_required_data);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_reasons_without_values);
	tcase_add_test(tc, test_binary_good);
	tcase_add_test(tc, test_binary_bad);
	tcase_add_test(tc, test_truncations_and_mangling);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(event_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
