/*
 * httpd.c — relanced's HTTP server on libmicrohttpd (RFC 9110/9112 through
 * MHD): a table of routes (path prefixes) filled by the web_*.c modules,
 * which know what is served; this file knows only HTTP.
 *
 * Ownership: MHD runs without a thread of its own (MHD_USE_EPOLL). Its
 * epoll descriptor is watched by the daemon's loop, which calls MHD_run()
 * when it is readable and when MHD's own timeout (connection timeouts,
 * buffered data) expires, so every handler runs on the loop's thread and
 * may use the store directly.
 *
 * Limits: GET and HEAD only, unless the route allows POST (405 otherwise,
 * with Allow); the request target is at most HTTPD_MAX_URI octets, or what
 * httpd_route_max_uri() allows its route (414);
 * a POST body at most HTTPD_MAX_BODY octets (413); headers are bounded by
 * MHD's per-connection memory pool (431 from MHD). Unknown paths get a
 * plain 404 that says nothing more. Nothing here touches the filesystem.
 * A path with an encoded NUL or '/' (%00, %2F) is refused (400), and so is
 * an HTTP/1.1 request without Host (RFC 9112 3.2).
 *
 * Slow and hostile clients (contract section 6): a connection idle for
 * HTTPD_IDLE_TIMEOUT seconds is closed, one client address holds at most
 * HTTPD_PER_ADDRESS connections (more are closed as they are accepted), so
 * a slowloris from one address leaves the others served.
 *
 * Handlers may add headers of their own (httpd_resp_header: security
 * headers, Location, Retry-After) and choose Cache-Control; they read
 * urlencoded form bodies with httpd_form_field() and the client's address
 * behind a trusted reverse proxy with httpd_client_addr().
 *
 * Conditional requests: when the handler gives a strong ETag and the
 * request's If-None-Match names it (or is "*"), the answer is 304 without
 * a body.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <microhttpd.h>

#include "httpd.h"
#include "log.h"
#include "loop.h"
#include "util.h"

#define HTTPD_MAX_URI 2048
#define HTTPD_MAX_LONG_URI 16384    /* httpd_route_max_uri(): at most this */
#define HTTPD_MAX_BODY 8192
#define HTTPD_MAX_ROUTES 32
#define HTTPD_MAX_CONNECTIONS 512
#define HTTPD_PER_ADDRESS 32
#define HTTPD_IDLE_TIMEOUT 10        /* seconds */
#define HTTPD_MEMORY_LIMIT (32 * 1024)

struct route {
	char *prefix;
	size_t len;
	int allow_post;
	size_t max_uri;             /* longest request target, HTTPD_MAX_URI unless set */
	httpd_handler fn;
	void *arg;
};

struct httpd {
	struct MHD_Daemon *d;
	struct loop *loop;
	struct loop_timer *timer;
	int epfd;
	int port;
	struct route routes[HTTPD_MAX_ROUTES];
	int nroutes;
};

/* Per request, created by the URI log callback before anything else. */
struct reqctx {
	size_t urilen;
	char *body;
	size_t body_len;
	int too_big;
	int bad_path;           /* the raw path has %00 or %2F */
	uintptr_t uri_at;       /* where MHD had the raw request target */
};

/* ---- loop integration -------------------------------------------------------- */

static void
rearm(struct httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;
	if (MHD_get_timeout(h->d, &ms) == MHD_YES)
		loop_timer_set(h->timer, ms > 1000 ? 1000 : (int64_t)ms);
	else
		loop_timer_set(h->timer, 1000);
}

static void
on_ready(int fd, uint32_t events, void *arg)
{
	struct httpd *h = arg;
	MHD_run(h->d);
	rearm(h);
}

static void
on_timer(void *arg)
{
	struct httpd *h = arg;
	MHD_run(h->d);
	rearm(h);
}

/* ---- requests ------------------------------------------------------------------ */

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];
	vsnprintf(buf, sizeof buf, fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("httpd: %s", buf);
}

/* 1 when the raw (still encoded) path of uri hides a NUL or a '/'. */
static int
bad_raw_path(const char *uri)
{
	size_t n = strcspn(uri, "?");
	for (size_t i = 0; i + 2 < n; i++)
		if (uri[i] == '%' && ((uri[i + 1] == '0' && uri[i + 2] == '0') ||
		     (uri[i + 1] == '2' && (uri[i + 2] == 'f' || uri[i + 2] == 'F'))))
			return 1;
	return 0;
}

