/*
 * store.c — the durable store of relanced and relancectl (SQLite 3).
 *
 * Owns the schema and its migrations (PRAGMA user_version), every SQL
 * statement (prepared once, cached) and transactions. WAL mode
 * with synchronous=FULL: a committed transaction survives power loss, and
 * readers (relancectl, the HTTP server) never block the writer.
 * Contract section 5 (durability); schema designed for sections 1–4.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "util.h"

#define STORE_XSLOTS 256

/* ---- schema ------------------------------------------------------------------ */

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
	" WHERE kind = 1 AND status = 1;"
	"CREATE TABLE reminders(id INTEGER PRIMARY KEY, appointment_id INTEGER,"
	" student_id TEXT NOT NULL, channel INTEGER NOT NULL, kind INTEGER NOT NULL,"
	" due_at INTEGER NOT NULL, next_at INTEGER NOT NULL, status INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0, sent_at INTEGER, last_error TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE INDEX reminders_pending ON reminders(next_at) WHERE status = 0;"
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
	"CREATE INDEX reminders_due ON reminders(channel, next_at) WHERE status = 0;"
	"ALTER TABLE appointments ADD COLUMN reminded INTEGER NOT NULL DEFAULT 1;"
	"CREATE INDEX appointments_to_remind ON appointments(starts_at)"
	" WHERE reminded = 0 AND status = 1;",
	/* 4: reminders left "sending" by a crash, found at start without
	 * reading the whole table */
	"CREATE INDEX reminders_sending ON reminders(id) WHERE status = 4;",
};

/* ---- statements -------------------------------------------------------------- */

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_EVENT_INSERT, S_DEAD_LETTER,
	S_ADVISER_UPSERT, S_ESTAB_UPSERT,
	S_STUDENT_GET, S_STUDENT_BY_PHONE, S_STUDENT_PUT, S_STUDENT_TOUCH,
	S_APPT_INSERT, S_APPT_UPDATE, S_APPT_UPDATE_TIMES, S_APPT_SITUATION,
	S_APPT_BY_UID, S_APPT_BY_START, S_APPT_BY_ID, S_APPTS_OF_STUDENT,
	S_REM_INSERT, S_REM_CANCEL_APPT, S_REM_CANCEL_APPT_CH, S_REM_CANCEL_STUDENT,
	S_REM_CANCEL_STUDENT_CH, S_REM_COUNT_APPT,
	S_DROPIN_ADD, S_COUNTER_ADD, S_COUNTER_GET, S_ATTENDANCE,
	S_EACH_BOOKING, S_EACH_DROPIN,
	S_REV_GET, S_REV_SET,
	S_ALERT_EXISTS, S_EACH_LOST, S_MARK_LOST, S_EVENT_SEEN,
	S_APPTS_TO_REMIND, S_APPT_REMINDED,
	S_COUNT
};

#define APPT_COLS "id, uid, student_id, adviser_id, uai, kind, plan_index, starts_at, ends_at," \
	" status, sequence, replaces, replacements, absences, window_key, situation, changed_by," \
	" created_at, updated_at, reminded"
#define STUDENT_COLS "id, given_name, family_name, email, phone, locale, consent_sms," \
	" consent_email, uai, programme_code, programme_label, session, last_exam_on, adviser_id," \
	" stopped, feed_token, last_contact_at, lost_alerted_at"

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_EVENT_INSERT] = "INSERT OR IGNORE INTO events(source, id, type, student_id, topic,"
		" partition, offset, received_at) VALUES(?,?,?,?,?,?,?,?)",
	[S_DEAD_LETTER] = "INSERT OR IGNORE INTO dead_letters(topic, partition, offset, reason,"
		" payload, received_at) VALUES(?,?,?,?,?,?)",
	[S_ADVISER_UPSERT] = "INSERT INTO advisers(id, name, email, feed_token) VALUES(?,?,?,?)"
		" ON CONFLICT(id) DO UPDATE SET name = coalesce(excluded.name, name),"
		" email = coalesce(excluded.email, email)"
		" WHERE coalesce(excluded.name, name) IS NOT name"
		" OR coalesce(excluded.email, email) IS NOT email",
	[S_ESTAB_UPSERT] = "INSERT INTO establishments(uai, name, feed_token) VALUES(?,?,?)"
		" ON CONFLICT(uai) DO UPDATE SET name = coalesce(excluded.name, name)"
		" WHERE coalesce(excluded.name, name) IS NOT name",
	[S_STUDENT_GET] = "SELECT " STUDENT_COLS " FROM students WHERE id = ?",
	[S_STUDENT_BY_PHONE] = "SELECT " STUDENT_COLS " FROM students WHERE phone = ?"
		" ORDER BY updated_at DESC LIMIT 1",
	[S_STUDENT_PUT] = "INSERT INTO students(id, given_name, family_name, email, phone, locale,"
		" consent_sms, consent_email, uai, programme_code, programme_label, session,"
		" last_exam_on, adviser_id, stopped, feed_token, last_contact_at, lost_alerted_at,"
		" created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
		" ON CONFLICT(id) DO UPDATE SET given_name = excluded.given_name,"
		" family_name = excluded.family_name, email = excluded.email, phone = excluded.phone,"
		" locale = excluded.locale, consent_sms = excluded.consent_sms,"
		" consent_email = excluded.consent_email, uai = excluded.uai,"
		" programme_code = excluded.programme_code, programme_label = excluded.programme_label,"
		" session = excluded.session, last_exam_on = excluded.last_exam_on,"
		" adviser_id = excluded.adviser_id, stopped = excluded.stopped,"
		" last_contact_at = excluded.last_contact_at, lost_alerted_at = excluded.lost_alerted_at,"
		" updated_at = excluded.updated_at",
	[S_STUDENT_TOUCH] = "UPDATE students SET last_contact_at = max(coalesce(last_contact_at, 0), ?)"
		" WHERE id = ?",
	[S_APPT_INSERT] = "INSERT INTO appointments(uid, student_id, adviser_id, uai, kind, plan_index,"
		" starts_at, ends_at, status, sequence, replaces, replacements, absences, window_key,"
		" situation, changed_by, created_at, updated_at, rev, reminded)"
		" VALUES(?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?,?,?,?,?)",
	[S_APPT_UPDATE] = "UPDATE appointments SET status = ?, changed_by = ?, updated_at = ?,"
		" sequence = sequence + 1, rev = ? WHERE id = ?",
	[S_APPT_UPDATE_TIMES] = "UPDATE appointments SET status = ?, starts_at = ?, ends_at = ?,"
		" changed_by = ?, updated_at = ?, sequence = sequence + 1, rev = ? WHERE id = ?",
	[S_APPT_SITUATION] = "UPDATE appointments SET situation = ? WHERE id = ?",
	[S_APPT_BY_UID] = "SELECT " APPT_COLS " FROM appointments WHERE uid = ?",
	[S_APPT_BY_START] = "SELECT " APPT_COLS " FROM appointments WHERE student_id = ?"
		" AND kind = ? AND starts_at = ? ORDER BY status = 1 DESC, id DESC LIMIT 1",
	[S_APPT_BY_ID] = "SELECT " APPT_COLS " FROM appointments WHERE id = ?",
	[S_APPTS_OF_STUDENT] = "SELECT " APPT_COLS " FROM appointments WHERE student_id = ?"
		" ORDER BY starts_at, id",
	[S_REM_INSERT] = "INSERT INTO reminders(appointment_id, student_id, channel, kind, due_at,"
		" next_at, status, created_at) VALUES(?,?,?,?,?,?,0,?)",
	[S_REM_CANCEL_APPT] = "UPDATE reminders SET status = 3, last_error = ?, sent_at = ?"
		" WHERE appointment_id = ? AND status IN (0, 4)",
	[S_REM_CANCEL_APPT_CH] = "UPDATE reminders SET status = 3, last_error = ?, sent_at = ?"
		" WHERE appointment_id = ? AND status IN (0, 4) AND channel = ?",
	[S_REM_CANCEL_STUDENT] = "UPDATE reminders SET status = 3, last_error = ?, sent_at = ?"
		" WHERE student_id = ? AND status IN (0, 4) AND kind = 1",
	[S_REM_CANCEL_STUDENT_CH] = "UPDATE reminders SET status = 3, last_error = ?, sent_at = ?"
		" WHERE student_id = ? AND status IN (0, 4) AND kind = 1 AND channel = ?",
	[S_REM_COUNT_APPT] = "SELECT count(*) FROM reminders WHERE appointment_id = ? AND channel = ?"
		" AND status <> 3",
	/* The CHECK applies to the row proposed for insertion too: insert
	 * max(delta, 0), add the real delta on conflict. */
	[S_DROPIN_ADD] = "INSERT INTO dropin_fill(window_key, starts_at, booked) VALUES(?1,?2,max(?3,0))"
		" ON CONFLICT(window_key, starts_at) DO UPDATE SET booked = max(booked + ?3, 0)",
	[S_COUNTER_ADD] = "INSERT INTO counters(name, value) VALUES(?,?)"
		" ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
	[S_COUNTER_GET] = "SELECT value FROM counters WHERE name = ?",
	[S_ATTENDANCE] = "INSERT INTO attendance(student_id, appointment_id, kind, starts_at, status,"
		" situation, source, event_id, recorded_at) VALUES(?,?,?,?,?,?,?,?,?)",
	[S_EACH_BOOKING] = "SELECT adviser_id, starts_at, ends_at FROM appointments"
		" WHERE kind = 1 AND status = 1 AND ends_at > ?",
	[S_EACH_DROPIN] = "SELECT window_key, starts_at, booked FROM dropin_fill WHERE booked > 0",
	[S_REV_GET] = "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'rev'",
	[S_REV_SET] = "UPDATE meta SET value = ? WHERE key = 'rev'",
	[S_ALERT_EXISTS] = "SELECT 1 FROM reminders WHERE student_id = ? AND kind = ? LIMIT 1",
	[S_EACH_LOST] = "SELECT s.id FROM students s WHERE s.stopped = 0"
		" AND coalesce(s.last_contact_at, 0) < ?1 AND coalesce(s.lost_alerted_at, 0) < ?1"
		" AND EXISTS(SELECT 1 FROM appointments a WHERE a.student_id = s.id"
		" AND a.status = 1 AND a.starts_at > ?2)",
	[S_MARK_LOST] = "UPDATE students SET lost_alerted_at = ? WHERE id = ?",
	[S_EVENT_SEEN] = "SELECT 1 FROM events WHERE source = ? AND id = ?",
	[S_APPTS_TO_REMIND] = "SELECT " APPT_COLS " FROM appointments"
		" WHERE reminded = 0 AND status = 1 AND starts_at <= ? ORDER BY starts_at LIMIT ?",
	[S_APPT_REMINDED] = "UPDATE appointments SET reminded = 1 WHERE id = ?",
};

