/*
 * smtp.h — email reminders and adviser alerts: RFC 5322 / MIME message
 * building (UTF-8 text, RFC 2047 subject, multipart/mixed with a
 * text/calendar attachment) and the libcurl SMTP transfer (smtp://
 * with STARTTLS, smtps://, AUTH), plus the file:// outbox.
 *
 * Header values never carry CR, LF or other control characters: whatever
 * comes from data is flattened to spaces before it is written.
 */
#ifndef RELANCE_SMTP_H
#define RELANCE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct config;

struct smtp_msg {
	const char *from;          /* "Name <addr>" or "addr" */
	const char *to;            /* addr-spec */
	const char *cc;            /* addr-spec or NULL */
	const char *subject;       /* UTF-8 */
	const char *body;          /* UTF-8, '\n' line ends */
	const char *ics;           /* text/calendar attachment or NULL */
	size_t ics_len;
	const char *message_id;    /* without <>: "reminder-42@domain" */
	int64_t date;              /* epoch seconds */
};

/* The whole message with CRLF line ends; malloc'd, length in *len. */
char *smtp_build(const struct smtp_msg *m, size_t *len);
/* RFC 2047 "B" encoding of a header value when it needs it (non-ASCII or
 * "=?"), folded with CRLF SP between encoded words; malloc'd. prefix_len is
 * the length of "Subject: " for folding. */
char *smtp_encode_header(const char *value, size_t prefix_len);
/* The addr-spec of "Name <addr>" (or of a bare address) into out. 0 or -1. */
int smtp_addr_spec(const char *from, char *out, size_t outlen);

/* An upload in progress: the message the transfer reads from. */
struct smtp_upload {
	char *data;
	size_t len, off;
	struct curl_slist *rcpt;
};
void smtp_upload_clear(struct smtp_upload *u);

/*
 * An easy handle sending up (owned by the caller until the transfer ends)
 * to rcpt and cc per [smtp]: URL with the EHLO name as path, STARTTLS
 * required unless tls = none, AUTH with user and password (password may be
 * NULL), CAINFO from ca_file. NULL on error.
 */
CURL *smtp_easy(const struct config *cfg, const char *password, const char *rcpt,
		const char *cc, struct smtp_upload *up);
/* Classifies a finished transfer: AUTH refused (CURLE_LOGIN_DENIED: 535,
 * 534, 454 on AUTH; or 530, 534, 535 anywhere) SEND_AUTH, other 4xx and
 * connection problems transient, other 5xx permanent. why gets a short
 * reason (no personal data). */
enum send_result smtp_classify(CURLcode rc, long code, char *why, size_t whylen);

/* Is url an outbox (file:///dir)? Returns the directory or NULL. */
const char *smtp_outbox_dir(const char *url);
/* Writes msg as DIR/<id>.eml atomically. 0 or -1. */
int smtp_outbox_write(const char *dir, int64_t id, const char *msg, size_t len);

#endif
