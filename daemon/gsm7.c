/*
 * gsm7.c — GSM 03.38 (gsm7.h): membership, septet counting, segments and
 * transliteration of UTF-8 texts for SMS. Contract section 4: a reminder
 * fits one segment of 160 GSM 03.38 characters by default.
 */
#include <stdlib.h>
#include <string.h>

#include "gsm7.h"
#include "util.h"

size_t
gsm7_utf8_next(const char *str, unsigned *cp)
{
	const unsigned char *s = (const unsigned char *)str;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
		*cp = ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		*cp = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
		return 3;
	}
	if ((s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    (s[3] & 0xc0) == 0x80) {
		*cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) |
		      (s[3] & 0x3fu);
		return 4;
	}
	*cp = 0xfffd;
	return 1;
}

size_t
gsm7_utf8_prefix(const char *s, size_t n)
{
	size_t off = 0;
	unsigned cp;

	while (n > 0 && s[off]) {
		off += gsm7_utf8_next(s + off, &cp);
		n--;
	}
	return off;
}

/* Septets of code point cp in GSM 03.38: 1 (basic set), 2 (extension
 * table, escaped) or 0 (not in GSM 03.38). */
static int
gsm_septets(unsigned cp)
{
	/* The non-ASCII characters of the basic set. */
	static const unsigned basic[] = {
		0xa3, 0xa5, 0xe8, 0xe9, 0xf9, 0xec, 0xf2, 0xc7, 0xd8, 0xf8, 0xc5, 0xe5,
		0x394, 0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8, 0x3a3, 0x398, 0x39e,
		0xc6, 0xe6, 0xdf, 0xc9, 0xa4, 0xa1, 0xc4, 0xd6, 0xd1, 0xdc, 0xa7, 0xbf,
		0xe4, 0xf6, 0xf1, 0xfc, 0xe0,
	};

	if (cp == '\n' || cp == '\r')
		return 1;
	if (cp < 0x20 || cp == 0x7f || cp == '`')
		return 0;
	if (cp < 0x80)
		return strchr("^{}\\[~]|", (int)cp) ? 2 : 1;
	if (cp == 0x20ac)
		return 2;               /* € */
	for (size_t i = 0; i < ARRAY_SIZE(basic); i++)
		if (basic[i] == cp)
			return 1;
	return 0;
}

static int
one(unsigned cp)
{
	return 1;
}

/* UTF-16 units of cp: 2 (a surrogate pair) beyond U+FFFF. */
static int
utf16_units(unsigned cp)
{
	return cp > 0xffff ? 2 : 1;
}

/* The sum of weight() over the characters of s, or -1 when weight() is 0
 * for one of them. */
static long
sum_chars(const char *s, int (*weight)(unsigned))
{
	long n = 0;
	unsigned cp;

	while (*s) {
		s += gsm7_utf8_next(s, &cp);
		int k = weight(cp);
		if (k == 0)
			return -1;
		n += k;
	}
	return n;
}

size_t
gsm7_utf8_len(const char *s)
{
	return (size_t)sum_chars(s, one);
}

int
gsm7_septets(const char *s)
{
	return (int)sum_chars(s, gsm_septets);
}

int
gsm7_segments(const char *s, int *ucs2)
{
	long n = sum_chars(s, gsm_septets);

	if (ucs2)
		*ucs2 = n < 0;
	if (n >= 0)
		return n <= GSM7_SEGMENT ? 1 : (int)((n + 152) / 153);
	n = sum_chars(s, utf16_units);
	return n <= 70 ? 1 : (int)((n + 66) / 67);
}

/* Base letters of U+00C0..U+017F (those GSM 03.38 has are kept before
 * this table is read; multi-letter ones are in multi[] below). */
static const char latin[] =
	"AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo?ouuuuyty"
	"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlL"
	"lLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
_Static_assert(sizeof latin == 0x180 - 0xc0 + 1, "one letter per code point");

/* Replacements other than one base letter. */
static const struct {
	unsigned lo, hi;
	const char *to;
} multi[] = {
	{ 0xde, 0xde, "TH" }, { 0xfe, 0xfe, "th" }, { 0x132, 0x132, "IJ" },
	{ 0x133, 0x133, "ij" }, { 0x152, 0x152, "OE" }, { 0x153, 0x153, "oe" },
	{ 0x149, 0x149, "'n" },
	{ '`', '`', "'" }, { '\t', '\t', " " }, { 0xb4, 0xb4, "'" },
	{ 0x2018, 0x201b, "'" }, { 0x2032, 0x2032, "'" }, { 0x2039, 0x203a, "'" },
	{ 0x201c, 0x201f, "\"" }, { 0xab, 0xab, "\"" }, { 0xbb, 0xbb, "\"" },
	{ 0x2033, 0x2033, "\"" },
	{ 0x2010, 0x2015, "-" }, { 0x2212, 0x2212, "-" }, { 0x2022, 0x2022, "-" },
	{ 0x2026, 0x2026, "..." }, { 0xb7, 0xb7, "." },
	{ 0xa0, 0xa0, " " }, { 0x2000, 0x200a, " " }, { 0x202f, 0x202f, " " },
	{ 0x205f, 0x205f, " " }, { 0x3000, 0x3000, " " },
	/* dropped: soft hyphen, zero-width characters, combining accents */
	{ 0xad, 0xad, "" }, { 0x200b, 0x200d, "" }, { 0x2060, 0x2060, "" },
	{ 0xfeff, 0xfeff, "" }, { 0x300, 0x36f, "" },
};

/* What code point cp (not in GSM 03.38) becomes: a string of GSM 03.38
 * characters; *one holds it when it is a single letter. */
static const char *
transliteration(unsigned cp, char one[2])
{
	for (size_t i = 0; i < ARRAY_SIZE(multi); i++)
		if (cp >= multi[i].lo && cp <= multi[i].hi)
			return multi[i].to;
	one[0] = cp >= 0xc0 && cp <= 0x17f ? latin[cp - 0xc0] : '?';
	one[1] = '\0';
	return one;
}

char *
gsm7_transliterate(const char *s)
{
	/* Never longer than s: a replacement is at most as long as the UTF-8
	 * sequence it replaces ("..." for the 3 bytes of …). */
	char *out = xmalloc(strlen(s) + 1), one[2];
	size_t o = 0;
	unsigned cp;

	while (*s) {
		size_t n = gsm7_utf8_next(s, &cp);
		if (gsm_septets(cp) > 0) {
			memcpy(out + o, s, n);
			o += n;
		} else {
			const char *t = transliteration(cp, one);
			size_t tl = strlen(t);
			memcpy(out + o, t, tl);
			o += tl;
		}
		s += n;
	}
	out[o] = '\0';
	return out;
}
