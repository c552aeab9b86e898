/*
 * http.c — libcurl multi interface bridged to the event loop (http.h), in
 * the manner of curl's docs/examples/ephiperfifo.c: CURLMOPT_SOCKETFUNCTION
 * registers curl's sockets in an inner epoll set (watched by the loop as a
 * single descriptor), CURLMOPT_TIMERFUNCTION arms a loop timer, and
 * curl_multi_socket_action() runs on readiness and timeouts.
 *
 * The inner epoll set keeps curl's sockets out of the loop's watch list:
 * curl opens and closes sockets from inside its callbacks, and an epoll
 * entry keyed by the fd number alone cannot dangle.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "loop.h"
#include "util.h"

#define BODY_MAX (64 * 1024)

struct xfer {
	CURL *e;
	http_done_fn fn;
	void *arg;
	char *body;
	size_t len, cap;
	struct xfer *prev, *next;
};

struct http {
	struct loop *loop;
	CURLM *multi;
	int ep;                  /* inner epoll set of curl's sockets */
	struct loop_timer *timer;
	struct xfer *xfers;      /* in flight */
	int inflight;
	int running;
	int concurrency;
};

static int curl_inited;

static void
check_done(struct http *h)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct xfer *x = NULL;
		long code = 0;
		CURLcode rc;

		if (m->msg != CURLMSG_DONE)
			continue;
		rc = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
		curl_multi_remove_handle(h->multi, m->easy_handle);
		if (x->prev)
			x->prev->next = x->next;
		else
			h->xfers = x->next;
		if (x->next)
			x->next->prev = x->prev;
		h->inflight--;
		x->fn(x->e, rc, code, x->body ? x->body : "", x->len, x->arg);
		curl_easy_cleanup(x->e);
		free(x->body);
		free(x);
	}
}

static void
on_events(int fd, uint32_t events, void *arg)
{
	struct http *h = arg;
	struct epoll_event evs[64];
	int n;
	(void)fd;
	(void)events;

	n = epoll_wait(h->ep, evs, (int)ARRAY_SIZE(evs), 0);
	for (int i = 0; i < n; i++) {
		int action = 0;
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))
			action |= CURL_CSELECT_IN;
		if (evs[i].events & EPOLLOUT)
			action |= CURL_CSELECT_OUT;
		if (evs[i].events & EPOLLERR)
			action |= CURL_CSELECT_ERR;
		curl_multi_socket_action(h->multi, evs[i].data.fd, action, &h->running);
	}
	check_done(h);
}

static void
on_timer(void *arg)
{
	struct http *h = arg;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &h->running);
	check_done(h);
}

static int
sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http *h = userp;
	struct epoll_event ev = { 0 };
	(void)e;
	(void)socketp;

	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(h->ep, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	ev.data.fd = s;
	if (epoll_ctl(h->ep, EPOLL_CTL_MOD, s, &ev) != 0) {
		if (errno != ENOENT || epoll_ctl(h->ep, EPOLL_CTL_ADD, s, &ev) != 0)
			log_warn("http: epoll_ctl on socket %d", s);
	}
	return 0;
}

static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct http *h = userp;
	(void)m;
	if (timeout_ms < 0)
		loop_timer_stop(h->timer);
	else
		loop_timer_set(h->timer, timeout_ms);
	return 0;
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nmemb, take = n;

	if (x->len + take > BODY_MAX)
		take = BODY_MAX - x->len;
	if (take) {
		if (x->len + take + 1 > x->cap) {
			x->cap = x->len + take + 1 < 1024 ? 1024 : (x->len + take + 1) * 2;
			x->body = xrealloc(x->body, x->cap);
		}
		memcpy(x->body + x->len, ptr, take);
		x->len += take;
		x->body[x->len] = '\0';
	}
	return n;
}

struct http *
http_new(struct loop *l, int concurrency)
{
	struct http *h = xcalloc(1, sizeof *h);

	if (!curl_inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			fatalx("curl_global_init");
		curl_inited = 1;
	}
	h->loop = l;
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	if (h->ep < 0)
		fatal("epoll_create1");
	if (loop_add_fd(l, h->ep, EPOLLIN, on_events, h) != 0)
		fatalx("cannot watch curl's sockets");
	h->timer = loop_timer_new(l, on_timer, h);
	h->multi = curl_multi_init();
	if (h->multi == NULL)
		fatalx("curl_multi_init");
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	http_set_concurrency(h, concurrency);
	return h;
}

void
http_set_concurrency(struct http *h, int concurrency)
{
	h->concurrency = concurrency > 0 ? concurrency : 1;
	/* Connections: one per transfer in flight, kept for reuse. */
	curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)h->concurrency);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->concurrency);
	/* HTTP/1.1 keep-alive: no pipelining, no multiplexing surprises. */
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
}

int
http_submit(struct http *h, CURL *e, http_done_fn fn, void *arg)
{
	struct xfer *x = xcalloc(1, sizeof *x);

	x->e = e;
	x->fn = fn;
	x->arg = arg;
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		log_warnx("http: cannot add a transfer");
		curl_easy_cleanup(e);
		free(x);
		return -1;
	}
	x->next = h->xfers;
	if (h->xfers)
		h->xfers->prev = x;
	h->xfers = x;
	h->inflight++;
	return 0;
}

int
http_inflight(const struct http *h)
{
	return h ? h->inflight : 0;
}

int
http_drain(struct http *h, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;

	while (h->inflight > 0) {
		int64_t left = deadline - clock_mono_ms();
		long t = -1;
		int numfds = 0;
		if (left <= 0)
			break;
		curl_multi_timeout(h->multi, &t);
		if (t < 0 || t > left)
			t = (long)left;
		if (t > 100)
			t = 100;
		/* curl_multi_poll would not see our inner epoll set: wait on it. */
		struct epoll_event ev;
		if (epoll_wait(h->ep, &ev, 1, (int)t) > 0)
			on_events(h->ep, EPOLLIN, h);
		else
			on_timer(h);
		(void)numfds;
	}
	return h->inflight;
}

void
http_free(struct http *h)
{
	struct xfer *x, *n;

	if (h == NULL)
		return;
	for (x = h->xfers; x; x = n) {
		n = x->next;
		curl_multi_remove_handle(h->multi, x->e);
		x->fn(x->e, CURLE_ABORTED_BY_CALLBACK, 0, "", 0, x->arg);
		curl_easy_cleanup(x->e);
		free(x->body);
		free(x);
	}
	curl_multi_cleanup(h->multi);
	loop_timer_free(h->timer);
	loop_del_fd(h->loop, h->ep);
	close(h->ep);
	free(h);
}
