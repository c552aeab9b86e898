/*
 * consumer.c — Kafka → event → plan → store, one transaction per batch,
 * offsets stored only after the commit (see consumer.h). Contract 1, 5.
 *
 * Parsing and validating (JSON, every rule of section 1) is a third of the
 * work per event and touches no shared state, so it runs on a second core:
 * while the loop's thread applies and commits one batch, a worker thread
 * parses the next one (step()). Planning and the store stay on the loop's
 * thread, batch after batch, in Kafka order; a batch the store refuses is
 * kept with the one behind it and both are retried in order.
 *
 * An attendance or update event whose student is not known yet is held in
 * the store with its batch (hold.h, contract 1.4); the exam.completed of
 * that student releases it in the batch that applies it.
 *
 * Dead letters are written to the publish queue in the batch's
 * transaction (producer.h) and published in the background: a batch's
 * offsets are stored for Kafka's commit as soon as its transaction is
 * committed, whatever the state of the dead-letter topic.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "config.h"
#include "consumer.h"
#include "event.h"
#include "hold.h"
#include "kafka.h"
#include "log.h"
#include "loop.h"
#include "plan.h"
#include "producer.h"
#include "store.h"
#include "util.h"

#define MAX_HEADERS 32        /* on the stack; more are allocated */
#define SLICE_MS 200          /* yield to the loop after this long */
#define CLOSE_MS 3000         /* bound on the final commit and on leaving the group */

/* A message of the batch, parsed: the event, or why it was refused. */
struct parsed {
	struct event *ev;
	char err[160];
};

/* Messages held, in Kafka order, and their parse. */
struct batch {
	rd_kafka_message_t **m;
	struct parsed *p;
	size_t n, cap;
	bool parsed;                /* p[0, n) filled */
};

/* What the worker thread is asked to do, or has done. */
enum parser_state {
	PARSER_IDLE,                /* nothing posted */
	PARSER_POSTED,              /* [from, to) of b to parse */
	PARSER_DONE,                /* that range is parsed */
	PARSER_QUIT,
};

/* The worker thread parsing [from, to) of batch b. */
struct parser {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *b;
	size_t from, to;
	enum parser_state state;
	bool running;
};

struct consumer {
	const struct config *cfg;
	struct store *st;
	struct planner *pl;
	struct producer *prod;
	struct hold *hold;          /* events of students not known yet (hold.h) */
	struct loop *loop;
	rd_kafka_t *rk;
	rd_kafka_queue_t *q;
	int fd;
	/* Two batches: `ready` (polled before, applied next) and `cur` (being
	 * polled). While `ready` is applied, the worker parses `cur`. Both
	 * are kept when the store refuses a batch. */
	struct batch bufs[2];
	struct batch *ready, *cur;
	struct parser parser;
	bool paused;
	int64_t retry_ms;
	struct loop_timer *retry;
	struct loop_timer *kick;     /* drains again (see consumer_drain) */
	struct consumer_stats stats;
};

static void consumer_drain(void *arg);

static void
on_retry(void *arg)
{
	struct consumer *c = arg;
	c->paused = false;
	consumer_drain(c);
}

/* The headers of a message, pointing into it: in buf while they fit,
 * else in a malloc'd array (heap). */
struct headers {
	struct event_header buf[MAX_HEADERS];
	struct event_header *heap, *v;
	size_t n;
};

/* Fills hs with every header of m; headers_done() frees. */
static void
headers_of(rd_kafka_message_t *m, struct headers *hs)
{
	rd_kafka_headers_t *h = NULL;
	const char *name;
	const void *val;
	size_t len, cap = MAX_HEADERS;

	hs->heap = NULL;
	hs->v = hs->buf;
	hs->n = 0;
	if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR || h == NULL)
		return;
	for (size_t k = 0;
	     rd_kafka_header_get_all(h, k, &name, &val, &len) == RD_KAFKA_RESP_ERR_NO_ERROR; k++) {
		if (hs->n == cap) {
			cap *= 2;
			hs->heap = xrealloc(hs->heap, cap * sizeof *hs->heap);
			if (hs->v == hs->buf)
				memcpy(hs->heap, hs->buf, sizeof hs->buf);
			hs->v = hs->heap;
		}
		hs->v[hs->n++] = (struct event_header){ name, val, len };
	}
}

static void headers_done(struct headers *hs) { free(hs->heap); }

