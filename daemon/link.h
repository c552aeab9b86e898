/*
 * link.h — personal link codes and page tokens of contract section 8 (pure:
 * no I/O, no store; hashing by nettle).
 *
 * A code is the base64url form (22 characters, no padding) of the first 128
 * bits of HMAC-SHA256(key, "relance-link\0" uid): one per appointment, the
 * same in every reminder and after a move (same UID), so nothing but the
 * key has to be kept to print it again. The store keeps only
 * link_code_hash(code) (appointments.code_hash, indexed) to find the
 * appointment of a code; the key lives in its own file ([answers] key_file,
 * reply.c), not in the store, so a copy of the store alone opens no
 * page.
 *
 * A page token (the anti-CSRF field of the page's forms) is bound to the
 * code and to the appointment's SEQUENCE: a form shown before a change no
 * longer acts after it.
 */
#ifndef RELANCE_LINK_H
#define RELANCE_LINK_H

#include <stddef.h>
#include <stdint.h>

#define LINK_KEY_LEN 32
#define LINK_CODE_LEN 22        /* characters, without the NUL */
#define LINK_HASH_LEN 64        /* hex SHA-256, without the NUL */
#define LINK_TOKEN_LEN 22

/* code of the appointment uid (NUL-terminated, LINK_CODE_LEN chars). */
void link_code(const uint8_t key[LINK_KEY_LEN], const char *uid, char out[LINK_CODE_LEN + 1]);
/* Lower-case hex SHA-256 of a code: what the store keeps. */
void link_code_hash(const char *code, char out[LINK_HASH_LEN + 1]);
/* 1 when s has the shape of a code (22 base64url characters), else 0:
 * anything else is refused before any store lookup. */
int link_code_shape(const char *s);
/* The page token for a code at a sequence, and its constant-time check
 * (1 good, 0 otherwise; NULL is never good). */
void link_token(const uint8_t key[LINK_KEY_LEN], const char *code, int sequence,
		char out[LINK_TOKEN_LEN + 1]);
int link_token_ok(const uint8_t key[LINK_KEY_LEN], const char *code, int sequence,
		  const char *token);

#endif
