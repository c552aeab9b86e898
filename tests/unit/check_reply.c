/*
 * check_reply.c — students' answers (contract section 8): the planner's
 * side (plan_reply.c: free slots, confirm, cancel, move) and reply.c (the
 * key file, lookups by code, answers in one transaction with their
 * CloudEvent in the outbox, SMS answers and their acknowledgement rows).
 *
 * A real store in a temporary directory, an injected clock, Europe/Paris;
 * students planned by exam.completed events through plan_apply() as the
 * consumer does. 2026-06-18 is a Thursday: its +14-day check-in is on
 * Thursday 2026-07-02 at 09:00 (the first slot), the next student's of the
 * same adviser at 09:30.
 */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "link.h"
#include "plan.h"
#include "reply.h"
#include "store.h"
#include "util.h"

static struct {
	char dir[64], conf[96], db[96], key[96];
	struct config *cfg;
	struct store *st;
	struct planner *pl;
	struct reply *r;
	sqlite3 *ro;
	int64_t offset;
} F;

static char parent_dir[32];
static int64_t fake_now;

static int64_t fake_clock(void) { return fake_now; }

static int64_t
L(const char *day, const char *hhmm)
{
	int32_t d;
	int h, m;
	ck_assert(date_parse(day, &d) == 0);
	ck_assert(sscanf(hhmm, "%d:%d", &h, &m) == 2);
	return wall_to_epoch(d, h * 60 + m);
}

static void on_conf_error(const char *msg, void *arg) { fprintf(stderr, "config: %s\n", msg); }

#define CONF \
	"[calendar]\ntimezone = Europe/Paris\ndomain = test.example.org\n" \
	"base_url = https://rdv.example.fr\n" \
	"[checkins]\noffsets = 14d, 45d\nduration = 30m\n" \
	"office_hours = mon-fri 09:00-12:00 13:30-17:00\nclosed = 2026-07-03\n" \
	"location = 3 rue du Port, Metz\n" \
	"[dropin]\nwindow = * 2026-07-01..2026-07-03 09:00-12:00 slot=20m capacity=1\n" \
	"location = Salle B\n" \
	"[reminders]\noffsets = 48h, 2h\nquiet_hours = 20:00-08:00\nhorizon = 3650d\n"

