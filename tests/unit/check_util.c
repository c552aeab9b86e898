/*
 * check_util.c — the secrets of util.c and sms.c: SipHash-2-4 against the
 * reference vectors of its paper, the constant-time comparison, and the
 * per-message secrets of delivery reports (sms.h); the redaction of peers'
 * answers (reason_redact).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"
#include "util.h"

START_TEST(test_siphash_vectors)
{
	uint8_t key[16], msg[64];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
	ck_assert_uint_eq(siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
	/* a whole block and a tail of another length differ */
	ck_assert_uint_ne(siphash24(key, msg, 8), siphash24(key, msg, 9));
	key[0] ^= 1;
	ck_assert_uint_ne(siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
}
END_TEST

START_TEST(test_secret_eq)
{
	ck_assert(secret_eq("0123456789abcdef", "0123456789abcdef"));
	ck_assert(!secret_eq("0123456789abcdeF", "0123456789abcdef"));
	ck_assert(!secret_eq("0123456789abcde", "0123456789abcdef"));
	ck_assert(!secret_eq("0123456789abcdef0", "0123456789abcdef"));
	ck_assert(!secret_eq("", "0123456789abcdef"));
	ck_assert(!secret_eq(NULL, "0123456789abcdef"));
	ck_assert(secret_eq("", ""));
	ck_assert(!secret_eq(NULL, ""));
}
END_TEST

START_TEST(test_dlr_secret)
{
	char a[SMS_DLR_SECRET_LEN + 1], b[SMS_DLR_SECRET_LEN + 1];

	ck_assert_int_eq(sms_set_dlr_key("000102030405060708090a0b0c0d0e0f"), 0);
	sms_dlr_secret(1, a);
	sms_dlr_secret(2, b);
	ck_assert_uint_eq(strlen(a), SMS_DLR_SECRET_LEN);
	ck_assert_str_ne(a, b);
	ck_assert(sms_dlr_secret_ok(1, a));
	ck_assert(!sms_dlr_secret_ok(2, a));
	ck_assert(!sms_dlr_secret_ok(1, NULL));
	ck_assert(!sms_dlr_secret_ok(1, ""));
	/* another key, other secrets */
	ck_assert_int_eq(sms_set_dlr_key("ff0102030405060708090a0b0c0d0e0f"), 0);
	ck_assert(!sms_dlr_secret_ok(1, a));
	ck_assert_int_eq(sms_set_dlr_key("ff01"), -1);
	ck_assert_int_eq(sms_set_dlr_key("FF0102030405060708090a0b0c0d0e0f"), -1);
	ck_assert_int_eq(sms_set_dlr_key("zz0102030405060708090a0b0c0d0e0f"), -1);
	ck_assert_int_eq(sms_set_dlr_key(NULL), -1);
}
END_TEST

static const char *
redact(const char *in, size_t outlen)
{
	static char out[128];
	reason_redact(in, out, outlen);
	return out;
}

START_TEST(test_redact_personal)
{
	/* a webhook's 400 naming the number, the student and their address */
	ck_assert_str_eq(redact("{\"error\": \"invalid number +33611111111 for Zoé Martin "
				"<zoe.martin@example.org>\"}", 80),
			 "{\"error\": \"invalid number +########### for");
	ck_assert_str_eq(redact("student MARTIN Élodie refused", 80), "student refused");
	ck_assert_str_eq(redact("to 0611111111 (élodie@example.org): rejected", 80),
			 "to ########## rejected");
	ck_assert_str_eq(redact("0: Accepted for delivery", 80), "#: Accepted for delivery");
	ck_assert_str_eq(redact("Bad Request", 80), "Bad Request");
	/* Kannel's sendsms answers (RECIPES.md) */
	ck_assert_str_eq(redact("4: Temporal failure, try again later.", 80),
			 "#: Temporal failure, try again later.");
	ck_assert_str_eq(redact("Not routable. Do not try again.", 80),
			 "Not routable. Do not try again.");
	ck_assert_str_eq(redact("Authorization failed for sendsms", 80),
			 "Authorization failed for sendsms");
	ck_assert_str_eq(redact("3: Queued for later delivery", 80), "#: Queued for later delivery");
	ck_assert_str_eq(redact("HTTP/1.1 Not Found.", 80), "HTTP/#.# Not Found.");
}
END_TEST

START_TEST(test_redact_shape)
{
	ck_assert_str_eq(redact(NULL, 80), "");
	ck_assert_str_eq(redact("", 80), "");
	ck_assert_str_eq(redact("   \t ", 80), "");
	ck_assert_str_eq(redact("first line\r\nsecond Line 42", 80), "first line");
	ck_assert_str_eq(redact("a\x01" "b\x7f c", 80), "ab c");
	/* long runs cut */
	ck_assert_str_eq(redact("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx end", 80),
			 "xxxxxxxxxxxxxxxxxxxxxxxx end");
	/* a character cut in the middle goes whole */
	ck_assert_str_eq(redact("xxxxxxxxxxxxxxxxxxxxxxxé", 80), "xxxxxxxxxxxxxxxxxxxxxxx");
	/* cut between words */
	ck_assert_str_eq(redact("one two three", 10), "one two");
	ck_assert_str_eq(redact("one two three", 8), "one two");
	ck_assert_str_eq(redact("one two three", 7), "one");
	ck_assert_str_eq(redact("dépassé", 80), "dépassé");
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("secrets");

	tcase_add_test(tc, test_siphash_vectors);
	tcase_add_test(tc, test_secret_eq);
	tcase_add_test(tc, test_dlr_secret);
	suite_add_tcase(s, tc);
	tc = tcase_create("redact");
	tcase_add_test(tc, test_redact_personal);
	tcase_add_test(tc, test_redact_shape);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
