#!/usr/bin/env python3
"""Independent msgr2.1 (rev1) secure-mode vectors for SecureFrameCodecTests.

Written from Ceph 16.2's definition (crypto_onwire.cc, frames_v2.cc asm_secure_rev1 /
disasm_*_secure_rev1; docs in shared/reference/msgr2.md section 9), using only python's
`cryptography` AESGCM, so the C# codec is checked against something it did not produce.

  connection_secret = key(16) | client rx nonce(12) | client tx nonce(12) | unused
  nonce             = le32 fixed | le64 counter; counter += 1 after every GCM operation
  GCM               = AES-128, no AAD, 16-byte tag appended
  frame             = [preamble(32) | seg0[:48] | zero pad to 48] + tag            (always)
                      [seg0[48:] zero-padded to 16] + tag                          (len0 > 48)
                      [seg1|pad, seg2|pad, seg3|pad, epilogue(16)] + tag           (segments > 1)
  epilogue          = late_status (0x0E complete, 0x01 aborted) + 15 bytes (zero when sent)

Regenerate with:  python3 secure_vectors.py > secure_vectors.txt
Output lines:  "secret <hex>", then per frame
  "frame <name> <dir> <tag> <ops> <seg0hex|-> <seg1hex|-> <seg2hex|-> <seg3hex|-> <aborted 0|1> <wirehex>"
where dir is c2s (client tx nonce) or s2c (server tx nonce = client rx nonce); frames of one
direction are in send order, so the nonce counter runs on from frame to frame.
"""
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def crc32c(seed, data):
    """ceph_crc32c: raw reflected Castagnoli, no final xor."""
    crc = seed
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc & 0xFFFFFFFF


def pad16(n):
    return (n + 15) & ~15


def preamble(tag, segs):
    count = 1
    for i in range(len(segs) - 1, -1, -1):
        if len(segs[i]) > 0:
            count = i + 1
            break
    b = bytearray(32)
    b[0] = tag
    b[1] = count
    for i in range(count):
        align = 4096 if i == 3 else 8
        struct.pack_into("<IH", b, 2 + 6 * i, len(segs[i]), align)
    struct.pack_into("<I", b, 28, crc32c(0, bytes(b[:28])))
    return bytes(b), count


class Nonce:
    def __init__(self, twelve):
        self.fixed, self.counter = struct.unpack("<IQ", twelve)

    def take(self):
        iv = struct.pack("<IQ", self.fixed, self.counter)
        self.counter = (self.counter + 1) & 0xFFFFFFFFFFFFFFFF
        return iv


def seal(aes, nonce, plain):
    return aes.encrypt(nonce.take(), bytes(plain), None)  # ciphertext + 16-byte tag


def frame(aes, nonce, tag, segs, late_status=0x0E, pad_byte=0, epilogue_rest=b"\0" * 15):
    """One frame; pad_byte/epilogue_rest let a vector carry non-zero padding that Ceph ignores."""
    segs = list(segs) + [b""] * (4 - len(segs))
    pre, count = preamble(tag, segs)
    s0 = segs[0]
    first = pre + s0[:48] + bytes([pad_byte]) * (48 - min(len(s0), 48))
    out = seal(aes, nonce, first)
    ops = 1
    if len(s0) > 48:
        rest = s0[48:]
        out += seal(aes, nonce, rest + bytes([pad_byte]) * (pad16(len(rest)) - len(rest)))
        ops += 1
    if count > 1:
        tail = b""
        for s in segs[1:4]:
            tail += s + bytes([pad_byte]) * (pad16(len(s)) - len(s))
        tail += bytes([late_status]) + epilogue_rest
        out += seal(aes, nonce, tail)
        ops += 1
    return out, ops, segs


def pattern(n, seed):
    return bytes(((i * 131) + seed * 17 + (i >> 8)) & 0xFF for i in range(n))


def main():
    key = bytes.fromhex("c0ffee00112233445566778899aabbcc")
    # client rx = server tx: counter starts just below a 32-bit carry, so a u32 increment would differ.
    client_rx = struct.pack("<IQ", 0xA1B2C3D4, 0x00000000FFFFFFFE)
    # client tx: counter starts where bytes 4..11 carry through several bytes.
    client_tx = struct.pack("<IQ", 0x5EC0DE01, 0x0000FFFFFFFFFFFD)
    secret = key + client_rx + client_tx + bytes(range(0x40, 0x58))  # 64 bytes, tail unused
    assert len(secret) == 64
    print("secret", secret.hex())

    aes = AESGCM(key)
    c2s = Nonce(client_tx)
    s2c = Nonce(client_rx)
    header = pattern(41, 1)

    def emit(name, direction, tag, segs, aborted=False, **kw):
        nonce = c2s if direction == "c2s" else s2c
        wire, ops, segs = frame(aes, nonce, tag, segs, late_status=0x01 if aborted else 0x0E, **kw)
        cols = [s.hex() if s else "-" for s in segs]
        print("frame", name, direction, tag, ops, *cols, 1 if aborted else 0, wire.hex())

    # client -> server, in send order: 1, 2, 3, 2, 1 ops
    emit("keepalive2", "c2s", 18, [bytes.fromhex("00f1536515cd5b07")])                    # 1 op
    emit("ident_123", "c2s", 8, [pattern(123, 2)])                                         # 2 ops
    emit("message_big_header", "c2s", 17, [pattern(64, 3), pattern(5, 4), pattern(17, 5), pattern(4100, 6)])  # 3 ops
    emit("message_header_data", "c2s", 17, [header, b"", b"", pattern(1000, 7)])          # 2 ops
    emit("wait_empty", "c2s", 16, [b""])                                                   # 1 op
    emit("exactly_48", "c2s", 2, [pattern(48, 8)])                                         # 1 op
    emit("exactly_49", "c2s", 2, [pattern(49, 9)])                                         # 2 ops
    # server -> client: crossed nonces
    emit("server_control", "s2c", 9, [pattern(30, 10)])                                    # 1 op
    emit("server_message", "s2c", 17, [header, pattern(72, 11), b"", pattern(300, 12)])   # 2 ops
    emit("server_front_only", "s2c", 17, [header, pattern(1, 13)])                         # 2 ops

    # Receive-side behaviour: decoded by the server-role codec after the c2s frames above, so the
    # client's tx counter runs on from them.
    rx = c2s
    for name, segs, kw, aborted in [
        ("aborted", [header, pattern(10, 14), b"", pattern(20, 15)], {}, True),
        ("nonzero_padding", [pattern(50, 16), pattern(3, 17)], {"pad_byte": 0xA5, "epilogue_rest": bytes(range(1, 16))}, False),
    ]:
        wire, ops, segs = frame(aes, rx, 17, segs, late_status=0x01 if aborted else 0x0E, **kw)
        cols = [s.hex() if s else "-" for s in segs]
        print("rxonly", name, "c2s", 17, ops, *cols, 1 if aborted else 0, wire.hex())
    wire, ops, segs = frame(aes, rx, 17, [header, pattern(3, 18)], late_status=0x00)
    cols = [s.hex() if s else "-" for s in segs]
    print("rxonly", "bad_late_status", "c2s", 17, ops, *cols, 0, wire.hex())


if __name__ == "__main__":
    main()
