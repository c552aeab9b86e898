/*
 * event_valid.c — text checks: strict UTF-8 without control characters or
 * Unicode format characters (event_text_check(), every string of an
 * event) and the validators of
 * event.h shared with other modules (email, phone, UAI, student id).
 * Pure: no I/O.
 */
#include <stdint.h>
#include <string.h>

#include "event.h"
#include "event_priv.h"

/* Well-formed UTF-8 lead bytes (Unicode 15, table 3-7): the bits of the
 * code point they hold, how many bytes follow, and the range of the first
 * of them (the others are 0x80-0xbf). */
static const struct utf8_lead {
	unsigned char first, last, bits, need, lo, hi;
} utf8_leads[] = {
	{ 0xc2, 0xdf, 0x1f, 1, 0x80, 0xbf },
	{ 0xe0, 0xe0, 0x0f, 2, 0xa0, 0xbf },	/* no overlongs */
	{ 0xe1, 0xec, 0x0f, 2, 0x80, 0xbf },
	{ 0xed, 0xed, 0x0f, 2, 0x80, 0x9f },	/* no surrogates */
	{ 0xee, 0xef, 0x0f, 2, 0x80, 0xbf },
	{ 0xf0, 0xf0, 0x07, 3, 0x90, 0xbf },	/* no overlongs */
	{ 0xf1, 0xf3, 0x07, 3, 0x80, 0xbf },
	{ 0xf4, 0xf4, 0x07, 3, 0x80, 0x8f },	/* <= U+10FFFF */
};

static const struct utf8_lead *
utf8_lead_of(unsigned char b)
{
	for (size_t i = 0; i < sizeof utf8_leads / sizeof utf8_leads[0]; i++)
		if (b >= utf8_leads[i].first && b <= utf8_leads[i].last)
			return &utf8_leads[i];
	return NULL;
}

/* Unicode's format characters (general category Cf, Unicode 15): soft
 * hyphen, zero-width and bidi controls, BOM, tags... invisible, they can
 * hide or reorder text in subjects and calendars. */
static const uint32_t cf_ranges[][2] = {
	{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c }, { 0x06dd, 0x06dd },
	{ 0x070f, 0x070f }, { 0x0890, 0x0891 }, { 0x08e2, 0x08e2 }, { 0x180e, 0x180e },
	{ 0x200b, 0x200f }, { 0x202a, 0x202e }, { 0x2060, 0x2064 }, { 0x2066, 0x206f },
	{ 0xfeff, 0xfeff }, { 0xfff9, 0xfffb }, { 0x110bd, 0x110bd }, { 0x110cd, 0x110cd },
	{ 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 },
	{ 0xe0020, 0xe007f },
};

int
event_is_format_char(uint32_t cp)
{
	if (cp < 0xad)
		return 0;
	for (size_t i = 0; i < sizeof cf_ranges / sizeof cf_ranges[0]; i++)
		if (cp >= cf_ranges[i][0] && cp <= cf_ranges[i][1])
			return 1;
	return 0;
}

/*
 * Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF). Returns 0, or -1
 * for invalid UTF-8, or, when ctl is set, -2 for a control character (C0,
 * DEL, C1) and -3 for a format character (event_is_format_char()). *ncp
 * gets the number of code points.
 */
int
event_text_check(const unsigned char *s, size_t len, int ctl, size_t *ncp)
{
	size_t i = 0, n = 0;
	int ret = 0;

	while (i < len) {
		unsigned char b = s[i];
		uint32_t cp;
		size_t need;
		unsigned char lo, hi;

		/* Printable ASCII, nearly every byte: nothing to decode. */
		if (b >= 0x20 && b < 0x7f) {
			i++;
			n++;
			continue;
		}
		if (b < 0x80) {
			cp = b;
			need = 0;
		} else {
			const struct utf8_lead *l = utf8_lead_of(b);
			if (l == NULL)
				return -1;
			cp = b & l->bits;
			need = l->need;
			lo = l->lo;
			hi = l->hi;
		}
		if (need > len - i - 1)
			return -1;
		for (size_t k = 1; k <= need; k++) {
			unsigned char cb = s[i + k];
			if (k == 1 ? (cb < lo || cb > hi) : (cb < 0x80 || cb > 0xbf))
				return -1;
			cp = (cp << 6) | (cb & 0x3f);
		}
		if (ctl && ret == 0 && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)))
			ret = -2;	/* keep going: invalid UTF-8 wins */
		else if (ctl && ret == 0 && event_is_format_char(cp))
			ret = -3;
		i += need + 1;
		n++;
	}
	if (ncp != NULL)
		*ncp = n;
	return ret;
}

/* The characters of the local part of a WHATWG valid e-mail address. */
static int
is_local_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch != '\0' && strchr(".!#$%&'*+/=?^_`{|}~-", ch) != NULL);
}

static int
is_label_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* A domain of the WHATWG rule over [s, e): dot-separated labels of 1 to 63
 * letters, digits and '-', starting and ending with a letter or digit. */
static int
whatwg_domain(const unsigned char *s, const unsigned char *e)
{
	while (s < e) {
		const unsigned char *l = s;
		while (s < e && (is_label_char(*s) || *s == '-'))
			s++;
		if (s == l || s - l > 63 || !is_label_char(*l) || !is_label_char(s[-1]))
			return 0;
		if (s < e && (*s != '.' || ++s == e))
			return 0;
	}
	return 1;
}

/*
 * The HTML standard's "valid e-mail address" (what browsers accept in
 * <input type=email>):
 *   [a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+ @ label ( . label )*
 * ASCII only (an internationalised domain comes in its A-label form), and
 * at most MAX_EMAIL octets.
 */
int
event_valid_email(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *at;
	size_t len;

	if (s == NULL)
		return -1;
	len = strlen(s);
	if (len < 3 || len > MAX_EMAIL)
		return -1;
	at = (const unsigned char *)strchr(s, '@');
	if (at == NULL || at == p)
		return -1;
	for (const unsigned char *q = p; q < at; q++)
		if (!is_local_char(*q))
			return -1;
	return whatwg_domain(at + 1, p + len) && at + 1 < p + len ? 0 : -1;
}

int
event_valid_phone(const char *s)
{
	size_t n;

	if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return -1;
	for (n = 1; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9')
			return -1;
	}
	n--;
	return n >= 8 && n <= 15 ? 0 : -1;
}

int
event_valid_uai(const char *s)
{
	if (s == NULL || strlen(s) != 8)
		return -1;
	for (int i = 0; i < 7; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
	}
	if (!((s[7] >= 'A' && s[7] <= 'Z') || (s[7] >= 'a' && s[7] <= 'z')))
		return -1;
	return 0;
}

int
event_valid_student_id(const char *s)
{
	size_t n;

	if (s == NULL)
		return -1;
	for (n = 0; s[n] != '\0'; n++) {
		char ch = s[n];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return -1;
	}
	return n >= 1 && n <= MAX_ID ? 0 : -1;
}