static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct reqctx *rc = xcalloc(1, sizeof *rc);
	rc->urilen = uri ? strlen(uri) : 0;
	rc->bad_path = uri ? bad_raw_path(uri) : 0;
	rc->uri_at = (uintptr_t)uri;
	return rc;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	  enum MHD_RequestTerminationCode toe)
{
	struct reqctx *rc = *con_cls;
	if (rc) {
		free(rc->body);
		free(rc);
		*con_cls = NULL;
	}
}

static enum MHD_Result
send_text(struct MHD_Connection *conn, unsigned status, const char *text, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static const struct route *
route_for(const struct httpd *h, const char *path)
{
	const struct route *best = NULL;
	for (int i = 0; i < h->nroutes; i++) {
		const struct route *r = &h->routes[i];
		if (strncmp(path, r->prefix, r->len) == 0 && (best == NULL || r->len > best->len))
			best = r;
	}
	return best;
}

/* If-None-Match (RFC 9110 13.1.2, weak comparison) against our ETag. */
static int
etag_matches(const char *inm, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = inm;

	if (etag[0] == '\0' || inm == NULL)
		return 0;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' ' ||
						   p[n] == '\t'))
			return 1;
		while (*p && *p != ',')
			p++;
	}
	return 0;
}

static void
http_date(int64_t t, char out[40])
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void
client_ip(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, len, "?");
	if (ci == NULL || ci->client_addr == NULL)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
			  out, (socklen_t)len);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr, out,
			  (socklen_t)len);
}

static enum MHD_Result
dispatch(const struct route *rt, struct MHD_Connection *conn, const char *url, const char *method,
	 struct reqctx *rc)
{
	struct httpd_request req;
	struct httpd_response resp;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char ip[INET6_ADDRSTRLEN + 1], date[40];
	unsigned status;

	client_ip(conn, ip, sizeof ip);
	memset(&req, 0, sizeof req);
	memset(&resp, 0, sizeof resp);
	req.method = method;
	req.path = url;
	req.client_ip = ip;
	req.conn = conn;
	req.body = rc->body;
	req.body_len = rc->body_len;
	resp.status = 200;
	if (rt->fn(&req, &resp, rt->arg) != 0) {
		free(resp.body);
		return send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n", NULL);
	}
	status = (unsigned)resp.status;
	if (status == 200 && etag_matches(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
								  MHD_HTTP_HEADER_IF_NONE_MATCH),
					  resp.etag)) {
		status = MHD_HTTP_NOT_MODIFIED;
		xfree(resp.body);
		resp.body_len = 0;
	}
	if (status == 404 && resp.body == NULL)
		return send_text(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
	r = MHD_create_response_from_buffer(resp.body ? resp.body_len : 0,
					    resp.body ? resp.body : (void *)(uintptr_t)"",
					    resp.body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		free(resp.body);
		return MHD_NO;
	}
	if (resp.content_type && status != MHD_HTTP_NOT_MODIFIED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp.content_type);
	if (resp.etag[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, resp.etag);
	if (resp.last_modified > 0) {
		http_date(resp.last_modified, date);
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	}
	for (int i = 0; i < resp.nheaders && i < HTTPD_RESP_HEADERS; i++)
		MHD_add_response_header(r, resp.headers[i].name, resp.headers[i].value);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				resp.cache_control ? resp.cache_control : "no-cache");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct httpd *h = cls;
	struct reqctx *rc = *con_cls;
	const struct route *rt;
	int is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

	if (rc == NULL) {       /* no URI log callback ran: cannot happen */
		rc = xcalloc(1, sizeof *rc);
		*con_cls = rc;
	}
	rt = url[0] == '/' ? route_for(h, url) : NULL;
	if (rc->urilen > (rt ? rt->max_uri : HTTPD_MAX_URI))
		return send_text(conn, MHD_HTTP_URI_TOO_LONG, "request target too long\n", NULL);
	/* MHD splits the request line in place ("GET /x HTTP/1.1": the space
	 * before the version becomes the target's end): a version further
	 * than that means a raw NUL cut the target short. */
	if (rc->bad_path || strlen(url) != strcspn(url, "\r\n") ||
	    (version[0] && rc->uri_at && (uintptr_t)version != rc->uri_at + rc->urilen + 1))
		return send_text(conn, MHD_HTTP_BAD_REQUEST, "bad request target\n", NULL);
	if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST) == NULL)
		return send_text(conn, MHD_HTTP_BAD_REQUEST, "Host required\n", NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0 &&
	    !(is_post && rt && rt->allow_post))
		return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
				 rt && rt->allow_post ? "GET, HEAD, POST" : "GET, HEAD");
	if (rt == NULL)
		return send_text(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
	if (is_post) {
		if (*upload_data_size > 0) {
			if (rc->too_big || rc->body_len + *upload_data_size > HTTPD_MAX_BODY) {
				rc->too_big = 1;
			} else {
				rc->body = xrealloc(rc->body, rc->body_len + *upload_data_size + 1);
				memcpy(rc->body + rc->body_len, upload_data, *upload_data_size);
				rc->body_len += *upload_data_size;
				rc->body[rc->body_len] = '\0';
			}
			*upload_data_size = 0;
			return MHD_YES;
		}
		/* First call (headers only) of a POST: wait for the body. */
		if (rc->body == NULL && !rc->too_big) {
			const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
								     MHD_HTTP_HEADER_CONTENT_LENGTH);
			if (cl && strtoull(cl, NULL, 10) > HTTPD_MAX_BODY)
				return send_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "body too large\n", NULL);
			if (cl && strtoull(cl, NULL, 10) > 0) {
				rc->body = xcalloc(1, 1);
				return MHD_YES;
			}
		}
		if (rc->too_big)
			return send_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "body too large\n", NULL);
	}
	return dispatch(rt, conn, url, method, rc);
}

