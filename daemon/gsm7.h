/*
 * gsm7.h — the GSM 03.38 alphabet of SMS (gsm7.c): which characters of a
 * UTF-8 text it has (basic set, 1 septet each; extension table € [ ] { }
 * ~ ^ \ |, 2 septets each), transliteration of the others ([sms]
 * encoding = gsm7: ê → e, œ → oe, ’ → ', « » → ", – → -, … → ..., no-break
 * spaces → space, other Latin letters → their base letter, anything else
 * → ?), and how many segments a text takes. Pure: no I/O.
 */
#ifndef RELANCE_GSM7_H
#define RELANCE_GSM7_H

#include <stddef.h>

#define GSM7_SEGMENT 160            /* septets of a single-segment SMS */

/* Decodes one UTF-8 sequence of s into *cp; returns its length in bytes
 * (1 with *cp = U+FFFD on an invalid byte). s must not be at its end. */
size_t gsm7_utf8_next(const char *s, unsigned *cp);
/* Bytes of the first n characters of UTF-8 s (all of s when shorter):
 * never cuts a character. */
size_t gsm7_utf8_prefix(const char *s, size_t n);
/* Characters (code points) of UTF-8 s. */
size_t gsm7_utf8_len(const char *s);
/* Septets of s in GSM 03.38 (extension characters count 2), or -1 when a
 * character of s is not in GSM 03.38. */
int gsm7_septets(const char *s);
/* s with every character outside GSM 03.38 transliterated (malloc'd). */
char *gsm7_transliterate(const char *s);
/* Segments the text takes: GSM 03.38 when it has every character (160
 * septets, 153 a part when concatenated), else UCS-2 (70 UTF-16 units, 67
 * a part). *ucs2 (may be NULL) says which. */
int gsm7_segments(const char *s, int *ucs2);

#endif
