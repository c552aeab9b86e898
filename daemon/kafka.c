/*
 * kafka.c — librdkafka configuration, logging and loop integration
 * (rd_kafka_queue_io_event_enable on an eventfd). See kafka.h.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "config.h"
#include "kafka.h"
#include "log.h"
#include "loop.h"
#include "util.h"

static void
kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	/* The rdkafka.* keys go to both the consumer and the producer: that
	 * one of them ignores a property of the other is expected, not a
	 * warning (a normal start logs none). */
	if (strcmp(fac, "CONFWARN") == 0 && strstr(buf, " will be ignored by this ") != NULL)
		level = LOG_LVL_INFO;
	/* syslog levels, like ours; librdkafka's notices are chatty. */
	log_at(level < LOG_LVL_ERR ? LOG_LVL_ERR : level > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : level,
	       "kafka: %s: %s", fac, buf);
}

rd_kafka_conf_t *
kafka_conf_new(const struct config *cfg, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	if (rd_kafka_conf_set(conf, "bootstrap.servers", cfg->kafka.brokers, err, errlen) ||
	    rd_kafka_conf_set(conf, "client.id", "relanced", err, errlen))
		goto fail;
	rd_kafka_conf_set_log_cb(conf, kafka_log);
	for (size_t i = 0; i < cfg->kafka.nrdkafka; i++) {
		if (rd_kafka_conf_set(conf, cfg->kafka.rdkafka[i].key, cfg->kafka.rdkafka[i].value,
				      err, errlen) != RD_KAFKA_CONF_OK)
			goto fail;
	}
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

struct qwatch {
	void (*fn)(void *);
	void *arg;
};

static void
queue_ready(int fd, uint32_t events, void *arg)
{
	struct qwatch *w = arg;
	uint64_t n;
	(void)events;
	if (read(fd, &n, sizeof n) < 0) {
		/* EAGAIN: nothing to drain. */
	}
	w->fn(w->arg);
}

static struct qwatch *watches[8];
static int watch_fds[8];

int
kafka_queue_watch(struct loop *l, rd_kafka_queue_t *q, void (*fn)(void *), void *arg)
{
	static const uint64_t one = 1;
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct qwatch *w;
	size_t slot;

	if (fd < 0)
		return -1;
	for (slot = 0; slot < ARRAY_SIZE(watches) && watches[slot]; slot++)
		;
	if (slot == ARRAY_SIZE(watches)) {
		close(fd);
		return -1;
	}
	w = xcalloc(1, sizeof *w);
	w->fn = fn;
	w->arg = arg;
	if (loop_add_fd(l, fd, EPOLLIN, queue_ready, w)) {
		free(w);
		close(fd);
		return -1;
	}
	watches[slot] = w;
	watch_fds[slot] = fd;
	rd_kafka_queue_io_event_enable(q, fd, &one, sizeof one);
	return fd;
}

void
kafka_queue_unwatch(struct loop *l, rd_kafka_queue_t *q, int fd)
{
	if (fd < 0)
		return;
	rd_kafka_queue_io_event_enable(q, -1, NULL, 0);
	loop_del_fd(l, fd);
	close(fd);
	for (size_t i = 0; i < ARRAY_SIZE(watches); i++) {
		if (watches[i] && watch_fds[i] == fd) {
			free(watches[i]);
			watches[i] = NULL;
		}
	}
}