struct store {
	sqlite3 *db;
	bool readonly;
	sqlite3_stmt *stmt[S_COUNT];
	sqlite3_stmt *xstmt[STORE_XSLOTS]; /* see stmt_x() */
	int64_t rev;          /* last rev handed out (writer only) */
	bool rev_dirty;
	bool relaxed;         /* this transaction is synchronous=NORMAL */
	uint64_t rng;         /* splitmix64 state for UIDs */
	uint64_t prefix_last;  /* see time_prefix() */
	char errmsg[256];
};

static void
store_fail(struct store *st, const char *what)
{
	snprintf(st->errmsg, sizeof st->errmsg, "%s: %s", what, sqlite3_errmsg(st->db));
	log_err("store: %s", st->errmsg);
}

const char *store_errmsg(struct store *st) { return st->errmsg; }

static sqlite3_stmt *
stmt(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmt[id];
	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s,
				       NULL) != SQLITE_OK) {
			store_fail(st, "prepare");
			return NULL;
		}
		st->stmt[id] = s;
	}
	return s;
}

/*
 * Statements of the later sections (feeds, relancectl, delivery) are kept in
 * numbered slots, each section owning a range: feeds 0-63, relancectl
 * 64-127, delivery 128-191, HTTP receipts 192-255. The SQL text of a slot
 * never changes.
 */
__attribute__((unused)) static sqlite3_stmt *
stmt_x(struct store *st, int slot, const char *sql)
{
	sqlite3_stmt *s = st->xstmt[slot];
	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
		    SQLITE_OK) {
			store_fail(st, "prepare");
			return NULL;
		}
		st->xstmt[slot] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* Binds helpers: NULL strings bind NULL. */
static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	/* SQLITE_STATIC: every caller keeps v alive until the statement has
	 * been stepped and reset (exec_stmt and the row readers do both). */
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void
bind_i64_or_null(sqlite3_stmt *s, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static char *
col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? xstrdup((const char *)t) : NULL;
}

static void
col_copy(sqlite3_stmt *s, int i, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	snprintf(out, outlen, "%s", t ? (const char *)t : "");
}

/* Steps a statement that returns no rows; resets it. */
static int
exec_stmt(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(st, what);
		return -1;
	}
	return 0;
}

static int
exec_id(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = stmt(st, id);
	if (s == NULL)
		return -1;
	return exec_stmt(st, s, stmt_sql[id]);
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
		char sql[64];
		if (exec_sql(st, "BEGIN IMMEDIATE") || exec_sql(st, migrations[v])) {
			snprintf(err, errlen, "migration to schema %d failed: %s", v + 1, st->errmsg);
			exec_sql(st, "ROLLBACK");
			return -1;
		}
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (exec_sql(st, sql) || exec_sql(st, "COMMIT")) {
			snprintf(err, errlen, "migration to schema %d failed: %s", v + 1, st->errmsg);
			exec_sql(st, "ROLLBACK");
			return -1;
		}
		log_info("store: schema migrated to version %d", v + 1);
	}
	return 0;
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
	if (!readonly) {
		/* 16 KiB pages: fewer B-tree splits and WAL frames per
		 * planned student (measured ~20% faster ingest than 4 KiB).
		 * Only takes effect when the file is created. */
		if (exec_sql(st, "PRAGMA page_size = 16384") ||
		    exec_sql(st, "PRAGMA journal_mode = WAL") ||
		    exec_sql(st, "PRAGMA synchronous = FULL") ||
		    exec_sql(st, "PRAGMA foreign_keys = OFF") ||
		    exec_sql(st, "PRAGMA temp_store = MEMORY") ||
		    exec_sql(st, "PRAGMA cache_size = -32768") ||
		    exec_sql(st, "PRAGMA wal_autocheckpoint = 16384")) {
			snprintf(err, errlen, "%s: %s", path, st->errmsg);
			goto fail;
		}
	} else if (pragma_int(st, "SELECT count(*) FROM sqlite_master") < 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	if (store_migrate(st, err, errlen))
		goto fail;
	st->rng = random_u64();
	if (!readonly)
		st->rev = store_rev(st);
	return st;
fail:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	for (int i = 0; i < STORE_XSLOTS; i++)
		sqlite3_finalize(st->xstmt[i]);
	sqlite3_close(st->db);
	free(st);
}

/* ---- transactions ------------------------------------------------------------------ */

int
store_begin(struct store *st)
{
	int64_t v;
	st->rev_dirty = false;
	if (exec_id(st, S_BEGIN))
		return -1;
	/* relancectl may have moved the change counter since our last write. */
	v = store_rev(st);
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
	if (st->rev_dirty) {
		sqlite3_stmt *s = stmt(st, S_REV_SET);
		if (s == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, st->rev);
		if (exec_stmt(st, s, "rev"))
			return -1;
	}
	if (exec_id(st, S_COMMIT))
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
	exec_id(st, S_ROLLBACK);
	end_relaxed(st);
	/* The rev counter in memory may be ahead; harmless (it only grows). */
	st->rev_dirty = false;
}


