/*
 * store_reply.c — the store's side of students' answers (store.h, answers
 * section; contract section 8): link code hashes of appointments, answers
 * and moves recorded on them, the next appointment of a student, and the
 * messages students leave for their advisers.
 */
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "util.h"

int
store_appt_set_code(struct store *st, int64_t id, const char *code_hash)
{
	return exec_bound(st, ST_APPT_SET_CODE, "appointment code", "sl", code_hash, id);
}

int
store_appt_set_window(struct store *st, int64_t id, const char *window_key)
{
	return exec_bound(st, ST_APPT_SET_WINDOW, "appointment window", "sl", window_key, id);
}

int
store_appt_by_code(struct store *st, const char *code_hash, struct appt *out)
{
	return one_row(st, stmt_bind(st, ST_APPT_BY_CODE, "s", code_hash), appt_from_row, out,
		       "appointment by code");
}

int
store_appts_coded(struct store *st, int64_t now, int64_t after_id, int limit,
		  void (*fn)(int64_t id, const char *uid, void *arg), void *arg)
{
	sqlite3_stmt *s = stmt_bind(st, ST_APPTS_CODED, "lli", now, after_id, limit);
	int rc, n = 0;

	while ((rc = next_row(st, s, "appointments with a code")) > 0) {
		fn(sqlite3_column_int64(s, 0), col_str(s, 1), arg);
		n++;
	}
	return rc < 0 ? -1 : n;
}

int
store_appt_answer(struct store *st, int64_t id, int answer, int moved, int64_t now)
{
	return exec_bound(st, ST_APPT_ANSWER, "appointment answer", "iilll", answer, moved ? 1 : 0,
			  now, next_rev(st), id);
}

int
store_appt_next_of(struct store *st, const char *student_id, int64_t now, struct appt *out)
{
	return one_row(st, stmt_bind(st, ST_APPT_NEXT_OF, "sl", student_id, now), appt_from_row,
		       out, "next appointment");
}

int64_t
store_message_insert(struct store *st, const char *student_id, const char *adviser_id,
		     int64_t appointment_id, int via, const char *text, int64_t now)
{
	if (exec_bound(st, ST_MSG_INSERT, "student message", "ssnisl", student_id, adviser_id,
		       appointment_id, via, text, now))
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}


int64_t
store_acks_to_phone(struct store *st, const char *phone, int64_t since)
{
	return one_value(st, stmt_bind(st, ST_ACKS_TO_PHONE, "sl", phone, since),
			 "acknowledgements to a phone");
}
