/*
 * hold.c — events that arrive before their student (hold.h, contract 1.4)
 * and the dead-letter path of ingest (contract 1.5).
 *
 * The students with held events are kept in memory (a hash set loaded from
 * the store at start and after a rollback), so that the exam.completed of
 * a student without any, the hot path of ingest, costs one lookup and no
 * statement. A held event is parsed again from its message when it is
 * released: the store keeps the message, not a parse of it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event.h"
#include "hold.h"
#include "log.h"
#include "plan.h"
#include "producer.h"
#include "store.h"
#include "util.h"

#define PRESENT ((void *)(uintptr_t)1)

struct hold {
	const struct config *cfg;
	struct store *st;
	struct planner *pl;
	struct producer *prod;
	struct hmap *students;      /* id -> PRESENT while the student has held events */
};

/* Index of ev's type in the by_type counters: 0 for none or an unknown
 * type (bound-checked, never masked). */
static unsigned
type_index(const struct event *ev)
{
	return ev != NULL && (unsigned)ev->kind < EVENT_TYPE_N ? (unsigned)ev->kind : 0;
}

void
ingest_count(struct ingest_tally *t, const struct event *ev, enum plan_result r)
{
	switch (r) {
	case PLAN_APPLIED:
		t->applied++;
		t->by_type[type_index(ev)]++;
		break;
	case PLAN_DUPLICATE:
		t->duplicates++;
		break;
	case PLAN_REJECTED:
		t->rejected++;
		t->rejected_by_type[type_index(ev)]++;
		break;
	case PLAN_HELD:
		t->held++;
		break;
	case PLAN_STORE_ERROR:
		break;
	}
}

static void
on_student(const char *id, void *arg)
{
	hmap_put(arg, id, PRESENT);
}

int
hold_reload(struct hold *h)
{
	struct hmap *m = hmap_new();

	/* On a store error the set in hand stays: a student too many only
	 * costs a lookup in the store, one too few would keep its events. */
	if (store_hold_each_student(h->st, on_student, m) < 0) {
		hmap_free(m, NULL);
		return -1;
	}
	hmap_free(h->students, NULL);
	h->students = m;
	return 0;
}

struct hold *
hold_new(const struct config *cfg, struct store *st, struct planner *pl, struct producer *prod)
{
	struct hold *h = xcalloc(1, sizeof *h);

	h->students = hmap_new();
	h->cfg = cfg;
	h->st = st;
	h->pl = pl;
	h->prod = prod;
	if (hold_reload(h)) {
		hold_free(h);
		return NULL;
	}
	return h;
}

void
hold_free(struct hold *h)
{
	if (h == NULL)
		return;
	hmap_free(h->students, NULL);
	free(h);
}

void hold_reconfigure(struct hold *h, const struct config *cfg) { h->cfg = cfg; }

int
hold_dead_letter(struct hold *h, const struct kafka_msg *m, const char *reason, int64_t now)
{
	int rc = store_dead_letter(h->st, m->topic, m->partition, m->offset, reason, m->value,
				   m->len, now);

	/* 0: dead-lettered already (a message read again after a crash
	 * between the commit and Kafka's): queued then. */
	if (rc <= 0)
		return rc;
	/* Once, at warning level, with the reason only. */
	log_warnx("dead letter: %s [%d] offset %" PRId64 ": %s", m->topic, m->partition, m->offset,
		  reason);
	if (producer_queue_dead_letter(h->st, h->cfg, m, reason, now))
		return -1;
	producer_kick(h->prod);
	return 0;
}

int
hold_keep(struct hold *h, const struct event *ev, const struct kafka_msg *m, int64_t now)
{
	struct held_msg hm = {
		.source = ev->source, .id = ev->id, .type = ev->type,
		.student_id = plan_student_of(ev), .topic = m->topic, .partition = m->partition,
		.offset = m->offset, .key = m->key, .keylen = m->keylen, .value = m->value,
		.len = m->len,
	};
	void *packed = hold_headers_pack(m->hdrs, m->nh, &hm.hlen);
	int rc;

	hm.headers = packed;
	rc = store_hold_insert(h->st, &hm, now);
	free(packed);
	if (rc == 1) {
		hmap_put(h->students, hm.student_id, PRESENT);
		log_info("event %s [%d] offset %" PRId64 ": student %s not known yet, held",
			 m->topic, m->partition, m->offset, hm.student_id);
	}
	return rc;
}

