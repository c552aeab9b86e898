/*
 * phone.c — a phone number as an SMS gateway gives it, read into E.164
 * (phone.h). Pure: no I/O, no allocation.
 *
 * The countries are those whose networks a French mission locale's gateway
 * may report numbers from: France and its overseas departments (one
 * numbering plan, trunk prefix 0, ten digits), its neighbours and the
 * United Kingdom. Adding one is adding a row.
 */
#include <string.h>

#include "phone.h"

struct country {
	const char *iso;        /* ISO 3166-1 alpha-2 */
	const char *cc;         /* calling code */
	int trunk;              /* national numbers start with the trunk prefix 0 */
	int french;             /* the French plan: region by national prefix */
	int nsn_min, nsn_max;   /* digits of a national (significant) number */
};

static const struct country countries[] = {
	{ "FR", "33", 1, 1, 9, 9 },
	{ "GP", "590", 1, 1, 9, 9 },   /* Guadeloupe */
	{ "MQ", "596", 1, 1, 9, 9 },   /* Martinique */
	{ "GF", "594", 1, 1, 9, 9 },   /* Guyane */
	{ "RE", "262", 1, 1, 9, 9 },   /* La Réunion */
	{ "YT", "262", 1, 1, 9, 9 },   /* Mayotte */
	{ "BL", "590", 1, 1, 9, 9 },   /* Saint-Barthélemy */
	{ "MF", "590", 1, 1, 9, 9 },   /* Saint-Martin */
	{ "BE", "32", 1, 0, 8, 9 },
	{ "CH", "41", 1, 0, 9, 9 },
	{ "LU", "352", 0, 0, 4, 11 },
	{ "DE", "49", 1, 0, 6, 13 },
	{ "ES", "34", 0, 0, 9, 9 },
	{ "IT", "39", 0, 0, 6, 11 },
	{ "GB", "44", 1, 0, 9, 10 },
	{ "MC", "377", 0, 0, 8, 9 },
};

/* The French plan: the calling code of a national significant number (the
 * ten-digit national number without its 0), by its first three digits. */
static const struct {
	const char prefix[4], cc[4];
} french_regions[] = {
	{ "590", "590" }, { "690", "590" }, { "691", "590" },
	{ "596", "596" }, { "696", "596" }, { "697", "596" },
	{ "594", "594" }, { "694", "594" },
	{ "262", "262" }, { "263", "262" }, { "692", "262" }, { "693", "262" },
	{ "269", "262" }, { "639", "262" },
};

static const struct country *
country_of(const char *iso)
{
	if (iso == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof countries / sizeof countries[0]; i++)
		if (strcmp(countries[i].iso, iso) == 0)
			return &countries[i];
	return NULL;
}

int
phone_country_known(const char *country)
{
	return country_of(country) != NULL;
}

const char *
phone_countries(void)
{
	return "FR, GP, MQ, GF, RE, YT, BL, MF, BE, CH, LU, DE, ES, IT, GB, MC";
}

/* The digits of in (separators skipped) into d (at most max - 1, NUL
 * terminated), *plus set when it starts with "+". Count, or -1. */
static int
digits_of(const char *in, char *d, size_t max, int *plus)
{
	size_t n = 0;

	*plus = 0;
	while (*in == ' ' || *in == '\t')
		in++;
	if (*in == '+') {
		*plus = 1;
		in++;
	}
	for (; *in; in++) {
		if (*in >= '0' && *in <= '9') {
			if (n + 1 >= max)
				return -1;
			d[n++] = *in;
		} else if (strchr(" \t.-/()", *in) == NULL) {
			return -1;
		}
	}
	d[n] = '\0';
	return n ? (int)n : -1;
}

/* out = "+" cc nsn, when that is E.164 (8 to 15 digits, no leading 0). */
static int
compose(const char *cc, const char *nsn, char out[PHONE_E164_MAX])
{
	size_t lc = strlen(cc), ln = strlen(nsn);
	const char first = lc ? cc[0] : nsn[0];

	if (first < '1' || first > '9')
		return -1;
	if (lc + ln < 8 || lc + ln > 15)
		return -1;
	out[0] = '+';
	memcpy(out + 1, cc, lc);
	memcpy(out + 1 + lc, nsn, ln + 1);
	return 0;
}

/* A national significant number of country c into E.164. */
static int
national(const struct country *c, const char *nsn, char out[PHONE_E164_MAX])
{
	size_t n = strlen(nsn);

	if (n < (size_t)c->nsn_min || n > (size_t)c->nsn_max)
		return -1;
	if (c->french)
		for (size_t i = 0; i < sizeof french_regions / sizeof french_regions[0]; i++)
			if (strncmp(nsn, french_regions[i].prefix, 3) == 0)
				return compose(french_regions[i].cc, nsn, out);
	return compose(c->french ? "33" : c->cc, nsn, out);
}

int
phone_e164(const char *in, const char *country, char out[PHONE_E164_MAX])
{
	const struct country *c = country_of(country);
	char d[24];
	int plus = 0, n = in ? digits_of(in, d, sizeof d, &plus) : -1;
	size_t lc;

	out[0] = '\0';
	if (c == NULL || n < 0)
		return -1;
	if (plus)
		return compose("", d, out);
	if (d[0] == '0' && d[1] == '0')
		return compose("", d + 2, out);
	if (c->trunk && d[0] == '0')
		return national(c, d + 1, out);
	if (!c->trunk) {
		/* Without a trunk prefix, international digits without "+"
		 * and national ones look alike: the calling code followed by
		 * a national number's length is international. */
		lc = strlen(c->cc);
		if (strncmp(d, c->cc, lc) == 0 && (size_t)n - lc >= (size_t)c->nsn_min &&
		    (size_t)n - lc <= (size_t)c->nsn_max)
			return compose("", d, out);
		if (n >= c->nsn_min && n <= c->nsn_max)
			return national(c, d, out);
	}
	return compose("", d, out);
}
