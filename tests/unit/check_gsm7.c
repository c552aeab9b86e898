/*
 * check_gsm7.c — GSM 03.38 (daemon/gsm7.c): UTF-8 decoding and prefixes,
 * septet counting (basic set 1, extension table 2, others refused),
 * segments (GSM 03.38 and UCS-2, single and concatenated), and the
 * transliteration of every kind of character outside GSM 03.38.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsm7.h"
#include "util.h"

START_TEST(utf8_decoding)
{
	static const struct {
		const char *s;
		size_t len;
		unsigned cp;
	} dec[] = {
		{ "A", 1, 'A' }, { "é", 2, 0xe9 }, { "€", 3, 0x20ac }, { "😀", 4, 0x1f600 },
		/* invalid: a lone continuation byte, truncated sequences */
		{ "\x80z", 1, 0xfffd }, { "\xc3", 1, 0xfffd }, { "\xe2\x82", 1, 0xfffd },
		{ "\xf0\x9f\x98", 1, 0xfffd },
	};
	unsigned cp;

	for (size_t i = 0; i < ARRAY_SIZE(dec); i++) {
		ck_assert_uint_eq(gsm7_utf8_next(dec[i].s, &cp), dec[i].len);
		ck_assert_uint_eq(cp, dec[i].cp);
	}
	ck_assert_uint_eq(gsm7_utf8_len(""), 0);
	ck_assert_uint_eq(gsm7_utf8_len("Zoé €😀"), 6);
	/* prefixes never cut a character */
	ck_assert_uint_eq(gsm7_utf8_prefix("Zoé", 3), 4);
	ck_assert_uint_eq(gsm7_utf8_prefix("Zoé", 2), 2);
	ck_assert_uint_eq(gsm7_utf8_prefix("Zoé", 10), 4);
	ck_assert_uint_eq(gsm7_utf8_prefix("€€", 1), 3);
	ck_assert_uint_eq(gsm7_utf8_prefix("abc", 0), 0);
}
END_TEST

START_TEST(septets)
{
	ck_assert_int_eq(gsm7_septets(""), 0);
	ck_assert_int_eq(gsm7_septets("Bonjour Zoé, à 10h30 : où ? Ça"), 30);
	ck_assert_int_eq(gsm7_septets("line\r\n"), 6);
	/* extension table: 2 septets each */
	ck_assert_int_eq(gsm7_septets("€"), 2);
	ck_assert_int_eq(gsm7_septets("^{}\\[~]|"), 16);
	ck_assert_int_eq(gsm7_septets("a[b]"), 6);
	/* the whole non-ASCII basic set */
	ck_assert_int_eq(gsm7_septets("£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà"), 39);
	ck_assert_int_eq(gsm7_septets("@$_!\"#%&'()*+,-./:;<=>?"), 23);
	/* not in GSM 03.38 */
	ck_assert_int_eq(gsm7_septets("Salle Hêtre"), -1);
	ck_assert_int_eq(gsm7_septets("cœur"), -1);
	ck_assert_int_eq(gsm7_septets("ç"), -1);
	ck_assert_int_eq(gsm7_septets("`"), -1);
	ck_assert_int_eq(gsm7_septets("a\tb"), -1);
	ck_assert_int_eq(gsm7_septets("\x7f"), -1);
	ck_assert_int_eq(gsm7_septets("\x80"), -1);
	ck_assert_int_eq(gsm7_septets("Ā"), -1);
}
END_TEST

/* A string of n copies of s. */
static char *
rep(const char *s, int n)
{
	struct strbuf b = { 0 };
	strbuf_add(&b, "", 0);
	for (int i = 0; i < n; i++)
		strbuf_add(&b, s, strlen(s));
	return b.p;
}

/* Segments of n copies of s (gsm7_segments). */
static int
segs(const char *s, int n, int *ucs2)
{
	char *t = rep(s, n);
	int k = gsm7_segments(t, ucs2);
	free(t);
	return k;
}

