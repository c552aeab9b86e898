/*
 * check_phone.c — unit tests of phone.c: every form an SMS gateway may give
 * a sender's number in (E.164, without "+", 00, national with the trunk
 * prefix, national without one), the French plan's overseas prefixes,
 * separators, and what is not a number (contract section 4).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

#define ARRAY_LEN(a) (sizeof (a) / sizeof (a)[0])

/* A number as a gateway gives it, the country it is read in, and its
 * E.164 form ("ERR": not a number). */
struct phone_case {
	const char *in, *country, *want;
};

static void
check_cases(const struct phone_case *c, size_t n)
{
	char out[PHONE_E164_MAX];

	for (size_t i = 0; i < n; i++) {
		int rc = phone_e164(c[i].in, c[i].country, out);
		ck_assert_msg(strcmp(rc == 0 ? out : "ERR", c[i].want) == 0 && (rc == 0 || !out[0]),
			      "\"%s\" in %s: got %s (%s), want %s", c[i].in ? c[i].in : "(null)",
			      c[i].country ? c[i].country : "(null)", out, rc ? "error" : "ok",
			      c[i].want);
	}
}

START_TEST(test_forms_fr)
{
	static const struct phone_case cases[] = {
		/* the four forms of the contract, one number */
		{ "+33612345678", "FR", "+33612345678" },
		{ "33612345678", "FR", "+33612345678" },
		{ "0033612345678", "FR", "+33612345678" },
		{ "0612345678", "FR", "+33612345678" },
		/* separators people and some gateways write */
		{ "06 12 34 56 78", "FR", "+33612345678" },
		{ "06.12.34.56.78", "FR", "+33612345678" },
		{ "+33 6-12-34-56-78", "FR", "+33612345678" },
		{ " +33612345678", "FR", "+33612345678" },
		/* a "+" decoded from a URL as a space leaves the digits */
		{ " 33612345678", "FR", "+33612345678" },
		/* E.164 of another country stays as it is */
		{ "+32470123456", "FR", "+32470123456" },
		{ "0032470123456", "FR", "+32470123456" },
		{ "447700900123", "FR", "+447700900123" },
	};

	check_cases(cases, ARRAY_LEN(cases));
}
END_TEST

START_TEST(test_french_overseas)
{
	static const struct phone_case cases[] = {
		/* the national plan is shared: the prefix says the region, whatever
		 * French country the gateway is in */
		{ "0690123456", "FR", "+590690123456" }, /* Guadeloupe */
		{ "0590123456", "FR", "+590590123456" },
		{ "0696123456", "FR", "+596696123456" }, /* Martinique */
		{ "0694123456", "FR", "+594694123456" }, /* Guyane */
		{ "0692123456", "FR", "+262692123456" }, /* Réunion */
		{ "0693123456", "RE", "+262693123456" },
		{ "0639123456", "YT", "+262639123456" }, /* Mayotte */
		{ "0269123456", "FR", "+262269123456" },
		/* a metropolitan number read in an overseas department */
		{ "0612345678", "GP", "+33612345678" },
		{ "0612345678", "RE", "+33612345678" },
		{ "0612345678", "MQ", "+33612345678" },
		{ "0612345678", "GF", "+33612345678" },
		/* international forms are not touched */
		{ "262692123456", "FR", "+262692123456" },
		{ "00590690123456", "RE", "+590690123456" },
	};

	check_cases(cases, ARRAY_LEN(cases));
}
END_TEST

START_TEST(test_other_countries)
{
	static const struct phone_case cases[] = {
		/* a trunk prefix 0 */
		{ "0470123456", "BE", "+32470123456" },
		{ "0791234567", "CH", "+41791234567" },
		{ "01701234567", "DE", "+491701234567" },
		{ "07700900123", "GB", "+447700900123" },
		{ "447700900123", "GB", "+447700900123" },
		/* no trunk prefix: national numbers as they are */
		{ "612345678", "ES", "+34612345678" },
		{ "34612345678", "ES", "+34612345678" },
		{ "621123456", "LU", "+352621123456" },
		{ "352621123456", "LU", "+352621123456" },
		/* Italy keeps the 0 of landlines in E.164 */
		{ "0612345678", "IT", "+390612345678" },
		{ "3471234567", "IT", "+393471234567" },
		{ "+393471234567", "IT", "+393471234567" },
		{ "0039061234567", "IT", "+39061234567" },
		{ "61234567", "MC", "+37761234567" },
	};

	check_cases(cases, ARRAY_LEN(cases));
}
END_TEST

START_TEST(test_not_numbers)
{
	static const struct phone_case cases[] = {
		{ NULL, "FR", "ERR" },
		{ "", "FR", "ERR" },
		{ "+", "FR", "ERR" },
		{ "AvenirPro", "FR", "ERR" }, /* alphanumeric sender */
		{ "06123x5678", "FR", "ERR" },
		{ "++33612345678", "FR", "ERR" },
		{ "+0612345678", "FR", "ERR" }, /* no calling code 0 */
		{ "061234567", "FR", "ERR" }, /* national: 10 digits */
		{ "06123456789", "FR", "ERR" },
		{ "+3361234", "FR", "ERR" }, /* E.164: 8 to 15 digits */
		{ "+3361234567890123", "FR", "ERR" },
		{ "0000000000000000000000000000", "FR", "ERR" },
		{ "0612345678", "XX", "ERR" }, /* unknown country */
		{ "0612345678", NULL, "ERR" },
		{ "0612345678", "fr", "ERR" }, /* config upper-cases it */
	};

	check_cases(cases, ARRAY_LEN(cases));
}
END_TEST

START_TEST(test_countries)
{
	static const char *const known[] = { "FR", "GP", "MQ", "GF", "RE", "YT", "BE", "CH",
					     "LU", "DE", "ES", "IT", "GB" };
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		ck_assert_msg(phone_country_known(known[i]), "%s unknown", known[i]);
		ck_assert_ptr_nonnull(strstr(phone_countries(), known[i]));
	}
	ck_assert(!phone_country_known("US"));
	ck_assert(!phone_country_known(""));
	ck_assert(!phone_country_known(NULL));
}
END_TEST

static Suite *
phone_suite(void)
{
	Suite *s = suite_create("phone");
	TCase *tc = tcase_create("e164");

	tcase_add_test(tc, test_forms_fr);
	tcase_add_test(tc, test_french_overseas);
	tcase_add_test(tc, test_other_countries);
	tcase_add_test(tc, test_not_numbers);
	tcase_add_test(tc, test_countries);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(phone_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
