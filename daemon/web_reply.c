/*
 * web_reply.c — the students' page over HTTP (contract section 8): what a
 * request to /r/<code> may see and do; the answers themselves are reply.h's,
 * the HTML web_reply_page.h's.
 *
 *   GET/HEAD /r/CODE[?done=confirm|cancel|move]
 *       the appointment of CODE with its forms (200), or a plain 404 for a
 *       code of the wrong shape (link_code_shape, checked before any store
 *       lookup), unknown, or whose appointment started. Never changes
 *       anything; ?done= adds what was just done when it is so.
 *   POST /r/CODE   token=T&action=confirm|cancel|move[&slot=EPOCH]
 *       (application/x-www-form-urlencoded). T must be link_token(key,
 *       CODE, the appointment's sequence): missing or wrong (another
 *       page's, another code's) → 403, nothing changes. A token of an
 *       earlier sequence (a form shown before a change): 303 when the
 *       change asked is already so (double tap), else 409 with the page as
 *       it is now. Done or already so → 303 See Other to CODE?done=ACTION
 *       (post/redirect/get: a reload does not post again). Refused (moves
 *       used up, slot taken, cancelled) → 409 with the reason in the
 *       student's words.
 *
 * Failed lookups (404) are counted per client address (ratelimit.h):
 * WR_FAIL_MAX in WR_FAIL_WINDOW seconds, then every /r/ request from that
 * address gets 429 with Retry-After until the window ends; an IPv6 client
 * counts by its /64. The client address is the peer's, or the one
 * X-Forwarded-For / X-Real-IP give when the peer is one of [answers]
 * proxies (httpd_client_addr).
 *
 * Every answer carries Cache-Control: no-store, Referrer-Policy:
 * no-referrer (the code is in the URL), X-Content-Type-Options: nosniff,
 * and a Content-Security-Policy allowing nothing but the page's inline
 * style and forms posted to itself, never framed.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "httpd.h"
#include "link.h"
#include "log.h"
#include "ratelimit.h"
#include "reply.h"
#include "util.h"
#include "web_reply.h"
#include "web_reply_page.h"

#define WR_FAIL_MAX 20          /* failed lookups per address ... */
#define WR_FAIL_WINDOW 600      /* ... in this many seconds */
#define WR_TABLE 4096           /* addresses remembered */
#define WR_STALE_BACK 64        /* earlier sequences a token is recognised from */

#define CSP "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; " \
	    "frame-ancestors 'none'; base-uri 'none'"

struct web_reply {
	const struct config *cfg;
	struct reply *r;
	struct ratelimit *rl;
	struct web_reply_stats stats;
};

enum act { ACT_NONE = -1, ACT_CONFIRM, ACT_CANCEL, ACT_MOVE };
static const char *const act_name[] = { "confirm", "cancel", "move" };

/* ---- answers -------------------------------------------------------------------- */

static void
secure(struct httpd_response *resp)
{
	resp->cache_control = "no-store";
	httpd_resp_header(resp, "Referrer-Policy", "no-referrer");
	httpd_resp_header(resp, "X-Content-Type-Options", "nosniff");
	httpd_resp_header(resp, "X-Frame-Options", "DENY");
	httpd_resp_header(resp, "Content-Security-Policy", CSP);
}

static void
html(struct httpd_response *resp, int status, char *body, size_t len)
{
	resp->status = status;
	resp->body = body;
	resp->body_len = len;
	resp->content_type = "text/html; charset=utf-8";
}

static void
plain(struct httpd_response *resp, int status, enum page_plain what)
{
	size_t len;
	char *body = page_plain_html(what, &len);
	html(resp, status, body, len);
}

static void
see_other(struct httpd_response *resp, const char *code, enum act a)
{
	char loc[LINK_CODE_LEN + 32];
	/* Relative to /r/CODE: the page itself, behind any proxy prefix. */
	snprintf(loc, sizeof loc, "%s?done=%s", code, act_name[a]);
	resp->status = 303;
	httpd_resp_header(resp, "Location", loc);
}

