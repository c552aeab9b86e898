/*
 * phone.h — phone numbers as SMS gateways give them, read into their one
 * E.164 form (contract section 4: a STOP reply is matched whatever form the
 * gateway gives the sender in). Pure: no I/O.
 *
 * Students' phones are stored in E.164 (event validation refuses any other
 * form), so a number read here is compared with the stored ones as text.
 */
#ifndef RELANCE_PHONE_H
#define RELANCE_PHONE_H

#include <stddef.h>

/* "+", at most 15 digits, NUL. */
#define PHONE_E164_MAX 17

/*
 * Writes into out the E.164 form of number in, read as a gateway of a
 * network of country (an ISO 3166 code known to phone_country_known(),
 * e.g. "FR") gives it:
 *   +33612345678    E.164 as is;
 *   0033612345678   international prefix 00;
 *   33612345678     international without "+";
 *   0612345678      national, after the country's trunk prefix 0 (in the
 *                   French plan, shared by FR and the overseas departments,
 *                   0590/0690/0691 are +590, 0596/0696/0697 +596,
 *                   0594/0694 +594, 0262/0263/0692/0693 and 0269/0639
 *                   +262, anything else +33).
 * In a country without a trunk prefix (LU, ES, IT, MC), digits that do not
 * start with the calling code followed by a national number's length are
 * national. Spaces, dots, dashes, slashes and parentheses are ignored.
 * 0, or -1 when in is no phone number (letters, a bad length) or country is
 * unknown.
 */
int phone_e164(const char *in, const char *country, char out[PHONE_E164_MAX]);

/* 1 if country (upper case) is in the table of phone_e164(), else 0. */
int phone_country_known(const char *country);
/* The known countries, comma separated (for error messages). */
const char *phone_countries(void);

#endif