/* Parses b->m[from, to) into b->p (either thread). */
static void
parse_range(struct batch *b, size_t from, size_t to)
{
	struct headers hs;

	for (size_t i = from; i < to; i++) {
		rd_kafka_message_t *m = b->m[i];
		headers_of(m, &hs);
		b->p[i].err[0] = '\0';
		b->p[i].ev = event_parse(m->payload, m->len, hs.v, hs.n, b->p[i].err,
					 sizeof b->p[i].err);
		headers_done(&hs);
	}
}

static void *
parser_main(void *arg)
{
	struct parser *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->state == PARSER_IDLE || p->state == PARSER_DONE)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->state == PARSER_QUIT)
			break;
		struct batch *b = p->b;
		size_t from = p->from, to = p->to;
		pthread_mutex_unlock(&p->mu);
		parse_range(b, from, to);
		pthread_mutex_lock(&p->mu);
		p->state = PARSER_DONE;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void
parser_start(struct consumer *c)
{
	struct parser *p = &c->parser;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->running = pthread_create(&p->thread, NULL, parser_main, p) == 0;
	if (!p->running)
		log_warnx("consumer: no parser thread; parsing on the loop's thread only");
}

static void
parser_stop(struct consumer *c)
{
	struct parser *p = &c->parser;
	if (p->running) {
		pthread_mutex_lock(&p->mu);
		p->state = PARSER_QUIT;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
		p->running = false;
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
}

/* Hands b[from, to) to the worker; false when there is no worker. */
static bool
parser_post(struct consumer *c, struct batch *b, size_t from, size_t to)
{
	struct parser *p = &c->parser;
	if (!p->running)
		return false;
	pthread_mutex_lock(&p->mu);
	p->b = b;
	p->from = from;
	p->to = to;
	p->state = PARSER_POSTED;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return true;
}

/* Waits for the range posted last. */
static void
parser_wait(struct consumer *c)
{
	struct parser *p = &c->parser;
	pthread_mutex_lock(&p->mu);
	while (p->state == PARSER_POSTED)
		pthread_cond_wait(&p->cv, &p->mu);
	p->state = PARSER_IDLE;
	pthread_mutex_unlock(&p->mu);
}

/* Parses all of b now, half of it on the worker. */
static void
parse_now(struct consumer *c, struct batch *b)
{
	size_t mid = b->n / 2;

	/* An empty batch stays unparsed: messages may be added to it. */
	if (b->parsed || b->n == 0)
		return;
	if (b->n >= 64 && parser_post(c, b, mid, b->n)) {
		parse_range(b, 0, mid);
		parser_wait(c);
	} else {
		parse_range(b, 0, b->n);
	}
	b->parsed = true;
}

/* Frees the parse of b (it is parsed again before being applied). */
static void
unparse(struct batch *b)
{
	for (size_t i = 0; b->parsed && i < b->n; i++) {
		event_free(b->p[i].ev);
		b->p[i].ev = NULL;
	}
	b->parsed = false;
}

/* The message m as hold.c takes it, its headers in hs. */
static void
kafka_msg_of(rd_kafka_message_t *m, struct headers *hs, struct kafka_msg *out)
{
	headers_of(m, hs);
	*out = (struct kafka_msg){
		.topic = rd_kafka_topic_name(m->rkt), .partition = m->partition,
		.offset = m->offset, .key = m->key, .keylen = m->key_len, .value = m->payload,
		.len = m->len, .hdrs = hs->v, .nh = hs->n,
	};
}

/*
 * Applies message i of b (parsed; its event is taken) inside the batch's
 * transaction, counted in t: applied, a duplicate, dead-lettered, or held
 * when its student is not known yet; an exam.completed releases the events
 * held for its student. 0, or -1 on a store error.
 */
static int
apply_one(struct consumer *c, struct batch *b, size_t i, int64_t now, struct ingest_tally *t)
{
	rd_kafka_message_t *m = b->m[i];
	struct headers hs;
	struct kafka_msg km;
	struct event *ev = b->p[i].ev;
	char err[160];
	enum plan_result r = PLAN_REJECTED;
	int rc = 0;

	hs.heap = NULL;     /* headers_of() only when held or rejected */
	b->p[i].ev = NULL;
	snprintf(err, sizeof err, "%s", b->p[i].err);
	/* No savepoint: a rejection writes nothing (plan.h), and a store
	 * error rolls the whole batch back. */
	if (ev != NULL)
		r = plan_apply(c->pl, ev, rd_kafka_topic_name(m->rkt), m->partition, m->offset, now,
			       err, sizeof err);
	if (r == PLAN_STORE_ERROR) {
		rc = -1;
	} else if (r == PLAN_HELD) {
		kafka_msg_of(m, &hs, &km);
		rc = hold_keep(c->hold, ev, &km, now);
		r = rc == 0 ? PLAN_DUPLICATE : r;
		rc = rc < 0 ? -1 : 0;
	} else if (r == PLAN_REJECTED) {
		kafka_msg_of(m, &hs, &km);
		rc = hold_dead_letter(c->hold, &km, err, now);
	} else if (r == PLAN_APPLIED && ev->kind == EV_EXAM_COMPLETED) {
		rc = hold_release(c->hold, ev->u.exam.student_id, now, t);
	}
	if (rc == 0)
		ingest_count(t, ev, r);
	event_free(ev);
	headers_done(&hs);
	return rc;
}

/* Adds what a committed transaction did to the statistics. */
static void
tally_add(struct consumer *c, const struct ingest_tally *t)
{
	c->stats.applied += t->applied;
	c->stats.duplicates += t->duplicates;
	c->stats.rejected += t->rejected;
	c->stats.held += t->held;
	c->stats.released += t->released;
	c->stats.held_expired += t->expired;
	for (int k = 0; k < EVENT_TYPE_N; k++) {
		c->stats.by_type[k] += t->by_type[k];
		c->stats.rejected_by_type[k] += t->rejected_by_type[k];
	}
}

/* Applies b (parsed) in one transaction. 0 committed, -1 store failure
 * (b is then unparsed, its messages kept). */
static int
apply_batch(struct consumer *c, struct batch *b)
{
	int64_t now = clock_now(), t0 = clock_mono_ms();
	struct ingest_tally t;

	memset(&t, 0, sizeof t);
	if (store_begin(c->st))
		goto fail_parsed;
	for (size_t i = 0; i < b->n; i++)
		if (apply_one(c, b, i, now, &t))
			goto fail;
	if (store_commit(c->st))
		goto fail;
	b->parsed = false;
	tally_add(c, &t);
	c->stats.batches++;
	c->stats.last_batch_ms = clock_mono_ms() - t0;
	if (c->stats.last_batch_ms > c->stats.lat_max_ms)
		c->stats.lat_max_ms = c->stats.last_batch_ms;
	return 0;
fail:
	store_rollback(c->st);
	plan_reload(c->pl);
	hold_reload(c->hold);
fail_parsed:
	unparse(b);
	return -1;
}

/* The offsets of b (next offset of each partition). */
static rd_kafka_topic_partition_list_t *
offsets_of(const struct batch *b)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)b->n);

	for (size_t i = 0; i < b->n; i++) {
		rd_kafka_message_t *m = b->m[i];
		rd_kafka_topic_partition_t *tp =
			rd_kafka_topic_partition_list_find(l, rd_kafka_topic_name(m->rkt), m->partition);
		if (tp == NULL)
			tp = rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt), m->partition);
		if (m->offset + 1 > tp->offset)
			tp->offset = m->offset + 1;
	}
	return l;
}

