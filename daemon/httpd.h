/*
 * httpd.h — relanced's HTTP server (libmicrohttpd), driven by the event loop
 * (MHD's epoll fd watched by loop.c, MHD_run on readiness and on MHD's
 * timeout; single-threaded, so handlers may use the store directly).
 *
 * Modules register handlers for path prefixes; httpd owns sockets, limits
 * (GET/HEAD only unless a route allows POST, bounded URL and body sizes),
 * and answers 404 to anything else.
 */
#ifndef RELANCE_HTTPD_H
#define RELANCE_HTTPD_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct httpd;

struct httpd_request {
	const char *method;         /* "GET", "HEAD", "POST" */
	const char *path;           /* URL path, without the query */
	const char *client_ip;      /* textual address of the peer */
	void *conn;                 /* opaque, for httpd_arg() / httpd_header() */
	const char *body;           /* POST body (NUL-terminated), or NULL */
	size_t body_len;
};

#define HTTPD_RESP_HEADERS 8
#define HTTPD_HEADER_VALUE 192

struct httpd_response {
	int status;                 /* 200, 304, 404, ... */
	char *body;                 /* malloc'd, freed by httpd; NULL: empty */
	size_t body_len;
	const char *content_type;   /* static string */
	char etag[72];              /* strong ETag with quotes, or "" */
	int64_t last_modified;      /* epoch seconds, or 0 */
	const char *cache_control;  /* static string; NULL: "no-cache" */
	int nheaders;               /* more headers: httpd_resp_header() */
	struct {
		const char *name;   /* static string */
		char value[HTTPD_HEADER_VALUE];
	} headers[HTTPD_RESP_HEADERS];
};

/* A handler fills resp; returns 0, or -1 for a 500. */
typedef int (*httpd_handler)(const struct httpd_request *req, struct httpd_response *resp,
			     void *arg);

/* Listens on host:port (port 0: an ephemeral port, see httpd_port()).
 * NULL with a reason in err. */
struct httpd *httpd_new(struct loop *l, const char *host, int port, char *err, size_t errlen);
void httpd_free(struct httpd *h);
int httpd_port(const struct httpd *h);
/* Routes: the longest matching prefix wins. allow_post: accept POST too. */
int httpd_route(struct httpd *h, const char *prefix, int allow_post, httpd_handler fn, void *arg);
/* A longer request target for the route of prefix (registered before),
 * at most 16 KiB (default 2 KiB; 414 beyond): for callbacks that put
 * long texts in the query, as Kannel's get-url does. 0, or -1 when no
 * such route. */
int httpd_route_max_uri(struct httpd *h, const char *prefix, size_t max);
/* Query argument or request header of the request being handled. */
const char *httpd_arg(const struct httpd_request *req, const char *name);
const char *httpd_header(const struct httpd_request *req, const char *name);

/* One more header of the response (name static, value copied; a value
 * with CR or LF, too long, or past HTTPD_RESP_HEADERS is refused): 0, -1. */
int httpd_resp_header(struct httpd_response *resp, const char *name, const char *value);

/* The field name of an application/x-www-form-urlencoded body (the first
 * one when repeated), decoded ('+' a space, %XX an octet) into out: its
 * length, or -1 when absent, too long for out, or decoding to a NUL. */
int httpd_form_field(const char *body, size_t len, const char *name, char *out, size_t outlen);

/* The address of the client. The peer's, unless the peer is one of
 * proxies (comma-separated addresses, e.g. "127.0.0.1, ::1"; NULL or
 * "": none): then the last address of X-Forwarded-For (the one the proxy
 * saw and appended; of its last line when sent several times), else
 * X-Real-IP (its last line), when it is a valid address. A
 * client's own X-Forwarded-For is never believed. IPv4-mapped IPv6
 * addresses are written as IPv4. httpd_pick_client() is the rule alone. */
void httpd_client_addr(const struct httpd_request *req, const char *proxies, char *out,
		       size_t outlen);
void httpd_pick_client(const char *peer, const char *xff, const char *xri, const char *proxies,
		       char *out, size_t outlen);

#endif
