/*
 * web_feeds.c — the calendar feeds over HTTP (contract section 3):
 *
 *   GET /feeds/{adviser,student,establishment}/<token>.ics
 *
 * A token is the only identity of a feed: an unknown or revoked token, or
 * any other path under /feeds/, is a plain 404. The body, its strong ETag
 * and Last-Modified come from feed_get() (feed.c renders and caches);
 * httpd answers 304 to a matching If-None-Match.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "httpd.h"
#include "util.h"
#include "web_feeds.h"

/* "/feeds/<kind>/<token>.ics": 0 with kind and token, -1 otherwise. */
static int
parse_path(const char *path, int *kind, char token[FEED_TOKEN_MAX + 1])
{
	const char *p = path + strlen("/feeds/"), *slash, *t;
	char kname[16];
	size_t n;

	if (strncmp(path, "/feeds/", 7) != 0)
		return -1;
	slash = strchr(p, '/');
	if (slash == NULL || (size_t)(slash - p) >= sizeof kname)
		return -1;
	memcpy(kname, p, (size_t)(slash - p));
	kname[slash - p] = '\0';
	*kind = feed_kind_parse(kname);
	if (*kind == 0)
		return -1;
	t = slash + 1;
	n = strlen(t);
	if (n < 5 || strcmp(t + n - 4, ".ics") != 0)
		return -1;
	n -= 4;
	if (n < 32 || n > FEED_TOKEN_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return -1;
	memcpy(token, t, n);
	token[n] = '\0';
	return 0;
}

static int
on_feed(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
	struct feed *f = arg;
	const struct feed_doc *c = NULL;
	char token[FEED_TOKEN_MAX + 1];
	int kind, rc;

	if (parse_path(req->path, &kind, token) != 0) {
		resp->status = 404;
		return 0;
	}
	rc = feed_get(f, kind, token, clock_now(), &c, NULL, 0);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		resp->status = 404;
		return 0;
	}
	resp->status = 200;
	resp->content_type = "text/calendar; charset=utf-8";
	resp->body = xmalloc(c->len + 1);
	memcpy(resp->body, c->body, c->len);
	resp->body_len = c->len;
	snprintf(resp->etag, sizeof resp->etag, "%s", c->etag);
	resp->last_modified = c->last_modified;
	return 0;
}

int
web_feeds_register(struct httpd *h, struct feed *f)
{
	return httpd_route(h, "/feeds/", 0, on_feed, f) ? -1 : 0;
}
