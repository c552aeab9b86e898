#!/usr/bin/python3
"""dlrsecret.py DB ID: the secret relanced puts in the dlr-url of the SMS of
reminder ID (daemon/sms.h): SipHash-2-4 of b"dlr:" + ID (8 octets,
little-endian) under the key kept in the store's meta table ('dlr_key',
32 hex digits), as 16 lowercase hex digits. Written from the SipHash paper,
apart from relanced's code, so a test that uses it checks both."""

import sqlite3
import struct
import sys

M = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M


def siphash24(key, data):
    k0, k1 = struct.unpack("<QQ", key)
    v = [0x736F6D6570736575 ^ k0, 0x646F72616E646F6D ^ k1,
         0x6C7967656E657261 ^ k0, 0x7465646279746573 ^ k1]

    def rnd():
        v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)

    tail = len(data) % 8
    blocks = [struct.unpack("<Q", data[i:i + 8])[0] for i in range(0, len(data) - tail, 8)]
    last = int.from_bytes(data[len(data) - tail:], "little") | ((len(data) & 0xFF) << 56)
    for m in blocks + [last]:
        v[3] ^= m
        rnd(); rnd()
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--selftest":
        key = bytes(range(16))
        assert siphash24(key, b"") == 0x726FDB47DD0E0E31
        assert siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5
        return
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=5)
    (hexkey,) = db.execute("SELECT value FROM meta WHERE key = 'dlr_key'").fetchone()
    msg = b"dlr:" + struct.pack("<q", int(sys.argv[2]))
    print("%016x" % siphash24(bytes.fromhex(hexkey), msg))


if __name__ == "__main__":
    main()
