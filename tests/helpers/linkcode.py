#!/usr/bin/python3
"""linkcode.py KEY_FILE UID [SEQUENCE]: the personal link code of an
appointment (contract section 8, daemon/link.h) computed from relanced's
key file: base64url, unpadded, of the first 128 bits of
HMAC-SHA256(key, "relance-link\\0" + uid). With SEQUENCE, prints the page
token of that code at that sequence instead (HMAC-SHA256(key,
"relance-token\\0" + code + "\\0" + sequence), 128 bits likewise). Written
from the specification, independently of link.c, so the tests check one
against the other."""
import base64
import hashlib
import hmac
import sys


def b64_128(mac):
    return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")


def main():
    key = bytes.fromhex(open(sys.argv[1]).read().split()[0])
    code = b64_128(hmac.new(key, b"relance-link\0" + sys.argv[2].encode(), hashlib.sha256).digest())
    if len(sys.argv) > 3:
        msg = b"relance-token\0" + code.encode() + b"\0" + sys.argv[3].encode()
        print(b64_128(hmac.new(key, msg, hashlib.sha256).digest()))
    else:
        print(code)


if __name__ == "__main__":
    main()
