#!/usr/bin/python3
"""Writes a 13000x13000 8-bit RGB TIFF whose pixels are one Deflate strip
(507 MB inflated, about 13 MB on disk): TestTIFFOneLargeDeflateStrip.

Usage: large_strip_tiff.py OUT
"""
import struct
import sys
import zlib

import numpy as np

W = H = 13000


def main(out):
    x = np.arange(W, dtype=np.uint32)[None, :]
    y = np.arange(256, dtype=np.uint32)[:, None]
    # 256 rows that repeat; within a row a period of 256 pixels, so that
    # zlib finds its matches inside its 32 KiB window.
    rows = np.stack([np.broadcast_to(x & 255, (256, W)), np.broadcast_to(y, (256, W)),
                     np.broadcast_to((y * 7) & 255, (256, W))], axis=2).astype(np.uint8).tobytes()
    co = zlib.compressobj(1)
    z = b"".join([co.compress(rows) for _ in range(H // 256)]
                 + [co.compress(rows[: (H % 256) * W * 3]), co.flush()])
    pad = len(z) % 2
    bps = 8 + len(z) + pad
    entries = [(256, 4, 1, W), (257, 4, 1, H), (258, 3, 3, bps), (259, 3, 1, 8), (262, 3, 1, 2),
               (273, 4, 1, 8), (277, 3, 1, 3), (278, 4, 1, H), (279, 4, 1, len(z)), (284, 3, 1, 1)]
    data = b"II*\0" + struct.pack("<I", bps + 6) + z + b"\0" * pad + struct.pack("<3H", 8, 8, 8)
    data += struct.pack("<H", len(entries))
    data += b"".join(struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main(sys.argv[1])
