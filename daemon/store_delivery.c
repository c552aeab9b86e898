/*
 * store_delivery.c — the store's side of delivery (dispatch.c, sms.c,
 * smtp.c): due reminders by channel, their outcome and attempts, the daily
 * cap, adviser contacts, reminder twins, the digests of students' messages
 * for advisers; then the HTTP receipts (httpd.c: delivery reports and STOP
 * replies), which change a student's consent.
 */
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "util.h"

/* A row of REM_COLS into a struct reminder. */
void
reminder_from_row(sqlite3_stmt *s, void *p)
{
	struct reminder *r = p;
	row_get(s, "llteeeilllt", &r->id, &r->appointment_id, &r->student_id, &r->channel, &r->kind,
		&r->status, &r->attempts, &r->due_at, &r->next_at, &r->sent_at, &r->last_error);
}

int
store_reminders_requeue_sending(struct store *st)
{
	if (stmt_exec(st, stmt_get(st, ST_REM_REQUEUE), "requeue reminders"))
		return -1;
	return sqlite3_changes(st->db);
}

struct next_due {
	int64_t at;
	bool found;
};

static void
next_at_from_row(sqlite3_stmt *s, void *p)
{
	struct next_due *d = p;
	/* min() over no rows is one row holding NULL. */
	d->found = sqlite3_column_type(s, 0) != SQLITE_NULL;
	d->at = sqlite3_column_int64(s, 0);
}

int
store_reminder_next_due(struct store *st, int channel, int64_t *next_at)
{
	struct next_due d = { 0, false };
	int rc = one_row(st, stmt_bind(st, ST_REM_NEXT_DUE, "i", channel), next_at_from_row, &d,
			 "next reminder");
	if (rc < 0)
		return -1;
	if (!d.found)
		return 0;
	*next_at = d.at;
	return 1;
}

int
store_reminders_due(struct store *st, int channel, int64_t now, int limit, struct reminder **out,
		    size_t *n)
{
	sqlite3_stmt *s = stmt_bind(st, ST_REM_DUE, "ili", channel, now, limit);
	struct reminder *v;
	size_t len = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	v = xcalloc(limit > 0 ? (size_t)limit : 1, sizeof *v);
	while (len < (size_t)(limit > 0 ? limit : 0) && (rc = next_row(st, s, "due reminders")) > 0)
		reminder_from_row(s, &v[len++]);
	sqlite3_reset(s);   /* when it stopped at limit */
	sqlite3_clear_bindings(s);
	if (rc < 0) {
		store_reminders_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
store_reminders_free(struct reminder *r, size_t n)
{
	while (n > 0)
		reminder_clear(&r[--n]);
	free(r);
}

int
store_reminder_get(struct store *st, int64_t id, struct reminder *out)
{
	return one_row(st, stmt_bind(st, ST_REM_GET, "l", id), reminder_from_row, out, "reminder");
}

int
store_reminder_set(struct store *st, int64_t id, int status, int attempts, int64_t next_at,
		   int64_t sent_at, const char *last_error)
{
	return exec_bound(st, ST_REM_SET, "reminder update", "iilnsl", status, attempts, next_at,
			  sent_at, last_error, id);
}

int
store_attempt_add(struct store *st, int64_t reminder_id, int64_t at, int channel,
		  const char *outcome, const char *detail)
{
	return exec_bound(st, ST_ATTEMPT_ADD, "attempt", "lliss",
			  reminder_id, at, channel, outcome, detail);
}

int
store_reminders_sent_between(struct store *st, const char *student_id, int64_t from, int64_t to)
{
	return (int)one_value(st, stmt_bind(st, ST_REM_SENT_BETWEEN, "sll", student_id, from, to),
			      "reminders sent");
}

struct contact {
	char **name, **email;
};

static void
contact_from_row(sqlite3_stmt *s, void *p)
{
	struct contact *c = p;
	row_get(s, "tt", c->name, c->email);
}

int
store_adviser_contact(struct store *st, const char *id, char **name, char **email)
{
	struct contact c = { name, email };
	*name = *email = NULL;
	return one_row(st, stmt_bind(st, ST_ADVISER_CONTACT, "s", id), contact_from_row, &c,
		       "adviser");
}

int
store_reminder_twin(struct store *st, int64_t appointment_id, int channel, int64_t due_at)
{
	return one_row(st, stmt_bind(st, ST_REM_TWIN, "lil", appointment_id, channel, due_at),
		       NULL, NULL, "reminder twin");
}

int
store_reminder_superseded(struct store *st, const struct reminder *r, int64_t now)
{
	return one_row(st, stmt_bind(st, ST_REM_SUPERSEDED, "lilll", r->appointment_id, r->channel,
				     r->id, r->due_at, now),
		       NULL, NULL, "later reminder");
}

/* ---- digests of students' messages --------------------------------------------------- */

int
store_digests_queue(struct store *st, int64_t now, int64_t gap)
{
	if (exec_bound(st, ST_DIGEST_QUEUE, "queue message digests", "ll", now, gap))
		return -1;
	return sqlite3_changes(st->db);
}

static void
text_from_row(sqlite3_stmt *s, void *p)
{
	*(char **)p = col_text(s, 0);
}

int
store_reminder_adviser(struct store *st, int64_t reminder_id, char **out)
{
	*out = NULL;
	return one_row(st, stmt_bind(st, ST_REM_ADVISER, "l", reminder_id), text_from_row, out,
		       "reminder adviser");
}

static void
digest_from_row(sqlite3_stmt *s, void *p)
{
	struct digest_message *m = p;
	row_get(s, "lttllt", &m->id, &m->given_name, &m->family_name, &m->appt_starts_at,
		&m->received_at, &m->text);
}

int
store_digest_messages(struct store *st, const char *adviser_id, int limit,
		      struct digest_message **out, size_t *n)
{
	void *v = NULL;
	int rc = rows_collect(st, stmt_bind(st, ST_DIGEST_MESSAGES, "si", adviser_id, limit),
			      sizeof **out, digest_from_row, &v, n, "digest messages");

	*out = v;
	if (rc != 0) {
		store_digest_messages_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void
store_digest_messages_free(struct digest_message *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].given_name);
		free(v[i].family_name);
		free(v[i].text);
	}
	free(v);
}

int
store_digest_mailed(struct store *st, int64_t reminder_id, int64_t upto, int64_t now)
{
	return exec_bound(st, ST_DIGEST_MAILED, "messages mailed", "lll", now, reminder_id, upto);
}

/* ---- HTTP receipts (delivery reports, STOP replies) ------------------------------------ */

int
store_student_set_consent(struct store *st, const char *id, int channel, int value, int64_t at,
			  int by, int64_t now)
{
	return exec_bound(st, channel == CH_SMS ? ST_CONSENT_SMS : ST_CONSENT_EMAIL, "consent",
			  "ilils", value, at, by, now, id);
}

int
store_students_by_phone(struct store *st, const char *phone, char ***ids, size_t *n)
{
	sqlite3_stmt *s = stmt_bind(st, ST_STUDENTS_BY_PHONE, "s", phone);
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	while ((rc = next_row(st, s, "students by phone")) > 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			*ids = xrealloc(*ids, cap * sizeof **ids);
		}
		(*ids)[(*n)++] = col_text(s, 0);
	}
	if (rc < 0) {
		store_ids_free(*ids, *n);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

void
store_ids_free(char **ids, size_t n)
{
	free_each(ids, n);
	free(ids);
}