/* Stores l for Kafka's commit and frees it. */
static void
store_offsets(struct consumer *c, rd_kafka_topic_partition_list_t *l)
{
	rd_kafka_resp_err_t e = rd_kafka_offsets_store(c->rk, l);

	if (e && e != RD_KAFKA_RESP_ERR__STATE)
		log_warnx("kafka: cannot store offsets: %s", rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(l);
}

static void
release_batch(struct batch *b)
{
	unparse(b);
	for (size_t i = 0; i < b->n; i++)
		rd_kafka_message_destroy(b->m[i]);
	b->n = 0;
}

static size_t
held(const struct consumer *c)
{
	return c->ready->n + c->cur->n;
}

/* The store refused a batch: pause and retry later, keeping everything. */
static void
store_refused(struct consumer *c, size_t n)
{
	c->stats.store_ok = false;
	snprintf(c->stats.problem, sizeof c->stats.problem, "store: %s", store_errmsg(c->st));
	c->retry_ms = c->retry_ms ? (c->retry_ms * 2 > 30000 ? 30000 : c->retry_ms * 2) : 500;
	log_err("store: batch of %zu messages not applied (%s); retrying in %" PRId64 " ms", n,
		store_errmsg(c->st), c->retry_ms);
	c->paused = true;
	loop_timer_set(c->retry, c->retry_ms);
}

static void
store_accepted(struct consumer *c, struct batch *b)
{
	if (!c->stats.store_ok)
		log_notice("store: writable again, consumption resumes");
	c->stats.store_ok = true;
	c->stats.problem[0] = '\0';
	c->retry_ms = 0;
	store_offsets(c, offsets_of(b));
	release_batch(b);
}

/*
 * One step of the pipeline: the worker parses `cur` while this thread
 * applies `ready`; then `cur` becomes `ready`. 0, or -1 when the store
 * refused `ready` (both batches kept, consumption paused).
 */
static int
step(struct consumer *c)
{
	struct batch *r = c->ready, *n = c->cur;
	bool posted = false;

	/* Parsed already, unless retried after a refusal (before the worker
	 * gets n: parse_now uses it too). */
	parse_now(c, r);
	if (n->n > 0 && !n->parsed) {
		if (r->n > 0)
			posted = parser_post(c, n, 0, n->n);
		if (!posted)
			parse_now(c, n);
	}
	if (r->n > 0) {
		if (apply_batch(c, r) != 0) {
			if (posted) {
				parser_wait(c);
				n->parsed = true;
			}
			store_refused(c, r->n);
			return -1;
		}
		store_accepted(c, r);
	}
	if (posted) {
		parser_wait(c);
		n->parsed = true;
	}
	c->ready = n;
	c->cur = r;
	return 0;
}

/* Applies everything held: 0, or -1 when the store refused a batch. */
static int
flush_all(struct consumer *c)
{
	while (held(c) > 0)
		if (step(c))
			return -1;
	return 0;
}

static void
consumer_drain(void *arg)
{
	struct consumer *c = arg;
	int64_t t0 = clock_mono_ms();
	size_t max = (size_t)c->cfg->daemon.batch;

	if (c->paused)
		return;
	/* After a refusal: what was held goes first, in order. */
	if (c->retry_ms > 0 && flush_all(c))
		return;
	for (int idle = 0;;) {
		rd_kafka_message_t *m;
		struct batch *b = c->cur;

		if (b->n >= max) {
			if (step(c))
				return;
			if (clock_mono_ms() - t0 > SLICE_MS) {
				/* Yield to the loop (HTTP, sends, watchdog)
				 * and go on at its next turn. */
				loop_timer_set(c->kick, 0);
				return;
			}
			b = c->cur;
		}
		m = rd_kafka_consumer_poll(c->rk, 0);
		if (m == NULL) {
			/* A poll that served an internal op (rebalance...)
			 * returns NULL although messages may follow. */
			if (rd_kafka_queue_length(c->q) == 0 || ++idle > 1000)
				break;
			continue;
		}
		idle = 0;
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				log_warnx("kafka: %s", rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 256;
			b->m = xrealloc(b->m, b->cap * sizeof *b->m);
			b->p = xrealloc(b->p, b->cap * sizeof *b->p);
		}
		b->m[b->n++] = m;
		c->stats.consumed++;
	}
	/* Nothing more queued: apply everything held now. */
	if (flush_all(c))
		return;
	/* librdkafka's I/O event only fires when an empty queue gets an
	 * element: with internal ops left in it, it may stay silent. Look
	 * again soon while there is anything queued, and every 100 ms when
	 * idle (a cheap safety net, not a busy loop). */
	loop_timer_set(c->kick, rd_kafka_queue_length(c->q) > 0 ? 1 : 100);
}

static void
on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct consumer *c = opaque;
	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
		snprintf(c->stats.problem, sizeof c->stats.problem, "kafka: all brokers down");
		log_err("kafka: all brokers are down: %s", reason);
	} else {
		log_warnx("kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
	}
}