static void
fx_open(int64_t now, int with_reply)
{
	char err[256];
	FILE *f;

	memset(&F, 0, sizeof F);
	ck_assert_int_eq(tz_set("Europe/Paris"), 0);
	fake_now = now;
	clock_set(fake_clock);
	snprintf(F.dir, sizeof F.dir, "%s/t.XXXXXX", parent_dir);
	ck_assert_ptr_nonnull(mkdtemp(F.dir));
	snprintf(F.conf, sizeof F.conf, "%s/relance.conf", F.dir);
	snprintf(F.db, sizeof F.db, "%s/relance.db", F.dir);
	snprintf(F.key, sizeof F.key, "%s/link.key", F.dir);
	f = fopen(F.conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[smtp]\nurl = file:///nonexistent/email\n[sms]\nurl = file:///nonexistent/sms\n"
		"[store]\npath = %s\n%s", F.db, CONF);
	ck_assert_int_eq(fclose(f), 0);
	F.cfg = config_load(F.conf, on_conf_error, NULL);
	ck_assert_ptr_nonnull(F.cfg);
	ck_assert_str_eq(F.cfg->answers.key_file, F.key);
	F.st = store_open(F.db, false, err, sizeof err);
	ck_assert_msg(F.st != NULL, "store_open: %s", err);
	F.pl = plan_new(F.cfg, F.st);
	ck_assert_ptr_nonnull(F.pl);
	if (with_reply) {
		F.r = reply_new(F.cfg, F.st, F.pl, err, sizeof err);
		ck_assert_msg(F.r != NULL, "reply_new: %s", err);
	}
	ck_assert_int_eq(sqlite3_open_v2(F.db, &F.ro, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
}

static void
teardown(void)
{
	if (F.ro)
		sqlite3_close(F.ro);
	reply_free(F.r);
	plan_free(F.pl);
	store_close(F.st);
	config_free(F.cfg);
	clock_set(NULL);
	memset(&F, 0, sizeof F);
}

static void
exam(const char *evid, const char *student, const char *phone, int64_t now)
{
	char perr[160], err[160];
	char *json = xasprintf(
		"{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"/sis/0570123X\","
		"\"type\":\"avenirpro.exam.completed\",\"data\":{"
		"\"student\":{\"id\":\"%s\",\"given_name\":\"Axel\",\"family_name\":\"Belvalette\","
		"\"locale\":\"fr\",\"email\":\"axel@example.org\",\"phone\":\"%s\","
		"\"consent\":{\"sms\":true,\"email\":true}},"
		"\"establishment\":{\"uai\":\"0570123X\",\"name\":\"Lycee\"},"
		"\"programme\":{\"code\":\"BP\",\"label\":\"Bac pro\"},"
		"\"exam\":{\"session\":\"2026\",\"last_exam_on\":\"2026-06-18\"},"
		"\"adviser\":{\"id\":\"adv1\",\"name\":\"Amelie Comelli\","
		"\"email\":\"a.comelli@ml.example.org\"}}}", evid, student, phone);
	struct event *ev = event_parse(json, strlen(json), NULL, 0, perr, sizeof perr);

	ck_assert_msg(ev != NULL, "%s", perr);
	fake_now = now;
	ck_assert_int_eq(store_begin(F.st), 0);
	ck_assert_int_eq(plan_apply(F.pl, ev, "t", 0, F.offset++, now, err, sizeof err), PLAN_APPLIED);
	ck_assert_int_eq(store_commit(F.st), 0);
	event_free(ev);
	free(json);
}

static void
attend(const char *evid, const char *student, const char *uid, const char *status, int64_t now)
{
	char perr[160], err[160];
	char *json = xasprintf("{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"/ml\","
			       "\"type\":\"avenirpro.attendance.recorded\",\"data\":{"
			       "\"student_id\":\"%s\",\"appointment_uid\":\"%s\",\"status\":\"%s\"}}",
			       evid, student, uid, status);
	struct event *ev = event_parse(json, strlen(json), NULL, 0, perr, sizeof perr);

	ck_assert_msg(ev != NULL, "%s", perr);
	fake_now = now;
	ck_assert_int_eq(store_begin(F.st), 0);
	ck_assert_int_eq(plan_apply(F.pl, ev, "t", 0, F.offset++, now, err, sizeof err), PLAN_APPLIED);
	ck_assert_int_eq(store_commit(F.st), 0);
	event_free(ev);
	free(json);
}

static int64_t
q_int(const char *fmt, ...)
{
	va_list ap;
	char *sql;
	sqlite3_stmt *s;
	int64_t v = 0;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	ck_assert_int_eq(sqlite3_prepare_v2(F.ro, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_free(sql);
	return v;
}

/* The newest outbox message's value, parsed (decref it). */
static json_t *
last_event(void)
{
	sqlite3_stmt *s;
	json_t *j = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(F.ro, "SELECT value, topic, CAST(msg_key AS TEXT)"
					    " FROM outbox ORDER BY id DESC LIMIT 1", -1, &s, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 1), "avenirpro.relance.replies");
	j = json_loadb(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 2),
			 json_string_value(json_object_get(json_object_get(j, "data"), "student_id")));
	sqlite3_finalize(s);
	return j;
}

static const char *
js(json_t *o, const char *path)
{
	char buf[64], *p;
	snprintf(buf, sizeof buf, "%s", path);
	p = strchr(buf, '.');
	if (p) {
		*p = '\0';
		o = json_object_get(o, buf);
		path = p + 1;
	}
	return json_string_value(json_object_get(o, path));
}

/* The i-th check-in (by start) of a student, any status. */
static void
checkin(const char *student, int i, struct appt *out)
{
	struct appt *v;
	size_t n;
	int k = 0;

	memset(out, 0, sizeof *out);
	ck_assert_int_eq(store_appts_of_student(F.st, student, &v, &n), 0);
	for (size_t j = 0; j < n; j++)
		if (v[j].kind == KIND_CHECKIN && k++ == i) {
			*out = v[j];
			memset(&v[j], 0, sizeof v[j]);
			break;
		}
	store_appts_free(v, n);
	ck_assert_int_ne(out->id, 0);
}

static void
dropin_of(const char *student, struct appt *out)
{
	struct appt *v;
	size_t n;

	memset(out, 0, sizeof *out);
	ck_assert_int_eq(store_appts_of_student(F.st, student, &v, &n), 0);
	for (size_t j = 0; j < n; j++)
		if (v[j].kind == KIND_DROPIN) {
			*out = v[j];
			memset(&v[j], 0, sizeof v[j]);
			break;
		}
	store_appts_free(v, n);
	ck_assert_int_ne(out->id, 0);
}

/* plan_answer in its own transaction. */
static enum plan_answer_result
answer(const struct appt *a, int ans, int64_t new_start, int64_t now)
{
	char err[160] = "";
	enum plan_answer_result r;

	ck_assert_int_eq(store_begin(F.st), 0);
	r = plan_answer(F.pl, a, ans, new_start, now, err, sizeof err);
	ck_assert_int_ne(r, PLAN_ANSWER_ERROR);
	ck_assert_int_eq(store_commit(F.st), 0);
	if (r == PLAN_ANSWER_REFUSED)
		ck_assert_str_ne(err, "");
	return r;
}

/* ---- plan_reply.c ----------------------------------------------------------- */

/* Check-in slots: own slot and another student's skipped, office hours,
 * lunch break, closure and weekend honoured, from the next day. */
START_TEST(test_free_checkin_slots)
{
	int64_t now = L("2026-07-01", "10:00"), s[20];
	struct appt a, b;
	int n;

	fx_open(L("2026-06-19", "10:00"), 0);
	exam("e1", "s1", "+33612345671", L("2026-06-19", "10:00"));
	exam("e2", "s2", "+33612345672", L("2026-06-19", "10:00"));
	checkin("s1", 0, &a);
	checkin("s2", 0, &b);
	ck_assert_int_eq(a.starts_at, L("2026-07-02", "09:00"));
	ck_assert_int_eq(b.starts_at, L("2026-07-02", "09:30"));
	n = plan_free_slots(F.pl, &a, now, s, 20);
	ck_assert_int_eq(n, 20);
	ck_assert_int_eq(s[0], L("2026-07-02", "10:00"));   /* 09:00 own, 09:30 taken */
	ck_assert_int_eq(s[3], L("2026-07-02", "11:30"));
	ck_assert_int_eq(s[4], L("2026-07-02", "13:30"));   /* lunch skipped */
	ck_assert_int_eq(s[10], L("2026-07-02", "16:30"));
	ck_assert_int_eq(s[11], L("2026-07-06", "09:00"));  /* 3rd closed, then weekend */
	for (int i = 1; i < n; i++)
		ck_assert_int_gt(s[i], s[i - 1]);
	/* Never today: from 2 July 09:00 on even at 1 July 07:00 */
	n = plan_free_slots(F.pl, &b, L("2026-07-01", "07:00"), s, 6);
	ck_assert_int_eq(n, 6);
	ck_assert_int_eq(s[0], L("2026-07-02", "10:00"));
	/* The next day, not today: asked on 2 July, the slots start on the 6th */
	n = plan_free_slots(F.pl, &b, L("2026-07-02", "07:00"), s, 1);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(s[0], L("2026-07-06", "09:00"));
	appt_clear(&a);
	appt_clear(&b);
}
END_TEST

/* A move: same UID, SEQUENCE + 1, old slot free again, reminders re-timed;
 * the third move is refused. */
START_TEST(test_move_checkin)
{
	int64_t now = L("2026-07-01", "10:00"), s[6];
	struct appt a, b, m;
	int n, seq;

	fx_open(L("2026-06-19", "10:00"), 0);
	exam("e1", "s1", "+33612345671", L("2026-06-19", "10:00"));
	exam("e2", "s2", "+33612345672", L("2026-06-19", "10:00"));
	checkin("s1", 0, &a);
	checkin("s2", 0, &b);
	seq = a.sequence;
	/* not a free slot: B's */
	ck_assert_int_eq(answer(&a, ANSWER_MOVED, L("2026-07-02", "09:30"), now), PLAN_ANSWER_REFUSED);
	/* outside office hours */
	ck_assert_int_eq(answer(&a, ANSWER_MOVED, L("2026-07-02", "12:30"), now), PLAN_ANSWER_REFUSED);
	/* same slot: nothing to do */
	ck_assert_int_eq(answer(&a, ANSWER_MOVED, a.starts_at, now), PLAN_ANSWER_ALREADY);
	ck_assert_int_eq(answer(&a, ANSWER_MOVED, L("2026-07-02", "14:00"), now), PLAN_ANSWER_DONE);
	checkin("s1", 0, &m);
	ck_assert_str_eq(m.uid, a.uid);
	ck_assert_int_eq(m.id, a.id);
	ck_assert_int_eq(m.starts_at, L("2026-07-02", "14:00"));
	ck_assert_int_eq(m.ends_at, L("2026-07-02", "14:30"));
	ck_assert_int_eq(m.sequence, seq + 1);
	ck_assert_int_eq(m.moves, 1);
	ck_assert_int_eq(m.status, APPT_CONFIRMED);
	ck_assert_int_eq(m.answered_at, now);
	ck_assert_str_eq(m.changed_by, "student");
	/* reminders: the 2 h one at 12:00 on each channel, the 48 h one (past) now */
	ck_assert_int_eq(q_int("SELECT count(*) FROM reminders WHERE appointment_id = %lld"
			       " AND status = 0 AND due_at = %lld", (long long)a.id,
			       (long long)L("2026-07-02", "12:00")), 2);
	ck_assert_int_eq(q_int("SELECT count(*) FROM reminders WHERE appointment_id = %lld"
			       " AND status = 0 AND due_at = %lld", (long long)a.id,
			       (long long)L("2026-07-02", "07:00")), 0);
	/* the old slot is free for B now */
	n = plan_free_slots(F.pl, &b, now, s, 6);
	ck_assert_int_ge(n, 1);
	ck_assert_int_eq(s[0], L("2026-07-02", "09:00"));
	/* and not for the 14:00 one any more */
	for (int i = 0; i < n; i++)
		ck_assert_int_ne(s[i], L("2026-07-02", "14:00"));
	/* a free slot the page does not offer (past the first six: 09:00,
	 * 10:00 ... 11:30, 13:30) is refused: a student moves only to what
	 * the page offers */
	n = plan_free_slots(F.pl, &m, now, s, 6);
	ck_assert_int_eq(n, 6);
	ck_assert_int_eq(s[5], L("2026-07-02", "13:30"));
	ck_assert_int_eq(answer(&m, ANSWER_MOVED, L("2026-07-02", "15:00"), now), PLAN_ANSWER_REFUSED);
	ck_assert_int_eq(answer(&m, ANSWER_MOVED, L("2026-09-01", "10:00"), now), PLAN_ANSWER_REFUSED);
	/* second move, then the third is refused */
	ck_assert_int_eq(answer(&m, ANSWER_MOVED, L("2026-07-02", "13:30"), now), PLAN_ANSWER_DONE);
	appt_clear(&m);
	checkin("s1", 0, &m);
	ck_assert_int_eq(m.moves, 2);
	ck_assert_int_eq(answer(&m, ANSWER_MOVED, L("2026-07-02", "10:00"), now), PLAN_ANSWER_REFUSED);
	appt_clear(&m);
	checkin("s1", 0, &m);
	ck_assert_int_eq(m.moves, 2);
	ck_assert_int_eq(m.starts_at, L("2026-07-02", "13:30"));
	/* the store agrees with the books: one confirmed check-in per slot */
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE adviser_id = 'adv1'"
			       " AND kind = 1 AND status = 1 AND starts_at = %lld",
			       (long long)L("2026-07-02", "13:30")), 1);
	/* a reloaded planner sees the same free slots */
	ck_assert_int_eq(plan_reload(F.pl), 0);
	n = plan_free_slots(F.pl, &b, now, s, 6);
	ck_assert_int_eq(s[0], L("2026-07-02", "09:00"));
	appt_clear(&a);
	appt_clear(&b);
	appt_clear(&m);
}
END_TEST

