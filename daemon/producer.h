/*
 * producer.h — the publish queue of relanced (contract 1.5, 4): dead
 * letters (contract 1.4, 1.5) and delivery outcomes are written to the
 * store's outbox table in the transaction of the state they describe,
 * then published in the background by the Kafka producer (idempotent,
 * acks=all) from the loop: at most a bounded number in flight, never
 * waiting; a row is removed when the broker acknowledges it, a failed one
 * is tried again with backoff, rows left by a stop or a crash are
 * published after the restart. Consumption never waits on it.
 */
#ifndef RELANCE_PRODUCER_H
#define RELANCE_PRODUCER_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct kafka_msg;
struct loop;
struct producer;
struct store;

/* Publishes the outbox of st (which must outlive it) from loop l. */
struct producer *producer_new(const struct config *cfg, struct store *st, struct loop *l,
			      char *err, size_t errlen);
/* Waits a little for what is in flight (bounded), then frees: what is not
 * acknowledged stays queued in the store. */
void producer_free(struct producer *p);
/* Something was queued: publish at the loop's next turn. p NULL: no-op. */
void producer_kick(struct producer *p);
/* Publications that failed (each is tried again). */
uint64_t producer_failed(const struct producer *p);

/*
 * Queues dead letter m for the dead-letter topic of cfg, inside the
 * caller's transaction: the original key, value and every original header
 * (earlier relance-* ones replaced), with relance-error (reason),
 * relance-topic, relance-partition and relance-offset. A message too large
 * for the producer's message.max.bytes has its value (then its key) cut to
 * fit, with relance-truncated (relance-key-truncated) giving the original
 * size. 0 or -1 (store error).
 */
int producer_queue_dead_letter(struct store *st, const struct config *cfg,
			       const struct kafka_msg *m, const char *reason, int64_t now);
/* Queues a JSON CloudEvent for topic with key, inside the caller's
 * transaction. 0 or -1. */
int producer_queue_event(struct store *st, const char *topic, const char *key, const char *json,
			 int64_t now);

/*
 * Queues a structured-mode CloudEvent inside the caller's transaction:
 * specversion 1.0, id, source "/relance/<domain>", type, time (now, RFC
 * 3339), subject, datacontenttype application/json and data (a JSON
 * object, stolen: freed here whatever happens), for topic with key. No
 * topic (NULL or ""): nothing is queued. 0 or -1 (store error; a JSON
 * error is logged and queues nothing).
 */
struct json_t;
int producer_queue_cloudevent(struct store *st, const char *topic, const char *key,
			      const char *domain, const char *type, const char *id,
			      const char *subject, struct json_t *data, int64_t now);

/* How much of a message fits in max bytes with headers of hlen bytes:
 * *keylen and *len are lowered to fit (the value first, the key then).
 * Returns 1 when something was cut, else 0. Pure. */
int producer_fit(size_t max, size_t hlen, size_t *keylen, size_t *len);

#endif
