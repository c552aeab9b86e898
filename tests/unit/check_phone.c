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

/* The E.164 form of in read in country, or "ERR". */
static const char *
e164(const char *in, const char *country)
{
	static char out[PHONE_E164_MAX];
	if (phone_e164(in, country, out) != 0) {
		ck_assert_str_eq(out, "");
		return "ERR";
	}
	return out;
}

START_TEST(test_forms_fr)
{
	/* the four forms of the contract, one number */
	ck_assert_str_eq(e164("+33612345678", "FR"), "+33612345678");
	ck_assert_str_eq(e164("33612345678", "FR"), "+33612345678");
	ck_assert_str_eq(e164("0033612345678", "FR"), "+33612345678");
	ck_assert_str_eq(e164("0612345678", "FR"), "+33612345678");
	/* separators people and some gateways write */
	ck_assert_str_eq(e164("06 12 34 56 78", "FR"), "+33612345678");
	ck_assert_str_eq(e164("06.12.34.56.78", "FR"), "+33612345678");
	ck_assert_str_eq(e164("+33 6-12-34-56-78", "FR"), "+33612345678");
	ck_assert_str_eq(e164(" +33612345678", "FR"), "+33612345678");
	/* a "+" decoded from a URL as a space leaves the digits */
	ck_assert_str_eq(e164(" 33612345678", "FR"), "+33612345678");
	/* E.164 of another country stays as it is */
	ck_assert_str_eq(e164("+32470123456", "FR"), "+32470123456");
	ck_assert_str_eq(e164("0032470123456", "FR"), "+32470123456");
	ck_assert_str_eq(e164("447700900123", "FR"), "+447700900123");
}
END_TEST

START_TEST(test_french_overseas)
{
	/* the national plan is shared: the prefix says the region, whatever
	 * French country the gateway is in */
	ck_assert_str_eq(e164("0690123456", "FR"), "+590690123456");   /* Guadeloupe */
	ck_assert_str_eq(e164("0590123456", "FR"), "+590590123456");
	ck_assert_str_eq(e164("0696123456", "FR"), "+596696123456");   /* Martinique */
	ck_assert_str_eq(e164("0694123456", "FR"), "+594694123456");   /* Guyane */
	ck_assert_str_eq(e164("0692123456", "FR"), "+262692123456");   /* Réunion */
	ck_assert_str_eq(e164("0693123456", "RE"), "+262693123456");
	ck_assert_str_eq(e164("0639123456", "YT"), "+262639123456");   /* Mayotte */
	ck_assert_str_eq(e164("0269123456", "FR"), "+262269123456");
	/* a metropolitan number read in an overseas department */
	ck_assert_str_eq(e164("0612345678", "GP"), "+33612345678");
	ck_assert_str_eq(e164("0612345678", "RE"), "+33612345678");
	ck_assert_str_eq(e164("0612345678", "MQ"), "+33612345678");
	ck_assert_str_eq(e164("0612345678", "GF"), "+33612345678");
	/* international forms are not touched */
	ck_assert_str_eq(e164("262692123456", "FR"), "+262692123456");
	ck_assert_str_eq(e164("00590690123456", "RE"), "+590690123456");
}
END_TEST

START_TEST(test_other_countries)
{
	/* a trunk prefix 0 */
	ck_assert_str_eq(e164("0470123456", "BE"), "+32470123456");
	ck_assert_str_eq(e164("0791234567", "CH"), "+41791234567");
	ck_assert_str_eq(e164("01701234567", "DE"), "+491701234567");
	ck_assert_str_eq(e164("07700900123", "GB"), "+447700900123");
	ck_assert_str_eq(e164("447700900123", "GB"), "+447700900123");
	/* no trunk prefix: national numbers as they are */
	ck_assert_str_eq(e164("612345678", "ES"), "+34612345678");
	ck_assert_str_eq(e164("34612345678", "ES"), "+34612345678");
	ck_assert_str_eq(e164("621123456", "LU"), "+352621123456");
	ck_assert_str_eq(e164("352621123456", "LU"), "+352621123456");
	/* Italy keeps the 0 of landlines in E.164 */
	ck_assert_str_eq(e164("0612345678", "IT"), "+390612345678");
	ck_assert_str_eq(e164("3471234567", "IT"), "+393471234567");
	ck_assert_str_eq(e164("+393471234567", "IT"), "+393471234567");
	ck_assert_str_eq(e164("0039061234567", "IT"), "+39061234567");
	ck_assert_str_eq(e164("61234567", "MC"), "+37761234567");
}
END_TEST

START_TEST(test_not_numbers)
{
	ck_assert_str_eq(e164(NULL, "FR"), "ERR");
	ck_assert_str_eq(e164("", "FR"), "ERR");
	ck_assert_str_eq(e164("+", "FR"), "ERR");
	ck_assert_str_eq(e164("AvenirPro", "FR"), "ERR");      /* alphanumeric sender */
	ck_assert_str_eq(e164("06123x5678", "FR"), "ERR");
	ck_assert_str_eq(e164("++33612345678", "FR"), "ERR");
	ck_assert_str_eq(e164("+0612345678", "FR"), "ERR");    /* no calling code 0 */
	ck_assert_str_eq(e164("061234567", "FR"), "ERR");      /* national: 10 digits */
	ck_assert_str_eq(e164("06123456789", "FR"), "ERR");
	ck_assert_str_eq(e164("+3361234", "FR"), "ERR");       /* E.164: 8 to 15 digits */
	ck_assert_str_eq(e164("+3361234567890123", "FR"), "ERR");
	ck_assert_str_eq(e164("0000000000000000000000000000", "FR"), "ERR");
	ck_assert_str_eq(e164("0612345678", "XX"), "ERR");     /* unknown country */
	ck_assert_str_eq(e164("0612345678", NULL), "ERR");
	ck_assert_str_eq(e164("0612345678", "fr"), "ERR");     /* config upper-cases it */
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
