/*
 * store_ingest.c — the store's side of ingest and planning (consumer.c,
 * event.c, plan.c): events remembered and dead letters, advisers,
 * establishments and students, appointments, reminder rows made and
 * cancelled, drop-in fill, counters, attendance, the alerts and lost
 * students, and the bookings loaded at start. The hot path of ingest: every
 * statement is prepared once (store.c) and only bound and stepped here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "util.h"

/* ---- events ------------------------------------------------------------------------ */

int
store_event_remember(struct store *st, const char *source, const char *id, const char *type,
		     const char *student_id, const char *topic, int partition, int64_t offset,
		     int64_t now)
{
	if (exec_bound(st, ST_EVENT_INSERT, "remember event", "sssssill", source, id, type,
		       student_id, topic, partition, offset, now))
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int
store_event_seen(struct store *st, const char *source, const char *id)
{
	return one_row(st, stmt_bind(st, ST_EVENT_SEEN, "ss", source, id), NULL, NULL,
		       "event seen");
}

int
store_dead_letter(struct store *st, const char *topic, int partition, int64_t offset,
		  const char *reason, const void *payload, size_t len, int64_t now)
{
	if (exec_bound(st, ST_DEAD_LETTER, "dead letter", "silsbl", topic, partition, offset,
		       reason, payload, len, now))
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

/* ---- advisers, establishments, students ------------------------------------------------ */

int
store_adviser_upsert(struct store *st, const char *id, const char *name, const char *email)
{
	char token[45];
	new_token(st, token);
	return exec_bound(st, ST_ADVISER_UPSERT, "adviser", "ssss", id, name, email, token);
}

int
store_establishment_upsert(struct store *st, const char *uai, const char *name)
{
	char token[45];
	new_token(st, token);
	return exec_bound(st, ST_ESTAB_UPSERT, "establishment", "sss", uai, name, token);
}

void
student_clear(struct student *s)
{
	char *v[] = { s->id, s->given_name, s->family_name, s->email, s->phone, s->programme_code,
		      s->programme_label, s->session, s->adviser_id, s->feed_token };
	free_each(v, ARRAY_SIZE(v));
	memset(s, 0, sizeof *s);
}

/* A row of STUDENT_COLS into a struct student. */
static void
student_from_row(sqlite3_stmt *s, void *p)
{
	struct student *x = p;
	row_get(s, "tttttciictttititlllili", &x->id, &x->given_name, &x->family_name, &x->email,
		&x->phone, x->locale, sizeof x->locale, &x->consent_sms, &x->consent_email, x->uai,
		sizeof x->uai, &x->programme_code, &x->programme_label, &x->session, &x->last_exam_on,
		&x->adviser_id, &x->stopped, &x->feed_token, &x->last_contact_at, &x->lost_alerted_at,
		&x->consent_sms_at, &x->consent_sms_by, &x->consent_email_at, &x->consent_email_by);
}

int
store_student_get(struct store *st, const char *id, struct student *out)
{
	return one_row(st, stmt_bind(st, ST_STUDENT_GET, "s", id), student_from_row, out, "student");
}

int
store_student_put(struct store *st, const struct student *x, int64_t now)
{
	char token[45];
	new_token(st, token);
	return exec_bound(st, ST_STUDENT_PUT, "student", "ssssssiissssisisnnlilill", x->id,
			  x->given_name, x->family_name, x->email, x->phone,
			  x->locale[0] ? x->locale : "fr", x->consent_sms, x->consent_email, x->uai,
			  x->programme_code, x->programme_label, x->session, (int)x->last_exam_on,
			  x->adviser_id, x->stopped, x->feed_token ? x->feed_token : token,
			  x->last_contact_at, x->lost_alerted_at, x->consent_sms_at, x->consent_sms_by,
			  x->consent_email_at, x->consent_email_by, now, now);
}

int
store_student_touch_contact(struct store *st, const char *id, int64_t when)
{
	return exec_bound(st, ST_STUDENT_TOUCH, "student contact", "ls", when, id);
}

int
store_student_mark_lost_alerted(struct store *st, const char *student_id, int64_t now)
{
	return exec_bound(st, ST_MARK_LOST, "lost alert", "ls", now, student_id);
}

/* ---- appointments ----------------------------------------------------------------------- */

void
appt_clear(struct appt *a)
{
	char *v[] = { a->student_id, a->adviser_id, a->window_key, a->changed_by };
	free_each(v, ARRAY_SIZE(v));
	memset(a, 0, sizeof *a);
}

/* A row of APPT_COLS into a struct appt. */
void
appt_from_row(sqlite3_stmt *s, void *p)
{
	struct appt *a = p;
	row_get(s, "lcttceilleiliitetlliielc", &a->id, a->uid, sizeof a->uid, &a->student_id,
		&a->adviser_id, a->uai, sizeof a->uai, &a->kind, &a->plan_index, &a->starts_at,
		&a->ends_at, &a->status, &a->sequence, &a->replaces, &a->replacements, &a->absences,
		&a->window_key, &a->situation, &a->changed_by, &a->created_at, &a->updated_at,
		&a->reminded, &a->answer, &a->moves, &a->answered_at, a->code_hash,
		sizeof a->code_hash);
}

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
store_appt_new_uid(struct store *st, const char *domain, int64_t now, char uid[96])
{
	/* The time prefix, then 64 random bits: unique, not guessable. */
	uint64_t r1 = time_prefix(st, now), r2 = splitmix(&st->rng);

	snprintf(uid, 96, "%012llx%016llx@%.60s", (unsigned long long)r1,
		 (unsigned long long)r2, domain);
}

int
store_appt_insert(struct store *st, struct appt *a, const char *domain, int64_t now)
{
	int status = a->status ? (int)a->status : APPT_CONFIRMED;

	if (a->uid[0] == '\0')
		store_appt_new_uid(st, domain, now, a->uid);
	if (exec_bound(st, ST_APPT_INSERT, "appointment", "ssssiilliniisislllis", a->uid,
		       a->student_id, a->adviser_id, a->uai[0] ? a->uai : NULL, (int)a->kind,
		       a->plan_index, a->starts_at, a->ends_at, status, a->replaces,
		       a->replacements, a->absences, a->window_key, (int)a->situation, a->changed_by,
		       now, now, next_rev(st), a->reminded,
		       a->code_hash[0] ? a->code_hash : NULL))
		return -1;
	a->id = sqlite3_last_insert_rowid(st->db);
	a->status = status;
	a->created_at = a->updated_at = now;
	return 0;
}

int
store_appt_update(struct store *st, int64_t id, int status, int64_t starts_at, int64_t ends_at,
		  const char *changed_by, int64_t now)
{
	if (starts_at)
		return exec_bound(st, ST_APPT_UPDATE_TIMES, "appointment update", "illslll", status,
				  starts_at, ends_at, changed_by, now, next_rev(st), id);
	return exec_bound(st, ST_APPT_UPDATE, "appointment update", "islll", status, changed_by, now,
			  next_rev(st), id);
}

int
store_appt_set_situation(struct store *st, int64_t id, int situation)
{
	return exec_bound(st, ST_APPT_SITUATION, "appointment situation", "il", situation, id);
}

int
store_appt_by_uid(struct store *st, const char *uid, struct appt *out)
{
	return one_row(st, stmt_bind(st, ST_APPT_BY_UID, "s", uid), appt_from_row, out,
		       "appointment");
}

int
store_appt_by_start(struct store *st, const char *student_id, int kind, int64_t starts_at,
		    struct appt *out)
{
	return one_row(st, stmt_bind(st, ST_APPT_BY_START, "sil", student_id, kind, starts_at),
		       appt_from_row, out, "appointment");
}

int
store_appt_by_id(struct store *st, int64_t id, struct appt *out)
{
	return one_row(st, stmt_bind(st, ST_APPT_BY_ID, "l", id), appt_from_row, out, "appointment");
}

static int
appts_collect(struct store *st, sqlite3_stmt *s, struct appt **out, size_t *n, const char *what)
{
	void *v;

	if (rows_collect(st, s, sizeof **out, appt_from_row, &v, n, what) < 0) {
		store_appts_free(v, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	*out = v;
	return 0;
}

int
store_appts_of_student(struct store *st, const char *student_id, struct appt **out, size_t *n)
{
	return appts_collect(st, stmt_bind(st, ST_APPTS_OF_STUDENT, "s", student_id), out, n,
			     "appointments of student");
}

int
store_appts_to_remind(struct store *st, int64_t before, int limit, struct appt **out, size_t *n)
{
	return appts_collect(st, stmt_bind(st, ST_APPTS_TO_REMIND, "li", before, limit), out, n,
			     "appointments to remind");
}

int
store_appt_set_reminded(struct store *st, int64_t id)
{
	return exec_bound(st, ST_APPT_REMINDED, "appointment reminded", "l", id);
}

void
store_appts_free(struct appt *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		appt_clear(&a[i]);
	free(a);
}

/* ---- reminder rows ------------------------------------------------------------------------ */

void
reminder_clear(struct reminder *r)
{
	char *v[] = { r->student_id, r->last_error };
	free_each(v, ARRAY_SIZE(v));
	memset(r, 0, sizeof *r);
}

int
store_reminder_insert(struct store *st, int64_t appointment_id, const char *student_id,
		      int channel, int kind, int64_t due_at, int64_t now)
{
	return exec_bound(st, ST_REM_INSERT, "reminder", "nsiilll", appointment_id, student_id,
			  channel, kind, due_at, due_at, now);
}

int
store_reminders_cancel_appt(struct store *st, int64_t appointment_id, int channel,
			    const char *why, int64_t now)
{
	return exec_bound(st, ST_REM_CANCEL_APPT, "cancel reminders", "slli", why, now,
			  appointment_id, channel);
}

int
store_reminders_cancel_student(struct store *st, const char *student_id, int channel,
			       const char *why, int64_t now)
{
	return exec_bound(st, ST_REM_CANCEL_STUDENT, "cancel reminders", "slsi", why, now,
			  student_id, channel);
}

int
store_reminders_count_appt(struct store *st, int64_t appointment_id, int channel)
{
	return (int)one_value(st, stmt_bind(st, ST_REM_COUNT_APPT, "li", appointment_id, channel),
			      "count reminders");
}

int
store_reminders_pending_appt(struct store *st, int64_t appointment_id, struct reminder **out,
			     size_t *n)
{
	void *v;

	if (rows_collect(st, stmt_bind(st, ST_REM_PENDING_APPT, "l", appointment_id),
			 sizeof **out, reminder_from_row, &v, n, "reminders of appointment") < 0) {
		store_reminders_free(v, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	*out = v;
	return 0;
}

int
store_reminder_retime(struct store *st, int64_t id, int64_t due_at)
{
	return exec_bound(st, ST_REM_RETIME, "re-time reminder", "ll", due_at, id);
}

int
store_reminder_delivered(struct store *st, int64_t appointment_id, int channel, int64_t since)
{
	return one_row(st, stmt_bind(st, ST_REM_DELIVERED, "lil", appointment_id, channel, since),
		       NULL, NULL, "delivered reminder");
}

int
store_alert_exists(struct store *st, const char *student_id, int kind)
{
	return one_row(st, stmt_bind(st, ST_ALERT_EXISTS, "si", student_id, kind), NULL, NULL,
		       "alert");
}

/* ---- drop-ins, counters, attendance -------------------------------------------------------------- */

int
store_dropin_add(struct store *st, const char *window_key, int64_t starts_at, int delta)
{
	return exec_bound(st, ST_DROPIN_ADD, "drop-in fill", "sli", window_key, starts_at, delta);
}

int
store_counter_add(struct store *st, const char *name, int64_t delta)
{
	return exec_bound(st, ST_COUNTER_ADD, "counter", "sl", name, delta);
}

int64_t
store_counter_get(struct store *st, const char *name)
{
	return one_value(st, stmt_bind(st, ST_COUNTER_GET, "s", name), "counter");
}

int
store_attendance_record(struct store *st, const char *student_id, int64_t appointment_id,
			int kind, int64_t starts_at, int status, int situation,
			const char *source, const char *event_id, int64_t now)
{
	return exec_bound(st, ST_ATTENDANCE, "attendance", "sniniissl", student_id, appointment_id,
			  kind, starts_at, status, situation, source, event_id, now);
}

/* ---- loading at start, lost students ---------------------------------------------------------- */

int
store_each_booking(struct store *st, int64_t since,
		   void (*fn)(const char *, int64_t, int64_t, void *), void *arg)
{
	sqlite3_stmt *s = stmt_bind(st, ST_EACH_BOOKING, "l", since);
	int rc;
	while ((rc = next_row(st, s, "bookings")) > 0)
		fn(col_str(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2), arg);
	return rc;
}

int
store_each_dropin_fill(struct store *st, void (*fn)(const char *, int64_t, int, void *), void *arg)
{
	sqlite3_stmt *s = stmt_get(st, ST_EACH_DROPIN);
	int rc;
	while ((rc = next_row(st, s, "drop-in fill")) > 0)
		fn(col_str(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int(s, 2), arg);
	return rc;
}

int
store_each_lost_student(struct store *st, int64_t quiet_since, int64_t now,
			void (*fn)(const char *, void *), void *arg)
{
	sqlite3_stmt *s = stmt_bind(st, ST_EACH_LOST, "ll", quiet_since, now);
	char **ids = NULL;
	size_t n = 0, cap = 0;
	int rc;
	/* Collect first: fn may write to the tables being read. */
	while ((rc = next_row(st, s, "lost students")) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = xrealloc(ids, cap * sizeof *ids);
		}
		ids[n++] = col_text(s, 0);
	}
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			fn(ids[i], arg);
		free(ids[i]);
	}
	free(ids);
	return rc;
}
