/*
 * producer.c — dead-letter and outcome publishing with librdkafka
 * (producer.h). Delivery reports are served from the loop through the
 * producer's main queue.
 *
 * Dead letters are numbered 1, 2, 3... as they are queued (the number is
 * the message's opaque; outcomes have none) and the numbers still waiting
 * for their delivery report are kept in ascending order in pend[head, n):
 * pend[head] is the oldest one still waiting, reported ones after it are
 * marked done.
 * producer_dead_letters_done() is the largest number up to which every
 * report has arrived: the consumer stores a batch's offsets only once it
 * reaches the last dead letter queued with that batch, without waiting.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event.h"
#include "kafka.h"
#include "log.h"
#include "loop.h"
#include "producer.h"
#include "util.h"

struct producer {
	rd_kafka_t *rk;
	rd_kafka_queue_t *mainq;
	struct loop *loop;
	int fd;
	uint64_t failed, failed_since_flush;
	uint64_t dl_last;           /* number of the last dead letter queued */
	struct pending {
		uint64_t seq;
		bool done;          /* its report arrived */
	} *pend;                    /* dead letters from the oldest without a report, ascending */
	size_t head, n, cap;
};

/* Appends seq (larger than every number in pend). */
static void
pend_push(struct producer *p, uint64_t seq)
{
	if (p->head > 0 && p->head * 2 >= p->n) {
		memmove(p->pend, p->pend + p->head, (p->n - p->head) * sizeof *p->pend);
		p->n -= p->head;
		p->head = 0;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->pend = xrealloc(p->pend, p->cap * sizeof *p->pend);
	}
	p->pend[p->n].seq = seq;
	p->pend[p->n++].done = false;
}

/* The report of dead letter seq arrived (delivered or failed). */
static void
pend_done(struct producer *p, uint64_t seq)
{
	size_t lo = p->head, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->pend[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->n && p->pend[lo].seq == seq)
		p->pend[lo].done = true;
	while (p->head < p->n && p->pend[p->head].done)
		p->head++;
}

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct producer *p = opaque;
	(void)rk;
	if (m->_private != NULL)
		pend_done(p, (uint64_t)(uintptr_t)m->_private);
	if (m->err) {
		p->failed++;
		p->failed_since_flush++;
		log_err("kafka: delivery to %s failed: %s", rd_kafka_topic_name(m->rkt),
			rd_kafka_err2str(m->err));
	}
}

static void
serve(void *arg)
{
	struct producer *p = arg;
	rd_kafka_poll(p->rk, 0);
}

struct producer *
producer_new(const struct config *cfg, struct loop *l, char *err, size_t errlen)
{
	struct producer *p = xcalloc(1, sizeof *p);
	rd_kafka_conf_t *conf = kafka_conf_new(cfg, err, errlen);

	p->fd = -1;
	p->loop = l;
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
	if (p->rk) {
		if (rd_kafka_flush(p->rk, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
			log_err("kafka: %d messages could not be delivered before exit",
				rd_kafka_outq_len(p->rk));
		if (p->mainq) {
			kafka_queue_unwatch(p->loop, p->mainq, p->fd);
			rd_kafka_queue_destroy(p->mainq);
		}
		rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_destroy(p->rk);
	}
	free(p->pend);
	free(p);
}

int
producer_dead_letter(struct producer *p, const char *dlq_topic, const void *value, size_t len,
		     const void *key, size_t keylen, const struct event_header *hdrs, size_t nh,
		     const char *reason, const char *topic, int partition, int64_t offset)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(nh + 4);
	char part[16], off[24];
	rd_kafka_resp_err_t e;
	uint64_t seq = p->dl_last + 1;

	/* The message unchanged: its own headers first (binary mode keeps its
	 * envelope), without relance-* ones from an earlier dead-lettering. */
	for (size_t i = 0; i < nh; i++)
		if (strncmp(hdrs[i].name, "relance-", 8) != 0)
			rd_kafka_header_add(h, hdrs[i].name, -1, hdrs[i].value,
					    (ssize_t)hdrs[i].len);
	snprintf(part, sizeof part, "%d", partition);
	snprintf(off, sizeof off, "%" PRId64, offset);
	rd_kafka_header_add(h, "relance-error", -1, reason, -1);
	rd_kafka_header_add(h, "relance-topic", -1, topic, -1);
	rd_kafka_header_add(h, "relance-partition", -1, part, -1);
	rd_kafka_header_add(h, "relance-offset", -1, off, -1);
	e = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(dlq_topic),
			      RD_KAFKA_V_VALUE((void *)(uintptr_t)value, len),
			      RD_KAFKA_V_KEY((void *)(uintptr_t)key, keylen),
			      RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			      RD_KAFKA_V_OPAQUE((void *)(uintptr_t)seq), RD_KAFKA_V_END);
	if (e) {
		rd_kafka_headers_destroy(h); /* only freed by librdkafka on success */
		log_err("kafka: cannot queue a dead letter: %s", rd_kafka_err2str(e));
		return -1;
	}
	p->dl_last = seq;
	pend_push(p, seq);
	return 0;
}

int
producer_publish(struct producer *p, const char *topic, const char *key, const char *json)
{
	rd_kafka_resp_err_t e = rd_kafka_producev(
		p->rk, RD_KAFKA_V_TOPIC(topic),
		RD_KAFKA_V_VALUE((void *)(uintptr_t)json, strlen(json)),
		RD_KAFKA_V_KEY((void *)(uintptr_t)key, key ? strlen(key) : 0),
		RD_KAFKA_V_HEADER("content-type", "application/cloudevents+json", -1),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
	if (e) {
		log_err("kafka: cannot queue an outcome: %s", rd_kafka_err2str(e));
		return -1;
	}
	return 0;
}

int
producer_flush(struct producer *p, int timeout_ms)
{
	int rc = rd_kafka_flush(p->rk, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
	if (p->failed_since_flush)
		rc = -1;
	p->failed_since_flush = 0;
	return rc;
}

uint64_t producer_failed(const struct producer *p) { return p->failed; }

uint64_t producer_dead_letters_queued(const struct producer *p) { return p->dl_last; }

uint64_t
producer_dead_letters_done(const struct producer *p)
{
	return p->head < p->n ? p->pend[p->head].seq - 1 : p->dl_last;
}
