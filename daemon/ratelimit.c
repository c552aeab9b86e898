/*
 * ratelimit.c — failures per client address (see ratelimit.h): an open
 * addressing table of fixed size, RL_PROBES places per key, the entry
 * failed longest ago evicted when they are all live.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"
#include "util.h"

#define RL_PROBES 8

struct rl_entry {
	char key[RATELIMIT_KEY_MAX + 1];
	int64_t start;          /* first failure counted in the window */
	int64_t last;           /* latest failure */
	int count;
	int used;
};

struct ratelimit {
	struct rl_entry *e;
	size_t mask;
	int max;
	int64_t window;
	uint8_t hkey[16];
};

struct ratelimit *
ratelimit_new(size_t slots, int max, int64_t window)
{
	struct ratelimit *rl = xcalloc(1, sizeof *rl);
	size_t n = 16;
	uint64_t a = random_u64(), b = random_u64();

	while (n < slots)
		n <<= 1;
	rl->e = xcalloc(n, sizeof *rl->e);
	rl->mask = n - 1;
	rl->max = max > 0 ? max : 1;
	rl->window = window > 0 ? window : 1;
	memcpy(rl->hkey, &a, 8);
	memcpy(rl->hkey + 8, &b, 8);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->e);
	free(rl);
}

static int
live(const struct ratelimit *rl, const struct rl_entry *e, int64_t now)
{
	return e->used && now - e->start < rl->window;
}

/* The entry of key, or NULL; with create, a place for it (a free or dead
 * one, else the one failed longest ago among its probes). */
static struct rl_entry *
find(struct ratelimit *rl, const char *key, int64_t now, int create)
{
	size_t h = (size_t)siphash24(rl->hkey, key, strlen(key));
	struct rl_entry *spare = NULL, *oldest = NULL;

	for (size_t i = 0; i < RL_PROBES; i++) {
		struct rl_entry *e = &rl->e[(h + i) & rl->mask];
		if (e->used && strcmp(e->key, key) == 0)
			return e;
		if (!live(rl, e, now)) {
			if (spare == NULL)
				spare = e;
		} else if (oldest == NULL || e->last < oldest->last) {
			oldest = e;
		}
	}
	if (!create)
		return NULL;
	if (spare == NULL)
		spare = oldest;
	memset(spare, 0, sizeof *spare);
	snprintf(spare->key, sizeof spare->key, "%s", key);
	spare->used = 1;
	spare->start = now;
	return spare;
}

int64_t
ratelimit_check(struct ratelimit *rl, const char *key, int64_t now)
{
	struct rl_entry *e = find(rl, key, now, 0);
	if (e == NULL || !live(rl, e, now) || e->count < rl->max)
		return 0;
	return e->start + rl->window - now;
}

void
ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now)
{
	struct rl_entry *e = find(rl, key, now, 1);
	if (!live(rl, e, now)) {       /* its window ended: a new one */
		e->start = now;
		e->count = 0;
	}
	e->count++;
	e->last = now;
}

size_t
ratelimit_count(const struct ratelimit *rl, int64_t now)
{
	size_t n = 0;
	for (size_t i = 0; i <= rl->mask; i++)
		n += live(rl, &rl->e[i], now) ? 1 : 0;
	return n;
}
