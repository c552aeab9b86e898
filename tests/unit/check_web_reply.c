/*
 * check_web_reply.c — the pure parts of the students' page (contract
 * section 8): the rate limit of failed lookups (ratelimit.h), form fields
 * and the client address behind a trusted proxy (httpd.h), and the HTML
 * (web_reply_page.h): language, what is shown and what never is, the
 * forms and their token, escaping, the states.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "ratelimit.h"
#include "util.h"
#include "web_reply_page.h"

/* ---- rate limit ------------------------------------------------------------------ */

START_TEST(test_ratelimit_window)
{
	struct ratelimit *rl = ratelimit_new(64, 3, 600);

	ck_assert_int_eq(ratelimit_check(rl, "192.0.2.1", 1000), 0);
	ratelimit_fail(rl, "192.0.2.1", 1000);
	ratelimit_fail(rl, "192.0.2.1", 1010);
	ck_assert_int_eq(ratelimit_check(rl, "192.0.2.1", 1020), 0);
	ratelimit_fail(rl, "192.0.2.1", 1020);
	/* 3 failures: refused until the window that began at 1000 ends */
	ck_assert_int_eq(ratelimit_check(rl, "192.0.2.1", 1030), 570);
	ck_assert_int_eq(ratelimit_check(rl, "192.0.2.1", 1599), 1);
	/* another address is not affected */
	ck_assert_int_eq(ratelimit_check(rl, "192.0.2.2", 1030), 0);
	/* the window ended: allowed again, counting starts over */
	ck_assert_int_eq(ratelimit_check(rl, "192.0.2.1", 1600), 0);
	ratelimit_fail(rl, "192.0.2.1", 1600);
	ck_assert_int_eq(ratelimit_check(rl, "192.0.2.1", 1601), 0);
	ck_assert_uint_eq(ratelimit_count(rl, 1601), 1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_ratelimit_bounded)
{
	struct ratelimit *rl = ratelimit_new(16, 2, 600);
	char key[32];

	ratelimit_fail(rl, "198.51.100.7", 100);
	ratelimit_fail(rl, "198.51.100.7", 100);
	ck_assert_int_gt(ratelimit_check(rl, "198.51.100.7", 101), 0);
	/* a flood of other addresses never grows the table past its size */
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "10.0.%d.%d", i / 250, i % 250);
		ratelimit_fail(rl, key, 200 + i);
	}
	ck_assert_uint_le(ratelimit_count(rl, 1200), 16);
	/* the oldest were evicted: the first address, failed longest ago, is gone */
	ck_assert_int_eq(ratelimit_check(rl, "198.51.100.7", 1200), 0);
	/* the latest are still there */
	ratelimit_fail(rl, "10.0.3.249", 1200);
	ck_assert_int_gt(ratelimit_check(rl, "10.0.3.249", 1201), 0);
	ratelimit_free(rl);
}
END_TEST

/* ---- forms and addresses ------------------------------------------------------- */

START_TEST(test_form_field)
{
	const char *body = "token=abc-_DEF&action=move&slot=1765094400&x=a+b%2Bc%26d&e=&f";
	char out[32];

	ck_assert_int_eq(httpd_form_field(body, strlen(body), "token", out, sizeof out), 8);
	ck_assert_str_eq(out, "abc-_DEF");
	ck_assert_int_eq(httpd_form_field(body, strlen(body), "action", out, sizeof out), 4);
	ck_assert_str_eq(out, "move");
	ck_assert_int_eq(httpd_form_field(body, strlen(body), "slot", out, sizeof out), 10);
	ck_assert_int_eq(httpd_form_field(body, strlen(body), "x", out, sizeof out), 7);
	ck_assert_str_eq(out, "a b+c&d");
	ck_assert_int_eq(httpd_form_field(body, strlen(body), "e", out, sizeof out), 0);
	ck_assert_int_eq(httpd_form_field(body, strlen(body), "f", out, sizeof out), 0);
	ck_assert_int_eq(httpd_form_field(body, strlen(body), "tok", out, sizeof out), -1);
	ck_assert_int_eq(httpd_form_field(body, strlen(body), "missing", out, sizeof out), -1);
	/* too long for out, an encoded NUL, no body */
	ck_assert_int_eq(httpd_form_field(body, strlen(body), "token", out, 5), -1);
	ck_assert_int_eq(httpd_form_field("token=a%00b", 11, "token", out, sizeof out), -1);
	ck_assert_int_eq(httpd_form_field(NULL, 0, "token", out, sizeof out), -1);
	/* only the first len octets count */
	ck_assert_int_eq(httpd_form_field("action=confirmXYZ", 14, "action", out, sizeof out), 7);
	ck_assert_str_eq(out, "confirm");
}
END_TEST