/* The page of v, with its forms (fresh token and free slots). */
static void
page(struct web_reply *w, struct httpd_response *resp, int status, const char *code,
     const struct reply_view *v, enum page_notice n)
{
	int64_t slots[REPLY_SLOTS];
	char token[LINK_TOKEN_LEN + 1];
	struct page p = { .v = v, .code = code, .token = token, .slots = slots, .notice = n };
	size_t len;
	char *body;

	link_token(reply_key(w->r), code, v->sequence, token);
	if (v->status == APPT_CONFIRMED && v->moves < REPLY_MAX_MOVES) {
		p.nslots = reply_free_slots(w->r, v, clock_now(), slots, REPLY_SLOTS);
		if (p.nslots < 0) {
			log_warnx("page: free slots of %s: store error", v->uid);
			p.nslots = 0;
		}
	}
	body = page_html(&p, &len);
	html(resp, status, body, len);
}

/* ---- who is asking ------------------------------------------------------------- */

/* The rate-limit key of the client: its address, an IPv6 one by its /64. */
static void
client_key(struct web_reply *w, const struct httpd_request *req, char out[RATELIMIT_KEY_MAX + 1])
{
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];

	httpd_client_addr(req, w->cfg->answers.proxies, addr, sizeof addr);
	if (strchr(addr, ':') && inet_pton(AF_INET6, addr, bin) == 1) {
		memset(bin + 8, 0, 8);
		inet_ntop(AF_INET6, bin, addr, sizeof addr);
		snprintf(out, RATELIMIT_KEY_MAX + 1, "%s/64", addr);
	} else {
		snprintf(out, RATELIMIT_KEY_MAX + 1, "%s", addr);
	}
}

static int64_t
mono_s(void)
{
	return clock_mono_ms() / 1000;
}

/* A lookup that found nothing: counted against the client, 404. */
static void
not_found(struct web_reply *w, struct httpd_response *resp, const char *who)
{
	w->stats.lookups_failed++;
	ratelimit_fail(w->rl, who, mono_s());
	plain(resp, 404, PLAIN_NOT_FOUND);
}

/* The appointment of the request's code: 1 (v filled, *code set), or 0
 * with the answer made (404, 503). */
static int
lookup(struct web_reply *w, const struct httpd_request *req, struct httpd_response *resp,
       const char *who, const char **code, struct reply_view *v)
{
	const char *c = req->path + 3;     /* after "/r/" */
	int rc;

	if (!link_code_shape(c)) {
		not_found(w, resp, who);
		return 0;
	}
	rc = reply_lookup(w->r, c, clock_now(), v);
	if (rc < 0) {
		log_err("page: store error looking up a code");
		plain(resp, 503, PLAIN_UNAVAILABLE);
		return 0;
	}
	if (rc == 0) {
		not_found(w, resp, who);
		return 0;
	}
	*code = c;
	return 1;
}

/* ---- GET ------------------------------------------------------------------------- */

/* ?done=: what was just done, when the appointment says so. */
static enum page_notice
done_notice(const struct httpd_request *req, const struct reply_view *v)
{
	const char *d = httpd_arg(req, "done");
	if (d == NULL)
		return NOTICE_NONE;
	if (strcmp(d, "confirm") == 0 && v->status == APPT_CONFIRMED &&
	    v->answer == ANSWER_CONFIRMED)
		return NOTICE_DONE_CONFIRM;
	if (strcmp(d, "cancel") == 0 && v->status == APPT_CANCELLED &&
	    v->answer == ANSWER_CANCELLED)
		return NOTICE_DONE_CANCEL;
	if (strcmp(d, "move") == 0 && v->status == APPT_CONFIRMED && v->moves > 0)
		return NOTICE_DONE_MOVE;
	return NOTICE_NONE;
}

