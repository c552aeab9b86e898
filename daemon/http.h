/*
 * http.h — libcurl's multi interface on relanced's event loop (the pattern
 * of curl's docs/examples/ephiperfifo.c): curl's sockets are watched
 * through one inner epoll descriptor that the loop watches, curl's timeout
 * is a loop timer. One multi handle keeps connections alive between
 * transfers (SMTP sessions and HTTP keep-alive are reused), at most
 * `concurrency` transfers and connections at a time.
 *
 * Used for SMTP (smtp.c) and SMS gateways (sms.c); the dispatcher has one
 * per channel, decides what to send and keeps the number in flight at or
 * below each one's bound.
 */
#ifndef RELANCE_HTTP_H
#define RELANCE_HTTP_H

#include <stddef.h>
#include <curl/curl.h>

struct loop;
struct http;

/* How a send attempt ended (smtp_classify, sms_classify). SEND_AUTH: the
 * server or gateway refused relance itself (SMTP AUTH refused, HTTP
 * 401/403 on the credentials): a configuration fault, not the message's;
 * the channel pauses (contract section 4) and the reminder stays pending. */
enum send_result { SEND_OK = 0, SEND_TRANSIENT, SEND_PERMANENT, SEND_AUTH };

/* Called once per submitted transfer when it ends (or is aborted by
 * http_free with rc CURLE_ABORTED_BY_CALLBACK): rc, the protocol response
 * code (CURLINFO_RESPONSE_CODE) and the response body (NUL-terminated,
 * at most 64 KiB kept). The easy handle is cleaned up after the call. */
typedef void (*http_done_fn)(CURL *e, CURLcode rc, long code, const char *body, size_t len,
			     void *arg);

struct http *http_new(struct loop *l, int concurrency);
/* Aborts what is in flight (callbacks run) and frees. */
void http_free(struct http *h);
void http_set_concurrency(struct http *h, int concurrency);
/* Adds the transfer; takes the easy handle in every case. 0 or -1 (then
 * fn is not called). */
int http_submit(struct http *h, CURL *e, http_done_fn fn, void *arg);
/* Transfers in flight. */
int http_inflight(const struct http *h);
/* Runs the transfers in flight to completion, for at most timeout_ms
 * (used at stop: in-flight sends finish). Returns what is still in flight. */
int http_drain(struct http *h, int timeout_ms);

#endif
