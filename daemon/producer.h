/*
 * producer.h — the Kafka producer of relanced: dead letters (contract 1.4)
 * and delivery outcomes (contract 4). Idempotent producer, acks=all.
 */
#ifndef RELANCE_PRODUCER_H
#define RELANCE_PRODUCER_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct event_header;
struct loop;
struct producer;

struct producer *producer_new(const struct config *cfg, struct loop *l, char *err, size_t errlen);
/* Flushes what is queued (bounded wait) and frees. */
void producer_free(struct producer *p);

/* Queues msg (copied) for the dead-letter topic with the relance-error,
 * relance-topic, relance-partition and relance-offset headers, keeping the
 * original key and the original headers hdrs[0..nh) (e.g. ce_* in binary
 * mode; earlier relance-* headers are replaced). 0 or -1. */
int producer_dead_letter(struct producer *p, const char *dlq_topic, const void *value, size_t len,
			 const void *key, size_t keylen, const struct event_header *hdrs, size_t nh,
			 const char *reason, const char *topic, int partition, int64_t offset);
/* Queues a JSON CloudEvent on topic with key. 0 or -1. */
int producer_publish(struct producer *p, const char *topic, const char *key, const char *json);
/* Waits until everything queued is delivered: 0, or -1 on timeout or if a
 * delivery failed since the last flush. */
int producer_flush(struct producer *p, int timeout_ms);
uint64_t producer_failed(const struct producer *p);
/* Dead letters are numbered from 1 as they are queued. queued: the number
 * of the last one queued (0: none yet). done: the largest N such that the
 * delivery report (success or failure) of every dead letter up to N has
 * been served; reports are served from the loop. Neither call blocks. */
uint64_t producer_dead_letters_queued(const struct producer *p);
uint64_t producer_dead_letters_done(const struct producer *p);

#endif