int64_t
store_rev(struct store *st)
{
	sqlite3_stmt *s = stmt(st, S_REV_GET);
	int64_t v = 0;
	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

static int64_t
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
static uint64_t
time_prefix(struct store *st, int64_t now)
{
	uint64_t t = (uint64_t)now << 16;
	if (t <= st->prefix_last)
		t = st->prefix_last + 1;
	st->prefix_last = t;
	return t & 0xffffffffffffULL;
}

/* A feed token: the time prefix (12 hex digits) then 128 random bits. */
static void
new_token(struct store *st, char out[45])
{
	snprintf(out, 13, "%012llx", (unsigned long long)time_prefix(st, clock_now()));
	random_hex(out + 12, 16);
}

/* ---- ingest -------------------------------------------------------------------------- */

int
store_event_remember(struct store *st, const char *source, const char *id, const char *type,
		     const char *student_id, const char *topic, int partition, int64_t offset,
		     int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_EVENT_INSERT);
	if (s == NULL)
		return -1;
	bind_text(s, 1, source);
	bind_text(s, 2, id);
	bind_text(s, 3, type);
	bind_text(s, 4, student_id);
	bind_text(s, 5, topic);
	sqlite3_bind_int(s, 6, partition);
	sqlite3_bind_int64(s, 7, offset);
	sqlite3_bind_int64(s, 8, now);
	if (exec_stmt(st, s, "remember event"))
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int
store_event_seen(struct store *st, const char *source, const char *id)
{
	sqlite3_stmt *s = stmt(st, S_EVENT_SEEN);
	int rc;
	if (s == NULL)
		return -1;
	bind_text(s, 1, source);
	bind_text(s, 2, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "event seen");
		return -1;
	}
	return rc == SQLITE_ROW;
}

int
store_dead_letter(struct store *st, const char *topic, int partition, int64_t offset,
		  const char *reason, const void *payload, size_t len, int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_DEAD_LETTER);
	if (s == NULL)
		return -1;
	bind_text(s, 1, topic);
	sqlite3_bind_int(s, 2, partition);
	sqlite3_bind_int64(s, 3, offset);
	bind_text(s, 4, reason);
	sqlite3_bind_blob(s, 5, payload ? payload : "", (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 6, now);
	return exec_stmt(st, s, "dead letter");
}

int
store_adviser_upsert(struct store *st, const char *id, const char *name, const char *email)
{
	sqlite3_stmt *s = stmt(st, S_ADVISER_UPSERT);
	char token[45];
	if (s == NULL)
		return -1;
	new_token(st, token);
	bind_text(s, 1, id);
	bind_text(s, 2, name);
	bind_text(s, 3, email);
	bind_text(s, 4, token);
	return exec_stmt(st, s, "adviser");
}

int
store_establishment_upsert(struct store *st, const char *uai, const char *name)
{
	sqlite3_stmt *s = stmt(st, S_ESTAB_UPSERT);
	char token[45];
	if (s == NULL)
		return -1;
	new_token(st, token);
	bind_text(s, 1, uai);
	bind_text(s, 2, name);
	bind_text(s, 3, token);
	return exec_stmt(st, s, "establishment");
}

void
student_clear(struct student *s)
{
	free(s->id);
	free(s->given_name);
	free(s->family_name);
	free(s->email);
	free(s->phone);
	free(s->programme_code);
	free(s->programme_label);
	free(s->session);
	free(s->adviser_id);
	free(s->feed_token);
	memset(s, 0, sizeof *s);
}

static void
student_from_row(sqlite3_stmt *s, struct student *out)
{
	memset(out, 0, sizeof *out);
	out->id = col_text(s, 0);
	out->given_name = col_text(s, 1);
	out->family_name = col_text(s, 2);
	out->email = col_text(s, 3);
	out->phone = col_text(s, 4);
	col_copy(s, 5, out->locale, sizeof out->locale);
	out->consent_sms = sqlite3_column_int(s, 6);
	out->consent_email = sqlite3_column_int(s, 7);
	col_copy(s, 8, out->uai, sizeof out->uai);
	out->programme_code = col_text(s, 9);
	out->programme_label = col_text(s, 10);
	out->session = col_text(s, 11);
	out->last_exam_on = (int32_t)sqlite3_column_int(s, 12);
	out->adviser_id = col_text(s, 13);
	out->stopped = sqlite3_column_int(s, 14);
	out->feed_token = col_text(s, 15);
	out->last_contact_at = sqlite3_column_int64(s, 16);
	out->lost_alerted_at = sqlite3_column_int64(s, 17);
}

static int
student_query(struct store *st, enum stmt_id id, const char *key, struct student *out)
{
	sqlite3_stmt *s = stmt(st, id);
	int rc, found = 0;
	if (s == NULL)
		return -1;
	bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		student_from_row(s, out);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "student");
		found = -1;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return found;
}

int
store_student_get(struct store *st, const char *id, struct student *out)
{
	return student_query(st, S_STUDENT_GET, id, out);
}

int
store_student_by_phone(struct store *st, const char *phone, struct student *out)
{
	return student_query(st, S_STUDENT_BY_PHONE, phone, out);
}

int
store_student_put(struct store *st, const struct student *x, int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_STUDENT_PUT);
	char token[45];
	if (s == NULL)
		return -1;
	new_token(st, token);
	bind_text(s, 1, x->id);
	bind_text(s, 2, x->given_name);
	bind_text(s, 3, x->family_name);
	bind_text(s, 4, x->email);
	bind_text(s, 5, x->phone);
	bind_text(s, 6, x->locale[0] ? x->locale : "fr");
	sqlite3_bind_int(s, 7, x->consent_sms);
	sqlite3_bind_int(s, 8, x->consent_email);
	bind_text(s, 9, x->uai);
	bind_text(s, 10, x->programme_code);
	bind_text(s, 11, x->programme_label);
	bind_text(s, 12, x->session);
	sqlite3_bind_int(s, 13, x->last_exam_on);
	bind_text(s, 14, x->adviser_id);
	sqlite3_bind_int(s, 15, x->stopped);
	bind_text(s, 16, x->feed_token ? x->feed_token : token);
	bind_i64_or_null(s, 17, x->last_contact_at);
	bind_i64_or_null(s, 18, x->lost_alerted_at);
	sqlite3_bind_int64(s, 19, now);
	sqlite3_bind_int64(s, 20, now);
	return exec_stmt(st, s, "student");
}

int
store_student_touch_contact(struct store *st, const char *id, int64_t when)
{
	sqlite3_stmt *s = stmt(st, S_STUDENT_TOUCH);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, when);
	bind_text(s, 2, id);
	return exec_stmt(st, s, "student contact");
}

/* ---- appointments ----------------------------------------------------------------------- */

void
appt_clear(struct appt *a)
{
	free(a->student_id);
	free(a->adviser_id);
	free(a->window_key);
	free(a->changed_by);
	memset(a, 0, sizeof *a);
}