static void
on_get(struct web_reply *w, const struct httpd_request *req, struct httpd_response *resp,
       const char *who)
{
	struct reply_view v;
	const char *code;

	if (!lookup(w, req, resp, who, &code, &v))
		return;
	if (strcmp(req->method, "GET") == 0)
		w->stats.views++;
	page(w, resp, 200, code, &v, done_notice(req, &v));
}

/* ---- POST ------------------------------------------------------------------------ */

struct answer_form {
	enum act act;
	int64_t slot;           /* move: the slot chosen, or 0 */
	int has_token;
	char token[LINK_TOKEN_LEN + 8];
};

static void
read_form(const struct httpd_request *req, struct answer_form *f)
{
	char a[16], s[24], *end = NULL;

	memset(f, 0, sizeof *f);
	f->act = ACT_NONE;
	f->has_token = httpd_form_field(req->body, req->body_len, "token", f->token,
					sizeof f->token) > 0;
	if (httpd_form_field(req->body, req->body_len, "action", a, sizeof a) > 0)
		for (int i = 0; i < (int)ARRAY_SIZE(act_name); i++)
			if (strcmp(a, act_name[i]) == 0)
				f->act = (enum act)i;
	if (httpd_form_field(req->body, req->body_len, "slot", s, sizeof s) > 0) {
		long long t = strtoll(s, &end, 10);
		if (end && *end == '\0' && t > 0)
			f->slot = t;
	}
}

/* The change f asks is already so on v (a double tap). */
static int
already_so(const struct reply_view *v, const struct answer_form *f)
{
	switch (f->act) {
	case ACT_CONFIRM: return v->status == APPT_CONFIRMED && v->answer == ANSWER_CONFIRMED;
	case ACT_CANCEL: return v->status == APPT_CANCELLED && v->answer == ANSWER_CANCELLED;
	case ACT_MOVE: return v->status == APPT_CONFIRMED && v->starts_at == f->slot;
	default: return 0;
	}
}

/* The token is one of an earlier sequence of this code. */
static int
stale_token(struct web_reply *w, const char *code, const struct reply_view *v, const char *token)
{
	for (int s = v->sequence - 1; s >= 0 && s >= v->sequence - WR_STALE_BACK; s--)
		if (link_token_ok(reply_key(w->r), code, s, token))
			return 1;
	return 0;
}

/* Why an answer was refused, from the appointment as it is now. */
static enum page_notice
refusal(const struct reply_view *v, const struct answer_form *f)
{
	if (v->status == APPT_CANCELLED)
		return NOTICE_CANCELLED;
	if (f->act == ACT_MOVE && v->moves >= REPLY_MAX_MOVES)
		return NOTICE_MOVES_USED;
	if (f->act == ACT_MOVE)
		return NOTICE_SLOT_TAKEN;
	return NOTICE_REFUSED;
}

static enum reply_result
apply(struct web_reply *w, const char *code, const struct answer_form *f, char *err, size_t el)
{
	int64_t now = clock_now();
	switch (f->act) {
	case ACT_CONFIRM: return reply_confirm(w->r, code, VIA_WEB, now, err, el);
	case ACT_CANCEL: return reply_cancel(w->r, code, VIA_WEB, now, err, el);
	default: return reply_move(w->r, code, f->slot, now, err, el);
	}
}