/* Drop-ins: slots with room of the window, the move frees the old place. */
START_TEST(test_move_dropin)
{
	int64_t now = L("2026-06-25", "10:00"), s[6];
	struct appt a, b, m;
	int n;

	fx_open(L("2026-06-19", "10:00"), 0);
	exam("e1", "s1", "+33612345671", L("2026-06-19", "10:00"));
	exam("e2", "s2", "+33612345672", L("2026-06-19", "10:00"));
	exam("e3", "s3", "+33612345673", L("2026-06-19", "10:00"));
	dropin_of("s1", &a);
	dropin_of("s2", &b);
	ck_assert_int_eq(a.starts_at, L("2026-07-01", "09:00"));
	ck_assert_int_eq(b.starts_at, L("2026-07-01", "09:20"));
	n = plan_free_slots(F.pl, &a, now, s, 6);
	ck_assert_int_eq(n, 6);
	ck_assert_int_eq(s[0], L("2026-07-01", "10:00"));   /* 09:20, 09:40 full */
	ck_assert_int_eq(answer(&a, ANSWER_MOVED, L("2026-07-01", "09:40"), now), PLAN_ANSWER_REFUSED);
	ck_assert_int_eq(answer(&a, ANSWER_MOVED, L("2026-07-01", "10:20"), now), PLAN_ANSWER_DONE);
	dropin_of("s1", &m);
	ck_assert_int_eq(m.starts_at, L("2026-07-01", "10:20"));
	ck_assert_int_eq(m.ends_at, L("2026-07-01", "10:40"));
	ck_assert_int_eq(q_int("SELECT booked FROM dropin_fill WHERE starts_at = %lld",
			       (long long)L("2026-07-01", "09:00")), 0);
	ck_assert_int_eq(q_int("SELECT booked FROM dropin_fill WHERE starts_at = %lld",
			       (long long)L("2026-07-01", "10:20")), 1);
	n = plan_free_slots(F.pl, &b, now, s, 6);
	ck_assert_int_eq(s[0], L("2026-07-01", "09:00"));
	appt_clear(&a);
	appt_clear(&b);
	appt_clear(&m);
}
END_TEST

