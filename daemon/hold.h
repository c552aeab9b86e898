/*
 * hold.h — events that arrive before their student (contract 1.4).
 *
 * The three topics are read in parallel, so an attendance.recorded or
 * student.updated event can come before the exam.completed that introduces
 * its student. plan_apply() answers PLAN_HELD for it; the consumer then
 * holds it here: the message as received goes to the store, in the
 * transaction of its batch, before its offset is committed. When the
 * student's exam.completed is applied, the student's held events are
 * applied after it, in arrival order, in the same transaction, through
 * plan_apply(), and removed. An event still held after [kafka]
 * hold_unknown is dead-lettered ("unknown student") by hold_expire(), a
 * job of the daemon's loop (main.c through consumer_expire_held()).
 *
 * Also the one dead-letter path of ingest (store, log line, topic), for the
 * consumer's rejections and the held events that end up rejected.
 *
 * Calls: plan, store, producer, event (to parse a held message again).
 * Owns no transaction but hold_expire()'s own.
 */
#ifndef RELANCE_HOLD_H
#define RELANCE_HOLD_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "plan.h"

struct config;
struct event;
struct event_header;
struct planner;
struct producer;
struct store;
struct hold;

/* A Kafka message as received (pointers into it). */
struct kafka_msg {
	const char *topic;
	int partition;
	int64_t offset;
	const void *key, *value;    /* key NULL: none */
	size_t keylen, len;
	const struct event_header *hdrs;
	size_t nh;
};

/* What ingest did, counted by the consumer once committed. */
struct ingest_tally {
	uint64_t applied, duplicates, rejected, held, released, expired;
	uint64_t by_type[EVENT_TYPE_N];          /* applied, by enum event_type (0: other) */
	uint64_t rejected_by_type[EVENT_TYPE_N];
};
/* Counts the result r of event ev (NULL: not parsed) in t. */
void ingest_count(struct ingest_tally *t, const struct event *ev, enum plan_result r);

/* Loads the students with held events. NULL on a store error. cfg, st, pl
 * and prod (NULL: queued dead letters wait for the next kick) must outlive it. */
struct hold *hold_new(const struct config *cfg, struct store *st, struct planner *pl,
		      struct producer *prod);
void hold_free(struct hold *h);
void hold_reconfigure(struct hold *h, const struct config *cfg);
/* After a rolled-back transaction: the students are read again. 0 or -1. */
int hold_reload(struct hold *h);

/* Dead-letters m for reason, inside the caller's transaction: stored
 * whole, logged once at warning level, queued in the publish queue for the
 * dead-letter topic (producer.h). Nothing when m was dead-lettered already.
 * 0 or -1. */
int hold_dead_letter(struct hold *h, const struct kafka_msg *m, const char *reason, int64_t now);
/* Holds m, whose event ev got PLAN_HELD, inside the caller's transaction:
 * 1 held, 0 held already (same source and id: a duplicate), -1 error. */
int hold_keep(struct hold *h, const struct event *ev, const struct kafka_msg *m, int64_t now);
/* The exam.completed of student_id was just applied: its held events are
 * applied, in arrival order (the rejected ones dead-lettered), and removed,
 * inside the caller's transaction. Costs one hash lookup when there are
 * none. Counted in t; 0 or -1 on a store error. */
int hold_release(struct hold *h, const char *student_id, int64_t now, struct ingest_tally *t);
/* Dead-letters the events held since before now - hold_unknown whose
 * student is still unknown (those whose student is known by now are
 * applied), at most limit, in a transaction of its own. Returns how many
 * (limit: call again), or -1 (rolled back). */
int hold_expire(struct hold *h, int64_t now, int limit, struct ingest_tally *t);

/* ---- hold_pack.c (pure): the headers of a held message ---------------------- */
/* hdrs[0, n) as one malloc'd buffer of *len bytes (NULL and 0 when n is 0). */
void *hold_headers_pack(const struct event_header *hdrs, size_t n, size_t *len);
/* The headers packed in buf[0, len), at most max, pointing into buf:
 * their number, or -1 when buf is not a packing of headers. */
int hold_headers_unpack(const void *buf, size_t len, struct event_header *out, size_t max);

#endif
