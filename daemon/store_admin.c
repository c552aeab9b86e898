/*
 * store_admin.c — the store's side of relancectl (ctl.c): the read side on
 * a read-only connection (counts, counters, database size, reminders, dead
 * letters, indicators, students' messages) and its two writing actions, feed revocation and
 * the retry of a reminder, with the change counter kept in step.
 */
#include <stdio.h>
#include <string.h>

#include "store_priv.h"
#include "util.h"

/* The int64 columns of a one-row statement. */
struct i64_pair {
	int64_t *a, *b;
};

static void
pair_from_row(sqlite3_stmt *s, void *p)
{
	struct i64_pair *v = p;
	*v->a = sqlite3_column_int64(s, 0);
	if (v->b)
		*v->b = sqlite3_column_int64(s, 1);
}

/* Steps s (NULL: an error already logged), which returns one row. 0, -1. */
static int
ctl_one_row(struct store *st, sqlite3_stmt *s, int64_t *a, int64_t *b)
{
	struct i64_pair v = { a, b };
	int rc = one_row(st, s, pair_from_row, &v, "count");
	if (rc == 0)
		snprintf(st->errmsg, sizeof st->errmsg, "count: no row");
	return rc > 0 ? 0 : -1;
}

int
store_ctl_count_students(struct store *st, int64_t *total, int64_t *stopped)
{
	return ctl_one_row(st, stmt_get(st, ST_CTL_STUDENTS), total, stopped);
}

int
store_ctl_count_events(struct store *st, int64_t *events, int64_t *dead_letters)
{
	return ctl_one_row(st, stmt_get(st, ST_CTL_EVENTS), events, dead_letters);
}

int
store_ctl_count_awaiting(struct store *st, int64_t *appointments)
{
	return ctl_one_row(st, stmt_get(st, ST_CTL_AWAITING), appointments, NULL);
}

int64_t
store_ctl_db_size(struct store *st)
{
	int64_t v = -1;
	if (ctl_one_row(st, stmt_get(st, ST_CTL_DB_SIZE), &v, NULL))
		return -1;
	return v;
}

int
store_ctl_each_appt_count(struct store *st, void (*fn)(int, int, int64_t, void *), void *arg)
{
	sqlite3_stmt *s = stmt_get(st, ST_CTL_APPT_COUNT);
	int rc;
	while ((rc = next_row(st, s, "count appointments")) > 0)
		fn(sqlite3_column_int(s, 0), sqlite3_column_int(s, 1), sqlite3_column_int64(s, 2), arg);
	return rc;
}

int
store_ctl_each_reminder_count(struct store *st, void (*fn)(int, int, int, int64_t, void *),
			      void *arg)
{
	sqlite3_stmt *s = stmt_get(st, ST_CTL_REM_COUNT);
	int rc;
	while ((rc = next_row(st, s, "count reminders")) > 0)
		fn(sqlite3_column_int(s, 0), sqlite3_column_int(s, 1), sqlite3_column_int(s, 2),
		   sqlite3_column_int64(s, 3), arg);
	return rc;
}

int
store_ctl_each_counter(struct store *st, const char *prefix,
		       void (*fn)(const char *, int64_t, void *), void *arg)
{
	sqlite3_stmt *s = stmt_bind(st, ST_CTL_COUNTERS, "s", prefix);
	int rc;
	while ((rc = next_row(st, s, "counters")) > 0)
		fn(col_str(s, 0), sqlite3_column_int64(s, 1), arg);
	return rc;
}

int
store_ctl_each_reminder(struct store *st, const char *student_id, int status,
			void (*fn)(const struct reminder *, const char *, void *), void *arg)
{
	sqlite3_stmt *s = student_id ? stmt_bind(st, ST_CTL_REM_STUDENT, "s", student_id) :
		stmt_bind(st, ST_CTL_REM_STATUS, "i", status);
	int rc;

	while ((rc = next_row(st, s, "reminders")) > 0) {
		struct reminder r;
		reminder_from_row(s, &r);
		fn(&r, col_str(s, 11), arg);
		reminder_clear(&r);
	}
	return rc;
}

int
store_ctl_each_dead_letter(struct store *st, void (*fn)(const struct dead_letter *, void *),
			   void *arg)
{
	sqlite3_stmt *s = stmt_get(st, ST_CTL_DEAD);
	int rc;
	while ((rc = next_row(st, s, "dead letters")) > 0) {
		struct dead_letter d;
		row_get(s, "lrilr", &d.id, &d.topic, &d.partition, &d.offset, &d.reason);
		d.payload = sqlite3_column_blob(s, 5);
		d.len = (size_t)sqlite3_column_bytes(s, 5);
		d.received_at = sqlite3_column_int64(s, 6);
		fn(&d, arg);
	}
	return rc;
}

