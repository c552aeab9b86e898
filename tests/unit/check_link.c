/*
 * check_link.c — personal link codes and page tokens (link.c) against
 * vectors computed independently with Python's hmac and hashlib:
 *
 *   key = bytes(range(32)); uid = b'0123456789abcdef@relance.example.org'
 *   m = hmac.new(key, b'relance-link\0' + uid, hashlib.sha256).digest()[:16]
 *   code = base64.urlsafe_b64encode(m).decode().rstrip('=')
 *   hashlib.sha256(code.encode()).hexdigest()
 *   hmac.new(key, b'relance-token\0' + code.encode() + b'\0' + b'1', ...)
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "link.h"

#define UID "0123456789abcdef@relance.example.org"
#define CODE "ceohZExJGmJla9gUjbRmbQ"
#define HASH "667c06861ad126e15b09e5c73c7138e98404264dbba616a0a7e50b3f03d2caa4"

static uint8_t key[LINK_KEY_LEN];

static void
setup(void)
{
	for (int i = 0; i < LINK_KEY_LEN; i++)
		key[i] = (uint8_t)i;
}

START_TEST(test_code_vector)
{
	char code[LINK_CODE_LEN + 1], hash[LINK_HASH_LEN + 1];

	link_code(key, UID, code);
	ck_assert_str_eq(code, CODE);
	ck_assert_uint_eq(strlen(code), LINK_CODE_LEN);
	link_code_hash(code, hash);
	ck_assert_str_eq(hash, HASH);
	/* another uid, another key: another code */
	link_code(key, "1" UID, code);
	ck_assert_str_ne(code, CODE);
	key[0] ^= 1;
	link_code(key, UID, code);
	ck_assert_str_ne(code, CODE);
}
END_TEST

START_TEST(test_token_vectors)
{
	char tok[LINK_TOKEN_LEN + 1];

	link_token(key, CODE, 0, tok);
	ck_assert_str_eq(tok, "RolIvOoimN4Vlv_qybyiVQ");
	link_token(key, CODE, 1, tok);
	ck_assert_str_eq(tok, "O0cJKNh1tnOgmIce5adKMQ");
	link_token(key, CODE, 12, tok);
	ck_assert_str_eq(tok, "A8NF4aG5GDaUfe8pw0Jz-g");
}
END_TEST

START_TEST(test_token_bound)
{
	char tok[LINK_TOKEN_LEN + 1], other[LINK_CODE_LEN + 1];

	link_token(key, CODE, 1, tok);
	ck_assert_int_eq(link_token_ok(key, CODE, 1, tok), 1);
	/* another sequence (the appointment changed), another code, another key */
	ck_assert_int_eq(link_token_ok(key, CODE, 2, tok), 0);
	ck_assert_int_eq(link_token_ok(key, CODE, 0, tok), 0);
	link_code(key, "x@y", other);
	ck_assert_int_eq(link_token_ok(key, other, 1, tok), 0);
	key[31] ^= 0x80;
	ck_assert_int_eq(link_token_ok(key, CODE, 1, tok), 0);
	key[31] ^= 0x80;
	/* a token is never the code, and the wrong shapes never pass */
	ck_assert_str_ne(tok, CODE);
	ck_assert_int_eq(link_token_ok(key, CODE, 1, NULL), 0);
	ck_assert_int_eq(link_token_ok(key, CODE, 1, ""), 0);
	tok[LINK_TOKEN_LEN - 1] ^= 1;
	ck_assert_int_eq(link_token_ok(key, CODE, 1, tok), 0);
	tok[LINK_TOKEN_LEN - 1] ^= 1;
	char longer[LINK_TOKEN_LEN + 2];
	memcpy(longer, tok, LINK_TOKEN_LEN);
	longer[LINK_TOKEN_LEN] = 'A';
	longer[LINK_TOKEN_LEN + 1] = '\0';
	ck_assert_int_eq(link_token_ok(key, CODE, 1, longer), 0);
	tok[3] = '\0';
	ck_assert_int_eq(link_token_ok(key, CODE, 1, tok), 0);
}
END_TEST

START_TEST(test_shape)
{
	char code[LINK_CODE_LEN + 1];

	ck_assert_int_eq(link_code_shape(CODE), 1);
	for (int i = 0; i < 200; i++) {
		char uid[32];
		snprintf(uid, sizeof uid, "%d@x", i);
		link_code(key, uid, code);
		ck_assert_int_eq(link_code_shape(code), 1);
	}
	ck_assert_int_eq(link_code_shape(NULL), 0);
	ck_assert_int_eq(link_code_shape(""), 0);
	ck_assert_int_eq(link_code_shape("ceohZExJGmJla9gUjbRmb"), 0);     /* 21 */
	ck_assert_int_eq(link_code_shape("ceohZExJGmJla9gUjbRmbQA"), 0);   /* 23 */
	ck_assert_int_eq(link_code_shape("ceohZExJGmJla9gUjbRm/Q"), 0);    /* not url-safe */
	ck_assert_int_eq(link_code_shape("ceohZExJGmJla9gUjbRm+Q"), 0);
	ck_assert_int_eq(link_code_shape("ceohZExJGmJla9gUjbRm=Q"), 0);
	ck_assert_int_eq(link_code_shape("ceohZExJGmJla9gUjbRm.Q"), 0);
	ck_assert_int_eq(link_code_shape("ceohZExJGmJla9gUjbRmbR"), 0);    /* padding bits set */
	ck_assert_int_eq(link_code_shape("../../../etc/passwd..."), 0);
}
END_TEST

static Suite *
link_suite(void)
{
	Suite *s = suite_create("link");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_code_vector);
	tcase_add_test(tc, test_token_vectors);
	tcase_add_test(tc, test_token_bound);
	tcase_add_test(tc, test_shape);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(link_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