/* Cancelled by the student: no replacement, reminders cancelled, slot
 * free, not an absence; a confirmation changes only the answer and the
 * SEQUENCE (the feed event shows it). */
START_TEST(test_cancel_and_confirm)
{
	int64_t now = L("2026-07-01", "10:00"), s[6];
	struct appt a, b, c, second;
	int64_t count;

	fx_open(L("2026-06-19", "10:00"), 0);
	exam("e1", "s1", "+33612345671", L("2026-06-19", "10:00"));
	exam("e2", "s2", "+33612345672", L("2026-06-19", "10:00"));
	checkin("s1", 0, &a);
	checkin("s2", 0, &b);
	count = q_int("SELECT count(*) FROM appointments WHERE student_id = 's1'");
	ck_assert_int_eq(answer(&a, ANSWER_CONFIRMED, 0, now), PLAN_ANSWER_DONE);
	checkin("s1", 0, &c);
	ck_assert_int_eq(c.answer, ANSWER_CONFIRMED);
	ck_assert_int_eq(c.sequence, a.sequence + 1); /* the event changed (contract 3) */
	ck_assert_int_eq(c.starts_at, a.starts_at);
	ck_assert_int_eq(answer(&c, ANSWER_CONFIRMED, 0, now), PLAN_ANSWER_ALREADY);
	ck_assert_int_eq(answer(&c, ANSWER_CANCELLED, 0, now), PLAN_ANSWER_DONE);
	appt_clear(&c);
	checkin("s1", 0, &c);
	ck_assert_int_eq(c.status, APPT_CANCELLED);
	ck_assert_int_eq(c.answer, ANSWER_CANCELLED);
	ck_assert_str_eq(c.changed_by, "student");
	ck_assert_int_eq(c.sequence, a.sequence + 2);
	ck_assert_int_eq(answer(&c, ANSWER_CANCELLED, 0, now), PLAN_ANSWER_ALREADY);
	ck_assert_int_eq(answer(&c, ANSWER_CONFIRMED, 0, now), PLAN_ANSWER_REFUSED);
	ck_assert_int_eq(answer(&c, ANSWER_MOVED, L("2026-07-02", "14:00"), now), PLAN_ANSWER_REFUSED);
	/* no replacement, no pending reminder, slot free for B */
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE student_id = 's1'"), count);
	ck_assert_int_eq(q_int("SELECT count(*) FROM reminders WHERE appointment_id = %lld"
			       " AND status = 0", (long long)a.id), 0);
	ck_assert_int_eq(plan_free_slots(F.pl, &b, now, s, 6), 6);
	ck_assert_int_eq(s[0], L("2026-07-02", "09:00"));
	/* not an absence: with an absence at the next check-in, the adviser
	 * gets no alert of 2 absences in a row */
	checkin("s1", 1, &second);
	attend("att1", "s1", second.uid, "absent", second.ends_at + 60);
	ck_assert_int_eq(q_int("SELECT status FROM appointments WHERE id = %lld",
			       (long long)second.id), APPT_MISSED);
	ck_assert_int_eq(q_int("SELECT count(*) FROM reminders WHERE kind = %d",
			       REM_ALERT_ABSENCES), 0);
	/* a re-sent exam.completed does not book the cancelled one again */
	count = q_int("SELECT count(*) FROM appointments WHERE student_id = 's1' AND status = 1");
	exam("e1-again", "s1", "+33612345671", now);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE student_id = 's1'"
			       " AND status = 1"), count);
	/* started: refused */
	ck_assert_int_eq(answer(&b, ANSWER_CONFIRMED, 0, b.starts_at), PLAN_ANSWER_REFUSED);
	appt_clear(&a);
	appt_clear(&b);
	appt_clear(&c);
	appt_clear(&second);
}
END_TEST

