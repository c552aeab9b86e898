/*
 * kafka.h — librdkafka plumbing shared by the consumer and the producer:
 * building a rd_kafka_conf_t from [kafka] (with rdkafka.* passthrough),
 * routing librdkafka's logs into log.c, and tying a queue to the loop.
 */
#ifndef RELANCE_KAFKA_H
#define RELANCE_KAFKA_H

#include <stddef.h>
#include <librdkafka/rdkafka.h>

struct config;
struct loop;

/* A conf with bootstrap servers, logging and every rdkafka.* key applied.
 * NULL with a reason in err. */
rd_kafka_conf_t *kafka_conf_new(const struct config *cfg, char *err, size_t errlen);
/* Makes the loop call fn(arg) whenever q gets elements. Returns the fd
 * (closed by kafka_queue_unwatch) or -1. */
int kafka_queue_watch(struct loop *l, rd_kafka_queue_t *q, void (*fn)(void *), void *arg);
void kafka_queue_unwatch(struct loop *l, rd_kafka_queue_t *q, int fd);

#endif
