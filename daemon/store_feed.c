/*
 * store_feed.c — the store's side of the calendar feeds and of /metrics
 * (feed.c, httpd.c): feed owners and tokens, the rows of a feed (struct
 * feed_row, which feed.c turns into calendar events), drop-in stamps, the
 * feeds changed since a rev, the meta values and the metrics aggregates.
 */
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "util.h"

/* Statements by enum store_feed_kind (0: none). */
static const enum stmt_id feed_owner_q[] = {
	[STORE_FEED_ADVISER] = ST_FEED_OWNER_ADVISER,
	[STORE_FEED_STUDENT] = ST_FEED_OWNER_STUDENT,
	[STORE_FEED_ESTABLISHMENT] = ST_FEED_OWNER_ESTAB,
};
static const enum stmt_id feed_token_q[] = {
	[STORE_FEED_ADVISER] = ST_FEED_TOKEN_ADVISER,
	[STORE_FEED_STUDENT] = ST_FEED_TOKEN_STUDENT,
	[STORE_FEED_ESTABLISHMENT] = ST_FEED_TOKEN_ESTAB,
};

static bool
feed_kind_ok(int kind)
{
	return kind >= STORE_FEED_ADVISER && kind <= STORE_FEED_ESTABLISHMENT;
}

void
feed_owner_clear(struct feed_owner *o)
{
	char *v[] = { o->id, o->name, o->email };
	free_each(v, ARRAY_SIZE(v));
	memset(o, 0, sizeof *o);
}

static void
owner_from_row(sqlite3_stmt *s, void *p)
{
	struct feed_owner *o = p;
	row_get(s, "tttc", &o->id, &o->name, &o->email, o->locale, sizeof o->locale);
}

int
store_feed_owner(struct store *st, int kind, const char *token, struct feed_owner *out)
{
	memset(out, 0, sizeof *out);
	if (!feed_kind_ok(kind))
		return 0;
	return one_row(st, stmt_bind(st, feed_owner_q[kind], "s", token), owner_from_row, out,
		       "feed owner");
}

static void
token_from_row(sqlite3_stmt *s, void *out)
{
	col_copy(s, 0, out, 65);
}

int
store_feed_token(struct store *st, int kind, const char *id, char out[65])
{
	if (!feed_kind_ok(kind))
		return 0;
	return one_row(st, stmt_bind(st, feed_token_q[kind], "s", id), token_from_row, out,
		       "feed token");
}

static void
feed_row_from(sqlite3_stmt *s, struct feed_row *r)
{
	row_get(s, "riiillllrrrrrrriir", &r->uid, &r->kind, &r->status, &r->sequence, &r->starts_at,
		&r->ends_at, &r->created_at, &r->updated_at, &r->locale, &r->student_given_name,
		&r->student_family_name, &r->student_id, &r->adviser_name, &r->adviser_email,
		&r->adviser_id, &r->situation, &r->answer, &r->student_email);
}

int
store_feed_each_appt(struct store *st, int kind, const char *id, int64_t cancelled_since,
		     int64_t past_since, void (*fn)(const struct feed_row *r, void *arg), void *arg)
{
	sqlite3_stmt *s;
	int rc;

	if (kind != STORE_FEED_ADVISER && kind != STORE_FEED_STUDENT)
		return 0;
	s = stmt_bind(st, kind == STORE_FEED_ADVISER ? ST_FEED_ROWS_ADVISER : ST_FEED_ROWS_STUDENT,
		      "sll", id, cancelled_since, past_since);
	while ((rc = next_row(st, s, "feed appointments")) > 0) {
		struct feed_row r;
		feed_row_from(s, &r);
		fn(&r, arg);
	}
	return rc;
}

int64_t
store_feed_dropin_stamp(struct store *st, const char *window_key)
{
	return one_value(st, stmt_bind(st, ST_FEED_DROPIN_STAMP, "s", window_key),
			 "drop-in stamp");
}

int
store_feed_changed(struct store *st, int64_t since_rev,
		   void (*fn)(const char *student_id, const char *adviser_id, const char *uai,
			      int kind, const char *window_key, void *arg),
		   void *arg)
{
	sqlite3_stmt *s = stmt_bind(st, ST_FEED_CHANGED, "l", since_rev);
	int rc;

	while ((rc = next_row(st, s, "changed feeds")) > 0)
		fn(col_str(s, 0), col_str(s, 1), col_str(s, 2), sqlite3_column_int(s, 3), col_str(s, 4),
		   arg);
	return rc;
}

int
store_feed_each_owner(struct store *st,
		      void (*fn)(int kind, const char *id, const char *token, void *arg), void *arg)
{
	sqlite3_stmt *s = stmt_get(st, ST_FEED_OWNERS);
	int rc;

	while ((rc = next_row(st, s, "feed owners")) > 0)
		fn(sqlite3_column_int(s, 0), col_str(s, 1), col_str(s, 2), arg);
	return rc;
}

int64_t
store_feed_meta_get(struct store *st, const char *key)
{
	return one_value(st, stmt_bind(st, ST_FEED_META_GET, "s", key), "meta");
}

int
store_feed_meta_set(struct store *st, const char *key, int64_t v)
{
	return exec_bound(st, ST_FEED_META_SET, "meta", "sl", key, v);
}

int64_t
store_oldest_due(struct store *st, int channel, int64_t now)
{
	return one_value(st, stmt_bind(st, ST_FEED_M_OLDEST_DUE, "il", channel, now), "oldest due");
}

static void
fill_secret(sqlite3_stmt *s, void *out)
{
	col_copy(s, 0, out, STORE_SECRET_LEN + 1);
}

int
store_meta_secret(struct store *st, const char *key, char out[STORE_SECRET_LEN + 1])
{
	char fresh[STORE_SECRET_LEN + 1];
	int rc = one_row(st, stmt_bind(st, ST_META_TEXT_GET, "s", key), fill_secret, out, "meta");

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	random_hex(fresh, STORE_SECRET_LEN / 2);
	rc = exec_bound(st, ST_META_TEXT_ADD, "meta", "ss", key, fresh);
	explicit_bzero(fresh, sizeof fresh);
	if (rc != 0)
		return -1;
	/* what is stored now: ours, or another process's of the same moment */
	return one_row(st, stmt_bind(st, ST_META_TEXT_GET, "s", key), fill_secret, out, "meta") == 1
		       ? 0 : -1;
}

int
store_feed_metrics(struct store *st,
		   void (*fn)(const char *what, int a, int b, const char *name, int64_t n, void *arg),
		   void *arg)
{
	static const struct {
		enum stmt_id id;
		const char *what;
	} q[] = {
		{ ST_FEED_M_APPT, "appointments" },
		{ ST_FEED_M_REM, "reminders" },
		{ ST_FEED_M_DEAD, "dead_letters" },
		{ ST_FEED_M_COUNTERS, "counter" },
		{ ST_FEED_M_HELD, "held_events" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
		sqlite3_stmt *s = stmt_get(st, q[i].id);
		int rc;
		while ((rc = next_row(st, s, "metrics")) > 0)
			fn(q[i].what, sqlite3_column_int(s, 0), sqlite3_column_int(s, 1), col_str(s, 2),
			   sqlite3_column_int64(s, 3), arg);
		if (rc < 0)
			return -1;
	}
	return 0;
}