static void
appt_from_row(sqlite3_stmt *s, struct appt *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(s, 0);
	col_copy(s, 1, a->uid, sizeof a->uid);
	a->student_id = col_text(s, 2);
	a->adviser_id = col_text(s, 3);
	col_copy(s, 4, a->uai, sizeof a->uai);
	a->kind = sqlite3_column_int(s, 5);
	a->plan_index = sqlite3_column_int(s, 6);
	a->starts_at = sqlite3_column_int64(s, 7);
	a->ends_at = sqlite3_column_int64(s, 8);
	a->status = sqlite3_column_int(s, 9);
	a->sequence = sqlite3_column_int(s, 10);
	a->replaces = sqlite3_column_int64(s, 11);
	a->replacements = sqlite3_column_int(s, 12);
	a->absences = sqlite3_column_int(s, 13);
	a->window_key = col_text(s, 14);
	a->situation = sqlite3_column_int(s, 15);
	a->changed_by = col_text(s, 16);
	a->created_at = sqlite3_column_int64(s, 17);
	a->updated_at = sqlite3_column_int64(s, 18);
	a->reminded = sqlite3_column_int(s, 19);
}

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int
store_appt_insert(struct store *st, struct appt *a, const char *domain, int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_APPT_INSERT);
	uint64_t r1, r2;
	if (s == NULL)
		return -1;
	/* The time prefix, then 64 random bits: unique, not guessable. */
	r1 = time_prefix(st, now);
	r2 = splitmix(&st->rng);
	snprintf(a->uid, sizeof a->uid, "%012llx%016llx@%.60s", (unsigned long long)r1,
		 (unsigned long long)r2, domain);
	bind_text(s, 1, a->uid);
	bind_text(s, 2, a->student_id);
	bind_text(s, 3, a->adviser_id);
	bind_text(s, 4, a->uai[0] ? a->uai : NULL);
	sqlite3_bind_int(s, 5, a->kind);
	sqlite3_bind_int(s, 6, a->plan_index);
	sqlite3_bind_int64(s, 7, a->starts_at);
	sqlite3_bind_int64(s, 8, a->ends_at);
	sqlite3_bind_int(s, 9, a->status ? a->status : APPT_CONFIRMED);
	bind_i64_or_null(s, 10, a->replaces);
	sqlite3_bind_int(s, 11, a->replacements);
	sqlite3_bind_int(s, 12, a->absences);
	bind_text(s, 13, a->window_key);
	sqlite3_bind_int(s, 14, a->situation);
	bind_text(s, 15, a->changed_by);
	sqlite3_bind_int64(s, 16, now);
	sqlite3_bind_int64(s, 17, now);
	sqlite3_bind_int64(s, 18, next_rev(st));
	sqlite3_bind_int(s, 19, a->reminded);
	if (exec_stmt(st, s, "appointment"))
		return -1;
	a->id = sqlite3_last_insert_rowid(st->db);
	a->status = a->status ? a->status : APPT_CONFIRMED;
	a->created_at = a->updated_at = now;
	return 0;
}

int
store_appt_update(struct store *st, int64_t id, int status, int64_t starts_at, int64_t ends_at,
		  const char *changed_by, int64_t now)
{
	sqlite3_stmt *s;
	if (starts_at) {
		s = stmt(st, S_APPT_UPDATE_TIMES);
		if (s == NULL)
			return -1;
		sqlite3_bind_int(s, 1, status);
		sqlite3_bind_int64(s, 2, starts_at);
		sqlite3_bind_int64(s, 3, ends_at);
		bind_text(s, 4, changed_by);
		sqlite3_bind_int64(s, 5, now);
		sqlite3_bind_int64(s, 6, next_rev(st));
		sqlite3_bind_int64(s, 7, id);
	} else {
		s = stmt(st, S_APPT_UPDATE);
		if (s == NULL)
			return -1;
		sqlite3_bind_int(s, 1, status);
		bind_text(s, 2, changed_by);
		sqlite3_bind_int64(s, 3, now);
		sqlite3_bind_int64(s, 4, next_rev(st));
		sqlite3_bind_int64(s, 5, id);
	}
	return exec_stmt(st, s, "appointment update");
}

int
store_appt_set_situation(struct store *st, int64_t id, int situation)
{
	sqlite3_stmt *s = stmt(st, S_APPT_SITUATION);
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, situation);
	sqlite3_bind_int64(s, 2, id);
	return exec_stmt(st, s, "appointment situation");
}

/* Runs an appointment query expected to return at most one row. */
static int
appt_one(struct store *st, sqlite3_stmt *s, struct appt *out)
{
	int rc = sqlite3_step(s), found = 0;
	if (rc == SQLITE_ROW) {
		appt_from_row(s, out);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "appointment");
		found = -1;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return found;
}

int
store_appt_by_uid(struct store *st, const char *uid, struct appt *out)
{
	sqlite3_stmt *s = stmt(st, S_APPT_BY_UID);
	if (s == NULL)
		return -1;
	bind_text(s, 1, uid);
	return appt_one(st, s, out);
}

int
store_appt_by_start(struct store *st, const char *student_id, int kind, int64_t starts_at,
		    struct appt *out)
{
	sqlite3_stmt *s = stmt(st, S_APPT_BY_START);
	if (s == NULL)
		return -1;
	bind_text(s, 1, student_id);
	sqlite3_bind_int(s, 2, kind);
	sqlite3_bind_int64(s, 3, starts_at);
	return appt_one(st, s, out);
}

int
store_appt_by_id(struct store *st, int64_t id, struct appt *out)
{
	sqlite3_stmt *s = stmt(st, S_APPT_BY_ID);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return appt_one(st, s, out);
}

/* Steps s (bound) into a new array of appointments. 0 or -1. */
static int
appts_collect(struct store *st, sqlite3_stmt *s, struct appt **out, size_t *n, const char *what)
{
	struct appt *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap * sizeof *v);
		}
		appt_from_row(s, &v[len++]);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, what);
		store_appts_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

int
store_appts_of_student(struct store *st, const char *student_id, struct appt **out, size_t *n)
{
	sqlite3_stmt *s = stmt(st, S_APPTS_OF_STUDENT);

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	bind_text(s, 1, student_id);
	return appts_collect(st, s, out, n, "appointments of student");
}

int
store_appts_to_remind(struct store *st, int64_t before, int limit, struct appt **out, size_t *n)
{
	sqlite3_stmt *s = stmt(st, S_APPTS_TO_REMIND);

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, before);
	sqlite3_bind_int(s, 2, limit);
	return appts_collect(st, s, out, n, "appointments to remind");
}

int
store_appt_set_reminded(struct store *st, int64_t id)
{
	sqlite3_stmt *s = stmt(st, S_APPT_REMINDED);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return exec_stmt(st, s, "appointment reminded");
}

void
store_appts_free(struct appt *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		appt_clear(&a[i]);
	free(a);
}

/* ---- reminders ------------------------------------------------------------------------------ */

void
reminder_clear(struct reminder *r)
{
	free(r->student_id);
	free(r->last_error);
	memset(r, 0, sizeof *r);
}

int
store_reminder_insert(struct store *st, int64_t appointment_id, const char *student_id,
		      int channel, int kind, int64_t due_at, int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_REM_INSERT);
	if (s == NULL)
		return -1;
	bind_i64_or_null(s, 1, appointment_id);
	bind_text(s, 2, student_id);
	sqlite3_bind_int(s, 3, channel);
	sqlite3_bind_int(s, 4, kind);
	sqlite3_bind_int64(s, 5, due_at);
	sqlite3_bind_int64(s, 6, due_at);
	sqlite3_bind_int64(s, 7, now);
	return exec_stmt(st, s, "reminder");
}

int
store_reminders_cancel_appt(struct store *st, int64_t appointment_id, int channel,
			    const char *why, int64_t now)
{
	sqlite3_stmt *s = stmt(st, channel ? S_REM_CANCEL_APPT_CH : S_REM_CANCEL_APPT);
	if (s == NULL)
		return -1;
	bind_text(s, 1, why);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, appointment_id);
	if (channel)
		sqlite3_bind_int(s, 4, channel);
	return exec_stmt(st, s, "cancel reminders");
}

int
store_reminders_cancel_student(struct store *st, const char *student_id, int channel,
			       const char *why, int64_t now)
{
	sqlite3_stmt *s = stmt(st, channel ? S_REM_CANCEL_STUDENT_CH : S_REM_CANCEL_STUDENT);
	if (s == NULL)
		return -1;
	bind_text(s, 1, why);
	sqlite3_bind_int64(s, 2, now);
	bind_text(s, 3, student_id);
	if (channel)
		sqlite3_bind_int(s, 4, channel);
	return exec_stmt(st, s, "cancel reminders");
}

int
store_reminders_count_appt(struct store *st, int64_t appointment_id, int channel)
{
	sqlite3_stmt *s = stmt(st, S_REM_COUNT_APPT);
	int n = -1;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, appointment_id);
	sqlite3_bind_int(s, 2, channel);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return n;
}