static int
has_rdkafka_key(const struct config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->kafka.nrdkafka; i++)
		if (strcmp(cfg->kafka.rdkafka[i].key, key) == 0)
			return 1;
	return 0;
}

/* librdkafka's statistics (every few seconds): a broker back up clears the
 * "all brokers down" problem even when no message comes (for /healthz). */
static int
on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct consumer *c = opaque;
	json_t *root, *brokers, *b;
	const char *name;
	int up = 0;

	(void)rk;
	if (strncmp(c->stats.problem, "kafka:", 6) != 0)
		return 0;
	root = json_loadb(json, len, 0, NULL);
	brokers = root ? json_object_get(root, "brokers") : NULL;
	json_object_foreach(brokers, name, b) {
		const char *state = json_string_value(json_object_get(b, "state"));
		if (state && strcmp(state, "UP") == 0 && json_integer_value(json_object_get(b, "nodeid")) >= 0)
			up = 1;
	}
	if (up) {
		log_notice("kafka: a broker is reachable again");
		c->stats.problem[0] = '\0';
	}
	json_decref(root);
	return 0; /* json is freed by librdkafka */
}

/*
 * librdkafka settings relance tunes, unless the admin chose otherwise with
 * rdkafka.* keys:
 *  - queued.max.messages.kbytes bounds the prefetch queue (librdkafka's
 *    default: 64 MiB). 32 MiB (~60,000 events) keeps a backlog flowing:
 *    with 8 MiB the loop waited for fetches and ingest was ~20 % slower in
 *    make bench;
 *  - fetch.wait.max.ms: the broker holds an empty fetch this long, the
 *    latency of an event arriving on an idle topic (default 500 ms);
 *  - statistics.interval.ms feeds on_stats().
 */
