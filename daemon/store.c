/*
 * store.c — the durable store of relanced and relancectl (SQLite 3): open,
 * schema and migrations (PRAGMA user_version), the statement registry
 * (store_sql.h, each statement prepared once on first use), the bind /
 * step / column helpers of store_priv.h, transactions and the change
 * counter (rev). The clients' functions are in store_ingest.c,
 * store_feed.c, store_admin.c and store_delivery.c.
 *
 * WAL mode with synchronous=FULL: a committed transaction survives power
 * loss, and readers (relancectl, the HTTP server) never block the writer.
 * Contract section 5 (durability); schema designed for sections 1–4.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_priv.h"
#include "util.h"

/* ---- schema ------------------------------------------------------------------ */

/* Applied in order, each in a transaction; user_version counts them. Codes
 * are written {NAME} as in store_sql.h (expanded by store_sql_expand()):
 * the text run is the one of the first releases, so a store made by any
 * release has the same schema. Never change a migration: add one. */
static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	"CREATE TABLE events(source TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,"
	" student_id TEXT, topic TEXT, partition INTEGER, offset INTEGER,"
	" received_at INTEGER NOT NULL, PRIMARY KEY(source, id)) WITHOUT ROWID;"
	"CREATE TABLE dead_letters(id INTEGER PRIMARY KEY, topic TEXT, partition INTEGER,"
	" offset INTEGER, reason TEXT NOT NULL, payload BLOB, received_at INTEGER NOT NULL,"
	" UNIQUE(topic, partition, offset));"
	"CREATE TABLE advisers(id TEXT PRIMARY KEY, name TEXT, email TEXT,"
	" feed_token TEXT UNIQUE NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE establishments(uai TEXT PRIMARY KEY, name TEXT,"
	" feed_token TEXT UNIQUE NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE students(id TEXT PRIMARY KEY, given_name TEXT NOT NULL, family_name TEXT,"
	" email TEXT, phone TEXT, locale TEXT NOT NULL DEFAULT 'fr',"
	" consent_sms INTEGER NOT NULL, consent_email INTEGER NOT NULL, uai TEXT NOT NULL,"
	" programme_code TEXT, programme_label TEXT, session TEXT, last_exam_on INTEGER NOT NULL,"
	" adviser_id TEXT NOT NULL, stopped INTEGER NOT NULL DEFAULT 0,"
	" feed_token TEXT UNIQUE NOT NULL, last_contact_at INTEGER, lost_alerted_at INTEGER,"
	" created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX students_phone ON students(phone) WHERE phone IS NOT NULL;"
	"CREATE TABLE appointments(id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,"
	" student_id TEXT NOT NULL, adviser_id TEXT, uai TEXT, kind INTEGER NOT NULL,"
	" plan_index INTEGER NOT NULL DEFAULT -1, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,"
	" status INTEGER NOT NULL, sequence INTEGER NOT NULL DEFAULT 0, replaces INTEGER,"
	" replacements INTEGER NOT NULL DEFAULT 0, absences INTEGER NOT NULL DEFAULT 0,"
	" window_key TEXT, situation INTEGER NOT NULL DEFAULT 0, changed_by TEXT,"
	" created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, rev INTEGER NOT NULL);"
	"CREATE INDEX appointments_student ON appointments(student_id, starts_at);"
	"CREATE INDEX appointments_adviser ON appointments(adviser_id, starts_at);"
	"CREATE INDEX appointments_rev ON appointments(rev);"
	/* An adviser is never booked twice at the same time. */
	"CREATE UNIQUE INDEX appointments_no_double_booking ON appointments(adviser_id, starts_at)"
	" WHERE kind = {KIND_CHECKIN} AND status = {APPT_CONFIRMED};"
	"CREATE TABLE reminders(id INTEGER PRIMARY KEY, appointment_id INTEGER,"
	" student_id TEXT NOT NULL, channel INTEGER NOT NULL, kind INTEGER NOT NULL,"
	" due_at INTEGER NOT NULL, next_at INTEGER NOT NULL,"
	" status INTEGER NOT NULL DEFAULT {REM_PENDING},"
	" attempts INTEGER NOT NULL DEFAULT 0, sent_at INTEGER, last_error TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE INDEX reminders_pending ON reminders(next_at) WHERE status = {REM_PENDING};"
	"CREATE INDEX reminders_appointment ON reminders(appointment_id);"
	"CREATE TABLE attempts(id INTEGER PRIMARY KEY, reminder_id INTEGER NOT NULL,"
	" at INTEGER NOT NULL, channel INTEGER NOT NULL, outcome TEXT NOT NULL, detail TEXT);"
	"CREATE INDEX attempts_reminder ON attempts(reminder_id);"
	"CREATE TABLE attendance(id INTEGER PRIMARY KEY, student_id TEXT NOT NULL,"
	" appointment_id INTEGER, kind INTEGER NOT NULL, starts_at INTEGER, status INTEGER NOT NULL,"
	" situation INTEGER NOT NULL DEFAULT 0, source TEXT, event_id TEXT, recorded_at INTEGER NOT NULL);"
	"CREATE INDEX attendance_student ON attendance(student_id);"
	"CREATE TABLE dropin_fill(window_key TEXT NOT NULL, starts_at INTEGER NOT NULL,"
	" booked INTEGER NOT NULL CHECK (booked >= 0), PRIMARY KEY(window_key, starts_at)) WITHOUT ROWID;"
	"CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO meta VALUES('rev', '0');",
	/* 2: reminders by student (daily cap, consent and withdrawal) */
	"CREATE INDEX reminders_student ON reminders(student_id, status);",
	/* 3: due reminders per channel (each channel has its own send limit);
	 * reminder rows made only when their appointment comes within
	 * [reminders] horizon (appointments already stored have theirs). */
	"DROP INDEX reminders_pending;"
	"CREATE INDEX reminders_due ON reminders(channel, next_at) WHERE status = {REM_PENDING};"
	"ALTER TABLE appointments ADD COLUMN reminded INTEGER NOT NULL DEFAULT 1;"
	"CREATE INDEX appointments_to_remind ON appointments(starts_at)"
	" WHERE reminded = 0 AND status = {APPT_CONFIRMED};",
	/* 4: reminders left "sending" by a crash, found at start without
	 * reading the whole table */
	"CREATE INDEX reminders_sending ON reminders(id) WHERE status = {REM_SENDING};",
	/* 5: when and by what each channel's consent was last expressed (the
	 * most recent expression wins, contract 1.1). Rows of an older store
	 * have no date: a consent counts as the school's record of unknown
	 * date (any later expression overrides it), a withdrawal as the
	 * student's, made when the row last changed (it holds against older
	 * expressions). Phones need no change: event validation stored them
	 * in E.164 from the first schema on. */
	"ALTER TABLE students ADD COLUMN consent_sms_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE students ADD COLUMN consent_sms_by INTEGER NOT NULL DEFAULT {CONSENT_DEFAULT};"
	"ALTER TABLE students ADD COLUMN consent_email_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE students ADD COLUMN consent_email_by INTEGER NOT NULL DEFAULT {CONSENT_DEFAULT};"
	"UPDATE students SET consent_sms_by = CASE consent_sms WHEN 0 THEN {CONSENT_UPDATE}"
	" ELSE {CONSENT_EXAM} END, consent_sms_at = CASE consent_sms WHEN 0 THEN updated_at"
	" ELSE 0 END, consent_email_by = CASE consent_email WHEN 0 THEN {CONSENT_UPDATE}"
	" ELSE {CONSENT_EXAM} END, consent_email_at = CASE consent_email WHEN 0 THEN updated_at"
	" ELSE 0 END;",

	/* 6: events of students not known yet, held until their
	 * exam.completed (contract 1.4), seq in arrival order; the message as
	 * received, to parse it again or dead-letter it */
	"CREATE TABLE held_events(seq INTEGER PRIMARY KEY, source TEXT NOT NULL, id TEXT NOT NULL,"
	" type TEXT NOT NULL, student_id TEXT NOT NULL, topic TEXT, partition INTEGER,"
	" offset INTEGER, msg_key BLOB, value BLOB NOT NULL, headers BLOB,"
	" received_at INTEGER NOT NULL, UNIQUE(source, id));"
	"CREATE INDEX held_events_student ON held_events(student_id, seq);"
	"CREATE INDEX held_events_received ON held_events(received_at);",
	/* 7: the publish queue (contract 1.5, 4): dead letters and outcome
	 * events written with the state they describe, published in the
	 * background (producer.c) and removed once the broker has them;
	 * dead letters deleted after [store] keep_dead_letters */
	"CREATE TABLE outbox(id INTEGER PRIMARY KEY, topic TEXT NOT NULL, msg_key BLOB,"
	" value BLOB NOT NULL, headers BLOB, created_at INTEGER NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX outbox_due ON outbox(next_at, id);"
	"CREATE INDEX dead_letters_received ON dead_letters(received_at);",
	/* 8: students' answers (contract section 8): the hash of each
	 * appointment's personal link code (link.h; NULL until its first
	 * reminder or page), the last answer (confirmed / cancelled by the
	 * student), how many moves the student made and when it last
	 * answered; messages for advisers (SMS replies that are no keyword),
	 * mailed in batches (mailed_at) */
	"ALTER TABLE appointments ADD COLUMN code_hash TEXT;"
	"ALTER TABLE appointments ADD COLUMN answer INTEGER NOT NULL DEFAULT {ANSWER_NONE};"
	"ALTER TABLE appointments ADD COLUMN moves INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE appointments ADD COLUMN answered_at INTEGER;"
	"CREATE UNIQUE INDEX appointments_code ON appointments(code_hash) WHERE code_hash IS NOT NULL;"
	"CREATE TABLE student_messages(id INTEGER PRIMARY KEY, student_id TEXT NOT NULL,"
	" adviser_id TEXT, appointment_id INTEGER, via INTEGER NOT NULL, text TEXT NOT NULL,"
	" received_at INTEGER NOT NULL, mailed_at INTEGER);"
	"CREATE INDEX student_messages_unmailed ON student_messages(adviser_id, received_at)"
	" WHERE mailed_at IS NULL;"
	"CREATE INDEX student_messages_received ON student_messages(received_at);",
	/* 9: the adviser a digest of students' messages (REM_ALERT_MESSAGES)
	 * goes to: one row per adviser and hour, its student_id the student
	 * of the oldest message listed (reminders.student_id is NOT NULL) */
	"ALTER TABLE reminders ADD COLUMN adviser_id TEXT;"
	"CREATE INDEX reminders_adviser ON reminders(adviser_id, due_at)"
	" WHERE adviser_id IS NOT NULL;",
};
/* ---- statement registry -------------------------------------------------------- */

