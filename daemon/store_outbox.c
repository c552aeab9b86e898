/*
 * store_outbox.c — the store's side of the publish queue (store.h,
 * producer.c): dead letters and outcome events are queued in the
 * transaction of the state they describe, read back when due, removed when
 * the broker has them; and the retention of dead letters ([store]
 * keep_dead_letters, contract 1.5).
 */
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "util.h"

int
store_outbox_add(struct store *st, const struct outbox_msg *m, int64_t now)
{
	return exec_bound(st, ST_OUTBOX_ADD, "queue a message", "sbibbl", m->topic, m->key,
			  m->keylen, m->key != NULL, m->value, m->len, m->headers, m->hlen, now);
}

int
store_outbox_each_due(struct store *st, int64_t now, int limit,
		      void (*fn)(const struct outbox_msg *m, void *arg), void *arg)
{
	sqlite3_stmt *s = stmt_bind(st, ST_OUTBOX_DUE, "li", now, limit);
	int rc;

	while ((rc = next_row(st, s, "queued messages")) > 0) {
		struct outbox_msg m = {
			.id = sqlite3_column_int64(s, 0), .topic = col_str(s, 1),
			.key = sqlite3_column_blob(s, 2), .value = sqlite3_column_blob(s, 3),
			.headers = sqlite3_column_blob(s, 4), .attempts = sqlite3_column_int(s, 5),
		};
		m.keylen = (size_t)sqlite3_column_bytes(s, 2);
		m.len = (size_t)sqlite3_column_bytes(s, 3);
		m.hlen = (size_t)sqlite3_column_bytes(s, 4);
		if (sqlite3_column_type(s, 2) != SQLITE_NULL && m.key == NULL)
			m.key = "";         /* an empty key, not none */
		if (m.topic != NULL)
			fn(&m, arg);
	}
	return rc;
}

int
store_outbox_delete(struct store *st, int64_t id)
{
	return exec_bound(st, ST_OUTBOX_DELETE, "unqueue a message", "l", id);
}

int
store_outbox_retry(struct store *st, int64_t id, int64_t now, int64_t cap)
{
	return exec_bound(st, ST_OUTBOX_RETRY, "requeue a message", "lll", id, now, cap);
}

int
store_outbox_count(struct store *st, int64_t *n, int64_t *oldest)
{
	return two_values(st, stmt_get(st, ST_OUTBOX_COUNT), n, oldest, "count queued messages");
}

int
store_dead_letters_prune(struct store *st, int64_t before, int limit)
{
	if (exec_bound(st, ST_DEAD_PRUNE, "delete old dead letters", "li", before, limit))
		return -1;
	return sqlite3_changes(st->db);
}