static const struct kv tuning[] = {
	{ "queued.max.messages.kbytes", "32768" },
	{ "fetch.wait.max.ms", "50" },
	{ "queued.min.messages", "20000" },
	{ "statistics.interval.ms", "5000" },
};

static int
set_tuning(const struct config *cfg, rd_kafka_conf_t *conf, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_SIZE(tuning); i++)
		if (!has_rdkafka_key(cfg, tuning[i].key) &&
		    rd_kafka_conf_set(conf, tuning[i].key, tuning[i].value, err, errlen))
			return -1;
	return 0;
}

struct consumer *
consumer_new(const struct config *cfg, struct store *st, struct planner *pl,
	     struct producer *prod, struct loop *l, char *err, size_t errlen)
{
	struct consumer *c = xcalloc(1, sizeof *c);
	rd_kafka_conf_t *conf = NULL;
	rd_kafka_topic_partition_list_t *topics = NULL;
	rd_kafka_resp_err_t e;

	c->ready = &c->bufs[0];
	c->cur = &c->bufs[1];
	c->cfg = cfg;
	c->st = st;
	c->pl = pl;
	c->prod = prod;
	c->loop = l;
	c->fd = -1;
	c->stats.store_ok = true;
	c->hold = hold_new(cfg, st, pl, prod);
	if (c->hold == NULL) {
		snprintf(err, errlen, "cannot read the held events: %s", store_errmsg(st));
		goto fail;
	}
	conf = kafka_conf_new(cfg, err, errlen);
	if (conf == NULL)
		goto fail;
	/* Offsets move only once the store has committed (stored by us,
	 * committed by librdkafka in the background and at close). */
	if (rd_kafka_conf_set(conf, "group.id", cfg->kafka.group, err, errlen) ||
	    rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", err, errlen) ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "true", err, errlen) ||
	    rd_kafka_conf_set(conf, "auto.commit.interval.ms", "1000", err, errlen) ||
	    rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, errlen) ||
	    rd_kafka_conf_set(conf, "enable.partition.eof", "false", err, errlen))
		goto fail;
	if (set_tuning(cfg, conf, err, errlen))
		goto fail;
	rd_kafka_conf_set_stats_cb(conf, on_stats);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_opaque(conf, c);
	c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
	if (c->rk == NULL)
		goto fail;
	conf = NULL;
	rd_kafka_poll_set_consumer(c->rk);
	c->q = rd_kafka_queue_get_consumer(c->rk);
	c->retry = loop_timer_new(l, on_retry, c);
	c->kick = loop_timer_new(l, consumer_drain, c);
	c->fd = kafka_queue_watch(l, c->q, consumer_drain, c);
	if (c->fd < 0) {
		snprintf(err, errlen, "cannot watch the consumer queue");
		goto fail;
	}
	topics = rd_kafka_topic_partition_list_new(3);
	rd_kafka_topic_partition_list_add(topics, cfg->kafka.topic_exams, RD_KAFKA_PARTITION_UA);
	rd_kafka_topic_partition_list_add(topics, cfg->kafka.topic_attendance, RD_KAFKA_PARTITION_UA);
	rd_kafka_topic_partition_list_add(topics, cfg->kafka.topic_students, RD_KAFKA_PARTITION_UA);
	e = rd_kafka_subscribe(c->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (e) {
		snprintf(err, errlen, "subscribe: %s", rd_kafka_err2str(e));
		goto fail;
	}
	c->stats.subscribed = true;
	parser_start(c);
	/* Anything queued before the fd was watched. */
	loop_timer_set(c->retry, 0);
	return c;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	consumer_close(c);
	return NULL;
}

