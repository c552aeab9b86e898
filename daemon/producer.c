/*
 * producer.c — the publish queue (producer.h): queued in the store, then
 * published with librdkafka from the loop.
 *
 * The publisher is a timer of the loop (every second, at once after
 * producer_kick()): it reads the due rows of the outbox, oldest due first,
 * and hands them to librdkafka (rd_kafka_producev never blocks: a full
 * queue is a failure tried again later), at most MAX_INFLIGHT at a time.
 * Each message carries its row id; the delivery reports, served from the
 * loop through the producer's main queue, are kept in `rep` and settled in
 * one store transaction: delivered rows are removed, failed ones tried
 * again after 2^attempts seconds (at most RETRY_CAP_S). A row stays "in
 * flight" (not produced again) until its report is settled, so a store
 * that cannot be written makes the rows wait, never duplicates them.
 * Publication is at least once: a crash between the broker's
 * acknowledgement and the removal publishes the row again.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "event.h"
#include "hold.h"
#include "kafka.h"
#include "log.h"
#include "loop.h"
#include "producer.h"
#include "store.h"
#include "util.h"

#define MAX_INFLIGHT 64
#define TICK_MS 1000
#define RETRY_CAP_S 30
#define CLOSE_MS 2000
#define DEFAULT_MAX_BYTES 1000000   /* librdkafka's message.max.bytes */
#define WIRE_MARGIN 1024            /* record and batch framing, generously */
#define ADDED_HEADER 64             /* room for one relance-*truncated header */

struct report {
	int64_t id;
	rd_kafka_resp_err_t err;
};

struct producer {
	rd_kafka_t *rk;
	rd_kafka_queue_t *mainq;
	struct loop *loop;
	struct store *st;
	struct loop_timer *timer;
	int fd;
	uint64_t failed;
	bool failing;                   /* the last report was a failure (logged once) */
	int64_t inflight[MAX_INFLIGHT]; /* row ids produced, report not settled */
	size_t ninflight;
	struct report rep[MAX_INFLIGHT]; /* reports not settled in the store yet */
	size_t nrep;
};

/* ---- queueing ------------------------------------------------------------------ */

int
producer_fit(size_t max, size_t hlen, size_t *keylen, size_t *len)
{
	size_t room = max > hlen + WIRE_MARGIN ? max - hlen - WIRE_MARGIN : 0;

	if (*keylen + *len <= room)
		return 0;
	if (*keylen > room / 2) {
		size_t kroom = *len < room / 2 ? room - *len : room / 2;
		if (*keylen > kroom)
			*keylen = kroom;
	}
	if (*keylen + *len > room)
		*len = room - *keylen;
	return 1;
}

/* The producer's message.max.bytes ([kafka] rdkafka.message.max.bytes). */
static size_t
max_bytes(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->kafka.nrdkafka; i++)
		if (strcmp(cfg->kafka.rdkafka[i].key, "message.max.bytes") == 0)
			return (size_t)strtoull(cfg->kafka.rdkafka[i].value, NULL, 10);
	return DEFAULT_MAX_BYTES;
}

static void
header_set(struct event_header *h, const char *name, const char *value)
{
	h->name = name;
	h->value = value;
	h->len = strlen(value);
}

int
producer_queue_dead_letter(struct store *st, const struct config *cfg,
			   const struct kafka_msg *m, const char *reason, int64_t now)
{
	struct event_header *h = xcalloc(m->nh + 6, sizeof *h);
	struct outbox_msg o = {
		.topic = cfg->kafka.topic_dlq, .key = m->key, .keylen = m->keylen,
		.value = m->value, .len = m->len,
	};
	char part[16], off[24], vsize[24], ksize[24];
	size_t nh = 0, hlen;
	void *packed;
	int rc;

	if (o.topic == NULL || *o.topic == '\0')
		goto done;
	/* The message unchanged: its own headers first (binary mode keeps its
	 * envelope), without relance-* ones from an earlier dead-lettering. */
	for (size_t i = 0; i < m->nh; i++)
		if (strncmp(m->hdrs[i].name, "relance-", 8) != 0)
			h[nh++] = m->hdrs[i];
	snprintf(part, sizeof part, "%d", m->partition);
	snprintf(off, sizeof off, "%" PRId64, m->offset);
	header_set(&h[nh++], "relance-error", reason);
	header_set(&h[nh++], "relance-topic", m->topic);
	header_set(&h[nh++], "relance-partition", part);
	header_set(&h[nh++], "relance-offset", off);
	free(hold_headers_pack(h, nh, &hlen));
	if (producer_fit(max_bytes(cfg), hlen + 2 * ADDED_HEADER, &o.keylen, &o.len)) {
		snprintf(vsize, sizeof vsize, "%zu", m->len);
		snprintf(ksize, sizeof ksize, "%zu", m->keylen);
		if (o.len < m->len)
			header_set(&h[nh++], "relance-truncated", vsize);
		if (o.keylen < m->keylen)
			header_set(&h[nh++], "relance-key-truncated", ksize);
	}
	packed = hold_headers_pack(h, nh, &o.hlen);
	o.headers = packed;
	rc = store_outbox_add(st, &o, now);
	free(packed);
	free(h);
	return rc;
done:
	free(h);
	return 0;
}

