/*
 * check_smtp.c — email message building (RFC 5322/MIME/RFC 2047) checked
 * in C and by Python's email parser, no CR/LF injection through header
 * values, SMTP answer classification; with the SMS helpers (GSM 03.38
 * test, STOP replies, sendsms answer classification).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "sms.h"
#include "smtp.h"
#include "util.h"

static const char ics[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//FR\r\nMETHOD:PUBLISH\r\n"
	"BEGIN:VEVENT\r\nUID:x@relance.test\r\nDTSTAMP:20261207T090000Z\r\n"
	"DTSTART:20261207T093000Z\r\nSUMMARY:Entretien\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

static char *
build(const char *subject, const char *from, const char *to, size_t *len)
{
	struct smtp_msg m = {
		.from = from, .to = to, .cc = NULL, .subject = subject,
		.body = "Bonjour Élodie,\nligne = égale\n.\nfin   \n",
		.ics = ics, .ics_len = sizeof ics - 1,
		.message_id = "reminder-42@relance.test", .date = 1796634000,
	};
	return smtp_build(&m, len);
}

/* Header block of msg (up to the first empty line). */
static char *
headers_of(const char *msg)
{
	const char *e = strstr(msg, "\r\n\r\n");
	ck_assert_ptr_nonnull(e);
	char *h = xmalloc((size_t)(e - msg) + 3);
	memcpy(h, msg, (size_t)(e - msg) + 2);
	h[e - msg + 2] = '\0';
	return h;
}