/* After a valid token: the answer and what the student sees of it. */
static void
answer(struct web_reply *w, struct httpd_response *resp, const char *code, struct reply_view *v,
       const struct answer_form *f)
{
	static const enum answer as[] = { ANSWER_CONFIRMED, ANSWER_CANCELLED, ANSWER_MOVED };
	char err[200] = "";
	enum reply_result rr = apply(w, code, f, err, sizeof err);

	switch (rr) {
	case REPLY_DONE:
		w->stats.answers[as[f->act]]++;
		see_other(resp, code, f->act);
		return;
	case REPLY_ALREADY:
		w->stats.already++;
		see_other(resp, code, f->act);
		return;
	case REPLY_REFUSED:
		w->stats.refused++;
		log_info("page: %s of %s refused: %s", act_name[f->act], v->uid, err);
		if (reply_lookup(w->r, code, clock_now(), v) != 1) {
			plain(resp, 404, PLAIN_NOT_FOUND);
			return;
		}
		page(w, resp, 409, code, v, refusal(v, f));
		return;
	case REPLY_NOT_FOUND:
		plain(resp, 404, PLAIN_NOT_FOUND);
		return;
	default:
		log_err("page: %s of %s failed: %s", act_name[f->act], v->uid, err);
		plain(resp, 503, PLAIN_UNAVAILABLE);
	}
}

static void
on_post(struct web_reply *w, const struct httpd_request *req, struct httpd_response *resp,
	const char *who)
{
	const char *ct = httpd_header(req, "Content-Type"), *code;
	struct answer_form f;
	struct reply_view v;
	size_t len;
	char *body;

	if (!lookup(w, req, resp, who, &code, &v))
		return;
	/* Browsers send forms urlencoded; a body of another type is refused
	 * (none at all: the token is missing, 403 below). */
	if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
		plain(resp, 415, PLAIN_BAD_REQUEST);
		return;
	}
	read_form(req, &f);
	if (!f.has_token || !link_token_ok(reply_key(w->r), code, v.sequence, f.token)) {
		if (f.has_token && f.act != ACT_NONE && stale_token(w, code, &v, f.token)) {
			if (already_so(&v, &f)) {
				w->stats.already++;
				see_other(resp, code, f.act);
			} else {
				w->stats.stale++;
				page(w, resp, 409, code, &v, NOTICE_STALE);
			}
			return;
		}
		w->stats.forbidden++;
		body = page_forbidden_html(&v, code, &len);
		html(resp, 403, body, len);
		return;
	}
	if (f.act == ACT_NONE) {
		plain(resp, 400, PLAIN_BAD_REQUEST);
		return;
	}
	if (f.act == ACT_MOVE && f.slot == 0 && v.status == APPT_CONFIRMED) {
		page(w, resp, 400, code, &v, NOTICE_NO_SLOT);
		return;
	}
	answer(w, resp, code, &v, &f);
}

/* ---- route ---------------------------------------------------------------------- */

static int
on_reply(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
	struct web_reply *w = arg;
	char who[RATELIMIT_KEY_MAX + 1], after[24];
	int64_t wait;

	secure(resp);
	client_key(w, req, who);
	wait = ratelimit_check(w->rl, who, mono_s());
	if (wait > 0) {
		w->stats.rate_limited++;
		snprintf(after, sizeof after, "%lld", (long long)wait);
		httpd_resp_header(resp, "Retry-After", after);
		plain(resp, 429, PLAIN_RATE_LIMITED);
		return 0;
	}
	if (strcmp(req->method, "POST") == 0)
		on_post(w, req, resp, who);
	else
		on_get(w, req, resp, who);
	return 0;
}

struct web_reply *
web_reply_register(struct httpd *h, const struct config *cfg, struct reply *r)
{
	struct web_reply *w = xcalloc(1, sizeof *w);

	w->cfg = cfg;
	w->r = r;
	w->rl = ratelimit_new(WR_TABLE, WR_FAIL_MAX, WR_FAIL_WINDOW);
	if (httpd_route(h, "/r/", 1, on_reply, w) != 0) {
		web_reply_free(w);
		return NULL;
	}
	return w;
}

void
web_reply_reconfigure(struct web_reply *w, const struct config *cfg)
{
	if (w)
		w->cfg = cfg;
}

const struct web_reply_stats *
web_reply_stats(const struct web_reply *w)
{
	static const struct web_reply_stats none;
	return w ? &w->stats : &none;
}

void
web_reply_free(struct web_reply *w)
{
	if (w == NULL)
		return;
	ratelimit_free(w->rl);
	free(w);
}