static const char *const stmt_sql[ST_COUNT] = {
#define STMT_SQL_(id, sql) [id] = sql,
	STORE_STMTS(STMT_SQL_)
#undef STMT_SQL_
};

/* The names a statement may write {NAME} for a code. */
#define SQL_TOKEN_(id, code, name) { #id, id },
#define SQL_TOKEN(id) { #id, id },
static const struct {
	const char *name;
	int code;
} sql_tokens[] = {
	APPT_STATUS_LIST(SQL_TOKEN_) APPT_KIND_LIST(SQL_TOKEN_) REM_STATUS_LIST(SQL_TOKEN_)
	REM_KIND_LIST(SQL_TOKEN_) CHANNEL_LIST(SQL_TOKEN_) ATTENDANCE_LIST(SQL_TOKEN_)
	SITUATION_LIST(SQL_TOKEN_) CONSENT_BY_LIST(SQL_TOKEN_) ANSWER_LIST(SQL_TOKEN_)
	ANSWER_VIA_LIST(SQL_TOKEN_)
	SQL_TOKEN(STORE_FEED_ADVISER) SQL_TOKEN(STORE_FEED_STUDENT) SQL_TOKEN(STORE_FEED_ESTABLISHMENT)
};
#undef SQL_TOKEN_
#undef SQL_TOKEN