static void
indicators_from_row(sqlite3_stmt *s, struct indicators *in)
{
	int64_t *v[] = {
		&in->students, &in->stopped,
		&in->checkins_attended, &in->checkins_missed, &in->checkins_excused,
		&in->checkins_planned, &in->dropins_attended, &in->dropins_missed,
		&in->dropins_excused, &in->dropins_planned,
		&in->situation[SIT_NONE], &in->situation[SIT_EMPLOYED], &in->situation[SIT_TRAINING],
		&in->situation[SIT_SEEKING], &in->situation[SIT_UNKNOWN],
		&in->workshops_present, &in->workshops_recorded,
		&in->answerable, &in->confirmed, &in->cancelled, &in->moved,
		&in->confirmed_attended, &in->confirmed_missed, &in->unconfirmed_attended,
		&in->unconfirmed_missed,
	};
	memset(in, 0, sizeof *in);
	in->uai = col_str(s, 0);
	in->establishment = col_str(s, 1);
	in->programme_code = col_str(s, 2);
	in->programme_label = col_str(s, 3);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		*v[i] = sqlite3_column_int64(s, 4 + (int)i);
}

int
store_ctl_each_indicators(struct store *st, int final_index,
			  void (*fn)(const struct indicators *, void *), void *arg)
{
	sqlite3_stmt *s = stmt_bind(st, ST_CTL_INDICATORS, "i", final_index);
	int rc;
	while ((rc = next_row(st, s, "indicators")) > 0) {
		struct indicators in;
		indicators_from_row(s, &in);
		fn(&in, arg);
	}
	return rc;
}

int
store_ctl_each_reply(struct store *st, int64_t since,
		     void (*fn)(const struct student_message *, const char *, void *), void *arg)
{
	sqlite3_stmt *s = stmt_bind(st, ST_CTL_REPLIES, "l", since);
	int rc;

	while ((rc = next_row(st, s, "students' messages")) > 0) {
		struct student_message m = {
			.id = sqlite3_column_int64(s, 0), .student_id = col_str(s, 1),
			.adviser_id = col_str(s, 2), .appointment_id = sqlite3_column_int64(s, 3),
			.via = sqlite3_column_int(s, 4), .text = col_str(s, 5),
			.received_at = sqlite3_column_int64(s, 6),
			.mailed_at = sqlite3_column_int64(s, 7),
		};
		if (m.student_id != NULL && m.text != NULL)
			fn(&m, col_str(s, 8), arg);
	}
	return rc;
}

/* Statements by enum store_feed_kind (0: none). */
static const enum stmt_id revoke_q[] = {
	[STORE_FEED_ADVISER] = ST_CTL_REVOKE_ADVISER,
	[STORE_FEED_STUDENT] = ST_CTL_REVOKE_STUDENT,
	[STORE_FEED_ESTABLISHMENT] = ST_CTL_REVOKE_ESTAB,
};

int
store_ctl_feed_revoke(struct store *st, int kind, const char *id, char out[65])
{
	char token[45];

	if (kind < STORE_FEED_ADVISER || kind > STORE_FEED_ESTABLISHMENT)
		return 0;
	new_token(st, token);
	if (exec_bound(st, revoke_q[kind], "revoke feed", "ss", token, id))
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return 0;
	snprintf(out, 65, "%s", token);
	return 1;
}

int
store_ctl_sync_rev(struct store *st)
{
	int64_t v = store_rev(st);
	if (v < 0)
		return -1;
	if (v > st->rev)
		st->rev = v;
	return 0;
}

/* What store_ctl_retry() reads of a reminder and its appointment. */
struct retry_row {
	int status, kind, astatus;
	int64_t starts;
	bool has_appt;
};

static void
retry_from_row(sqlite3_stmt *s, void *p)
{
	struct retry_row *r = p;
	r->status = sqlite3_column_int(s, 0);
	r->kind = sqlite3_column_int(s, 1);
	r->has_appt = sqlite3_column_type(s, 2) != SQLITE_NULL;
	r->astatus = r->has_appt ? sqlite3_column_int(s, 2) : 0;
	r->starts = r->has_appt ? sqlite3_column_int64(s, 3) : 0;
}

/* Why reminder id may not be retried (written to why): 1 refused, 0 not. */
static int
retry_refused(const struct retry_row *r, int64_t id, int64_t now, char *why, size_t whylen)
{
	if (r->status != REM_FAILED && r->status != REM_CANCELLED && r->status != REM_SKIPPED)
		snprintf(why, whylen, "reminder %lld is %s, not failed, cancelled or skipped",
			 (long long)id, r->status == REM_PENDING ? "pending" :
			 r->status == REM_SENT ? "sent" : "being sent");
	else if (r->kind == REM_REMINDER && r->has_appt && r->astatus != APPT_CONFIRMED)
		snprintf(why, whylen, "reminder %lld: its appointment is no longer confirmed",
			 (long long)id);
	else if (r->kind == REM_REMINDER && r->has_appt && r->starts <= now)
		snprintf(why, whylen, "reminder %lld: its appointment has already started",
			 (long long)id);
	else
		return 0;
	return 1;
}

int
store_ctl_retry(struct store *st, int64_t id, int64_t now, char *why, size_t whylen)
{
	struct retry_row r;
	int rc = one_row(st, stmt_bind(st, ST_CTL_RETRY_GET, "l", id), retry_from_row, &r, "retry");

	if (rc <= 0)
		return rc;
	if (retry_refused(&r, id, now, why, whylen))
		return 2;
	if (exec_bound(st, ST_CTL_RETRY_SET, "retry", "ll", now, id))
		return -1;
	return 1;
}
