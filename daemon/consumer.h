/*
 * consumer.h — the Kafka consumer of relanced (contract sections 1 and 5).
 *
 * A consumer group on the exams, attendance and students topics. Messages
 * are drained in batches from the loop; each batch is parsed (event.c),
 * applied (plan.c) and recorded in ONE store transaction, and only after
 * that commit are the offsets stored for Kafka's commit. Rejected messages
 * are stored and queued for the dead-letter topic in that transaction (the
 * publish queue, producer.h), which never holds the offsets back. If the store
 * fails (disk full...), the batch is kept, consumption pauses and the same
 * batch is retried with backoff: nothing is skipped.
 */
#ifndef RELANCE_CONSUMER_H
#define RELANCE_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct config;
struct store;
struct planner;
struct producer;
struct loop;
struct consumer;

struct consumer_stats {
	uint64_t consumed, applied, duplicates, rejected, batches;
	uint64_t held;              /* events held: student not known yet (contract 1.4) */
	uint64_t released;          /* held events applied or dead-lettered on the student's arrival */
	uint64_t held_expired;      /* held events dead-lettered after [kafka] hold_unknown */
	uint64_t by_type[EVENT_TYPE_N];  /* applied, by enum event_type (0: other) */
	uint64_t rejected_by_type[EVENT_TYPE_N];
	int64_t last_batch_ms;      /* duration of the last batch */
	int64_t lat_max_ms;
	bool store_ok;              /* last batch committed */
	bool subscribed;
	char problem[160];          /* what is wrong, for /healthz */
};

/* Subscribes. NULL with a reason in err. cfg, st, planner, producer and
 * loop must outlive the consumer. */
struct consumer *consumer_new(const struct config *cfg, struct store *st, struct planner *pl,
			      struct producer *prod, struct loop *l, char *err, size_t errlen);
/* A new configuration (topics and brokers need a restart). */
void consumer_reconfigure(struct consumer *c, const struct config *cfg);
/* Applies what is in hand, commits offsets synchronously, leaves the
 * group and frees. */
void consumer_close(struct consumer *c);
/* The periodic job of held events (hold.h): dead-letters those held
 * longer than [kafka] hold_unknown, at most limit, in a transaction of its
 * own. Returns how many (limit: call again), -1 on a store error, or
 * CONSUMER_BUSY, doing nothing, while messages wait to be applied (the
 * exam.completed of a held event's student may be among them). */
#define CONSUMER_BUSY (-2)
int consumer_expire_held(struct consumer *c, int64_t now, int limit);
const struct consumer_stats *consumer_stats(const struct consumer *c);

#endif