/* ---- reply.c -------------------------------------------------------------------- */

static void
code_of(const char *uid, char code[LINK_CODE_LEN + 1])
{
	link_code(reply_key(F.r), uid, code);
}

/* The link of a is given out (as the dispatcher does before a reminder):
 * its code hash stored. */
static void
issue(struct appt *a)
{
	ck_assert_int_eq(reply_code_issue(F.st, reply_key(F.r), a), 0);
	ck_assert_int_eq(strlen(a->code_hash), LINK_HASH_LEN);
}

START_TEST(test_key_file)
{
	struct stat sb;
	uint8_t key[LINK_KEY_LEN];
	char err[200];
	FILE *f;

	fx_open(L("2026-06-19", "10:00"), 1);
	ck_assert_int_eq(lstat(F.key, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(sb.st_size, 65);
	memcpy(key, reply_key(F.r), sizeof key);
	/* same file: same key; a second reply_new reads it */
	ck_assert_int_eq(reply_reconfigure(F.r, F.cfg), 0);
	ck_assert_mem_eq(key, reply_key(F.r), sizeof key);
	reply_free(F.r);
	F.r = reply_new(F.cfg, F.st, F.pl, err, sizeof err);
	ck_assert_ptr_nonnull(F.r);
	ck_assert_mem_eq(key, reply_key(F.r), sizeof key);
	/* a broken key file is refused, the key in use kept */
	f = fopen(F.key, "w");
	fputs("not a key\n", f);
	fclose(f);
	ck_assert_int_eq(reply_reconfigure(F.r, F.cfg), -1);
	ck_assert_mem_eq(key, reply_key(F.r), sizeof key);
	/* a symlink is not followed */
	unlink(F.key);
	ck_assert_int_eq(symlink("/etc/hostname", F.key), 0);
	ck_assert_int_eq(reply_reconfigure(F.r, F.cfg), -1);
	unlink(F.key);
	/* a FIFO in its place is refused at once (no hang), a directory too */
	ck_assert_int_eq(mkfifo(F.key, 0600), 0);
	ck_assert_int_eq(reply_reconfigure(F.r, F.cfg), -1);
	ck_assert_mem_eq(key, reply_key(F.r), sizeof key);
	unlink(F.key);
	ck_assert_int_eq(mkdir(F.key, 0700), 0);
	ck_assert_int_eq(reply_reconfigure(F.r, F.cfg), -1);
	rmdir(F.key);
	/* deleted: the key in use is kept and written back, 0600 */
	ck_assert_int_eq(reply_reconfigure(F.r, F.cfg), 0);
	ck_assert_mem_eq(key, reply_key(F.r), sizeof key);
	ck_assert_int_eq(lstat(F.key, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	reply_free(F.r);
	F.r = reply_new(F.cfg, F.st, F.pl, err, sizeof err);
	ck_assert_ptr_nonnull(F.r);
	ck_assert_mem_eq(key, reply_key(F.r), sizeof key);
}
END_TEST

START_TEST(test_lookup_and_confirm)
{
	int64_t now = L("2026-07-01", "10:00"), s[REPLY_SLOTS];
	struct reply_view v;
	struct appt a;
	char code[LINK_CODE_LEN + 1], link[256], err[160], other[LINK_CODE_LEN + 1];
	json_t *j;

	fx_open(L("2026-06-19", "10:00"), 1);
	exam("e1", "s1", "+33612345671", L("2026-06-19", "10:00"));
	checkin("s1", 0, &a);
	code_of(a.uid, code);
	/* planning stores no code: a link opens once it was given out */
	ck_assert_int_eq(strlen(a.code_hash), 0);
	ck_assert_int_eq(reply_lookup(F.r, code, now, &v), 0);
	issue(&a);
	reply_link(F.r, a.uid, link, sizeof link);
	ck_assert_int_eq(strncmp(link, "https://rdv.example.fr/r/", 25), 0);
	ck_assert_str_eq(link + 25, code);
	ck_assert_int_eq(reply_lookup(F.r, code, now, &v), 1);
	ck_assert_str_eq(v.uid, a.uid);
	ck_assert_int_eq(v.kind, KIND_CHECKIN);
	ck_assert_int_eq(v.answer, ANSWER_NONE);
	ck_assert_str_eq(v.adviser_first_name, "Amelie");
	ck_assert_str_eq(v.location, "3 rue du Port, Metz");
	ck_assert_str_eq(v.locale, "fr");
	ck_assert_int_eq(v.starts_at, a.starts_at);
	ck_assert_int_eq(reply_free_slots(F.r, &v, now, s, REPLY_SLOTS), REPLY_SLOTS);
	/* unknown, malformed, expired */
	memcpy(other, code, sizeof other);
	other[0] = other[0] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(reply_lookup(F.r, other, now, &v), 0);
	ck_assert_int_eq(reply_lookup(F.r, "../etc", now, &v), 0);
	ck_assert_int_eq(reply_lookup(F.r, code, a.starts_at, &v), 0);
	ck_assert_int_eq(reply_confirm(F.r, other, VIA_WEB, now, err, sizeof err), REPLY_NOT_FOUND);
	ck_assert_int_eq(reply_confirm(F.r, code, VIA_WEB, a.starts_at, err, sizeof err),
			 REPLY_NOT_FOUND);
	/* confirm, then again */
	ck_assert_int_eq(q_int("SELECT count(*) FROM outbox"), 0);
	ck_assert_int_eq(reply_confirm(F.r, code, VIA_WEB, now, err, sizeof err), REPLY_DONE);
	ck_assert_int_eq(reply_confirm(F.r, code, VIA_WEB, now, err, sizeof err), REPLY_ALREADY);
	ck_assert_int_eq(q_int("SELECT count(*) FROM outbox"), 1);
	ck_assert_int_eq(reply_stats(F.r)->answers[ANSWER_CONFIRMED], 1);
	j = last_event();
	ck_assert_str_eq(js(j, "specversion"), "1.0");
	ck_assert_str_eq(js(j, "type"), "avenirpro.reply.confirmed");
	ck_assert_str_eq(js(j, "subject"), a.uid);
	ck_assert_str_eq(js(j, "source"), "/relance/test.example.org");
	ck_assert_str_eq(js(j, "time"), "2026-07-01T08:00:00Z");
	ck_assert_ptr_nonnull(js(j, "id"));
	ck_assert_str_eq(js(j, "data.appointment_uid"), a.uid);
	ck_assert_str_eq(js(j, "data.student_id"), "s1");
	ck_assert_str_eq(js(j, "data.via"), "web");
	ck_assert_str_eq(js(j, "data.starts_at"), "2026-07-02T07:00:00Z");
	ck_assert_ptr_null(json_object_get(json_object_get(j, "data"), "previous_starts_at"));
	json_decref(j);
	ck_assert_int_eq(reply_lookup(F.r, code, now, &v), 1);
	ck_assert_int_eq(v.answer, ANSWER_CONFIRMED);
	appt_clear(&a);
}
END_TEST

START_TEST(test_move_and_cancel_by_code)
{
	int64_t now = L("2026-07-01", "10:00"), s[REPLY_SLOTS];
	struct reply_view v;
	struct appt a;
	char code[LINK_CODE_LEN + 1], code2[LINK_CODE_LEN + 1], err[160];
	json_t *j;
	const char *id1;
	char first_id[200];

	fx_open(L("2026-06-19", "10:00"), 1);
	exam("e1", "s1", "+33612345671", L("2026-06-19", "10:00"));
	exam("e2", "s2", "+33612345672", L("2026-06-19", "10:00"));
	checkin("s1", 0, &a);
	issue(&a);
	code_of(a.uid, code);
	ck_assert_int_eq(reply_lookup(F.r, code, now, &v), 1);
	ck_assert_int_eq(reply_free_slots(F.r, &v, now, s, REPLY_SLOTS), REPLY_SLOTS);
	ck_assert_int_eq(reply_move(F.r, code, s[1], now, err, sizeof err), REPLY_DONE);
	ck_assert_int_eq(reply_move(F.r, code, s[1], now, err, sizeof err), REPLY_ALREADY);
	ck_assert_int_eq(q_int("SELECT count(*) FROM outbox"), 1);
	j = last_event();
	ck_assert_str_eq(js(j, "type"), "avenirpro.reply.moved");
	ck_assert_str_eq(js(j, "data.previous_starts_at"), "2026-07-02T07:00:00Z");
	ck_assert_str_eq(js(j, "data.starts_at"), "2026-07-02T08:30:00Z");  /* 10:30 */
	snprintf(first_id, sizeof first_id, "%s", js(j, "id"));
	json_decref(j);
	/* the same code still opens it, at its new time and sequence */
	ck_assert_int_eq(reply_lookup(F.r, code, now, &v), 1);
	ck_assert_int_eq(v.starts_at, s[1]);
	ck_assert_int_eq(v.moves, 1);
	ck_assert_int_eq(v.sequence, a.sequence + 1);
	ck_assert_int_eq(reply_move(F.r, code, s[2], now, err, sizeof err), REPLY_DONE);
	ck_assert_int_eq(reply_free_slots(F.r, &v, now, s, REPLY_SLOTS), 0);
	ck_assert_int_eq(reply_move(F.r, code, s[3], now, err, sizeof err), REPLY_REFUSED);
	ck_assert_int_eq(reply_stats(F.r)->refused, 1);
	/* another student's code does not act on this one */
	appt_clear(&a);
	checkin("s2", 0, &a);
	issue(&a);
	code_of(a.uid, code2);
	ck_assert_int_eq(reply_cancel(F.r, code2, VIA_WEB, now, err, sizeof err), REPLY_DONE);
	ck_assert_int_eq(reply_cancel(F.r, code2, VIA_WEB, now, err, sizeof err), REPLY_ALREADY);
	j = last_event();
	ck_assert_str_eq(js(j, "type"), "avenirpro.reply.cancelled");
	ck_assert_str_eq(js(j, "data.student_id"), "s2");
	id1 = js(j, "id");
	ck_assert_str_ne(id1, first_id);
	json_decref(j);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE student_id = 's1'"
			       " AND status = 2"), 0);
	/* the page of a cancelled one still opens until its start, cancelled */
	ck_assert_int_eq(reply_lookup(F.r, code2, now, &v), 1);
	ck_assert_int_eq(v.status, APPT_CANCELLED);
	ck_assert_int_eq(v.answer, ANSWER_CANCELLED);
	ck_assert_int_eq(reply_free_slots(F.r, &v, now, s, REPLY_SLOTS), 0);
	ck_assert_int_eq(reply_confirm(F.r, code2, VIA_WEB, now, err, sizeof err), REPLY_REFUSED);
	ck_assert_int_eq(q_int("SELECT count(*) FROM outbox"), 3);   /* 2 moves, 1 cancel */
	appt_clear(&a);
}
END_TEST

START_TEST(test_sms_answers)
{
	int64_t now = L("2026-07-01", "10:00");
	char *ids[] = { "s2", "s1" };
	const char *who;
	json_t *j;
	struct appt a;

	fx_open(L("2026-06-19", "10:00"), 1);
	/* two students of one number: s1's check-in is first (09:00) */
	exam("e1", "s1", "+33612345671", L("2026-06-19", "10:00"));
	exam("e2", "s2", "+33612345671", L("2026-06-19", "10:00"));
	checkin("s1", 0, &a);
	ck_assert_int_eq(reply_sms(F.r, ids, 2, ANSWER_CONFIRMED, "oui", now, &who), REPLY_DONE);
	ck_assert_str_eq(who, "s1");
	ck_assert_int_eq(q_int("SELECT answer FROM appointments WHERE id = %lld", (long long)a.id),
			 ANSWER_CONFIRMED);
	ck_assert_int_eq(q_int("SELECT count(*) FROM reminders WHERE student_id = 's1' AND kind = %d"
			       " AND channel = 1 AND status = 0 AND due_at = %lld"
			       " AND appointment_id = %lld", REM_ACK_CONFIRMED, (long long)now,
			       (long long)a.id), 1);
	j = last_event();
	ck_assert_str_eq(js(j, "data.via"), "sms");
	json_decref(j);
	/* again: acknowledged again, no second event */
	ck_assert_int_eq(reply_sms(F.r, ids, 2, ANSWER_CONFIRMED, "OUI", now, &who), REPLY_ALREADY);
	ck_assert_int_eq(q_int("SELECT count(*) FROM reminders WHERE kind = %d", REM_ACK_CONFIRMED), 2);
	ck_assert_int_eq(q_int("SELECT count(*) FROM outbox"), 1);
	/* a message */
	ck_assert_int_eq(reply_sms(F.r, ids, 2, ANSWER_MESSAGE, "je serai en retard", now, &who),
			 REPLY_DONE);
	ck_assert_int_eq(q_int("SELECT count(*) FROM student_messages WHERE student_id = 's1'"
			       " AND adviser_id = 'adv1' AND via = 2 AND appointment_id = %lld"
			       " AND text = 'je serai en retard'", (long long)a.id), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM reminders WHERE kind = %d", REM_ACK_MESSAGE), 1);
	j = last_event();
	ck_assert_str_eq(js(j, "type"), "avenirpro.reply.message");
	ck_assert_str_eq(js(j, "data.text"), "je serai en retard");
	json_decref(j);
	/* cancel: the next one (s1's) */
	ck_assert_int_eq(reply_sms(F.r, ids, 2, ANSWER_CANCELLED, "non", now, &who), REPLY_DONE);
	ck_assert_str_eq(who, "s1");
	ck_assert_int_eq(q_int("SELECT status FROM appointments WHERE id = %lld", (long long)a.id),
			 APPT_CANCELLED);
	ck_assert_int_eq(q_int("SELECT count(*) FROM reminders WHERE kind = %d AND status = 0",
			       REM_ACK_CANCELLED), 1);
	/* a yes with nothing to answer is kept as a message */
	ck_assert_int_eq(reply_sms(F.r, (char *[]){ "nobody" }, 1, ANSWER_CONFIRMED, "oui", now, &who),
			 REPLY_DONE);
	ck_assert_int_eq(q_int("SELECT count(*) FROM student_messages WHERE student_id = 'nobody'"), 1);
	ck_assert_int_eq(reply_stats(F.r)->answers[ANSWER_MESSAGE], 2);
	appt_clear(&a);
}
END_TEST

/* A new key at reload: the codes of appointments to come are rewritten,
 * the old links answer no more. */
START_TEST(test_key_change)
{
	char old[LINK_CODE_LEN + 1], code[LINK_CODE_LEN + 1];
	struct reply_view v;
	struct appt a;
	int64_t now = L("2026-06-20", "10:00");
	FILE *f;

	fx_open(L("2026-06-19", "10:00"), 1);
	exam("e1", "s1", "+33612345671", L("2026-06-19", "10:00"));
	checkin("s1", 0, &a);
	issue(&a);
	code_of(a.uid, old);
	ck_assert_int_eq(reply_lookup(F.r, old, now, &v), 1);
	unlink(F.key);
	f = fopen(F.key, "w");
	fputs("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", f);
	fclose(f);
	ck_assert_int_eq(reply_reconfigure(F.r, F.cfg), 0);
	ck_assert_int_eq(reply_key(F.r)[1], 0x11);
	code_of(a.uid, code);
	ck_assert_str_ne(code, old);
	ck_assert_int_eq(reply_lookup(F.r, old, now, &v), 0);
	ck_assert_int_eq(reply_lookup(F.r, code, now, &v), 1);
	/* new appointments get codes of the new key */
	exam("e2", "s2", "+33612345672", now);
	appt_clear(&a);
	checkin("s2", 0, &a);
	issue(&a);
	code_of(a.uid, code);
	ck_assert_int_eq(reply_lookup(F.r, code, now, &v), 1);
	appt_clear(&a);
}
END_TEST

/* Only the links given out have a code hash: planning a hundred
 * appointments stores none; issuing one stores one, once. */
START_TEST(test_codes_only_when_given)
{
	char code[LINK_CODE_LEN + 1];
	struct reply_view v;
	struct appt a;
	int64_t now = L("2026-06-20", "10:00");

	fx_open(L("2026-06-19", "10:00"), 1);
	exam("e1", "s1", "+33612345671", L("2026-06-19", "10:00"));
	exam("e2", "s2", "+33612345672", L("2026-06-19", "10:00"));
	ck_assert_int_gt(q_int("SELECT count(*) FROM appointments"), 2);
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE code_hash IS NOT NULL"), 0);
	checkin("s1", 0, &a);
	code_of(a.uid, code);
	ck_assert_int_eq(reply_lookup(F.r, code, now, &v), 0);
	issue(&a);
	issue(&a);              /* again: nothing more */
	ck_assert_int_eq(q_int("SELECT count(*) FROM appointments WHERE code_hash IS NOT NULL"), 1);
	ck_assert_int_eq(reply_lookup(F.r, code, now, &v), 1);
	ck_assert_str_eq(v.uid, a.uid);
	appt_clear(&a);
}
END_TEST

static Suite *
reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("plan");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_free_checkin_slots);
	tcase_add_test(tc, test_move_checkin);
	tcase_add_test(tc, test_move_dropin);
	tcase_add_test(tc, test_cancel_and_confirm);
	suite_add_tcase(s, tc);
	tc = tcase_create("reply");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_key_file);
	tcase_add_test(tc, test_lookup_and_confirm);
	tcase_add_test(tc, test_move_and_cancel_by_code);
	tcase_add_test(tc, test_sms_answers);
	tcase_add_test(tc, test_codes_only_when_given);
	tcase_add_test(tc, test_key_change);
	suite_add_tcase(s, tc);
	return s;
}

static void
rm_tree(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *path;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (depth > 0)
			rm_tree(path, depth - 1);
		remove(path);
		free(path);
	}
	closedir(d);
	rmdir(dir);
}

int
main(void)
{
	SRunner *sr;
	int failed;

	/* Times of the tests (L()) are Paris wall times, computed before the
	 * fixture opens. */
	if (tz_set("Europe/Paris") != 0)
		return EXIT_FAILURE;
	snprintf(parent_dir, sizeof parent_dir, "/tmp/check_reply.XXXXXX");
	if (mkdtemp(parent_dir) == NULL)
		return EXIT_FAILURE;
	sr = srunner_create(reply_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rm_tree(parent_dir, 1);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