void
consumer_reconfigure(struct consumer *c, const struct config *cfg)
{
	if (strcmp(c->cfg->kafka.brokers, cfg->kafka.brokers) ||
	    strcmp(c->cfg->kafka.group, cfg->kafka.group) ||
	    strcmp(c->cfg->kafka.topic_exams, cfg->kafka.topic_exams) ||
	    strcmp(c->cfg->kafka.topic_attendance, cfg->kafka.topic_attendance) ||
	    strcmp(c->cfg->kafka.topic_students, cfg->kafka.topic_students))
		log_notice("kafka: brokers, group and topic changes take effect at the next restart");
	c->cfg = cfg;
	hold_reconfigure(c->hold, cfg);
}

/* Commits the stored offsets and leaves the group, each bounded in time so
 * that a stop never hangs on an unreachable broker (the events are in the
 * store; at worst they are redelivered and recognised as duplicates). */
static void
close_bounded(struct consumer *c)
{
	rd_kafka_queue_t *cq = rd_kafka_queue_new(c->rk);
	rd_kafka_error_t *error;
	rd_kafka_resp_err_t e;
	int64_t deadline = clock_mono_ms() + CLOSE_MS;

	e = rd_kafka_commit_queue(c->rk, NULL, cq, NULL, NULL);
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_event_t *ev = NULL;
		while (ev == NULL && clock_mono_ms() < deadline)
			ev = rd_kafka_queue_poll(cq, 100);
		if (ev == NULL)
			log_warnx("kafka: final commit not acknowledged in time");
		else if (rd_kafka_event_error(ev) &&
			 rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR__NO_OFFSET)
			log_warnx("kafka: final commit: %s", rd_kafka_event_error_string(ev));
		if (ev)
			rd_kafka_event_destroy(ev);
	} else if (e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
		log_warnx("kafka: final commit: %s", rd_kafka_err2str(e));
	}
	error = rd_kafka_consumer_close_queue(c->rk, cq);
	if (error) {
		log_warnx("kafka: close: %s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	} else {
		deadline = clock_mono_ms() + CLOSE_MS;
		while (!rd_kafka_consumer_closed(c->rk) && clock_mono_ms() < deadline) {
			rd_kafka_event_t *ev = rd_kafka_queue_poll(cq, 100);
			if (ev)
				rd_kafka_event_destroy(ev);
		}
		if (!rd_kafka_consumer_closed(c->rk))
			log_warnx("kafka: group not left in time; the broker will notice");
	}
	rd_kafka_queue_destroy(cq);
}

void
consumer_close(struct consumer *c)
{
	if (c == NULL)
		return;
	if (c->rk) {
		/* Finish the batch in hand (unless the store refuses it). */
		c->paused = false;
		if (held(c) > 0 && flush_all(c))
			log_err("kafka: %zu messages in hand not applied; they will be redelivered",
				held(c));
		release_batch(c->ready);
		release_batch(c->cur);
		if (c->fd >= 0)
			kafka_queue_unwatch(c->loop, c->q, c->fd);
		if (c->stats.subscribed)
			close_bounded(c);
		if (c->q)
			rd_kafka_queue_destroy(c->q);
		rd_kafka_destroy_flags(c->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
	}
	loop_timer_free(c->retry);
	loop_timer_free(c->kick);
	parser_stop(c);
	hold_free(c->hold);
	for (int i = 0; i < 2; i++) {
		free(c->bufs[i].m);
		free(c->bufs[i].p);
	}
	free(c);
}

int
consumer_expire_held(struct consumer *c, int64_t now, int limit)
{
	struct ingest_tally t;
	int n;

	/* While a backlog is read, the exam.completed of a held event's
	 * student may be in it: wait until it is read. */
	if (c->paused || held(c) > 0 || rd_kafka_queue_length(c->q) > 0)
		return CONSUMER_BUSY;
	memset(&t, 0, sizeof t);
	n = hold_expire(c->hold, now, limit, &t);
	if (n > 0)
		tally_add(c, &t);
	return n;
}

const struct consumer_stats *consumer_stats(const struct consumer *c) { return &c->stats; }