/* ---- drop-ins, counters, attendance -------------------------------------------------------------- */

int
store_dropin_add(struct store *st, const char *window_key, int64_t starts_at, int delta)
{
	sqlite3_stmt *s = stmt(st, S_DROPIN_ADD);
	if (s == NULL)
		return -1;
	bind_text(s, 1, window_key);
	sqlite3_bind_int64(s, 2, starts_at);
	sqlite3_bind_int(s, 3, delta);
	return exec_stmt(st, s, "drop-in fill");
}

int
store_counter_add(struct store *st, const char *name, int64_t delta)
{
	sqlite3_stmt *s = stmt(st, S_COUNTER_ADD);
	if (s == NULL)
		return -1;
	bind_text(s, 1, name);
	sqlite3_bind_int64(s, 2, delta);
	return exec_stmt(st, s, "counter");
}

int64_t
store_counter_get(struct store *st, const char *name)
{
	sqlite3_stmt *s = stmt(st, S_COUNTER_GET);
	int64_t v = 0;
	if (s == NULL)
		return -1;
	bind_text(s, 1, name);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return v;
}

int
store_attendance_record(struct store *st, const char *student_id, int64_t appointment_id,
			int kind, int64_t starts_at, int status, int situation,
			const char *source, const char *event_id, int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_ATTENDANCE);
	if (s == NULL)
		return -1;
	bind_text(s, 1, student_id);
	bind_i64_or_null(s, 2, appointment_id);
	sqlite3_bind_int(s, 3, kind);
	bind_i64_or_null(s, 4, starts_at);
	sqlite3_bind_int(s, 5, status);
	sqlite3_bind_int(s, 6, situation);
	bind_text(s, 7, source);
	bind_text(s, 8, event_id);
	sqlite3_bind_int64(s, 9, now);
	return exec_stmt(st, s, "attendance");
}

/* ---- loading --------------------------------------------------------------------------------- */

int
store_each_booking(struct store *st, int64_t since,
		   void (*fn)(const char *, int64_t, int64_t, void *), void *arg)
{
	sqlite3_stmt *s = stmt(st, S_EACH_BOOKING);
	int rc;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, since);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1),
		   sqlite3_column_int64(s, 2), arg);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "bookings");
		return -1;
	}
	return 0;
}

int
store_each_dropin_fill(struct store *st, void (*fn)(const char *, int64_t, int, void *), void *arg)
{
	sqlite3_stmt *s = stmt(st, S_EACH_DROPIN);
	int rc;
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1),
		   sqlite3_column_int(s, 2), arg);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "drop-in fill");
		return -1;
	}
	return 0;
}

/* ---- alerts ----------------------------------------------------------------------------------- */

int
store_alert_exists(struct store *st, const char *student_id, int kind)
{
	sqlite3_stmt *s = stmt(st, S_ALERT_EXISTS);
	int rc;
	if (s == NULL)
		return -1;
	bind_text(s, 1, student_id);
	sqlite3_bind_int(s, 2, kind);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "alert");
		return -1;
	}
	return rc == SQLITE_ROW;
}

int
store_each_lost_student(struct store *st, int64_t quiet_since, int64_t now,
			void (*fn)(const char *, void *), void *arg)
{
	sqlite3_stmt *s = stmt(st, S_EACH_LOST);
	char **ids = NULL;
	size_t n = 0, cap = 0;
	int rc;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, quiet_since);
	sqlite3_bind_int64(s, 2, now);
	/* Collect first: fn may write to the tables being read. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = xrealloc(ids, cap * sizeof *ids);
		}
		ids[n++] = col_text(s, 0);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	for (size_t i = 0; i < n; i++) {
		if (rc == SQLITE_DONE)
			fn(ids[i], arg);
		free(ids[i]);
	}
	free(ids);
	if (rc != SQLITE_DONE) {
		store_fail(st, "lost students");
		return -1;
	}
	return 0;
}

int
store_student_mark_lost_alerted(struct store *st, const char *student_id, int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_MARK_LOST);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	bind_text(s, 2, student_id);
	return exec_stmt(st, s, "lost alert");
}

/* ==== feeds section (calendar feeds; xstmt slots 0-63) ==== */

#include "ical.h"

enum {
	X_FEED_OWNER_ADV = 0, X_FEED_OWNER_STU, X_FEED_OWNER_EST,
	X_FEED_ROWS_ADV, X_FEED_ROWS_STU, X_FEED_DROPIN_STAMP, X_FEED_CHANGED,
	X_FEED_META_GET, X_FEED_META_SET, X_FEED_OWNERS,
	X_FEED_TOKEN_ADV, X_FEED_TOKEN_STU, X_FEED_TOKEN_EST,
	X_FEED_M_APPT, X_FEED_M_REM, X_FEED_M_DEAD, X_FEED_M_COUNTERS,
};

static const char *const feed_owner_sql[] = {
	NULL,
	"SELECT id, name, email, 'fr' FROM advisers WHERE feed_token = ?",
	"SELECT id, trim(given_name || ' ' || coalesce(family_name, '')), NULL, locale"
	" FROM students WHERE feed_token = ?",
	"SELECT uai, coalesce(name, uai), NULL, 'fr' FROM establishments WHERE feed_token = ?",
};

static const char *const feed_token_sql[] = {
	NULL,
	"SELECT feed_token FROM advisers WHERE id = ?",
	"SELECT feed_token FROM students WHERE id = ?",
	"SELECT feed_token FROM establishments WHERE uai = ?",
};

#define FEED_ROW_SQL(col) \
	"SELECT a.uid, a.kind, a.status, a.sequence, a.starts_at, a.ends_at, a.created_at," \
	" a.updated_at, s.locale, s.given_name, s.family_name, a.student_id, v.name, v.email," \
	" a.adviser_id, a.situation FROM appointments a" \
	" LEFT JOIN students s ON s.id = a.student_id LEFT JOIN advisers v ON v.id = a.adviser_id" \
	" WHERE a." col " = ?1 AND (a.status != 2 OR a.updated_at >= ?2) ORDER BY a.starts_at, a.id"

void
feed_owner_clear(struct feed_owner *o)
{
	free(o->id);
	free(o->name);
	free(o->email);
	memset(o, 0, sizeof *o);
}

int
store_feed_owner(struct store *st, int kind, const char *token, struct feed_owner *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	if (kind < 1 || kind > 3)
		return 0;
	if ((s = stmt_x(st, X_FEED_OWNER_ADV + kind - 1, feed_owner_sql[kind])) == NULL)
		return -1;
	bind_text(s, 1, token);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->id = col_text(s, 0);
		out->name = col_text(s, 1);
		out->email = col_text(s, 2);
		col_copy(s, 3, out->locale, sizeof out->locale);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_fail(st, "feed owner");
	return -1;
}

int
store_feed_token(struct store *st, int kind, const char *id, char out[65])
{
	sqlite3_stmt *s;
	int rc;

	if (kind < 1 || kind > 3)
		return 0;
	if ((s = stmt_x(st, X_FEED_TOKEN_ADV + kind - 1, feed_token_sql[kind])) == NULL)
		return -1;
	bind_text(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		col_copy(s, 0, out, 65);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_fail(st, "feed token");
	return -1;
}

static const char *
col_str(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

int
store_feed_each_appt(struct store *st, int kind, const char *id, int64_t cancelled_since,
		     void (*fn)(const struct ical_appt *a, void *arg), void *arg)
{
	sqlite3_stmt *s;
	int rc;

	if (kind == ICAL_FEED_ADVISER)
		s = stmt_x(st, X_FEED_ROWS_ADV, FEED_ROW_SQL("adviser_id"));
	else if (kind == ICAL_FEED_STUDENT)
		s = stmt_x(st, X_FEED_ROWS_STU, FEED_ROW_SQL("student_id"));
	else
		return 0;
	if (s == NULL)
		return -1;
	bind_text(s, 1, id);
	sqlite3_bind_int64(s, 2, cancelled_since);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct ical_appt a;
		memset(&a, 0, sizeof a);
		a.uid = col_str(s, 0);
		a.kind = sqlite3_column_int(s, 1);
		a.status = sqlite3_column_int(s, 2);
		a.sequence = sqlite3_column_int(s, 3);
		a.starts_at = sqlite3_column_int64(s, 4);
		a.ends_at = sqlite3_column_int64(s, 5);
		a.created_at = sqlite3_column_int64(s, 6);
		a.updated_at = sqlite3_column_int64(s, 7);
		a.locale = col_str(s, 8);
		a.student_given_name = col_str(s, 9);
		a.student_family_name = col_str(s, 10);
		a.student_id = col_str(s, 11);
		a.adviser_name = col_str(s, 12);
		a.adviser_email = col_str(s, 13);
		a.adviser_id = col_str(s, 14);
		a.situation = sqlite3_column_int(s, 15);
		fn(&a, arg);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "feed appointments");
		return -1;
	}
	return 0;
}

