#!/usr/bin/env python3
"""Computes cephx crypto test vectors independently of the C# code under test.

Uses python3's `cryptography` package (AES-128-CBC, IV "cephsageyudagreg", PKCS#7) and struct for
the little-endian encodings, from the layouts in Ceph's src/auth/cephx/CephxProtocol.h and
src/auth/Crypto.h. Run it from this directory; it rewrites cephx-vectors.txt:

    python3 cephx-vectors.py > cephx-vectors.txt
"""
import base64
import struct

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

IV = b"cephsageyudagreg"
MAGIC = 0xFF009CAD8826AA55

# Printed by `ceph-authtool --gen-print-key` (Ceph 16.2.15) on the development machine.
KEYRING_KEY = "AQCcRhBrzDQdHRAAvl4Rx60Ds8PuHGev3nBS3A=="


def aes_encrypt(key: bytes, plain: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(IV)).encryptor()
    return enc.update(padded) + enc.finalize()


def envelope(key: bytes, body: bytes) -> bytes:
    """encode_encrypt_enc_bl: u8 1, u64 magic, body, encrypted."""
    return aes_encrypt(key, struct.pack("<BQ", 1, MAGIC) + body)


def blob(data: bytes) -> bytes:
    return struct.pack("<I", len(data)) + data


def crypto_key(secret: bytes, sec: int, nsec: int) -> bytes:
    return struct.pack("<HIIH", 1, sec, nsec, len(secret)) + secret


def fold(data: bytes) -> int:
    k = 0
    for pos in range(0, len(data) - 7, 8):
        k ^= struct.unpack_from("<Q", data, pos)[0]
    return k


def main() -> None:
    raw = base64.b64decode(KEYRING_KEY)
    ktype, sec, nsec, klen = struct.unpack_from("<HIIH", raw, 0)
    secret = raw[12:12 + klen]
    print(f"keyring.base64: {KEYRING_KEY}")
    print(f"keyring.type: {ktype}")
    print(f"keyring.created: {sec}.{nsec:09d}")
    print(f"keyring.secret: {secret.hex()}")

    for n in (0, 1, 15, 16, 17, 33):
        plain = bytes((i * 7 + 3) & 0xFF for i in range(n))
        print(f"aes.{n}.plain: {plain.hex()}")
        print(f"aes.{n}.cipher: {aes_encrypt(secret, plain).hex()}")

    # encode_encrypt(CephXChallengeBlob{server, client}) as a bufferlist, then the le64 fold.
    for i, (server, client) in enumerate([(0x1122334455667788, 0x99AABBCCDDEEFF00), (1, 2), (0xFFFFFFFFFFFFFFFF, 0)]):
        enc = blob(envelope(secret, struct.pack("<QQ", server, client)))
        print(f"fold.{i}.server: {server:016x}")
        print(f"fold.{i}.client: {client:016x}")
        print(f"fold.{i}.encrypted: {enc.hex()}")
        print(f"fold.{i}.key: {fold(enc):016x}")

    # CephXAuthorizeChallenge{server_challenge} as raw envelope ciphertext (AUTH_REPLY_MORE from a daemon).
    challenge = 0x0123456789ABCDEF
    print(f"challenge.value: {challenge:016x}")
    print(f"challenge.cipher: {envelope(secret, struct.pack('<BQ', 1, challenge)).hex()}")

    # CephXServiceTicket{session_key, validity} via encode_encrypt (a bufferlist).
    session = bytes(range(0x40, 0x50))
    body = struct.pack("<B", 1) + crypto_key(session, 1700000000, 5) + struct.pack("<II", 3600, 0)
    print(f"serviceticket.session: {session.hex()}")
    print(f"serviceticket.encrypted: {blob(envelope(secret, body)).hex()}")

    # CephXAuthorizeReply v2 {nonce_plus_one, connection_secret (64 bytes)} via encode_encrypt.
    nonce1 = 0xDEADBEEF00000001
    conn = bytes((0xA0 + i) & 0xFF for i in range(64))
    body = struct.pack("<BQ", 2, nonce1) + blob(conn)
    print(f"authreply.nonce_plus_one: {nonce1:016x}")
    print(f"authreply.secret: {conn.hex()}")
    print(f"authreply.encrypted: {blob(envelope(session, body)).hex()}")

    # An envelope whose magic is wrong (valid padding): must be refused.
    bad = aes_encrypt(secret, struct.pack("<BQ", 1, MAGIC ^ 1) + b"\x01" + struct.pack("<Q", 5))
    print(f"badmagic.cipher: {bad.hex()}")


if __name__ == "__main__":
    main()
