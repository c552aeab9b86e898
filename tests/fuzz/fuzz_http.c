/*
 * fuzz_http.c — libFuzzer harness for relanced's HTTP request paths: the
 * route table (httpd.c: longest prefix), the feed path parser and handler
 * (web_feeds.c: /feeds/<kind>/<token>.ics), /healthz and /metrics
 * (web_metrics.c) on a real store, and the If-None-Match comparison against
 * the answer's ETag. Reached without sockets: httpd.c is included here for
 * its static functions (so this program links the other daemon objects,
 * not httpd.o).
 *
 * Input: "PATH\nIF-NONE-MATCH" (the second line optional).
 */
#define _GNU_SOURCE
#include "../../daemon/httpd.c"
#include "../../daemon/config.h"
#include "../../daemon/feed.h"
#include "../../daemon/store.h"
#include "../../daemon/web_feeds.h"
#include "../../daemon/web_metrics.h"

#include <sqlite3.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An adviser and an establishment with known feed tokens (seed corpus). */
#define TOKEN_ADV "0123456789abcdef0123456789abcdef"
#define TOKEN_EST "fedcba9876543210fedcba9876543210"

static struct httpd *h;
static struct feed *f;

static char dir[] = "/tmp/relance-fuzz-http.XXXXXX";

/* The store's directory goes when the fuzzer exits. */
static void
cleanup(void)
{
	static const char *const names[] = { "relance.db", "relance.db-wal", "relance.db-shm" };
	char path[96];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void
setup(void)
{
	static struct web_metrics_src src;   /* no consumer: the store's health only */
	char path[96], err[256];
	struct config *cfg = config_default();
	struct store *st;
	sqlite3 *db;

	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	snprintf(path, sizeof path, "%s/relance.db", dir);
	st = store_open(path, false, err, sizeof err);
	if (st == NULL) {
		fprintf(stderr, "store_open: %s\n", err);
		abort();
	}
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
			 "INSERT INTO advisers VALUES('adv1','Amélie','a@example.org','" TOKEN_ADV "');"
			 "INSERT INTO establishments VALUES('0570123X','Lycée','" TOKEN_EST "');",
			 NULL, NULL, NULL) != SQLITE_OK)
		abort();
	sqlite3_close(db);
	tz_set(cfg->calendar.timezone ? cfg->calendar.timezone : "Europe/Paris");
	f = feed_new(cfg, st);
	src.st = st;
	src.feed = f;
	h = xcalloc(1, sizeof *h);
	if (web_feeds_register(h, f) != 0 || web_metrics_register(h, &src) != 0)
		abort();
	/* The store lives as long as the process, the directory until exit. */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpd_request req;
	struct httpd_response resp;
	const struct route *rt;
	char *path, *inm = NULL, *nl;

	if (h == NULL)
		setup();
	if (size > HTTPD_MAX_URI + 256)
		return 0;
	path = malloc(size + 1);
	if (path == NULL)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	nl = strchr(path, '\n');
	if (nl) {
		*nl = '\0';
		inm = nl + 1;
	}
	memset(&req, 0, sizeof req);
	memset(&resp, 0, sizeof resp);
	req.method = "GET";
	req.path = path;
	req.client_ip = "127.0.0.1";
	rt = route_for(h, path);
	if (rt != NULL) {
		if (strncmp(path, rt->prefix, rt->len) != 0)
			abort();
		if (rt->fn(&req, &resp, rt->arg) == 0) {
			if (resp.status < 100 || resp.status > 599)
				abort();
			if (resp.body != NULL && strlen(resp.etag) >= sizeof resp.etag)
				abort();
			(void)etag_matches(inm, resp.etag);
		}
		free(resp.body);
	}
	if (inm)
		(void)etag_matches(inm, "\"0123456789abcdef\"");
	free(path);
	return 0;
}
