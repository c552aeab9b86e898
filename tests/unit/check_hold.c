/*
 * check_hold.c — unit tests of held events (hold.c, hold_pack.c, contract
 * 1.4): the headers of a held message packed and unpacked (pure), and,
 * against a real store with an injected clock, an event of a student not
 * known yet held (once per source and id), applied in arrival order when
 * the student's exam.completed is (the rejected ones dead-lettered), kept
 * across a reopening of the store, and dead-lettered after hold_unknown.
 * Each event in its own transaction, as the consumer does; no producer
 * (dead letters are only stored).
 */
#include <check.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "hold.h"
#include "plan.h"
#include "producer.h"
#include "store.h"
#include "util.h"

/* ---- headers of a held message (pure) ---------------------------------------- */

START_TEST(test_pack_roundtrip)
{
	struct event_header in[3] = {
		{ "ce_id", "x-1", 3 },
		{ "empty", "", 0 },
		{ "novalue", NULL, 0 },
	}, out[4];
	size_t len;
	void *buf = hold_headers_pack(in, 3, &len);

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(hold_headers_unpack(buf, len, out, 4), 3);
	ck_assert_str_eq(out[0].name, "ce_id");
	ck_assert_uint_eq(out[0].len, 3);
	ck_assert_int_eq(memcmp(out[0].value, "x-1", 3), 0);
	ck_assert_str_eq(out[1].name, "empty");
	ck_assert_ptr_nonnull(out[1].value);
	ck_assert_uint_eq(out[1].len, 0);
	ck_assert_str_eq(out[2].name, "novalue");
	ck_assert_ptr_null(out[2].value);
	/* more headers than room: refused, never cut */
	ck_assert_int_eq(hold_headers_unpack(buf, len, out, 2), -1);
	/* any truncation is malformed */
	for (size_t n = 1; n < len; n++)
		ck_assert_msg(hold_headers_unpack(buf, n, out, 4) < 3, "cut at %zu unpacked", n);
	ck_assert_int_eq(hold_headers_unpack(buf, len - 1, out, 4), -1);
	free(buf);
	/* none */
	ck_assert_ptr_null(hold_headers_pack(in, 0, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(hold_headers_unpack(NULL, 0, out, 4), 0);
	/* a name without its NUL */
	ck_assert_int_eq(hold_headers_unpack("\0\1ab\0\0\0\0", 9, out, 4), -1);
}
END_TEST

/* ---- what of a dead letter fits its topic (pure) ------------------------------- */

START_TEST(test_fit)
{
	size_t key = 10, len = 500;

	/* fits: untouched */
	ck_assert_int_eq(producer_fit(1000000, 200, &key, &len), 0);
	ck_assert_uint_eq(key, 10);
	ck_assert_uint_eq(len, 500);
	/* a 2 MB value: cut, the key kept, the whole within the limit */
	len = 2000000;
	ck_assert_int_eq(producer_fit(1000000, 300, &key, &len), 1);
	ck_assert_uint_eq(key, 10);
	ck_assert_uint_gt(len, 990000);
	ck_assert_uint_le(key + len + 300, 1000000);
	/* a 1 MB key with a small value: the key is cut, the value kept */
	key = 1000000;
	len = 100;
	ck_assert_int_eq(producer_fit(1000000, 300, &key, &len), 1);
	ck_assert_uint_eq(len, 100);
	ck_assert_uint_le(key + len + 300, 1000000);
	ck_assert_uint_gt(key, 900000);
	/* both large: both cut, half each at most */
	key = len = 2000000;
	ck_assert_int_eq(producer_fit(1000000, 300, &key, &len), 1);
	ck_assert_uint_le(key, 500000);
	ck_assert_uint_le(key + len + 300, 1000000);
	/* headers larger than the limit: nothing of the message left */
	key = len = 10;
	ck_assert_int_eq(producer_fit(1000, 5000, &key, &len), 1);
	ck_assert_uint_eq(key + len, 0);
}
END_TEST

/* ---- against a store ---------------------------------------------------------- */

static struct {
	char dir[64], conf[96], db[96];
	struct config *cfg;
	struct store *st;
	struct planner *pl;
	struct hold *h;
	int64_t offset;
	struct ingest_tally t;
} F;
static int64_t fake_now;
static char last_err[160];

static int64_t fake_clock(void) { return fake_now; }

static int64_t
T(const char *s)
{
	int64_t t;
	ck_assert_msg(rfc3339_parse(s, &t) == 0, "bad time %s", s);
	return t;
}

static const char CONF[] =
	"[kafka]\nhold_unknown = 7d\n"
	"[smtp]\nurl = file:///nonexistent/outbox/email\n"
	"[sms]\nurl = file:///nonexistent/outbox/sms\n"
	"[calendar]\ntimezone = Europe/Paris\ndomain = test.example.org\n"
	"[dropin]\nwindow = * 2026-07-01..2026-07-03 09:00-12:00 slot=20m capacity=3\n"
	"[reminders]\nhorizon = 3650d\n";

static void
fx_open_store(void)
{
	char err[256];
	F.st = store_open(F.db, false, err, sizeof err);
	ck_assert_msg(F.st != NULL, "store_open: %s", err);
	F.pl = plan_new(F.cfg, F.st);
	ck_assert_ptr_nonnull(F.pl);
	F.h = hold_new(F.cfg, F.st, F.pl, NULL);
	ck_assert_ptr_nonnull(F.h);
}

static void
fx_close_store(void)
{
	hold_free(F.h);
	plan_free(F.pl);
	store_close(F.st);
	F.h = NULL;
	F.pl = NULL;
	F.st = NULL;
}

static void
setup(void)
{
	FILE *f;

	memset(&F, 0, sizeof F);
	ck_assert_int_eq(tz_set("Europe/Paris"), 0);
	fake_now = T("2026-06-19T18:00:00+02:00");
	clock_set(fake_clock);
	snprintf(F.dir, sizeof F.dir, "/tmp/check_hold.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(F.dir));
	snprintf(F.conf, sizeof F.conf, "%s/relance.conf", F.dir);
	snprintf(F.db, sizeof F.db, "%s/relance.db", F.dir);
	f = fopen(F.conf, "w");
	ck_assert_ptr_nonnull(f);
	fputs(CONF, f);
	ck_assert_int_eq(fclose(f), 0);
	F.cfg = config_load(F.conf, NULL, NULL);
	ck_assert_ptr_nonnull(F.cfg);
	fx_open_store();
}

static void
teardown(void)
{
	static const char *const names[] = { "relance.db", "relance.db-wal", "relance.db-shm",
					     "relance.conf" };
	char path[128];

	fx_close_store();
	config_free(F.cfg);
	clock_set(NULL);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof path, "%s/%s", F.dir, names[i]);
		unlink(path);
	}
	rmdir(F.dir);
}

/* One message through what the consumer does with it, in its own
 * transaction: plan_apply(), then hold, dead letter or release. The
 * result, PLAN_DUPLICATE for a second hold. */
static enum plan_result
deliver(const char *json, int64_t now)
{
	char err[160] = "";
	struct event *ev = event_parse(json, strlen(json), NULL, 0, err, sizeof err);
	struct kafka_msg m = { .topic = "avenirpro.test", .partition = 0, .offset = F.offset++,
			       .value = json, .len = strlen(json) };
	enum plan_result r;
	int rc = 0;

	ck_assert_msg(ev != NULL, "event_parse: %s", err);
	fake_now = now;
	ck_assert_int_eq(store_begin(F.st), 0);
	r = plan_apply(F.pl, ev, m.topic, m.partition, m.offset, now, err, sizeof err);
	snprintf(last_err, sizeof last_err, "%s", err);
	if (r == PLAN_HELD) {
		rc = hold_keep(F.h, ev, &m, now);
		r = rc == 0 ? PLAN_DUPLICATE : r;
	} else if (r == PLAN_REJECTED) {
		rc = hold_dead_letter(F.h, &m, err, now);
	} else if (r == PLAN_APPLIED && ev->kind == EV_EXAM_COMPLETED) {
		rc = hold_release(F.h, ev->u.exam.student_id, now, &F.t);
	}
	ck_assert_int_ge(rc, 0);
	ck_assert_int_ne(r, PLAN_STORE_ERROR);
	ck_assert_int_eq(store_commit(F.st), 0);
	event_free(ev);
	return r;
}

static enum plan_result
deliver_free(char *json, int64_t now)
{
	enum plan_result r = deliver(json, now);
	free(json);
	return r;
}

static enum plan_result
exam(const char *evid, const char *student, int64_t now)
{
	return deliver_free(xasprintf(
		"{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"/sis/0570123X\","
		"\"type\":\"avenirpro.exam.completed\",\"data\":{"
		"\"student\":{\"id\":\"%s\",\"given_name\":\"Axel\",\"email\":\"a@example.org\","
		"\"phone\":\"+33612345678\",\"consent\":{\"sms\":true,\"email\":true}},"
		"\"establishment\":{\"uai\":\"0570123X\"},"
		"\"exam\":{\"last_exam_on\":\"2026-06-19\"},\"adviser\":{\"id\":\"adv1\"}}}",
		evid, student), now);
}

/* The exam of student through plan_apply() alone (no release). */
static void
exam_unreleased(const char *evid, const char *student, int64_t now)
{
	char *json = xasprintf(
		"{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"/sis/0570123X\","
		"\"type\":\"avenirpro.exam.completed\",\"data\":{"
		"\"student\":{\"id\":\"%s\",\"given_name\":\"Axel\",\"email\":\"a@example.org\"},"
		"\"establishment\":{\"uai\":\"0570123X\"},"
		"\"exam\":{\"last_exam_on\":\"2026-06-19\"},\"adviser\":{\"id\":\"adv1\"}}}",
		evid, student);
	char err[160];
	struct event *ev = event_parse(json, strlen(json), NULL, 0, err, sizeof err);

	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(store_begin(F.st), 0);
	ck_assert_int_eq(plan_apply(F.pl, ev, "avenirpro.test", 0, F.offset++, now, err, sizeof err),
			 PLAN_APPLIED);
	ck_assert_int_eq(store_commit(F.st), 0);
	event_free(ev);
	free(json);
}

/* student.updated with data fields (JSON members after student_id). */
static enum plan_result
update(const char *evid, const char *student, const char *fields, int64_t now)
{
	return deliver_free(xasprintf("{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"/ml/x\","
				      "\"type\":\"avenirpro.student.updated\",\"data\":{"
				      "\"student_id\":\"%s\",%s}}", evid, student, fields), now);
}

static enum plan_result
attend(const char *evid, const char *student, const char *naming, int64_t now)
{
	return deliver_free(xasprintf("{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"/ml/x\","
				      "\"type\":\"avenirpro.attendance.recorded\",\"data\":{"
				      "\"student_id\":\"%s\",%s,\"status\":\"present\"}}",
				      evid, student, naming), now);
}

static int64_t
q_int(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int64_t
q_int(const char *fmt, ...)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char sql[512];
	va_list ap;
	int64_t v = -1;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	ck_assert_int_eq(sqlite3_open_v2(F.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int64_t
held_now(void)
{
	int64_t n, oldest;
	ck_assert_int_eq(store_hold_count(F.st, &n, &oldest), 0);
	return n;
}

/* The update before its student: held, once; applied when the student
 * comes, after the plan, so SMS reminders are cancelled. */
START_TEST(test_update_before_exam)
{
	int64_t t0 = T("2026-06-19T18:00:00+02:00");

	ck_assert_int_eq(update("u1", "S1", "\"consent\":{\"sms\":false}", t0), PLAN_HELD);
	ck_assert_int_eq(update("u1", "S1", "\"consent\":{\"sms\":false}", t0 + 1), PLAN_DUPLICATE);
	ck_assert_int_eq(held_now(), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM students"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM dead_letters"), 0);

	ck_assert_int_eq(exam("e1", "S1", t0 + 60), PLAN_APPLIED);
	ck_assert_int_eq(held_now(), 0);
	ck_assert_uint_eq(F.t.released, 1);
	ck_assert_uint_eq(F.t.by_type[EV_STUDENT_UPDATED], 1);
	ck_assert_int_eq(q_int("SELECT consent_sms FROM students WHERE id = 'S1'"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM reminders WHERE channel = %d AND status = %d",
			       CH_SMS, REM_PENDING), 0);
	ck_assert_int_gt(q_int("SELECT count(*) FROM reminders WHERE channel = %d AND status = %d",
			       CH_EMAIL, REM_PENDING), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events WHERE id = 'u1'"), 1);
	/* redelivered after its release: a duplicate, not held again */
	ck_assert_int_eq(update("u1", "S1", "\"consent\":{\"sms\":false}", t0 + 120), PLAN_DUPLICATE);
	ck_assert_int_eq(held_now(), 0);
}
END_TEST

/* Several held events: applied in arrival order; an attendance by UID of
 * an unknown student is dead-lettered at once, one by kind and start when
 * the plan has no such appointment; held events survive a reopening. */
START_TEST(test_order_and_rejections)
{
	int64_t t0 = T("2026-06-19T18:00:00+02:00");

	ck_assert_int_eq(update("u1", "S2", "\"locale\":\"en\"", t0), PLAN_HELD);
	ck_assert_int_eq(update("u2", "S2", "\"locale\":\"fr\",\"email\":\"b@example.org\"", t0 + 1),
			 PLAN_HELD);
	ck_assert_int_eq(attend("a1", "S2", "\"kind\":\"check-in\","
				"\"starts_at\":\"2026-07-03T15:00:00+02:00\"", t0 + 2), PLAN_HELD);
	ck_assert_int_eq(attend("a2", "S2", "\"appointment_uid\":\"nope@test.example.org\"", t0 + 3),
			 PLAN_REJECTED);
	ck_assert_str_eq(last_err, "unknown appointment");
	ck_assert_int_eq(q_int("SELECT count(*) FROM dead_letters"), 1);
	/* queued for the dead-letter topic in the same transaction */
	ck_assert_int_eq(q_int("SELECT count(*) FROM outbox WHERE topic = 'avenirpro.relance.dlq'"),
			 1);
	ck_assert_int_eq(held_now(), 3);

	/* a restart between */
	fx_close_store();
	fx_open_store();
	ck_assert_int_eq(held_now(), 3);
	ck_assert_int_eq(exam("e2", "S2", t0 + 60), PLAN_APPLIED);
	ck_assert_int_eq(held_now(), 0);
	ck_assert_int_eq(q_int("SELECT locale = 'fr' AND email = 'b@example.org' FROM students"
			       " WHERE id = 'S2'"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM dead_letters WHERE reason = 'unknown appointment'"
			       " AND offset = 2"), 1);
	ck_assert_uint_eq(F.t.released, 3);
	ck_assert_uint_eq(F.t.rejected, 1);
	/* the events table keeps the origin of a released event */
	ck_assert_int_eq(q_int("SELECT offset FROM events WHERE id = 'u2'"), 1);
	/* [store] keep_dead_letters: only those received before the limit go */
	ck_assert_int_eq(store_dead_letters_prune(F.st, t0 + 3, 10), 0);
	ck_assert_int_eq(store_dead_letters_prune(F.st, t0 + 4, 10), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM dead_letters WHERE received_at < %lld",
			       (long long)(t0 + 4)), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM dead_letters WHERE received_at >= %lld",
			       (long long)(t0 + 4)), 1);
}
END_TEST

/* hold_unknown: dead-lettered with "unknown student" once the time is up,
 * not before; a student known by then gets the event applied instead. */
START_TEST(test_expiry)
{
	int64_t t0 = T("2026-06-19T18:00:00+02:00"), week = 7 * 86400;

	ck_assert_int_eq(update("u1", "S3", "\"locale\":\"en\"", t0), PLAN_HELD);
	ck_assert_int_eq(update("u2", "S4", "\"locale\":\"en\"", t0 + 10), PLAN_HELD);
	ck_assert_int_eq(hold_expire(F.h, t0 + week - 1, 100, &F.t), 0);
	ck_assert_int_eq(held_now(), 2);
	ck_assert_int_eq(hold_expire(F.h, t0 + week, 100, &F.t), 1);
	ck_assert_int_eq(held_now(), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM dead_letters WHERE reason = 'unknown student'"
			       " AND offset = 0"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM events"), 0);
	ck_assert_uint_eq(F.t.expired, 1);
	ck_assert_uint_eq(F.t.rejected_by_type[EV_STUDENT_UPDATED], 1);
	/* S4 known meanwhile, its event not released (as if the release
	 * had been missed): applied, not dead-lettered */
	exam_unreleased("e4", "S4", t0 + week);
	ck_assert_int_eq(hold_expire(F.h, t0 + 2 * week, 100, &F.t), 1);
	ck_assert_int_eq(held_now(), 0);
	ck_assert_int_eq(q_int("SELECT locale = 'en' FROM students WHERE id = 'S4'"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM dead_letters"), 1);
	/* the student of a late exam finds nothing held any more */
	ck_assert_int_eq(exam("e3", "S3", t0 + 2 * week), PLAN_APPLIED);
	ck_assert_int_eq(q_int("SELECT locale = 'fr' FROM students WHERE id = 'S3'"), 1);
}
END_TEST

static Suite *
hold_suite(void)
{
	Suite *s = suite_create("hold");
	TCase *tc = tcase_create("pack");
	tcase_add_test(tc, test_pack_roundtrip);
	tcase_add_test(tc, test_fit);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_update_before_exam);
	tcase_add_test(tc, test_order_and_rejections);
	tcase_add_test(tc, test_expiry);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(hold_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