/* One int64 from a one-row statement; def when no row, -1 on error. */
static int64_t
feed_one_i64(struct store *st, sqlite3_stmt *s, int64_t def, const char *what)
{
	int rc = sqlite3_step(s);
	int64_t v = def;
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, what);
		return -1;
	}
	return v;
}

int64_t
store_feed_dropin_stamp(struct store *st, const char *window_key)
{
	sqlite3_stmt *s = stmt_x(st, X_FEED_DROPIN_STAMP,
				 "SELECT coalesce(max(updated_at), 0) FROM appointments"
				 " WHERE kind = 2 AND window_key = ?");
	if (s == NULL)
		return -1;
	bind_text(s, 1, window_key);
	return feed_one_i64(st, s, 0, "drop-in stamp");
}

int
store_feed_changed(struct store *st, int64_t since_rev,
		   void (*fn)(const char *student_id, const char *adviser_id, const char *uai,
			      int kind, const char *window_key, void *arg),
		   void *arg)
{
	sqlite3_stmt *s = stmt_x(st, X_FEED_CHANGED,
				 "SELECT DISTINCT student_id, adviser_id, uai, kind, window_key"
				 " FROM appointments WHERE rev > ?");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, since_rev);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(col_str(s, 0), col_str(s, 1), col_str(s, 2), sqlite3_column_int(s, 3), col_str(s, 4),
		   arg);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "changed feeds");
		return -1;
	}
	return 0;
}

int
store_feed_each_owner(struct store *st,
		      void (*fn)(int kind, const char *id, const char *token, void *arg), void *arg)
{
	sqlite3_stmt *s = stmt_x(st, X_FEED_OWNERS,
				 "SELECT 1, id, feed_token FROM advisers"
				 " UNION ALL SELECT 2, s.id, s.feed_token FROM students s"
				 " WHERE EXISTS(SELECT 1 FROM appointments a WHERE a.student_id = s.id)"
				 " UNION ALL SELECT 3, uai, feed_token FROM establishments");
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(sqlite3_column_int(s, 0), col_str(s, 1), col_str(s, 2), arg);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "feed owners");
		return -1;
	}
	return 0;
}

int64_t
store_feed_meta_get(struct store *st, const char *key)
{
	sqlite3_stmt *s = stmt_x(st, X_FEED_META_GET,
				 "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?");
	if (s == NULL)
		return -1;
	bind_text(s, 1, key);
	return feed_one_i64(st, s, 0, "meta");
}

int
store_feed_meta_set(struct store *st, const char *key, int64_t v)
{
	sqlite3_stmt *s = stmt_x(st, X_FEED_META_SET,
				 "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
	if (s == NULL)
		return -1;
	bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, v);
	return exec_stmt(st, s, "meta");
}

int
store_feed_metrics(struct store *st,
		   void (*fn)(const char *what, int a, int b, const char *name, int64_t n, void *arg),
		   void *arg)
{
	static const struct {
		int slot;
		const char *what, *sql;
	} q[] = {
		{ X_FEED_M_APPT, "appointments", "SELECT status, 0, NULL, count(*) FROM appointments GROUP BY status" },
		{ X_FEED_M_REM, "reminders", "SELECT channel, status, NULL, count(*) FROM reminders"
					    " WHERE kind = 1 GROUP BY channel, status" },
		{ X_FEED_M_DEAD, "dead_letters", "SELECT 0, 0, NULL, count(*) FROM dead_letters" },
		{ X_FEED_M_COUNTERS, "counter", "SELECT 0, 0, name, value FROM counters" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
		sqlite3_stmt *s = stmt_x(st, q[i].slot, q[i].sql);
		int rc;
		if (s == NULL)
			return -1;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			fn(q[i].what, sqlite3_column_int(s, 0), sqlite3_column_int(s, 1), col_str(s, 2),
			   sqlite3_column_int64(s, 3), arg);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			store_fail(st, "metrics");
			return -1;
		}
	}
	return 0;
}

/* ==== relancectl section (xstmt slots 64-127) ==== */

enum {
	X_CTL_STUDENTS = 64, X_CTL_EVENTS, X_CTL_APPT_COUNT, X_CTL_REM_COUNT, X_CTL_COUNTERS,
	X_CTL_DB_SIZE, X_CTL_REM_STUDENT, X_CTL_REM_STATUS, X_CTL_DEAD, X_CTL_INDICATORS,
	X_CTL_REVOKE_ADVISER, X_CTL_REVOKE_STUDENT, X_CTL_REVOKE_ESTAB,
	X_CTL_RETRY_GET, X_CTL_RETRY_SET, X_CTL_AWAITING,
};

/* Steps a statement that returns one row of int64 columns. */
static int
ctl_one_row(struct store *st, sqlite3_stmt *s, int64_t *a, int64_t *b)
{
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*a = sqlite3_column_int64(s, 0);
		if (b)
			*b = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		store_fail(st, "count");
		return -1;
	}
	return 0;
}

/* Ends a row loop: 0 when it ran to completion. */
static int
ctl_done(struct store *st, sqlite3_stmt *s, int rc, const char *what)
{
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, what);
		return -1;
	}
	return 0;
}

int
store_ctl_count_students(struct store *st, int64_t *total, int64_t *stopped)
{
	sqlite3_stmt *s = stmt_x(st, X_CTL_STUDENTS,
		"SELECT count(*), coalesce(sum(stopped != 0), 0) FROM students");
	return s ? ctl_one_row(st, s, total, stopped) : -1;
}

int
store_ctl_count_events(struct store *st, int64_t *events, int64_t *dead_letters)
{
	sqlite3_stmt *s = stmt_x(st, X_CTL_EVENTS,
		"SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM dead_letters)");
	return s ? ctl_one_row(st, s, events, dead_letters) : -1;
}

int
store_ctl_count_awaiting(struct store *st, int64_t *appointments)
{
	sqlite3_stmt *s = stmt_x(st, X_CTL_AWAITING,
		"SELECT count(*) FROM appointments WHERE reminded = 0 AND status = 1");
	return s ? ctl_one_row(st, s, appointments, NULL) : -1;
}

int
store_ctl_each_appt_count(struct store *st, void (*fn)(int, int, int64_t, void *), void *arg)
{
	sqlite3_stmt *s = stmt_x(st, X_CTL_APPT_COUNT,
		"SELECT kind, status, count(*) FROM appointments GROUP BY kind, status"
		" ORDER BY kind, status");
	int rc;
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(sqlite3_column_int(s, 0), sqlite3_column_int(s, 1), sqlite3_column_int64(s, 2), arg);
	return ctl_done(st, s, rc, "count appointments");
}

