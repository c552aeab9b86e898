/*
 * store_priv.h — what the store's files share, and nothing outside them
 * includes: struct store, the statement registry (store_sql.h) and the
 * bind / step / column helpers of store.c.
 *
 * Statements are prepared on first use and kept until store_close(). A
 * helper that steps a statement resets it and clears its bindings before
 * it returns, whatever the outcome, so text bound with SQLITE_STATIC only
 * has to live until that helper returns.
 */
#ifndef RELANCE_STORE_PRIV_H
#define RELANCE_STORE_PRIV_H

#include <sqlite3.h>

#include "store.h"
#include "store_sql.h"

enum stmt_id {
#define STMT_ID_(id, sql) id,
	STORE_STMTS(STMT_ID_)
#undef STMT_ID_
	ST_COUNT
};

struct store {
	sqlite3 *db;
	bool readonly;
	sqlite3_stmt *stmt[ST_COUNT];  /* by enum stmt_id, NULL until first use */
	int64_t rev;          /* last rev handed out (writer only) */
	bool rev_dirty;
	bool relaxed;         /* this transaction is synchronous=NORMAL */
	uint64_t rng;         /* splitmix64 state for UIDs */
	uint64_t prefix_last;  /* see time_prefix() */
	char errmsg[256];
};

/* Keeps "what: <SQLite message>" for store_errmsg() and logs it. */
void store_fail(struct store *st, const char *what);

/* The statement id, prepared on first use; NULL on error (logged). */
sqlite3_stmt *stmt_get(struct store *st, enum stmt_id id);
/*
 * The statement id with its parameters 1, 2, ... bound from the arguments
 * described by fmt, one letter each: 's' text (const char *, NULL binds
 * NULL; not copied), 'i' int, 'l' int64_t, 'n' int64_t with 0 bound as
 * NULL, 'b' blob (const void *, then size_t; copied). NULL on error.
 */
sqlite3_stmt *stmt_bind(struct store *st, enum stmt_id id, const char *fmt, ...);
/* stmt_bind(), then one step of a statement that returns no rows. 0 or -1. */
#define exec_bound(st, id, what, ...) stmt_exec(st, stmt_bind(st, id, __VA_ARGS__), what)
/* One step of a bound statement s (NULL: an error already logged). 0, -1. */
int stmt_exec(struct store *st, sqlite3_stmt *s, const char *what);
/* Steps s (NULL: an error already logged) for at most one row, given to
 * fill(s, out) when there is one (fill NULL: only whether there is one):
 * 1 row, 0 none, -1 error. */
int one_row(struct store *st, sqlite3_stmt *s, void (*fill)(sqlite3_stmt *s, void *out),
	    void *out, const char *what);
/* Column 0 of the one row of s, 0 when there is none, -1 on error. */
int64_t one_value(struct store *st, sqlite3_stmt *s, const char *what);
/* Columns 0 and 1 of the one row of s into *a and *b (0 when there is no
 * row): 0, or -1 on error. */
int two_values(struct store *st, sqlite3_stmt *s, int64_t *a, int64_t *b, const char *what);
/* One step of a row loop over s (NULL: an error already logged): 1 a row,
 * 0 the end, -1 an error; s is reset at the end or on error. */
int next_row(struct store *st, sqlite3_stmt *s, const char *what);

/* Steps s (NULL: an error already logged) into a new array (*out, *n) of
 * elements of size bytes, each filled by fill(s, element): 0, or -1 with
 * the elements filled so far in *out for the caller to free. */
int rows_collect(struct store *st, sqlite3_stmt *s, size_t size,
		 void (*fill)(sqlite3_stmt *s, void *elem), void **out, size_t *n,
		 const char *what);

/*
 * Columns 0, 1, ... of the current row of s into the places that follow
 * fmt, one letter a column: 't' char ** (malloc'd copy, NULL for NULL),
 * 'r' const char ** (borrowed until the next step), 'c' char *, size_t
 * (copied, truncated), 'i' int *, 'e' a model enum * (unsigned int in
 * gcc), 'l' int64_t *.
 */
void row_get(sqlite3_stmt *s, const char *fmt, ...);
/* A row of APPT_COLS into a struct appt (strings malloc'd). */
void appt_from_row(sqlite3_stmt *s, void *a);
/* A row of REM_COLS into a struct reminder (strings malloc'd). */
void reminder_from_row(sqlite3_stmt *s, void *r);
/* Column i as a malloc'd string (NULL for NULL), as a borrowed string, or
 * copied into out (truncated, "" for NULL). */
char *col_text(sqlite3_stmt *s, int i);
const char *col_str(sqlite3_stmt *s, int i);
void col_copy(sqlite3_stmt *s, int i, char *out, size_t outlen);

/* free() of each of the n strings of v. */
void free_each(char **v, size_t n);

/* The next value of the change counter (stored at commit). */
int64_t next_rev(struct store *st);
/* 48 bits that only grow with the wall time now (see store.c). */
uint64_t time_prefix(struct store *st, int64_t now);
/* A new feed token: the time prefix (12 hex digits) then 128 random bits. */
void new_token(struct store *st, char out[45]);

#endif