START_TEST(headers_and_crlf)
{
	size_t len;
	char *msg = build("Rappel : rendez-vous à 10h30", "Avenir Pro <no-reply@relance.test>",
			  "eleve@example.org", &len);
	char *h = headers_of(msg);

	ck_assert_uint_eq(strlen(msg), len);
	ck_assert_ptr_nonnull(strstr(h, "From: \"Avenir Pro\" <no-reply@relance.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "To: <eleve@example.org>\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "Subject: =?UTF-8?B?"));
	ck_assert_ptr_nonnull(strstr(h, "Date: Mon, 07 Dec 2026 09:00:00 +0000\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "Message-ID: <reminder-42@relance.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "MIME-Version: 1.0\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "Content-Type: multipart/mixed; boundary="));
	/* Every line ends with CRLF; no bare LF or CR; no line over 998. */
	for (const char *p = msg, *line = msg; *p; p++) {
		if (*p == '\n') {
			ck_assert_msg(p > msg && p[-1] == '\r', "bare LF at %td", p - msg);
			ck_assert_int_le(p - line, 998);
			line = p + 1;
		}
		if (*p == '\r')
			ck_assert_int_eq(p[1], '\n');
	}
	/* A lone "." line of the body is encoded, never a bare dot line. */
	ck_assert_ptr_null(strstr(msg, "\r\n.\r\n"));
	free(h);
	free(msg);
}
END_TEST

START_TEST(no_header_injection)
{
	size_t len;
	char *msg = build("Hello\r\nBcc: victim@example.org\r\nX-Evil: 1",
			  "Avenir \"Pro\"\n <no-reply@relance.test>", "a@example.org", &len);
	char *h = headers_of(msg);
	ck_assert_ptr_null(strstr(h, "\r\nBcc:"));
	ck_assert_ptr_null(strstr(h, "\r\nX-Evil:"));
	ck_assert_ptr_nonnull(strstr(h, "Subject: Hello  Bcc: victim@example.org  X-Evil: 1\r\n"));
	free(h);
	free(msg);
	/* An encoded subject hides nothing either. */
	char *enc = smtp_encode_header("é\r\nBcc: x@y", 9);
	ck_assert_ptr_null(strchr(enc + 0, '\n') ? strstr(enc, "\nBcc") : NULL);
	ck_assert_int_eq(strncmp(enc, "=?UTF-8?B?", 10), 0);
	free(enc);
}
END_TEST

START_TEST(rfc2047_long_subject)
{
	char subject[400] = "";
	for (int i = 0; i < 20; i++)
		strcat(subject, "Élève ");
	char *enc = smtp_encode_header(subject, 9);
	/* Encoded words of at most 75 characters, folded with CRLF SP. */
	for (char *w = enc; w;) {
		char *e = strstr(w, "\r\n ");
		size_t n = e ? (size_t)(e - w) : strlen(w);
		ck_assert_uint_le(n, 75);
		ck_assert_int_eq(strncmp(w, "=?UTF-8?B?", 10), 0);
		w = e ? e + 3 : NULL;
	}
	free(enc);
	enc = smtp_encode_header("plain ascii", 9);
	ck_assert_str_eq(enc, "plain ascii");
	free(enc);
}
END_TEST

START_TEST(python_parses_it)
{
	size_t len;
	char path[] = "/tmp/check_smtp.XXXXXX";
	char cmd[1024], out[2048] = "";
	int fd = mkstemp(path);
	char *msg = build("Rappel : votre entretien du lundi 07/12/2026 à 10h30",
			  "Avenir Pro <no-reply@relance.test>", "eleve@example.org", &len);
	FILE *p;

	if (access("/usr/bin/python3", X_OK) != 0) {
		free(msg);
		unlink(path);
		return; /* no python: the C checks above still ran */
	}
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, msg, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c '"
		 "import sys, email, email.policy\n"
		 "m = email.message_from_binary_file(open(sys.argv[1], \"rb\"), policy=email.policy.default)\n"
		 "print(m[\"subject\"])\n"
		 "print(m.get_body(preferencelist=(\"plain\",)).get_content().replace(\"\\n\", \"|\"))\n"
		 "a = [x for x in m.iter_attachments()]\n"
		 "print(a[0].get_content_type(), a[0].get_param(\"method\"))\n"
		 "c = a[0].get_content()\n"
		 "print((c.decode() if isinstance(c, bytes) else c).splitlines()[0])\n"
		 "print(len(m.defects))\n"
		 "' %s", path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_msg(strstr(out, "Rappel : votre entretien du lundi 07/12/2026 à 10h30\n") == out,
		      "got: %s", out);
	ck_assert_msg(strstr(out, "Bonjour Élodie,|ligne = égale|.|fin   |\n") != NULL, "got: %s", out);
	ck_assert_msg(strstr(out, "text/calendar PUBLISH\nBEGIN:VCALENDAR\n0\n") != NULL, "got: %s", out);
	unlink(path);
	free(msg);
}
END_TEST

START_TEST(addr_spec)
{
	char a[64];
	ck_assert_int_eq(smtp_addr_spec("Avenir Pro <no-reply@x.org>", a, sizeof a), 0);
	ck_assert_str_eq(a, "no-reply@x.org");
	ck_assert_int_eq(smtp_addr_spec("b@x.org", a, sizeof a), 0);
	ck_assert_str_eq(a, "b@x.org");
	ck_assert_int_eq(smtp_addr_spec("no address", a, sizeof a), -1);
	ck_assert_int_eq(smtp_addr_spec("X <a\r@b>", a, sizeof a), -1);
}
END_TEST

START_TEST(classify)
{
	char why[128];
	ck_assert_int_eq(smtp_classify(CURLE_OK, 250, why, sizeof why), SEND_OK);
	ck_assert_int_eq(smtp_classify(CURLE_SEND_ERROR, 451, why, sizeof why), SEND_TRANSIENT);
	ck_assert_int_eq(smtp_classify(CURLE_WEIRD_SERVER_REPLY, 452, why, sizeof why), SEND_TRANSIENT);
	ck_assert_int_eq(smtp_classify(CURLE_SEND_ERROR, 550, why, sizeof why), SEND_PERMANENT);
	ck_assert_ptr_nonnull(strstr(why, "550"));
	ck_assert_int_eq(smtp_classify(CURLE_COULDNT_CONNECT, 0, why, sizeof why), SEND_TRANSIENT);
	ck_assert_int_eq(smtp_classify(CURLE_OPERATION_TIMEDOUT, 0, why, sizeof why), SEND_TRANSIENT);
	/* AUTH refusals: the server refuses relance itself, not the message. */
	ck_assert_int_eq(smtp_classify(CURLE_LOGIN_DENIED, 535, why, sizeof why), SEND_AUTH);
	ck_assert_str_eq(why, "SMTP 535: authentication refused");
	ck_assert_int_eq(smtp_classify(CURLE_LOGIN_DENIED, 534, why, sizeof why), SEND_AUTH);
	ck_assert_int_eq(smtp_classify(CURLE_LOGIN_DENIED, 454, why, sizeof why), SEND_AUTH);
	ck_assert_int_eq(smtp_classify(CURLE_SEND_ERROR, 530, why, sizeof why), SEND_AUTH);
	ck_assert_int_eq(smtp_classify(CURLE_SEND_ERROR, 535, why, sizeof why), SEND_AUTH);
	/* 454 elsewhere (STARTTLS unavailable) stays transient; 554 permanent. */
	ck_assert_int_eq(smtp_classify(CURLE_USE_SSL_FAILED, 454, why, sizeof why), SEND_TRANSIENT);
	ck_assert_int_eq(smtp_classify(CURLE_SEND_ERROR, 454, why, sizeof why), SEND_TRANSIENT);
	ck_assert_int_eq(smtp_classify(CURLE_SEND_ERROR, 554, why, sizeof why), SEND_PERMANENT);

	struct config *cfg = config_default();
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 202, "0: Accepted for delivery", why, sizeof why), SEND_OK);
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 202, "3: Queued for later delivery", why, sizeof why), SEND_OK);
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 503, "Temporal failure, try again later.", why, sizeof why), SEND_TRANSIENT);
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 429, "", why, sizeof why), SEND_TRANSIENT);
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 403, "Not routable. Do not try again.", why, sizeof why), SEND_PERMANENT);
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 400, "Missing receiver number, rejected", why, sizeof why), SEND_PERMANENT);
	ck_assert_int_eq(sms_classify(cfg, CURLE_COULDNT_CONNECT, 0, "", why, sizeof why), SEND_TRANSIENT);
	/* Kannel: a wrong sendsms user or password; 401 or another 403 from a
	 * proxy in front of it: the gateway refuses relance (contract 4). */
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 403, "Authorization failed for sendsms", why, sizeof why), SEND_AUTH);
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 403, NULL, why, sizeof why), SEND_AUTH);
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 403, "<html>403 Forbidden</html>", why, sizeof why), SEND_AUTH);
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 401, "", why, sizeof why), SEND_AUTH);
	/* Webhook: 401 and 403, whatever the body. */
	cfg->sms.gateway = SMS_GATEWAY_WEBHOOK;
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 401, "{\"error\":\"bad token\"}", why, sizeof why), SEND_AUTH);
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 403, "", why, sizeof why), SEND_AUTH);
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 400, "bad number", why, sizeof why), SEND_PERMANENT);
	ck_assert_int_eq(sms_classify(cfg, CURLE_OK, 404, "", why, sizeof why), SEND_PERMANENT);
	config_free(cfg);
}
END_TEST