int
store_ctl_each_reminder_count(struct store *st, void (*fn)(int, int, int, int64_t, void *),
			      void *arg)
{
	sqlite3_stmt *s = stmt_x(st, X_CTL_REM_COUNT,
		"SELECT kind, channel, status, count(*) FROM reminders"
		" GROUP BY kind, channel, status ORDER BY kind, channel, status");
	int rc;
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(sqlite3_column_int(s, 0), sqlite3_column_int(s, 1), sqlite3_column_int(s, 2),
		   sqlite3_column_int64(s, 3), arg);
	return ctl_done(st, s, rc, "count reminders");
}

int
store_ctl_each_counter(struct store *st, const char *prefix,
		       void (*fn)(const char *, int64_t, void *), void *arg)
{
	sqlite3_stmt *s = stmt_x(st, X_CTL_COUNTERS,
		"SELECT name, value FROM counters WHERE substr(name, 1, length(?1)) = ?1"
		" ORDER BY name");
	int rc;
	if (s == NULL)
		return -1;
	bind_text(s, 1, prefix);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1), arg);
	return ctl_done(st, s, rc, "counters");
}

int64_t
store_ctl_db_size(struct store *st)
{
	sqlite3_stmt *s = stmt_x(st, X_CTL_DB_SIZE,
		"SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
	int64_t v = -1;
	if (s == NULL || ctl_one_row(st, s, &v, NULL))
		return -1;
	return v;
}

#define CTL_REM_COLS "r.id, r.appointment_id, r.student_id, r.channel, r.kind, r.status," \
	" r.attempts, r.due_at, r.next_at, r.sent_at, r.last_error, coalesce(a.uid, '')"

int
store_ctl_each_reminder(struct store *st, const char *student_id, int status,
			void (*fn)(const struct reminder *, const char *, void *), void *arg)
{
	sqlite3_stmt *s;
	int rc;

	if (student_id) {
		s = stmt_x(st, X_CTL_REM_STUDENT, "SELECT " CTL_REM_COLS " FROM reminders r"
			   " LEFT JOIN appointments a ON a.id = r.appointment_id"
			   " WHERE r.student_id = ? ORDER BY r.due_at, r.id");
		if (s == NULL)
			return -1;
		bind_text(s, 1, student_id);
	} else {
		s = stmt_x(st, X_CTL_REM_STATUS, "SELECT " CTL_REM_COLS " FROM reminders r"
			   " LEFT JOIN appointments a ON a.id = r.appointment_id"
			   " WHERE r.status = ? ORDER BY r.next_at, r.id");
		if (s == NULL)
			return -1;
		sqlite3_bind_int(s, 1, status);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct reminder r = {
			.id = sqlite3_column_int64(s, 0),
			.appointment_id = sqlite3_column_int64(s, 1),
			.student_id = (char *)(uintptr_t)sqlite3_column_text(s, 2),
			.channel = sqlite3_column_int(s, 3),
			.kind = sqlite3_column_int(s, 4),
			.status = sqlite3_column_int(s, 5),
			.attempts = sqlite3_column_int(s, 6),
			.due_at = sqlite3_column_int64(s, 7),
			.next_at = sqlite3_column_int64(s, 8),
			.sent_at = sqlite3_column_int64(s, 9),
			.last_error = (char *)(uintptr_t)sqlite3_column_text(s, 10),
		};
		fn(&r, (const char *)sqlite3_column_text(s, 11), arg);
	}
	return ctl_done(st, s, rc, "reminders");
}

int
store_ctl_each_dead_letter(struct store *st, void (*fn)(const struct dead_letter *, void *),
			   void *arg)
{
	sqlite3_stmt *s = stmt_x(st, X_CTL_DEAD, "SELECT id, topic, partition, offset, reason,"
				 " payload, received_at FROM dead_letters ORDER BY id");
	int rc;
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct dead_letter d = {
			.id = sqlite3_column_int64(s, 0),
			.topic = (const char *)sqlite3_column_text(s, 1),
			.partition = sqlite3_column_int(s, 2),
			.offset = sqlite3_column_int64(s, 3),
			.reason = (const char *)sqlite3_column_text(s, 4),
			.payload = sqlite3_column_blob(s, 5),
			.len = (size_t)sqlite3_column_bytes(s, 5),
			.received_at = sqlite3_column_int64(s, 6),
		};
		fn(&d, arg);
	}
	return ctl_done(st, s, rc, "dead letters");
}

int
store_ctl_each_indicators(struct store *st, int final_index,
			  void (*fn)(const struct indicators *, void *), void *arg)
{
	sqlite3_stmt *s = stmt_x(st, X_CTL_INDICATORS,
		"WITH a AS (SELECT student_id,"
		"  sum(kind = 1 AND status = 3) ca, sum(kind = 1 AND status = 4) cm,"
		"  sum(kind = 1 AND status = 5) ce, sum(kind = 1 AND status = 1) cp,"
		"  sum(kind = 2 AND status = 3) da, sum(kind = 2 AND status = 4) dm,"
		"  sum(kind = 2 AND status = 5) de, sum(kind = 2 AND status = 1) dp,"
		"  max(CASE WHEN kind = 1 AND plan_index = ?1 THEN situation ELSE 0 END) sit"
		"  FROM appointments GROUP BY student_id),"
		" w AS (SELECT student_id, sum(status = 1) wp, count(*) wr FROM attendance"
		"  WHERE kind = 3 GROUP BY student_id)"
		" SELECT s.uai, coalesce(max(e.name), ''), coalesce(s.programme_code, ''),"
		"  coalesce(max(s.programme_label), ''), count(*), sum(s.stopped != 0),"
		"  total(a.ca), total(a.cm), total(a.ce), total(a.cp),"
		"  total(a.da), total(a.dm), total(a.de), total(a.dp),"
		"  sum(coalesce(a.sit, 0) NOT BETWEEN 1 AND 4), sum(a.sit = 1), sum(a.sit = 2),"
		"  sum(a.sit = 3), sum(a.sit = 4), total(w.wp), total(w.wr)"
		" FROM students s LEFT JOIN a ON a.student_id = s.id"
		" LEFT JOIN w ON w.student_id = s.id LEFT JOIN establishments e ON e.uai = s.uai"
		" GROUP BY s.uai, coalesce(s.programme_code, '') ORDER BY 1, 3");
	int rc;
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, final_index);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct indicators in = {
			.uai = (const char *)sqlite3_column_text(s, 0),
			.establishment = (const char *)sqlite3_column_text(s, 1),
			.programme_code = (const char *)sqlite3_column_text(s, 2),
			.programme_label = (const char *)sqlite3_column_text(s, 3),
		};
		int64_t *v[] = {
			&in.students, &in.stopped,
			&in.checkins_attended, &in.checkins_missed, &in.checkins_excused,
			&in.checkins_planned, &in.dropins_attended, &in.dropins_missed,
			&in.dropins_excused, &in.dropins_planned,
			&in.situation[0], &in.situation[1], &in.situation[2], &in.situation[3],
			&in.situation[4], &in.workshops_present, &in.workshops_recorded,
		};
		for (size_t i = 0; i < ARRAY_SIZE(v); i++)
			*v[i] = sqlite3_column_int64(s, 4 + (int)i);
		fn(&in, arg);
	}
	return ctl_done(st, s, rc, "indicators");
}

/* kind: 1 adviser, 2 student, 3 establishment (enum ical_feed_kind). */
static const char *const ctl_token_set[] = {
	NULL,
	"UPDATE advisers SET feed_token = ?1 WHERE id = ?2",
	"UPDATE students SET feed_token = ?1 WHERE id = ?2",
	"UPDATE establishments SET feed_token = ?1 WHERE uai = ?2",
};

