/*
 * store_hold.c — the store's side of held events (contract 1.4, hold.c):
 * an attendance or update event whose student is not known yet is kept
 * with its message as received (value, key, headers and origin), read back
 * in arrival order when the student arrives or when it has waited too long,
 * and counted for relancectl status.
 */
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "util.h"

int
store_hold_insert(struct store *st, const struct held_msg *m, int64_t now)
{
	if (exec_bound(st, ST_HOLD_INSERT, "hold event", "sssssilbbibl", m->source, m->id, m->type,
		       m->student_id, m->topic, m->partition, m->offset, m->key, m->keylen,
		       m->value, m->len, m->key != NULL, m->headers, m->hlen, now))
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

/* Column i (text or blob) copied at *p, its pointer and length set. */
static void
take(sqlite3_stmt *s, int i, char **p, const void **out, size_t *len)
{
	const void *v = sqlite3_column_blob(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);

	*len = n;
	if (v == NULL && sqlite3_column_type(s, i) == SQLITE_NULL) {
		*out = NULL;
		return;
	}
	memcpy(*p, v ? v : "", n);
	(*p)[n] = '\0';          /* texts are read as NUL-terminated strings */
	*out = *p;
	*p += n + 1;
}

/* A row of HELD_COLS, then "student known", into e (one buffer). */
static void
held_from_row(sqlite3_stmt *s, void *row)
{
	struct held_event *e = row;
	size_t total = 0, n;
	const void *v;
	char *p;
	static const int copied[] = { 1, 2, 3, 4, 5, 8, 9, 10 };

	memset(e, 0, sizeof *e);
	for (size_t i = 0; i < ARRAY_SIZE(copied); i++)
		total += (size_t)sqlite3_column_bytes(s, copied[i]) + 1;
	e->buf = p = xmalloc(total);
	e->seq = sqlite3_column_int64(s, 0);
	take(s, 1, &p, &v, &n);
	e->m.source = v;
	take(s, 2, &p, &v, &n);
	e->m.id = v;
	take(s, 3, &p, &v, &n);
	e->m.type = v;
	take(s, 4, &p, &v, &n);
	e->m.student_id = v;
	take(s, 5, &p, &v, &n);
	e->m.topic = v;
	e->m.partition = sqlite3_column_int(s, 6);
	e->m.offset = sqlite3_column_int64(s, 7);
	take(s, 8, &p, &e->m.key, &e->m.keylen);
	take(s, 9, &p, &e->m.value, &e->m.len);
	take(s, 10, &p, &e->m.headers, &e->m.hlen);
	e->received_at = sqlite3_column_int64(s, 11);
	e->student_known = sqlite3_column_int(s, 12);
}

/* Steps s (bound; NULL: an error already logged) into a new array. */
static int
held_collect(struct store *st, sqlite3_stmt *s, struct held_event **out, size_t *n)
{
	void *v;

	if (rows_collect(st, s, sizeof **out, held_from_row, &v, n, "held events") < 0) {
		store_hold_free(v, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	*out = v;
	return 0;
}

int
store_hold_of_student(struct store *st, const char *student_id, struct held_event **out,
		      size_t *n)
{
	return held_collect(st, stmt_bind(st, ST_HOLD_OF_STUDENT, "s", student_id), out, n);
}

int
store_hold_expired(struct store *st, int64_t before, int limit, struct held_event **out,
		   size_t *n)
{
	return held_collect(st, stmt_bind(st, ST_HOLD_EXPIRED, "li", before, limit), out, n);
}

void
store_hold_free(struct held_event *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].buf);
	free(v);
}

int
store_hold_delete(struct store *st, int64_t seq)
{
	return exec_bound(st, ST_HOLD_DELETE, "release held event", "l", seq);
}

int
store_hold_each_student(struct store *st, void (*fn)(const char *, void *), void *arg)
{
	sqlite3_stmt *s = stmt_get(st, ST_HOLD_STUDENTS);
	int rc;
	while ((rc = next_row(st, s, "held students")) > 0)
		fn(col_str(s, 0), arg);
	return rc;
}

int
store_hold_count(struct store *st, int64_t *n, int64_t *oldest)
{
	return two_values(st, stmt_get(st, ST_HOLD_COUNT), n, oldest, "count held events");
}