START_TEST(stop_and_gsm)
{
	ck_assert(sms_is_stop("STOP"));
	ck_assert(sms_is_stop("  stop. "));
	ck_assert(sms_is_stop("Arrêt !"));
	ck_assert(sms_is_stop("ARRÊT"));
	ck_assert(sms_is_stop("arret"));
	ck_assert(sms_is_stop("Stop SMS"));
	ck_assert(sms_is_stop("\"stop  sms\"!!"));
	ck_assert(sms_is_stop("stop please"));          /* courtesy around it */
	ck_assert(!sms_is_stop("stop the spam please now"));
	ck_assert(!sms_is_stop("je ne peux pas venir"));
	ck_assert(!sms_is_stop(""));
	ck_assert(!sms_is_stop(NULL));
	ck_assert(sms_is_gsm("Bonjour Zoé, à 10h30 : où ? Ça €"));
	ck_assert(!sms_is_gsm("Salle Hêtre"));
	ck_assert(!sms_is_gsm("cœur"));
}
END_TEST

START_TEST(reply_keywords)
{
	char w[64];

	/* one normaliser: case, accents, ligatures, spaces, punctuation */
	ck_assert_int_eq(sms_normalise("  Non ! ", w, sizeof w), 3);
	ck_assert_str_eq(w, "NON");
	ck_assert_int_eq(sms_normalise("oui.", w, sizeof w), 3);
	ck_assert_str_eq(w, "OUI");
	sms_normalise("Ça   marche, ŒUVRE Ärger ĥ", w, sizeof w);
	ck_assert_str_eq(w, "CA MARCHE OEUVRE ARGER H");
	sms_normalise("Oui\u0301 \xf0\x9f\x91\x8d !", w, sizeof w);  /* combining accent, emoji */
	ck_assert_str_eq(w, "OUI");
	ck_assert_int_eq(sms_normalise("", w, sizeof w), 0);
	ck_assert_int_eq(sms_normalise(NULL, w, sizeof w), 0);
	ck_assert_int_eq(sms_normalise("je ne pourrai pas venir mardi", w, 8), -1);

	ck_assert_int_eq(sms_reply_kind("OUI"), SMS_REPLY_YES);
	ck_assert_int_eq(sms_reply_kind("oui."), SMS_REPLY_YES);
	ck_assert_int_eq(sms_reply_kind("Yes!"), SMS_REPLY_YES);
	ck_assert_int_eq(sms_reply_kind("ok"), SMS_REPLY_YES);
	ck_assert_int_eq(sms_reply_kind(" c "), SMS_REPLY_YES);
	ck_assert_int_eq(sms_reply_kind("«Oui»"), SMS_REPLY_YES);
	ck_assert_int_eq(sms_reply_kind(" Non ! "), SMS_REPLY_NO);
	ck_assert_int_eq(sms_reply_kind("annuler"), SMS_REPLY_NO);
	ck_assert_int_eq(sms_reply_kind("ANNULÉ"), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind("Cancel."), SMS_REPLY_NO);
	ck_assert_int_eq(sms_reply_kind("no"), SMS_REPLY_NO);
	ck_assert_int_eq(sms_reply_kind("Arrêt"), SMS_REPLY_STOP);
	ck_assert_int_eq(sms_reply_kind("oui mais plus tard"), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind("c'est ok"), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind("OK2"), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind("..."), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind(""), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind(NULL), SMS_REPLY_OTHER);
	ck_assert(!sms_is_stop("oui"));
	/* hostile and confused replies (65-replies-hostile, README) */
	ck_assert_int_eq(sms_reply_kind("OUI!!!"), SMS_REPLY_YES);
	ck_assert_int_eq(sms_reply_kind("ok."), SMS_REPLY_YES);
	ck_assert_int_eq(sms_reply_kind("C"), SMS_REPLY_YES);
	/* courtesy around a keyword is stripped; anything else keeps it a message */
	ck_assert_int_eq(sms_reply_kind("Oui merci"), SMS_REPLY_YES);
	ck_assert_int_eq(sms_reply_kind("Bonjour, oui merci beaucoup !"), SMS_REPLY_YES);
	ck_assert_int_eq(sms_reply_kind("ok thanks"), SMS_REPLY_YES);
	ck_assert_int_eq(sms_reply_kind("Non désolé"), SMS_REPLY_NO);
	ck_assert_int_eq(sms_reply_kind("Bonsoir madame, annuler s'il vous plaît"), SMS_REPLY_NO);
	ck_assert_int_eq(sms_reply_kind("merci"), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind("merci merci"), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind("oui non"), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind("ouimerci"), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind("c'est bon"), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind("Non mais"), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind("NON STOP"), SMS_REPLY_OTHER);
	ck_assert_int_eq(sms_reply_kind("Stop svp"), SMS_REPLY_STOP);
	ck_assert_int_eq(sms_reply_kind("STOP SMS merci"), SMS_REPLY_STOP);
	ck_assert_int_eq(sms_reply_kind("stop"), SMS_REPLY_STOP);
	ck_assert_int_eq(sms_reply_kind("\xe2\x80\xaeOUI"), SMS_REPLY_YES);  /* RLO: a separator */
}
END_TEST