/*
 * tpl with every {NAME} replaced by the code of NAME (sql_tokens), as a
 * malloc'd string; NULL for an unknown name, with a message in err. Run
 * once per statement (at its first use) and per migration.
 */
static char *
store_sql_expand(const char *tpl, char *err, size_t errlen)
{
	size_t cap = strlen(tpl) + 1, len = 0;
	char *out;

	for (const char *p = tpl; (p = strchr(p, '{')) != NULL; p++)
		cap += 12;   /* room for any int */
	out = xmalloc(cap);
	while (*tpl) {
		const char *end;
		size_t i;
		if (*tpl != '{' || (end = strchr(tpl, '}')) == NULL) {
			out[len++] = *tpl++;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(sql_tokens); i++)
			if (strlen(sql_tokens[i].name) == (size_t)(end - tpl - 1) &&
			    strncmp(sql_tokens[i].name, tpl + 1, (size_t)(end - tpl - 1)) == 0)
				break;
		if (i == ARRAY_SIZE(sql_tokens)) {
			snprintf(err, errlen, "unknown code %.*s in SQL", (int)(end - tpl + 1), tpl);
			free(out);
			return NULL;
		}
		len += (size_t)snprintf(out + len, cap - len, "%d", sql_tokens[i].code);
		tpl = end + 1;
	}
	out[len] = '\0';
	return out;
}

