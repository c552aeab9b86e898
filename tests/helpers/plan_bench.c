/*
 * plan_bench.c — applies exam.completed events from a file straight to a
 * store (no Kafka), as the consumer does: parse, plan, one transaction per
 * batch. Measures the planning + store write path alone.
 *
 *   plan_bench CONFIG EVENTS.tsv [BATCH]     (lines: key<TAB>json)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event.h"
#include "plan.h"
#include "store.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct config *cfg;
	struct store *st;
	struct planner *pl;
	char err[256], *line = NULL;
	size_t cap = 0, n = 0, batch;
	ssize_t len;
	FILE *f;
	int64_t t0, now;

	if (argc < 3) {
		fprintf(stderr, "usage: plan_bench CONFIG EVENTS [BATCH]\n");
		return 2;
	}
	batch = argc > 3 ? (size_t)atoi(argv[3]) : 1000;
	cfg = config_load(argv[1], NULL, NULL);
	if (cfg == NULL || tz_set(cfg->calendar.timezone))
		return 1;
	st = store_open(cfg->store.path, false, err, sizeof err);
	if (st == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	pl = plan_new(cfg, st);
	f = fopen(argv[2], "r");
	if (pl == NULL || f == NULL)
		return 1;
	now = clock_now();
	t0 = clock_mono_ms();
	store_begin(st);
	while ((len = getline(&line, &cap, f)) > 0) {
		char *tab = strchr(line, '\t'), *json = tab ? tab + 1 : line;
		struct event *ev = event_parse(json, strlen(json), NULL, 0, err, sizeof err);
		if (ev == NULL) {
			fprintf(stderr, "bad event: %s\n", err);
			continue;
		}
		if (plan_apply(pl, ev, "bench", 0, (int64_t)n, now, err, sizeof err) < 0) {
			fprintf(stderr, "plan_bench: store error at event %zu: %s\n", n, store_errmsg(st));
			return 1;
		}
		event_free(ev);
		if (++n % batch == 0 && (store_commit(st) || store_begin(st))) {
			fprintf(stderr, "plan_bench: commit failed: %s\n", store_errmsg(st));
			return 1;
		}
	}
	if (store_commit(st))
		return 1;
	printf("%zu events in %.2f s: %.0f events/s\n", n, (clock_mono_ms() - t0) / 1000.0,
	       n * 1000.0 / (double)(clock_mono_ms() - t0 + 1));
	free(line);
	fclose(f);
	plan_free(pl);
	store_close(st);
	config_free(cfg);
	return 0;
}