START_TEST(test_client_addr)
{
	char out[64];
	const char *px = "127.0.0.1, ::1";

	/* not from a proxy: the peer, whatever the headers say */
	httpd_pick_client("203.0.113.9", "1.2.3.4", "5.6.7.8", px, out, sizeof out);
	ck_assert_str_eq(out, "203.0.113.9");
	httpd_pick_client("203.0.113.9", "1.2.3.4", NULL, NULL, out, sizeof out);
	ck_assert_str_eq(out, "203.0.113.9");
	/* from a proxy: the last hop of X-Forwarded-For (the client's own
	 * value comes first and is not believed) */
	httpd_pick_client("127.0.0.1", "6.6.6.6, 198.51.100.4", NULL, px, out, sizeof out);
	ck_assert_str_eq(out, "198.51.100.4");
	httpd_pick_client("::ffff:127.0.0.1", " 2001:db8::7 ", NULL, px, out, sizeof out);
	ck_assert_str_eq(out, "2001:db8::7");
	httpd_pick_client("::1", NULL, "192.0.2.44", px, out, sizeof out);
	ck_assert_str_eq(out, "192.0.2.44");
	/* garbage from the proxy: the peer */
	httpd_pick_client("127.0.0.1", "not-an-address", "nor this", px, out, sizeof out);
	ck_assert_str_eq(out, "127.0.0.1");
	httpd_pick_client("::ffff:192.0.2.1", NULL, NULL, NULL, out, sizeof out);
	ck_assert_str_eq(out, "192.0.2.1");
}
END_TEST

START_TEST(test_resp_header)
{
	struct httpd_response r;
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(httpd_resp_header(&r, "Location", "abc?done=move"), 0);
	ck_assert_int_eq(httpd_resp_header(&r, "X-Bad", "a\r\nSet-Cookie: x"), -1);
	for (int i = 1; i < HTTPD_RESP_HEADERS; i++)
		ck_assert_int_eq(httpd_resp_header(&r, "X-N", "1"), 0);
	ck_assert_int_eq(httpd_resp_header(&r, "X-N", "1"), -1);
	ck_assert_int_eq(r.nheaders, HTTPD_RESP_HEADERS);
	ck_assert_str_eq(r.headers[0].value, "abc?done=move");
}
END_TEST

/* ---- the page ------------------------------------------------------------------- */

static const char CODE[] = "AbCdEfGhIjKlMnOpQrStUv";
static const char TOKEN[] = "tOkEnTokenTOKENtoken01";

static struct reply_view
view(const char *locale)
{
	struct reply_view v;
	memset(&v, 0, sizeof v);
	snprintf(v.uid, sizeof v.uid, "chk-1@relance.test");
	v.kind = KIND_CHECKIN;
	v.status = APPT_CONFIRMED;
	v.answer = ANSWER_NONE;
	v.sequence = 3;
	/* Monday 2026-12-07 10:30 in Paris */
	v.starts_at = 1796635800;
	v.ends_at = v.starts_at + 1800;
	snprintf(v.locale, sizeof v.locale, "%s", locale);
	snprintf(v.adviser_first_name, sizeof v.adviser_first_name, "Amélie");
	snprintf(v.location, sizeof v.location, "Mission locale <Nord> & \"Co\"");
	return v;
}