void
store_fail(struct store *st, const char *what)
{
	snprintf(st->errmsg, sizeof st->errmsg, "%s: %s", what, sqlite3_errmsg(st->db));
	log_err("store: %s", st->errmsg);
}

const char *store_errmsg(struct store *st) { return st->errmsg; }

sqlite3_stmt *
stmt_get(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmt[id];
	char *sql;

	if (s != NULL)
		return s;
	sql = store_sql_expand(stmt_sql[id], st->errmsg, sizeof st->errmsg);
	if (sql == NULL) {
		log_err("store: %s", st->errmsg);
		return NULL;
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		store_fail(st, "prepare");
		s = NULL;
	}
	free(sql);
	st->stmt[id] = s;
	return s;
}

static void
bind_va(sqlite3_stmt *s, const char *fmt, va_list ap)
{
	assert((int)strlen(fmt) == sqlite3_bind_parameter_count(s));
	for (int i = 1; *fmt; fmt++, i++) {
		const char *t;
		const void *p;
		int64_t v;
		size_t n;

		switch (*fmt) {
		case 's':
			/* SQLITE_STATIC: the helpers reset the statement before
			 * they return to the caller, who keeps t alive until then. */
			t = va_arg(ap, const char *);
			if (t)
				sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(s, i);
			break;
		case 'i':
			sqlite3_bind_int(s, i, va_arg(ap, int));
			break;
		case 'l':
		case 'n':
			v = va_arg(ap, int64_t);
			if (v || *fmt == 'l')
				sqlite3_bind_int64(s, i, v);
			else
				sqlite3_bind_null(s, i);
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			sqlite3_bind_blob(s, i, p ? p : "", (int)n, SQLITE_TRANSIENT);
			break;
		}
	}
}

sqlite3_stmt *
stmt_bind(struct store *st, enum stmt_id id, const char *fmt, ...)
{
	sqlite3_stmt *s = stmt_get(st, id);
	va_list ap;

	va_start(ap, fmt);
	if (s != NULL)
		bind_va(s, fmt, ap);
	va_end(ap);
	return s;
}

static void
stmt_end(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* After the step that returned rc: 1 a row, 0 done, -1 an error (logged). */
static int
step_result(struct store *st, sqlite3_stmt *s, int rc, const char *what)
{
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(st, what);
	stmt_end(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
one_row(struct store *st, sqlite3_stmt *s, void (*fill)(sqlite3_stmt *s, void *out), void *out,
	const char *what)
{
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && fill)
		fill(s, out);
	return step_result(st, s, rc, what);
}

int
stmt_exec(struct store *st, sqlite3_stmt *s, const char *what)
{
	return one_row(st, s, NULL, NULL, what) < 0 ? -1 : 0;
}

static void
fill_i64(sqlite3_stmt *s, void *out)
{
	*(int64_t *)out = sqlite3_column_int64(s, 0);
}

int64_t
one_value(struct store *st, sqlite3_stmt *s, const char *what)
{
	int64_t v = 0;
	return one_row(st, s, fill_i64, &v, what) < 0 ? -1 : v;
}

static void
fill_two(sqlite3_stmt *s, void *p)
{
	int64_t *v = p;
	v[0] = sqlite3_column_int64(s, 0);
	v[1] = sqlite3_column_int64(s, 1);
}

int
two_values(struct store *st, sqlite3_stmt *s, int64_t *a, int64_t *b, const char *what)
{
	int64_t v[2] = { 0, 0 };
	if (one_row(st, s, fill_two, v, what) < 0)
		return -1;
	*a = v[0];
	*b = v[1];
	return 0;
}

int
next_row(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = s ? sqlite3_step(s) : SQLITE_MISUSE;

	if (rc == SQLITE_ROW)
		return 1;
	return s ? step_result(st, s, rc, what) : -1;
}

int
rows_collect(struct store *st, sqlite3_stmt *s, size_t size,
	     void (*fill)(sqlite3_stmt *s, void *elem), void **out, size_t *n, const char *what)
{
	char *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	while ((rc = next_row(st, s, what)) > 0) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap * size);
		}
		fill(s, v + len++ * size);
	}
	*out = v;
	*n = len;
	return rc < 0 ? -1 : 0;
}