/* ---- public --------------------------------------------------------------------- */

void
httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	/* Also what httpd_new() undoes when it fails half-way. */
	if (h->epfd >= 0)
		loop_del_fd(h->loop, h->epfd);
	loop_timer_free(h->timer);
	if (h->d)
		MHD_stop_daemon(h->d);
	for (int i = 0; i < h->nroutes; i++)
		free(h->routes[i].prefix);
	free(h);
}

struct httpd *
httpd_new(struct loop *l, const char *host, int port, char *err, size_t errlen)
{
	struct httpd *h = xcalloc(1, sizeof *h);
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	const union MHD_DaemonInfo *di;
	char portstr[16];
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int rc;

	h->epfd = -1;              /* not watched yet */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(portstr, sizeof portstr, "%d", port);
	rc = getaddrinfo(host && host[0] ? host : NULL, portstr, &hints, &ai);
	if (rc != 0 || ai == NULL) {
		snprintf(err, errlen, "%s: %s", host ? host : "*", gai_strerror(rc));
		goto fail;
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->loop = l;
	h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, h,
				MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
				MHD_OPTION_URI_LOG_CALLBACK, uri_log, h,
				MHD_OPTION_NOTIFY_COMPLETED, completed, h,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTPD_MAX_CONNECTIONS,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTPD_PER_ADDRESS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTPD_IDLE_TIMEOUT,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPD_MEMORY_LIMIT,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
				MHD_OPTION_END);
	freeaddrinfo(ai);
	if (h->d == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", host ? host : "*", port,
			 errno ? strerror(errno) : "libmicrohttpd refused");
		goto fail;
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_LISTEN_FD);
	if (di && getsockname(di->listen_fd, (struct sockaddr *)&ss, &sslen) == 0)
		h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							 : ((struct sockaddr_in *)&ss)->sin_port);
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (di == NULL || di->epoll_fd < 0) {
		snprintf(err, errlen, "libmicrohttpd has no epoll descriptor");
		goto fail;
	}
	if (loop_add_fd(l, di->epoll_fd, EPOLLIN, on_ready, h) != 0) {
		snprintf(err, errlen, "cannot watch libmicrohttpd's descriptor");
		goto fail;
	}
	h->epfd = di->epoll_fd;
	h->timer = loop_timer_new(l, on_timer, h);
	rearm(h);
	return h;
fail:
	httpd_free(h);
	return NULL;
}

int httpd_port(const struct httpd *h) { return h->port; }

int
httpd_route(struct httpd *h, const char *prefix, int allow_post, httpd_handler fn, void *arg)
{
	struct route *r;
	if (h->nroutes >= HTTPD_MAX_ROUTES || prefix == NULL || prefix[0] != '/')
		return -1;
	r = &h->routes[h->nroutes++];
	r->prefix = xstrdup(prefix);
	r->len = strlen(prefix);
	r->allow_post = allow_post;
	r->max_uri = HTTPD_MAX_URI;
	r->fn = fn;
	r->arg = arg;
	return 0;
}