/* Kannel's %a read into UTF-8; blank texts. */
START_TEST(incoming_text)
{
	char *t;

	t = sms_text_read("Annul\xc3\xa9", NULL, NULL);
	ck_assert_str_eq(t, "Annul\xc3\xa9");          /* UTF-8 kept */
	free(t);
	t = sms_text_read("Annul\xe9 \xe0", "8-BIT", "1");
	ck_assert_str_eq(t, "Annul\xc3\xa9 \xc3\xa0");   /* 8-bit data: Latin-1 */
	free(t);
	t = sms_text_read("\xc3\xa9", "ISO-8859-1", "0");
	ck_assert_str_eq(t, "\xc3\x83\xc2\xa9");         /* said Latin-1: read so */
	free(t);
	t = sms_text_read("a\xc0\xaf" "b", NULL, NULL);       /* overlong '/' */
	ck_assert_str_eq(t, "a\xc3\x80\xc2\xaf" "b");
	free(t);
	t = sms_text_read("\xed\xa0\x80", "UTF-8", "0");  /* a surrogate */
	ck_assert_str_eq(t, "\xc3\xad\xc2\xa0\xc2\x80");
	free(t);
	t = sms_text_read("", NULL, NULL);
	ck_assert_str_eq(t, "");
	free(t);
	ck_assert_ptr_null(sms_text_read("", "UTF-16BE", "2"));
	ck_assert_ptr_null(sms_text_read("", "ucs-2", NULL));
	ck_assert_ptr_null(sms_text_read("", NULL, "2"));

	ck_assert(sms_text_blank(""));
	ck_assert(sms_text_blank(NULL));
	ck_assert(sms_text_blank(" \t\r\n"));
	ck_assert(sms_text_blank("\xc2\xa0\xe2\x80\x8b\xe3\x80\x80\xef\xbb\xbf"));  /* NBSP ZWSP ideographic BOM */
	ck_assert(sms_text_blank("\x1b\x07\xc2\x85"));
	ck_assert(!sms_text_blank("\xf0\x9f\x91\x8d"));  /* an emoji says something */
	ck_assert(!sms_text_blank(" ."));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("smtp");
	TCase *tc = tcase_create("smtp");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, headers_and_crlf);
	tcase_add_test(tc, no_header_injection);
	tcase_add_test(tc, rfc2047_long_subject);
	tcase_add_test(tc, python_parses_it);
	tcase_add_test(tc, addr_spec);
	tcase_add_test(tc, classify);
	tcase_add_test(tc, stop_and_gsm);
	tcase_add_test(tc, reply_keywords);
	tcase_add_test(tc, incoming_text);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