void
free_each(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

/* Enums are read through unsigned * ('e'): gcc gives these unsigned int. */
_Static_assert((enum appt_kind)-1 > 0 && (enum appt_status)-1 > 0 && (enum rem_kind)-1 > 0 &&
	       (enum rem_status)-1 > 0 && (enum channel)-1 > 0 && (enum situation)-1 > 0,
	       "model enums are unsigned");

void
row_get(sqlite3_stmt *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		char *copy;
		switch (fmt[i]) {
		case 't':
			*va_arg(ap, char **) = col_text(s, i);
			break;
		case 'r':
			*va_arg(ap, const char **) = col_str(s, i);
			break;
		case 'c':
			copy = va_arg(ap, char *);
			col_copy(s, i, copy, va_arg(ap, size_t));
			break;
		case 'i':
			*va_arg(ap, int *) = sqlite3_column_int(s, i);
			break;
		case 'e':
			*va_arg(ap, unsigned *) = (unsigned)sqlite3_column_int(s, i);
			break;
		case 'l':
			*va_arg(ap, int64_t *) = sqlite3_column_int64(s, i);
			break;
		}
	}
	va_end(ap);
}

char *
col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? xstrdup((const char *)t) : NULL;
}

const char *
col_str(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

void
col_copy(sqlite3_stmt *s, int i, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	snprintf(out, outlen, "%s", t ? (const char *)t : "");
}

static int
exec_sql(struct store *st, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(st->errmsg, sizeof st->errmsg, "%s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* ---- life cycle ----------------------------------------------------------------- */

static int
pragma_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

int store_schema_version(struct store *st) { return pragma_int(st, "PRAGMA user_version"); }

int
store_checkpoint(struct store *st)
{
	int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		store_fail(st, "checkpoint");
		return -1;
	}
	return 0;
}

int
store_set_cache_kb(struct store *st, int kb)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", kb);
	return exec_sql(st, sql);
}

/* Runs migration v (0-based) in its own transaction. 0 or -1. */
static int
migrate_one(struct store *st, int v)
{
	char sql[64], *text = store_sql_expand(migrations[v], st->errmsg, sizeof st->errmsg);
	int rc = -1;

	if (text == NULL)
		return -1;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
	if (exec_sql(st, "BEGIN IMMEDIATE") == 0 && exec_sql(st, text) == 0 && exec_sql(st, sql) == 0 &&
	    exec_sql(st, "COMMIT") == 0)
		rc = 0;
	else
		exec_sql(st, "ROLLBACK");
	free(text);
	return rc;
}

static int
store_migrate(struct store *st, char *err, size_t errlen)
{
	int v = store_schema_version(st);
	int latest = (int)ARRAY_SIZE(migrations);

	if (v < 0) {
		snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	if (v > latest) {
		snprintf(err, errlen, "store schema version %d is newer than this relance (%d)", v, latest);
		return -1;
	}
	if (v == latest)
		return 0;
	if (st->readonly) {
		snprintf(err, errlen, "store schema version %d is older than %d: start relanced once to upgrade it",
			 v, latest);
		return -1;
	}
	for (; v < latest; v++) {
		if (migrate_one(st, v)) {
			snprintf(err, errlen, "migration to schema %d failed: %s", v + 1, st->errmsg);
			return -1;
		}
		log_info("store: schema migrated to version %d", v + 1);
	}
	return 0;
}

/* The pragmas of a writing connection. */
static int
store_pragmas(struct store *st)
{
	/* 16 KiB pages: fewer B-tree splits and WAL frames per planned
	 * student (measured ~20% faster ingest than 4 KiB). Only takes
	 * effect when the file is created. */
	static const char *const pragmas[] = {
		"PRAGMA page_size = 16384", "PRAGMA journal_mode = WAL",
		"PRAGMA synchronous = FULL", "PRAGMA foreign_keys = OFF",
		"PRAGMA temp_store = MEMORY", "PRAGMA cache_size = -32768",
		"PRAGMA wal_autocheckpoint = 16384",
	};
	for (size_t i = 0; i < ARRAY_SIZE(pragmas); i++)
		if (exec_sql(st, pragmas[i]))
			return -1;
	return 0;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

struct store *
store_open(const char *path, bool readonly, char *err, size_t errlen)
{
	struct store *st = xcalloc(1, sizeof *st);
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	st->readonly = readonly;
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (!readonly && store_pragmas(st)) {
		snprintf(err, errlen, "%s: %s", path, st->errmsg);
		goto fail;
	} else if (readonly && pragma_int(st, "SELECT count(*) FROM sqlite_master") < 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	if (store_migrate(st, err, errlen))
		goto fail;
	st->rng = random_u64();
	/* The dead-letter counter (store_dead_letter) starts from the rows of
	 * a store older than it. */
	if (!readonly && exec_sql(st, "INSERT OR IGNORE INTO counters(name, value)"
				  " SELECT 'dead_letters', count(*) FROM dead_letters")) {
		snprintf(err, errlen, "%s: %s", path, st->errmsg);
		goto fail;
	}
	if (!readonly && (st->rev = store_rev(st)) < 0) {
		snprintf(err, errlen, "%s: %s", path, st->errmsg);
		goto fail;
	}
	return st;
fail:
	store_close(st);
	return NULL;
}


/* ---- transactions ------------------------------------------------------------------ */

int
store_begin(struct store *st)
{
	int64_t v;
	st->rev_dirty = false;
	if (stmt_exec(st, stmt_get(st, ST_BEGIN), "begin"))
		return -1;
	/* relancectl may have moved the change counter since our last write. */
	if ((v = store_rev(st)) < 0) {
		stmt_exec(st, stmt_get(st, ST_ROLLBACK), "rollback");
		return -1;
	}
	if (v > st->rev)
		st->rev = v;
	return 0;
}

int
store_begin_relaxed(struct store *st)
{
	/* synchronous=NORMAL in WAL mode: durable against a crash of the
	 * process, not against power loss; the next FULL commit syncs it. */
	if (exec_sql(st, "PRAGMA synchronous = NORMAL"))
		return -1;
	st->relaxed = true;
	if (store_begin(st)) {
		exec_sql(st, "PRAGMA synchronous = FULL");
		st->relaxed = false;
		return -1;
	}
	return 0;
}

static void
end_relaxed(struct store *st)
{
	if (st->relaxed) {
		exec_sql(st, "PRAGMA synchronous = FULL");
		st->relaxed = false;
	}
}

int
store_commit(struct store *st)
{
	if (st->rev_dirty && exec_bound(st, ST_REV_SET, "rev", "l", (int64_t)st->rev))
		return -1;
	if (stmt_exec(st, stmt_get(st, ST_COMMIT), "commit"))
		return -1;
	st->rev_dirty = false;
	end_relaxed(st);
	return 0;
}

void
store_rollback(struct store *st)
{
	if (sqlite3_get_autocommit(st->db)) {
		end_relaxed(st);
		return;
	}
	stmt_exec(st, stmt_get(st, ST_ROLLBACK), "rollback");
	end_relaxed(st);
	/* The rev counter in memory may be ahead; harmless (it only grows). */
	st->rev_dirty = false;
}

int64_t
store_rev(struct store *st)
{
	return one_value(st, stmt_get(st, ST_REV_GET), "rev");
}

int64_t
next_rev(struct store *st)
{
	st->rev_dirty = true;
	return ++st->rev;
}

/*
 * 48 bits that only grow: seconds of wall time shifted left 16 bits, then
 * +1 whenever that would not grow. Prefixed to UIDs and feed tokens, it keeps
 * their UNIQUE indexes append-only (random keys scatter writes over the whole
 * index); the random part that follows is the secret.
 */
uint64_t
time_prefix(struct store *st, int64_t now)
{
	uint64_t t = (uint64_t)now << 16;
	if (t <= st->prefix_last)
		t = st->prefix_last + 1;
	st->prefix_last = t;
	return t & 0xffffffffffffULL;
}

void
new_token(struct store *st, char out[45])
{
	snprintf(out, 13, "%012llx", (unsigned long long)time_prefix(st, clock_now()));
	random_hex(out + 12, 16);
}