static char *
render(const struct reply_view *v, int nslots, enum page_notice n)
{
	/* Tuesday 2026-12-08 from 09:00, every 30 min */
	static const int64_t slots[] = { 1796716800, 1796718600, 1796720400, 1796722200,
					 1796724000, 1796725800 };
	struct page p = { .v = v, .code = CODE, .token = TOKEN, .slots = slots, .nslots = nslots,
			  .notice = n };
	size_t len;
	char *html = page_html(&p, &len);
	ck_assert_uint_eq(strlen(html), len);
	return html;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

START_TEST(test_page_fr)
{
	struct reply_view v = view("fr");
	char *h = render(&v, 6, NOTICE_NONE);

	ck_assert_ptr_nonnull(strstr(h, "<html lang=\"fr\">"));
	ck_assert_ptr_nonnull(strstr(h, "width=device-width,initial-scale=1"));
	ck_assert_ptr_null(strstr(h, "<script"));
	ck_assert_ptr_nonnull(strstr(h, "lundi 7 décembre 2026"));
	ck_assert_ptr_nonnull(strstr(h, "10h30"));
	ck_assert_ptr_nonnull(strstr(h, "Entretien de suivi"));
	ck_assert_ptr_nonnull(strstr(h, "Amélie"));
	/* escaped place */
	ck_assert_ptr_nonnull(strstr(h, "Mission locale &lt;Nord&gt; &amp; &quot;Co&quot;"));
	ck_assert_ptr_null(strstr(h, "<Nord>"));
	/* three forms posting to the page, each with the token */
	ck_assert_int_eq(count(h, "<form method=\"post\" action=\"AbCdEfGhIjKlMnOpQrStUv\">"), 3);
	ck_assert_int_eq(count(h, "name=\"token\" value=\"tOkEnTokenTOKENtoken01\""), 3);
	ck_assert_ptr_nonnull(strstr(h, ">Je confirme</button>"));
	ck_assert_ptr_nonnull(strstr(h, ">Je ne peux pas venir</button>"));
	ck_assert_ptr_nonnull(strstr(h, "<summary>Déplacer le rendez-vous</summary>"));
	ck_assert_ptr_nonnull(strstr(h, ">Choisir ce créneau</button>"));
	/* one labelled radio per slot */
	ck_assert_int_eq(count(h, "type=\"radio\""), 6);
	ck_assert_int_eq(count(h, "<label for=\"s"), 6);
	ck_assert_ptr_nonnull(strstr(h, "value=\"1796718600\""));
	ck_assert_ptr_nonnull(strstr(h, "mardi 8 décembre 2026 à 9h30"));
	free(h);
}
END_TEST

START_TEST(test_page_en_states)
{
	struct reply_view v = view("en");
	char *h;

	v.answer = ANSWER_CONFIRMED;
	v.moves = 1;
	h = render(&v, 5, NOTICE_DONE_CONFIRM);
	ck_assert_ptr_nonnull(strstr(h, "<html lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(h, "Monday 7 December 2026"));
	ck_assert_ptr_nonnull(strstr(h, "10:30"));
	ck_assert_ptr_nonnull(strstr(h, "You confirmed you will come"));
	ck_assert_ptr_nonnull(strstr(h, "You moved this appointment (1 of 2 times)"));
	ck_assert_ptr_nonnull(strstr(h, "role=\"status\""));
	/* confirmed: no confirm button, still cancel and move */
	ck_assert_ptr_null(strstr(h, ">I confirm</button>"));
	ck_assert_ptr_nonnull(strstr(h, ">I can't come</button>"));
	ck_assert_ptr_nonnull(strstr(h, ">Choose this time</button>"));
	free(h);

	/* two moves made: no move form, contact the adviser */
	v.moves = REPLY_MAX_MOVES;
	h = render(&v, 5, NOTICE_MOVES_USED);
	ck_assert_ptr_null(strstr(h, "type=\"radio\""));
	ck_assert_ptr_null(strstr(h, "action\" value=\"move\""));
	ck_assert_ptr_nonnull(strstr(h, "You have already moved this appointment 2 times."));
	ck_assert_ptr_nonnull(strstr(h, "contact Amélie, your adviser"));
	ck_assert_ptr_nonnull(strstr(h, "role=\"alert\""));
	free(h);

	/* cancelled by the student: said so, no form at all */
	v.status = APPT_CANCELLED;
	v.answer = ANSWER_CANCELLED;
	h = render(&v, 0, NOTICE_DONE_CANCEL);
	ck_assert_ptr_nonnull(strstr(h, "You cancelled this appointment."));
	ck_assert_ptr_null(strstr(h, "<form"));
	free(h);
}
END_TEST

START_TEST(test_page_no_slots_fr)
{
	struct reply_view v = view("fr");
	char *h;

	v.adviser_first_name[0] = '\0';
	v.kind = KIND_DROPIN;
	h = render(&v, 0, NOTICE_STALE);
	ck_assert_ptr_nonnull(strstr(h, "Permanence"));
	ck_assert_ptr_null(strstr(h, "<dt>Avec</dt>"));
	ck_assert_ptr_nonnull(strstr(h, "Il n'y a pas d'autre créneau libre"));
	ck_assert_ptr_nonnull(strstr(h, "contactez votre conseiller ou votre conseillère"));
	ck_assert_ptr_nonnull(strstr(h, "Ce rendez-vous a changé"));
	ck_assert_int_eq(count(h, "<form"), 2);
	free(h);
}
END_TEST

START_TEST(test_plain_pages)
{
	struct reply_view v = view("en");
	size_t len;
	char *h = page_plain_html(PLAIN_NOT_FOUND, &len);

	ck_assert_uint_eq(strlen(h), len);
	ck_assert_ptr_nonnull(strstr(h, "<html lang=\"fr\">"));
	ck_assert_ptr_nonnull(strstr(h, "Lien inconnu ou expiré"));
	ck_assert_ptr_nonnull(strstr(h, "<div lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(h, "Unknown or expired link"));
	free(h);
	h = page_plain_html(PLAIN_RATE_LIMITED, &len);
	ck_assert_ptr_nonnull(strstr(h, "Too many attempts"));
	free(h);
	h = page_forbidden_html(&v, CODE, &len);
	ck_assert_ptr_nonnull(strstr(h, "<html lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(h, "Nothing was changed"));
	ck_assert_ptr_nonnull(strstr(h, "href=\"AbCdEfGhIjKlMnOpQrStUv\""));
	ck_assert_ptr_null(strstr(h, "<form"));
	free(h);
}
END_TEST

START_TEST(test_day_text)
{
	char d[64];
	page_day_text(1764581400, 0, d, sizeof d);      /* 2025-12-01 10:30 Paris */
	ck_assert_str_eq(d, "lundi 1er décembre 2025");
	page_day_text(1764581400, 1, d, sizeof d);
	ck_assert_str_eq(d, "Monday 1 December 2025");
	page_time_text(1764581400, 0, d, sizeof d);
	ck_assert_str_eq(d, "10h30");
	page_time_text(1764581400 - 3600, 1, d, sizeof d);
	ck_assert_str_eq(d, "9:30");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("web_reply");
	TCase *tc = tcase_create("all");
	tcase_add_test(tc, test_ratelimit_window);
	tcase_add_test(tc, test_ratelimit_bounded);
	tcase_add_test(tc, test_form_field);
	tcase_add_test(tc, test_client_addr);
	tcase_add_test(tc, test_resp_header);
	tcase_add_test(tc, test_page_fr);
	tcase_add_test(tc, test_page_en_states);
	tcase_add_test(tc, test_page_no_slots_fr);
	tcase_add_test(tc, test_plain_pages);
	tcase_add_test(tc, test_day_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	if (tz_set("Europe/Paris") != 0)
		return 1;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