int
store_ctl_feed_revoke(struct store *st, int kind, const char *id, char out[65])
{
	sqlite3_stmt *s;
	char token[45];

	if (kind < 1 || kind > 3)
		return 0;
	if ((s = stmt_x(st, X_CTL_REVOKE_ADVISER + kind - 1, ctl_token_set[kind])) == NULL)
		return -1;
	new_token(st, token);
	bind_text(s, 1, token);
	bind_text(s, 2, id);
	if (exec_stmt(st, s, "revoke feed"))
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

int
store_ctl_retry(struct store *st, int64_t id, int64_t now, char *why, size_t whylen)
{
	sqlite3_stmt *s = stmt_x(st, X_CTL_RETRY_GET,
		"SELECT r.status, r.kind, a.status, a.starts_at FROM reminders r"
		" LEFT JOIN appointments a ON a.id = r.appointment_id WHERE r.id = ?");
	int rc, status, kind, astatus = 0;
	int64_t starts = 0;
	bool has_appt;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		if (rc == SQLITE_DONE)
			return 0;
		store_fail(st, "retry");
		return -1;
	}
	status = sqlite3_column_int(s, 0);
	kind = sqlite3_column_int(s, 1);
	has_appt = sqlite3_column_type(s, 2) != SQLITE_NULL;
	if (has_appt) {
		astatus = sqlite3_column_int(s, 2);
		starts = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	if (status != REM_FAILED && status != REM_CANCELLED) {
		snprintf(why, whylen, "reminder %lld is %s, not failed or cancelled", (long long)id,
			 status == REM_PENDING ? "pending" : status == REM_SENT ? "sent" : "being sent");
		return 2;
	}
	if (kind == REM_REMINDER && has_appt && astatus != APPT_CONFIRMED) {
		snprintf(why, whylen, "reminder %lld: its appointment is no longer confirmed",
			 (long long)id);
		return 2;
	}
	if (kind == REM_REMINDER && has_appt && starts <= now) {
		snprintf(why, whylen, "reminder %lld: its appointment has already started",
			 (long long)id);
		return 2;
	}
	if ((s = stmt_x(st, X_CTL_RETRY_SET, "UPDATE reminders SET status = 0, next_at = ?,"
			" attempts = 0, sent_at = NULL WHERE id = ?")) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
	if (exec_stmt(st, s, "retry"))
		return -1;
	return 1;
}

/* ==== delivery section (dispatcher; xstmt slots 128-191) ==== */

#define REM_COLS "id, appointment_id, student_id, channel, kind, status, attempts, due_at," \
	" next_at, sent_at, last_error"

static void
reminder_from_row(sqlite3_stmt *s, struct reminder *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	r->appointment_id = sqlite3_column_int64(s, 1);
	r->student_id = col_text(s, 2);
	r->channel = sqlite3_column_int(s, 3);
	r->kind = sqlite3_column_int(s, 4);
	r->status = sqlite3_column_int(s, 5);
	r->attempts = sqlite3_column_int(s, 6);
	r->due_at = sqlite3_column_int64(s, 7);
	r->next_at = sqlite3_column_int64(s, 8);
	r->sent_at = sqlite3_column_int64(s, 9);
	r->last_error = col_text(s, 10);
}

int
store_reminders_requeue_sending(struct store *st)
{
	sqlite3_stmt *s = stmt_x(st, 128, "UPDATE reminders SET status = 0 WHERE status = 4");
	if (s == NULL || exec_stmt(st, s, "requeue reminders"))
		return -1;
	return sqlite3_changes(st->db);
}

int
store_reminder_next_due(struct store *st, int channel, int64_t *next_at)
{
	sqlite3_stmt *s = stmt_x(st, 129, "SELECT min(next_at) FROM reminders"
				 " WHERE status = 0 AND channel = ?");
	int rc, found = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, channel);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*next_at = sqlite3_column_int64(s, 0);
		found = 1;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "next reminder");
		found = -1;
	}
	sqlite3_reset(s);
	return found;
}

int
store_reminders_due(struct store *st, int channel, int64_t now, int limit, struct reminder **out,
		    size_t *n)
{
	sqlite3_stmt *s = stmt_x(st, 130, "SELECT " REM_COLS " FROM reminders"
				 " WHERE status = 0 AND channel = ? AND next_at <= ?"
				 " ORDER BY next_at, id LIMIT ?");
	struct reminder *v = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, channel);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int(s, 3, limit);
	v = xcalloc(limit > 0 ? (size_t)limit : 1, sizeof *v);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && len < (size_t)limit)
		reminder_from_row(s, &v[len++]);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(st, "due reminders");
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
	for (size_t i = 0; i < n; i++)
		reminder_clear(&r[i]);
	free(r);
}

int
store_reminder_get(struct store *st, int64_t id, struct reminder *out)
{
	sqlite3_stmt *s = stmt_x(st, 131, "SELECT " REM_COLS " FROM reminders WHERE id = ?");
	int rc, found = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		reminder_from_row(s, out);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "reminder");
		found = -1;
	}
	sqlite3_reset(s);
	return found;
}

int
store_reminder_set(struct store *st, int64_t id, int status, int attempts, int64_t next_at,
		   int64_t sent_at, const char *last_error)
{
	sqlite3_stmt *s = stmt_x(st, 132, "UPDATE reminders SET status = ?, attempts = ?,"
				 " next_at = ?, sent_at = ?, last_error = ? WHERE id = ?");
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, status);
	sqlite3_bind_int(s, 2, attempts);
	sqlite3_bind_int64(s, 3, next_at);
	bind_i64_or_null(s, 4, sent_at);
	bind_text(s, 5, last_error);
	sqlite3_bind_int64(s, 6, id);
	return exec_stmt(st, s, "reminder update");
}

int
store_attempt_add(struct store *st, int64_t reminder_id, int64_t at, int channel,
		  const char *outcome, const char *detail)
{
	sqlite3_stmt *s = stmt_x(st, 133, "INSERT INTO attempts(reminder_id, at, channel, outcome,"
				 " detail) VALUES(?,?,?,?,?)");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, reminder_id);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_int(s, 3, channel);
	bind_text(s, 4, outcome);
	bind_text(s, 5, detail);
	return exec_stmt(st, s, "attempt");
}

int
store_reminders_sent_between(struct store *st, const char *student_id, int64_t from, int64_t to)
{
	sqlite3_stmt *s = stmt_x(st, 134, "SELECT count(*) FROM reminders WHERE student_id = ?"
				 " AND kind = 1 AND ((status = 1 AND sent_at >= ? AND sent_at < ?)"
				 " OR status = 4)");
	int n = -1;
	if (s == NULL)
		return -1;
	bind_text(s, 1, student_id);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	else
		store_fail(st, "reminders sent");
	sqlite3_reset(s);
	return n;
}

int
store_adviser_contact(struct store *st, const char *id, char **name, char **email)
{
	sqlite3_stmt *s = stmt_x(st, 135, "SELECT name, email FROM advisers WHERE id = ?");
	int rc, found = 0;
	*name = *email = NULL;
	if (s == NULL)
		return -1;
	bind_text(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*name = col_text(s, 0);
		*email = col_text(s, 1);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "adviser");
		found = -1;
	}
	sqlite3_reset(s);
	return found;
}

int
store_reminder_twin(struct store *st, int64_t appointment_id, int channel, int64_t due_at)
{
	sqlite3_stmt *s = stmt_x(st, 136, "SELECT 1 FROM reminders WHERE appointment_id = ?"
				 " AND channel = ? AND due_at = ? AND status != 3 LIMIT 1");
	int rc;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, appointment_id);
	sqlite3_bind_int(s, 2, channel);
	sqlite3_bind_int64(s, 3, due_at);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "reminder twin");
		return -1;
	}
	return rc == SQLITE_ROW;
}

/* ==== http receipts section (DLR, STOP replies; xstmt slots 192-255) ==== */

int
store_student_set_consent(struct store *st, const char *id, int channel, int value, int64_t now)
{
	sqlite3_stmt *s = channel == CH_SMS ?
		stmt_x(st, 192, "UPDATE students SET consent_sms = ?, updated_at = ? WHERE id = ?") :
		stmt_x(st, 193, "UPDATE students SET consent_email = ?, updated_at = ? WHERE id = ?");
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, value);
	sqlite3_bind_int64(s, 2, now);
	bind_text(s, 3, id);
	return exec_stmt(st, s, "consent");
}
