/*
 * fuzz_event.c — libFuzzer harness for the CloudEvents parser and validator
 * (event_parse, contract section 1). The input is a Kafka message value;
 * when it starts with the byte 0x01 the lines up to the first empty line are
 * Kafka headers "name=value" (binary mode, ce_* headers) and the rest is the
 * value. Every parsed event is freed (leaks are reported by ASan).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

#define MAX_HEADERS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_header h[MAX_HEADERS];
	size_t nh = 0, off = 0;
	char err[160];
	struct event *ev;
	uint8_t *copy;

	/* A private copy, so that reads past the end are caught. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (size > 0 && copy[0] == 0x01) {
		off = 1;
		while (off < size && nh < MAX_HEADERS) {
			uint8_t *nl = memchr(copy + off, '\n', size - off);
			uint8_t *eq;
			size_t len = nl ? (size_t)(nl - (copy + off)) : size - off;
			if (len == 0) {
				off++;
				break;
			}
			eq = memchr(copy + off, '=', len);
			if (eq != NULL) {
				*eq = '\0';   /* names are C strings, values are not */
				h[nh].name = (const char *)(copy + off);
				h[nh].value = eq + 1;
				h[nh].len = len - (size_t)(eq + 1 - (copy + off));
				nh++;
			}
			off += len + (nl ? 1 : 0);
		}
	}
	ev = event_parse(copy + off, size - off, h, nh, err, sizeof err);
	if (ev == NULL) {
		/* A rejection always says why (it becomes the dead letter's reason). */
		if (err[0] == '\0' || strnlen(err, sizeof err) == sizeof err)
			abort();
	} else {
		if (ev->id == NULL || ev->source == NULL || ev->type == NULL)
			abort();
		event_free(ev);
	}
	free(copy);
	return 0;
}