/* The message of held event e, its headers unpacked into *hdrs (malloc'd,
 * every one of them): 0, or -1 when they cannot be (the event is then
 * dead-lettered without them). */
static int
message_of(const struct held_event *e, struct event_header **hdrs, struct kafka_msg *m)
{
	size_t max = e->m.hlen / 7 + 1;     /* a header takes 7 bytes at least */
	int nh;

	*hdrs = xcalloc(max, sizeof **hdrs);
	nh = hold_headers_unpack(e->m.headers, e->m.hlen, *hdrs, max);

	*m = (struct kafka_msg){
		.topic = e->m.topic, .partition = e->m.partition, .offset = e->m.offset,
		.key = e->m.key, .keylen = e->m.keylen, .value = e->m.value, .len = e->m.len,
		.hdrs = *hdrs, .nh = nh < 0 ? 0 : (size_t)nh,
	};
	return nh < 0 ? -1 : 0;
}

/* Applies held event e through plan_apply() (its student is known now),
 * dead-letters it if rejected, removes it: 0, 1 when it stays held, -1. */
static int
release_one(struct hold *h, const struct held_event *e, int64_t now, struct ingest_tally *t)
{
	struct event_header *hdrs;
	struct kafka_msg m;
	struct event *ev = NULL;
	char err[160] = "held message: bad headers";
	enum plan_result r = PLAN_REJECTED;
	int rc = 0;

	if (message_of(e, &hdrs, &m) == 0)
		ev = event_parse(m.value, m.len, m.hdrs, m.nh, err, sizeof err);
	if (ev != NULL)
		r = plan_apply(h->pl, ev, m.topic, m.partition, m.offset, now, err, sizeof err);
	if (r == PLAN_STORE_ERROR || (r == PLAN_REJECTED && hold_dead_letter(h, &m, err, now)))
		rc = -1;
	else if (r == PLAN_HELD)
		rc = 1;
	else if (store_hold_delete(h->st, e->seq))
		rc = -1;
	if (rc == 0) {
		ingest_count(t, ev, r);
		t->released++;
	}
	event_free(ev);
	free(hdrs);
	return rc;
}

int
hold_release(struct hold *h, const char *student_id, int64_t now, struct ingest_tally *t)
{
	struct held_event *v;
	size_t n;
	int rc = 0, kept = 0;

	if (hmap_get(h->students, student_id) == NULL)
		return 0;
	if (store_hold_of_student(h->st, student_id, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		rc = release_one(h, &v[i], now, t);
		kept |= rc > 0;
	}
	if (rc >= 0 && n > 0)
		log_info("student %s known: %zu held events released", student_id, n);
	if (rc >= 0 && !kept)
		hmap_put(h->students, student_id, NULL);
	store_hold_free(v, n);
	return rc < 0 ? -1 : 0;
}

/* Held event e waited hold_unknown: applied if its student is known by
 * now, else dead-lettered and removed. 0 or -1. */
static int
expire_one(struct hold *h, const struct held_event *e, int64_t now, struct ingest_tally *t)
{
	struct event_header *hdrs;
	struct kafka_msg m;
	int kind, rc;

	if (e->student_known)
		return release_one(h, e, now, t) < 0 ? -1 : 0;
	message_of(e, &hdrs, &m);
	rc = hold_dead_letter(h, &m, "unknown student", now);
	free(hdrs);
	if (rc || store_hold_delete(h->st, e->seq))
		return -1;
	kind = event_type_parse(e->m.type);
	t->expired++;
	t->rejected++;
	t->rejected_by_type[kind > 0 && kind < EVENT_TYPE_N ? kind : 0]++;
	return 0;
}

int
hold_expire(struct hold *h, int64_t now, int limit, struct ingest_tally *t)
{
	struct held_event *v = NULL;
	size_t n = 0;
	int rc;

	if (store_begin(h->st))
		return -1;
	rc = store_hold_expired(h->st, now - h->cfg->kafka.hold_unknown, limit, &v, &n);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = expire_one(h, &v[i], now, t);
	store_hold_free(v, n);
	/* The students whose events all went stay in the set: a lookup in
	 * the store too many if they come one day. */
	if (rc == 0 && store_commit(h->st) == 0)
		return (int)n;
	store_rollback(h->st);
	plan_reload(h->pl);
	hold_reload(h);
	return -1;
}