int
producer_queue_event(struct store *st, const char *topic, const char *key, const char *json,
		     int64_t now)
{
	static const struct event_header ct = {
		"content-type", "application/cloudevents+json", 28,
	};
	struct outbox_msg o = {
		.topic = topic, .key = key, .keylen = key ? strlen(key) : 0,
		.value = json, .len = strlen(json),
	};
	void *packed = hold_headers_pack(&ct, 1, &o.hlen);
	int rc;

	o.headers = packed;
	rc = store_outbox_add(st, &o, now);
	free(packed);
	return rc;
}

int
producer_queue_cloudevent(struct store *st, const char *topic, const char *key,
			  const char *domain, const char *type, const char *id,
			  const char *subject, json_t *data, int64_t now)
{
	char t[21], *src, *s = NULL;
	json_t *o;
	int rc = 0;

	if (topic == NULL || *topic == '\0') {
		json_decref(data);
		return 0;
	}
	rfc3339_format_utc(now, t);
	src = xasprintf("/relance/%s", domain);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "specversion", "1.0", "id", id,
		      "source", src, "type", type, "time", t, "subject", subject,
		      "datacontenttype", "application/json", "data", data);
	if (o)
		s = json_dumps(o, JSON_COMPACT);
	if (s == NULL)
		log_warnx("%s: cannot make the event %s", type, id);
	else
		rc = producer_queue_event(st, topic, key, s, now);
	free(s);
	json_decref(o);
	free(src);
	return rc;
}

/* ---- publishing ---------------------------------------------------------------- */

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct producer *p = opaque;
	(void)rk;
	if (p->nrep < MAX_INFLIGHT)  /* always: one report per message in flight */
		p->rep[p->nrep++] = (struct report){ (int64_t)(intptr_t)m->_private, m->err };
	if (m->err) {
		p->failed++;
		if (!p->failing)
			log_err("kafka: publishing to %s failed: %s; kept in the store and tried"
				" again", rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
		p->failing = true;
	} else if (p->failing) {
		log_notice("kafka: publishing to %s works again", rd_kafka_topic_name(m->rkt));
		p->failing = false;
	}
}

static bool
in_flight(const struct producer *p, int64_t id)
{
	for (size_t i = 0; i < p->ninflight; i++)
		if (p->inflight[i] == id)
			return true;
	return false;
}

/* The settled reports' rows leave the in-flight set. */
static void
forget_settled(struct producer *p)
{
	size_t k = 0;

	for (size_t i = 0; i < p->ninflight; i++) {
		bool settled = false;
		for (size_t j = 0; j < p->nrep && !settled; j++)
			settled = p->rep[j].id == p->inflight[i];
		if (!settled)
			p->inflight[k++] = p->inflight[i];
	}
	p->ninflight = k;
	p->nrep = 0;
}

/* Records the reports in the store, in one transaction; kept for the next
 * turn when the store cannot be written. */
static void
settle(struct producer *p)
{
	int64_t now = clock_now();
	int rc = 0;

	if (p->nrep == 0)
		return;
	if (store_begin_relaxed(p->st))
		return;
	for (size_t i = 0; i < p->nrep && rc == 0; i++)
		rc = p->rep[i].err ? store_outbox_retry(p->st, p->rep[i].id, now, RETRY_CAP_S)
				   : store_outbox_delete(p->st, p->rep[i].id);
	if (rc == 0 && store_commit(p->st) == 0) {
		forget_settled(p);
		return;
	}
	store_rollback(p->st);
	log_err("store: cannot record what was published (%s); tried again",
		store_errmsg(p->st));
}

