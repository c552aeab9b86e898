/*
 * sms.h — SMS reminders through an HTTP gateway with libcurl: Kannel's
 * sendsms interface (GET, charset=UTF-8, UCS-2 when GSM 03.38 lacks a
 * character, dlr-mask + dlr-url back to relanced) or a generic JSON
 * webhook (POST of a body rendered from a template, configured headers,
 * bearer token), plus the file:// outbox; the keywords of students' replies
 * (STOP, yes, no: one normalisation).
 */
#ifndef RELANCE_SMS_H
#define RELANCE_SMS_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct config;

/* What one SMS transfer owns until it ends. */
struct sms_req {
	char *url;
	char *body;                 /* webhook JSON body */
	struct curl_slist *headers;
};
void sms_req_clear(struct sms_req *r);

/*
 * An easy handle sending text to phone for reminder id. password: Kannel
 * password or webhook bearer token (may be NULL). body: the webhook JSON
 * (rendered by the caller from the webhook template; ignored for Kannel).
 * NULL on error.
 */
CURL *sms_easy(const struct config *cfg, const char *password, const char *to, const char *text,
	       int64_t reminder_id, const char *body, struct sms_req *req);
/*
 * Delivery-report secrets (contract section 4): each dlr-url carries
 * secret=<16 hex>, the SipHash-2-4 of "dlr:" + the reminder id (8 octets,
 * little-endian) under a 128-bit key that the store generates once (meta
 * 'dlr_key', 32 hex) and main.c hands to sms_set_dlr_key() at start (-1
 * when hex is not 32 hex digits). sms_dlr_secret_ok() compares in constant
 * time: 1 when given (may be NULL) is the secret of reminder_id.
 */
#define SMS_DLR_SECRET_LEN 16
int sms_set_dlr_key(const char *hex);
void sms_dlr_secret(int64_t reminder_id, char out[SMS_DLR_SECRET_LEN + 1]);
int sms_dlr_secret_ok(int64_t reminder_id, const char *given);
/* Is an answer of the gateway a refusal of relance's credentials (a
 * configuration fault: contract section 4)? Kannel: 403 "Authorization
 * failed for sendsms" (a wrong sendsms user or password); webhook: 401 or
 * 403. */
int sms_auth_refused(const struct config *cfg, long code, const char *body);
/* Classifies a finished transfer per the gateway's answers: SEND_AUTH
 * (sms_auth_refused), 429, 5xx and connection problems transient, other
 * 4xx permanent. */
enum send_result sms_classify(const struct config *cfg, CURLcode rc, long code, const char *body,
			      char *why, size_t whylen);
/* 1 if every character of the UTF-8 text is in GSM 03.38 (basic set or
 * extension table), 0 if it needs UCS-2. */
int sms_is_gsm(const char *text);
/*
 * Replies of students (contract sections 4 and 8), read after one
 * normalisation: letters and digits only, upper case, accents and
 * ligatures folded (é → E, Œ → OE), every run of anything else (spaces,
 * punctuation, emoji) one space, none at either end. sms_normalise()
 * writes that form of text (NULL: "") to out: its length, or -1 when it
 * does not fit outlen (then it is no keyword).
 */
int sms_normalise(const char *text, char *out, size_t outlen);
enum sms_reply {
	SMS_REPLY_OTHER,            /* anything else: a message for the adviser */
	SMS_REPLY_STOP,             /* STOP, ARRET, ARRÊT, STOP SMS */
	SMS_REPLY_YES,              /* OUI, YES, OK, C: confirms */
	SMS_REPLY_NO,               /* NON, NO, ANNULER, CANCEL: cancels */
};
enum sms_reply sms_reply_kind(const char *text);
/* 1 if text is a STOP reply (sms_reply_kind() == SMS_REPLY_STOP). */
int sms_is_stop(const char *text);
/*
 * The text of an incoming SMS as Kannel's get-url gives it (%a), read into
 * UTF-8 (malloc'd): kept when it is valid UTF-8, else (or when charset, %C,
 * says ISO-8859-1 or windows-1252) each octet read as Latin-1 (Kannel
 * gives 8-bit data as its octets, charset 8-BIT). NULL when charset says UTF-16 or UCS-2 (or coding, %c, is 2 without
 * a charset): a UCS-2 text not recoded by Kannel reaches relanced cut at its
 * first NUL octet and cannot be read (set mo-recode = true in Kannel's
 * smsbox group). charset and coding may be NULL.
 */
char *sms_text_read(const char *text, const char *charset, const char *coding);
/* 1 when the UTF-8 text holds nothing but spaces (any Unicode space),
 * control and zero-width characters: no reply to act on. */
int sms_text_blank(const char *text);
/* Writes DIR/<id>.json with to, from and text. 0 or -1. */
int sms_outbox_write(const char *dir, int64_t id, const char *sender, const char *to,
		     const char *text);

#endif
