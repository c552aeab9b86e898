/*
 * ratelimit.h — failures per client address in a sliding-start window, in a
 * bounded table (pure: the caller gives "now"; no I/O, no allocation after
 * ratelimit_new).
 *
 * An address that failed `max` times within `window` seconds of its first
 * counted failure is refused until that window ends. The table holds at
 * most `slots` addresses; when the few places an address may take are all
 * busy with live entries, the entry failed longest ago is evicted (so a
 * flood of new addresses forgets old ones, it never grows the table).
 * Keys are hashed with SipHash under a random key: nobody can aim at one
 * place of the table.
 */
#ifndef RELANCE_RATELIMIT_H
#define RELANCE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_KEY_MAX 63    /* an IPv6 text address, "/64" */

struct ratelimit;

/* slots: rounded up to a power of two (at least 16). */
struct ratelimit *ratelimit_new(size_t slots, int max, int64_t window);
void ratelimit_free(struct ratelimit *rl);
/* 0 when key may go on; else the seconds until it may (>= 1). */
int64_t ratelimit_check(struct ratelimit *rl, const char *key, int64_t now);
/* Counts one failure of key at now. */
void ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now);
/* Live entries (for tests and /metrics). */
size_t ratelimit_count(const struct ratelimit *rl, int64_t now);

#endif