/* Hands row m to librdkafka (a refusal counts as a failed report). */
static void
produce_row(const struct outbox_msg *m, void *arg)
{
	struct producer *p = arg;
	size_t max = m->hlen / 7 + 1;   /* a header takes 7 bytes at least */
	struct event_header *hdrs;
	rd_kafka_headers_t *h;
	rd_kafka_resp_err_t e;
	int nh;

	if (p->ninflight == MAX_INFLIGHT || in_flight(p, m->id))
		return;
	hdrs = xcalloc(max, sizeof *hdrs);
	nh = hold_headers_unpack(m->headers, m->hlen, hdrs, max);
	h = rd_kafka_headers_new(nh > 0 ? (size_t)nh : 1);
	for (int i = 0; i < nh; i++)
		rd_kafka_header_add(h, hdrs[i].name, -1, hdrs[i].value,
				    hdrs[i].value ? (ssize_t)hdrs[i].len : 0);
	free(hdrs);
	e = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(m->topic),
			      RD_KAFKA_V_VALUE((void *)(uintptr_t)m->value, m->len),
			      RD_KAFKA_V_KEY((void *)(uintptr_t)m->key, m->key ? m->keylen : 0),
			      RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			      RD_KAFKA_V_OPAQUE((void *)(intptr_t)m->id), RD_KAFKA_V_END);
	p->inflight[p->ninflight++] = m->id;
	if (e) {
		rd_kafka_headers_destroy(h); /* only freed by librdkafka on success */
		p->failed++;
		log_warnx("kafka: cannot queue a message for %s: %s; tried again", m->topic,
			  rd_kafka_err2str(e));
		p->rep[p->nrep++] = (struct report){ m->id, e };
	}
}

static void
serve(void *arg)
{
	struct producer *p = arg;
	rd_kafka_poll(p->rk, 0);
	settle(p);
}

static void
tick(void *arg)
{
	struct producer *p = arg;

	serve(p);
	if (p->ninflight < MAX_INFLIGHT &&
	    store_outbox_each_due(p->st, clock_now(), MAX_INFLIGHT, produce_row, p) < 0)
		log_err("store: cannot read the publish queue (%s)", store_errmsg(p->st));
	serve(p);
	loop_timer_set(p->timer, TICK_MS);
}

void
producer_kick(struct producer *p)
{
	if (p != NULL && p->timer != NULL)
		loop_timer_set(p->timer, 0);
}

struct producer *
producer_new(const struct config *cfg, struct store *st, struct loop *l, char *err,
	     size_t errlen)
{
	struct producer *p = xcalloc(1, sizeof *p);
	rd_kafka_conf_t *conf = kafka_conf_new(cfg, err, errlen);

	p->fd = -1;
	p->loop = l;
	p->st = st;
	if (conf == NULL)
		goto fail;
	if (rd_kafka_conf_set(conf, "enable.idempotence", "true", err, errlen) ||
	    rd_kafka_conf_set(conf, "linger.ms", "5", err, errlen)) {
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, p);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
	if (p->rk == NULL) {
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	if (l) {
		p->mainq = rd_kafka_queue_get_main(p->rk);
		p->fd = kafka_queue_watch(l, p->mainq, serve, p);
		if (p->fd < 0) {
			snprintf(err, errlen, "cannot watch the producer queue");
			goto fail;
		}
		p->timer = loop_timer_new(l, tick, p);
		loop_timer_set(p->timer, 0);
	}
	return p;
fail:
	producer_free(p);
	return NULL;
}

void
producer_free(struct producer *p)
{
	if (p == NULL)
		return;
	loop_timer_free(p->timer);
	if (p->rk) {
		/* What was queued last (outcomes of the sends finished while
		 * stopping) gets its chance too. */
		serve(p);
		if (p->st && p->mainq)
			store_outbox_each_due(p->st, clock_now(), MAX_INFLIGHT, produce_row, p);
		if (rd_kafka_flush(p->rk, CLOSE_MS) != RD_KAFKA_RESP_ERR_NO_ERROR)
			log_notice("kafka: %d messages not acknowledged before exit; kept in the"
				   " store", rd_kafka_outq_len(p->rk));
		settle(p);
		if (p->mainq) {
			kafka_queue_unwatch(p->loop, p->mainq, p->fd);
			rd_kafka_queue_destroy(p->mainq);
		}
		rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		p->nrep = 0;
		rd_kafka_destroy(p->rk);
	}
	free(p);
}

uint64_t producer_failed(const struct producer *p) { return p->failed; }
