/*
 * feed.h — calendar feeds (contract section 3): feed identity (tokens in
 * the store, URLs under calendar.base_url), the rendered feed of a token
 * (cached in memory), and the background pass that writes every feed as a
 * file under calendar.feeds_dir. Their HTTP routes are in web_feeds.c, the
 * feed gauges of /metrics in web_metrics.c.
 */
#ifndef RELANCE_FEED_H
#define RELANCE_FEED_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct store;
struct feed;

/* Longest feed token (hex). */
#define FEED_TOKEN_MAX 64

/* A rendered feed: the iCalendar body, its strong ETag (with quotes) and
 * the epoch of its latest change. */
struct feed_doc {
	int64_t rev;                /* store rev it was rendered at */
	char *body;
	size_t len;
	char etag[72];
	int64_t last_modified;
};

/* cfg and st must outlive the feed (see feed_reconfigure). */
struct feed *feed_new(const struct config *cfg, struct store *st);
void feed_free(struct feed *f);
void feed_reconfigure(struct feed *f, const struct config *cfg);
/*
 * The feed of a token, from the cache or rendered. 1 with *out (owned by
 * the cache, valid until the next call), 0 unknown token, -1 error.
 * owner_id (may be NULL) receives the owner's id.
 */
int feed_get(struct feed *f, int kind, const char *token, int64_t now, const struct feed_doc **out,
	     char *owner_id, size_t owner_len);
/* Feeds cached in memory, feed files waiting to be written. */
size_t feed_cached_count(const struct feed *f);
size_t feed_pending_count(const struct feed *f);

/*
 * One step of the file pass: writes the feeds changed since the last pass
 * (each at most once per calendar.refresh, at most a bounded number of
 * files per call), removes the files of revoked tokens. Never call it
 * inside a store transaction. Returns 1 when work is left that could be
 * done now (call again soon), 0 otherwise, -1 on a store error.
 */
int feed_pass(struct feed *f, int64_t now);
/*
 * The file writer: a thread with its own store connection running
 * feed_pass() every feed_pass_interval_ms() (no per-pass bound). cfg must
 * stay valid until feed_writer_stop(); on reload, stop and start again.
 */
struct feed_writer;
struct feed_writer *feed_writer_start(const struct config *cfg, char *err, size_t errlen);
void feed_writer_stop(struct feed_writer *w);
/* How often the file pass runs when idle, in ms. */
int64_t feed_pass_interval_ms(const struct config *cfg);

/* "adviser", "student", "establishment" <-> enum ical_feed_kind; 0 unknown. */
const char *feed_kind_name(int kind);
int feed_kind_parse(const char *name);
/* base_url + "/feeds/<kind>/<token>.ics", malloc'd. */
char *feed_url(const struct config *cfg, int kind, const char *token);

#endif