int
httpd_route_max_uri(struct httpd *h, const char *prefix, size_t max)
{
	for (int i = 0; i < h->nroutes; i++)
		if (strcmp(h->routes[i].prefix, prefix) == 0) {
			h->routes[i].max_uri = max < HTTPD_MAX_LONG_URI ? max : HTTPD_MAX_LONG_URI;
			return 0;
		}
	return -1;
}

const char *
httpd_arg(const struct httpd_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
httpd_header(const struct httpd_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

int
httpd_resp_header(struct httpd_response *resp, const char *name, const char *value)
{
	size_t n = strlen(value);
	if (resp->nheaders >= HTTPD_RESP_HEADERS || n >= HTTPD_HEADER_VALUE ||
	    strcspn(value, "\r\n") != n)
		return -1;
	resp->headers[resp->nheaders].name = name;
	memcpy(resp->headers[resp->nheaders].value, value, n + 1);
	resp->nheaders++;
	return 0;
}

int
httpd_form_field(const char *body, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name), i = 0;

	while (body && i < len) {
		size_t end = i, eq;
		while (end < len && body[end] != '&')
			end++;
		for (eq = i; eq < end && body[eq] != '='; eq++)
			;
		if (eq - i == nl && memcmp(body + i, name, nl) == 0) {
			size_t vl = eq < end ? end - eq - 1 : 0, n;
			if (vl >= outlen)
				return -1;
			memcpy(out, body + eq + 1, vl);
			out[vl] = '\0';
			for (size_t k = 0; k < vl; k++)
				if (out[k] == '+')
					out[k] = ' ';
			n = MHD_http_unescape(out);
			return n == strlen(out) ? (int)n : -1;
		}
		i = end + 1;
	}
	return -1;
}

/* An address in its plain form ("::ffff:1.2.3.4" as "1.2.3.4"), or "" when
 * s (up to n octets, spaces around ignored) is not an address. */
static void
plain_addr(const char *s, size_t n, char out[INET6_ADDRSTRLEN + 1])
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char bin[sizeof(struct in6_addr)];

	out[0] = '\0';
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof buf)
		return;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, bin) == 1) {
		inet_ntop(AF_INET, bin, out, INET6_ADDRSTRLEN + 1);
	} else if (inet_pton(AF_INET6, buf, bin) == 1) {
		if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)(void *)bin))
			inet_ntop(AF_INET, bin + 12, out, INET6_ADDRSTRLEN + 1);
		else
			inet_ntop(AF_INET6, bin, out, INET6_ADDRSTRLEN + 1);
	}
}

static int
in_list(const char *addr, const char *list)
{
	char a[INET6_ADDRSTRLEN + 1];
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ",");
		plain_addr(p, n, a);
		if (a[0] && strcmp(a, addr) == 0)
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

void
httpd_pick_client(const char *peer, const char *xff, const char *xri, const char *proxies,
		  char *out, size_t outlen)
{
	char p[INET6_ADDRSTRLEN + 1], c[INET6_ADDRSTRLEN + 1] = "";

	plain_addr(peer ? peer : "", peer ? strlen(peer) : 0, p);
	if (p[0] && in_list(p, proxies)) {
		if (xff && *xff) {
			const char *last = strrchr(xff, ',');
			last = last ? last + 1 : xff;
			plain_addr(last, strlen(last), c);
		}
		if (c[0] == '\0' && xri)
			plain_addr(xri, strlen(xri), c);
	}
	snprintf(out, outlen, "%s", c[0] ? c : p[0] ? p : "?");
}

struct last_header {
	const char *name, *value;
};

static enum MHD_Result
keep_last(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct last_header *h = cls;
	(void)kind;
	if (key && value && strcasecmp(key, h->name) == 0)
		h->value = value;
	return MHD_YES;
}

/* The last line of a header sent several times: a proxy that adds its own
 * X-Forwarded-For line (HAProxy's option forwardfor) puts it after the
 * client's, and MHD_lookup_connection_value() gives the first. */
static const char *
last_header(const struct httpd_request *req, const char *name)
{
	struct last_header h = { name, NULL };
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, keep_last, &h);
	return h.value;
}

void
httpd_client_addr(const struct httpd_request *req, const char *proxies, char *out, size_t outlen)
{
	httpd_pick_client(req->client_ip, last_header(req, "X-Forwarded-For"),
			  last_header(req, "X-Real-IP"), proxies, out, outlen);
}
