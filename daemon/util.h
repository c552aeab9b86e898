/*
 * util.h — allocation wrappers, civil dates, wall-clock time in the
 * configured zone, an injectable clock, random tokens and a string hash map.
 * Depends on nothing but libc and log.
 */
#ifndef RELANCE_UTIL_H
#define RELANCE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);                /* xstrdup(NULL) == NULL */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* free(*p), *p = NULL */
#define xfree(p) do { free(p); (p) = NULL; } while (0)

/* --- clock: every "now" in the daemon comes from here ----------------- */
int64_t clock_now(void);                     /* seconds since the epoch */
void clock_set(int64_t (*fn)(void));         /* NULL restores time(2) */
int64_t clock_mono_ms(void);                 /* CLOCK_MONOTONIC, ms */

/* --- civil dates: days since 1970-01-01, proleptic Gregorian ----------- */
int32_t days_from_civil(int y, int m, int d);
void civil_from_days(int32_t z, int *y, int *m, int *d);
/* 0 = Monday ... 6 = Sunday */
int weekday_of_day(int32_t day);
/* Strict "YYYY-MM-DD" naming a real date. 0 or -1. */
int date_parse(const char *s, int32_t *day);
void date_format(int32_t day, char out[11]);
/* RFC 3339 date-time ("2026-06-19T16:05:00+02:00", "...Z", fractions ok). */
int rfc3339_parse(const char *s, int64_t *t);
/* UTC "2026-06-19T14:05:00Z" */
void rfc3339_format_utc(int64_t t, char out[21]);

/* --- wall clock in the configured time zone ---------------------------- */
/* Select the zone (e.g. "Europe/Paris") for the whole process; -1 if the
 * zone is unknown to the system's tzdata. */
int tz_set(const char *name);
const char *tz_name(void);
/* Local (day, minute of day) -> epoch. A time skipped by a DST change maps
 * to the instant the clocks jumped to (02:30 on the spring-forward day is
 * 03:30 local); a repeated time maps to its first occurrence. */
int64_t wall_to_epoch(int32_t day, int minute);
/* epoch -> local day, minute of day (0..1439), second of minute. */
void epoch_to_wall(int64_t t, int32_t *day, int *minute);
/* Local "2026-07-02 09:00" */
void wall_format(int64_t t, char out[17]);

/* --- randomness -------------------------------------------------------- */
/* nbytes random bytes as 2*nbytes lowercase hex chars plus NUL. */
void random_hex(char *out, size_t nbytes);
uint64_t random_u64(void);
/* SipHash-2-4 of data under a 128-bit key (a MAC for short messages). */
uint64_t siphash24(const uint8_t key[16], const void *data, size_t len);
/* 1 when the NUL-terminated a and b are equal; the time taken depends on
 * the length of b only (b: the expected secret). */
int secret_eq(const char *a, const char *b);

/* --- string-keyed hash map (keys are copied, values are not owned) ------ */
struct hmap;
struct hmap *hmap_new(void);
void hmap_free(struct hmap *m, void (*free_value)(void *));
void *hmap_get(const struct hmap *m, const char *key);
/* Inserts or replaces; returns the previous value or NULL. */
void *hmap_put(struct hmap *m, const char *key, void *value);
size_t hmap_count(const struct hmap *m);
/* Calls fn for each entry; order unspecified. */
void hmap_each(const struct hmap *m, void (*fn)(const char *key, void *value, void *arg), void *arg);

/* --- growable string -------------------------------------------------- */
/* A NUL-terminated buffer; zero-initialise, append, take .p (malloc'd). */
struct strbuf {
	char *p;
	size_t len, cap;
};
void strbuf_add(struct strbuf *b, const char *s, size_t n);

/* --- answers of peers ------------------------------------------------------ */
/*
 * A gateway's or server's answer made fit for the log, the store and the
 * outcome events (contract section 4: no personal data): the first line of
 * in (may be NULL), word by word; a word with '@' (an address) is dropped,
 * and so is a word with a capital letter (a name: "Zoé", "MARTIN") unless
 * it is a common word of server answers ("Bad Request", "Accepted",
 * "HTTP"); digits become '#', control characters go, a word is cut after
 * REDACT_WORD_MAX octets; at most outlen - 1 octets, cut between words.
 */
#define REDACT_WORD_MAX 24
void reason_redact(const char *in, char *out, size_t outlen);

/* --- files -------------------------------------------------------------- */
/* Read a whole small file (secrets, templates). NULL on error with errno. */
char *file_read(const char *path, size_t *len);
/* Write atomically: a temp file of unpredictable name made O_EXCL|O_NOFOLLOW
 * in the same directory, fsync, renameat. The directory is not followed
 * when it is a symbolic link (ELOOP), so a planted link never makes it
 * write elsewhere; a link at path is replaced, not followed. */
int file_write_atomic(const char *path, const void *data, size_t len);
/* The same, with the fsync only when sync (a caller writing many files
 * syncs the file system once with syncfs(2) instead). */
int file_write_replace(const char *path, const void *data, size_t len, int sync);
/* mkdir -p */
int mkdir_p(const char *path, int mode);
/* An outbox file (file:// delivery): dir/ID.EXT written atomically, dir
 * made when missing; failures logged. 0 or -1. */
int outbox_write(const char *dir, int64_t id, const char *ext, const void *data, size_t len);

#endif
