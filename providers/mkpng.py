#!/usr/bin/env python3
"""Draws the providers' small logos (provider.png) with zlib only; our own simple artwork.

Run once from the top of the tree: python3 providers/mkpng.py. Each logo is a rounded
rectangle in the provider's colour with a white "play" triangle and a short label in a
5x7 pixel font, 4-colour palette PNG, well under 10 KB.
"""
import os
import struct
import zlib

W, H = 220, 132
FONT = {  # 5x7, rows top to bottom, bit 4 = leftmost column
    "P": [30, 17, 17, 30, 16, 16, 16], "L": [16, 16, 16, 16, 16, 16, 31],
    "U": [17, 17, 17, 17, 17, 17, 14], "T": [31, 4, 4, 4, 4, 4, 4],
    "O": [14, 17, 17, 17, 17, 17, 14], "V": [17, 17, 17, 17, 17, 10, 4],
    "S": [15, 16, 16, 14, 1, 1, 30], "A": [14, 17, 17, 31, 17, 17, 17],
    "M": [17, 27, 21, 21, 17, 17, 17], "N": [17, 25, 21, 19, 17, 17, 17],
    "G": [14, 17, 16, 23, 17, 17, 15], "I": [14, 4, 4, 4, 4, 4, 14],
    "+": [0, 4, 4, 31, 4, 4, 0], " ": [0] * 7,
}
LOGOS = {
    "PlutoTV": ((255, 214, 0), "PLUTO TV"),
    "SamsungTV": ((20, 40, 160), "SAMSUNG TV+"),
    "IPTV": ((0, 130, 90), "IPTV"),
}


def png(path, colour, label):
    pal = [(0, 0, 0), colour, (255, 255, 255), tuple(c // 2 for c in colour)]
    px = [[0] * W for _ in range(H)]
    r = 18
    for y in range(H):
        for x in range(W):
            cx = min(max(x, r), W - 1 - r)
            cy = min(max(y, r), H - 1 - r)
            if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
                px[y][x] = 3 if (x - cx) ** 2 + (y - cy) ** 2 > (r - 4) ** 2 else 1
    # play triangle
    for y in range(18, 70):
        half = min(y - 18, 70 - y)
        for x in range(95, 95 + half * 2):
            px[y][x] = 2
    # label, scale 3, centred
    s = 3
    width = len(label) * 6 * s - s
    x0, y0 = (W - width) // 2, 84
    for i, ch in enumerate(label):
        rows = FONT[ch]
        for ry, bits in enumerate(rows):
            for rx in range(5):
                if bits & (16 >> rx):
                    for dy in range(s):
                        for dx in range(s):
                            px[y0 + ry * s + dy][x0 + i * 6 * s + rx * s + dx] = 2
    raw = b"".join(b"\0" + bytes((a << 6 | b << 4 | c << 2 | d)
                                 for a, b, c, d in zip(row[0::4], row[1::4], row[2::4], row[3::4]))
                   for row in px)

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 2, 3, 0, 0, 0))
            + chunk(b"PLTE", b"".join(bytes(c) for c in pal))
            + chunk(b"tRNS", b"\x00")
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for pid, (colour, label) in LOGOS.items():
        n = png(os.path.join(here, pid, "provider.png"), colour, label)
        print("%s/provider.png: %d bytes" % (pid, n))