START_TEST(segments)
{
	int ucs2 = -1;
	char *s;

	ck_assert_int_eq(gsm7_segments("", &ucs2), 1);
	ck_assert_int_eq(ucs2, 0);
	/* GSM 03.38: 160 septets, 153 a part */
	ck_assert_int_eq(segs("a", 160, &ucs2), 1);
	ck_assert_int_eq(segs("a", 161, NULL), 2);
	ck_assert_int_eq(segs("a", 306, NULL), 2);
	ck_assert_int_eq(segs("a", 307, NULL), 3);
	/* 80 € are 160 septets: one segment; 81 are two */
	ck_assert_int_eq(segs("€", 80, &ucs2), 1);
	ck_assert_int_eq(ucs2, 0);
	ck_assert_int_eq(segs("€", 81, NULL), 2);
	/* UCS-2: 70 units, 67 a part; a character beyond U+FFFF is 2 units */
	ck_assert_int_eq(segs("ê", 70, &ucs2), 1);
	ck_assert_int_eq(ucs2, 1);
	ck_assert_int_eq(segs("ê", 71, NULL), 2);
	ck_assert_int_eq(segs("ê", 134, NULL), 2);
	ck_assert_int_eq(segs("ê", 135, NULL), 3);
	ck_assert_int_eq(segs("😀", 35, NULL), 1);
	ck_assert_int_eq(segs("😀", 36, NULL), 2);
	/* the French reminder of the issue: 116 characters with an ê is two
	 * UCS-2 segments, one once transliterated */
	const char *fr = "Bonjour Gaëlle, rappel : entretien de suivi le mercredi 07/12/2026 à "
			 "10h30, Mission locale, salle Hêtre. Avenir Pro";
	ck_assert_int_eq(gsm7_segments(fr, &ucs2), 2);
	ck_assert_int_eq(ucs2, 1);
	s = gsm7_transliterate(fr);
	ck_assert_int_eq(gsm7_segments(s, &ucs2), 1);
	ck_assert_int_eq(ucs2, 0);
	free(s);
}
END_TEST

/* Checks that in transliterates to want, a GSM 03.38 text. */
static void
tr(const char *in, const char *want)
{
	char *s = gsm7_transliterate(in);
	ck_assert_msg(strcmp(s, want) == 0, "\"%s\" became \"%s\", not \"%s\"", in, s, want);
	ck_assert_int_ge(gsm7_septets(s), 0);
	free(s);
}

START_TEST(transliteration)
{
	/* GSM 03.38 characters are kept, extension ones included */
	tr("", "");
	tr("Zoé, Élodie, à où Ça ñ ß Æ æ Ø Å Δ € [x] {y} ~ ^ \\ |",
	   "Zoé, Élodie, à où Ça ñ ß Æ æ Ø Å Δ € [x] {y} ~ ^ \\ |");
	tr("ligne\nsuivante\r", "ligne\nsuivante\r");
	/* French accents GSM 03.38 lacks */
	tr("ê ë ï î â ô û ç Ê Ë Ï Î Â Ô Û È À Ù", "e e i i a o u c E E I I A O U E A U");
	tr("Gaëlle Hêtre Benoît Loïc François Jérôme", "Gaelle Hetre Benoit Loic Francois Jérome");
	tr("cœur Œuvre", "coeur OEuvre");
	/* other Latin letters: their base letter, or two */
	tr("ÁÃÍÓÕÚÝáãíóõúýÿÐðÞþ×÷", "AAIOOUYaaioouyyDdTHthx?");
	tr("Łódź Dvořák Šťastný Ĳssel ŉ ſ Ā ž", "Lodz Dvorak Stastny IJssel 'n s A z");
	/* punctuation and spaces */
	tr("l’école ‘x’ ‚ ‛ ′ ´ `", "l'école 'x' ' ' ' ' '");
	tr("« Bonjour » “a” „b‟ ″ ‹c›", "\" Bonjour \" \"a\" \"b\" \" 'c'");
	tr("a–b—c‐d‑e‒f―g−h•i", "a-b-c-d-e-f-g-h-i");
	tr("Attendez…", "Attendez...");
	tr("10\u00a0h\u202f30\u2009!\u3000\u205f\tx", "10 h 30 !   x");
	tr("Marie·Anne", "Marie.Anne");
	/* dropped: soft hyphen, zero-width characters, combining accents */
	tr("a\u00adb\u200bc\u200dd\u2060e\ufefff", "abcdef");
	tr("e\u0301te\u0300 n\u0303", "ete n");
	/* anything else: '?' (one per character, invalid bytes too) */
	tr("日本 😀 ©\x01 \x80", "?? ? ?? ?");
	tr("Ωμέγα", "Ω????");
}
END_TEST

/* Every code point up to U+3100 transliterates to GSM 03.38 text never
 * longer than its UTF-8. */
START_TEST(transliteration_total)
{
	for (unsigned cp = 1; cp < 0x3100; cp++) {
		char in[8];
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80) {
			in[0] = (char)cp;
			in[1] = '\0';
		} else if (cp < 0x800) {
			in[0] = (char)(0xc0 | (cp >> 6));
			in[1] = (char)(0x80 | (cp & 0x3f));
			in[2] = '\0';
		} else {
			in[0] = (char)(0xe0 | (cp >> 12));
			in[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			in[2] = (char)(0x80 | (cp & 0x3f));
			in[3] = '\0';
		}
		char *s = gsm7_transliterate(in);
		ck_assert_msg(gsm7_septets(s) >= 0, "U+%04X gives a non-GSM \"%s\"", cp, s);
		ck_assert_msg(strlen(s) <= strlen(in), "U+%04X grows", cp);
		free(s);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("gsm7");
	TCase *tc = tcase_create("gsm7");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, utf8_decoding);
	tcase_add_test(tc, septets);
	tcase_add_test(tc, segments);
	tcase_add_test(tc, transliteration);
	tcase_add_test(tc, transliteration_total);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
