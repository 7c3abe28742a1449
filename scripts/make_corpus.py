#!/usr/bin/python3
"""Generate the decode/parity corpus into a directory, deterministically.

Usage:
    make_corpus.py [OUT_DIR]          (default build/corpus)

The corpus is flat (so `predict OUT_DIR` and `reference.py OUT_DIR` both see every
file) and is regenerated from scratch on every run. Its sources:

  td-*        testdata/images and testdata/bad (byte copies)
  go-*        $GOROOT/src/image/testdata and $GOROOT/src/image/png/testdata (byte copies)
  pngsuite-*  $GOROOT/src/image/png/testdata/pngsuite/*.png (byte copies)
  gen-*       generated here with Pillow 9.4 (Debian /usr/bin/python3), numpy, a tiny
              raw PNG/GIF/BMP writer (for variants Pillow cannot write) and, when
              installed, jpegtran (libjpeg-turbo-progs) for arithmetic-coded JPEGs
  bad-*       files Pillow refuses (empty, text, truncated, corrupt, bomb header, a
              directory named .jpg)

Every generated file depends only on this script, the shipped testdata and the
library versions (Pillow 9.4 + libjpeg-turbo 2.1.5 + libwebp 1.2.4 on Debian 12),
so two runs give the same bytes. GOROOT is taken from $GOROOT, else `go env GOROOT`,
else /usr/local/go.

Whether Pillow reads a file is NOT decided here: the Go tests ask Pillow
(scripts/pil_oracle.py) about every file and require the same answer.
"""

import io
import os
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np
from PIL import Image, PngImagePlugin, TiffImagePlugin, features

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def goroot():
    if os.environ.get("GOROOT"):
        return os.environ["GOROOT"]
    for go in ("go", "/usr/local/go/bin/go"):
        try:
            return subprocess.check_output([go, "env", "GOROOT"], text=True,
                                            stderr=subprocess.DEVNULL).strip()
        except (OSError, subprocess.CalledProcessError):
            pass
    return "/usr/local/go"


class Corpus:
    def __init__(self, out):
        self.out = out
        self.count = 0

    def path(self, name):
        return os.path.join(self.out, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        self.count += 1

    def save(self, name, img, fmt, **kw):
        data = encoded(img, fmt, **kw)
        self.write(name, data)
        return data

    def copy(self, src, name):
        shutil.copyfile(src, self.path(name))
        self.count += 1



def encoded(img, fmt, **kw):
    """The file Pillow writes for img, as bytes."""
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# Deterministic source pictures

def photo():
    """The shipped 640x427 photo (rocket.jpg), decoded by Pillow."""
    with Image.open(os.path.join(ROOT, "testdata", "images", "rocket.jpg")) as im:
        return im.convert("RGB")


def pattern(w, h, seed=1):
    """Smooth gradients + hard edges + a little noise: exercises upsampling and rounding."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 255 // max(w - 1, 1)).astype(np.int32)
    g = (y * 255 // max(h - 1, 1)).astype(np.int32)
    b = (((x // 7) + (y // 5)) % 2 * 200 + 20).astype(np.int32)
    a = np.stack([r, g, b], axis=2) + rng.randint(-12, 13, size=(h, w, 3))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")


def asymmetric(w=60, h=40):
    """An image whose 8 orientations are all different (for EXIF transpose)."""
    a = np.zeros((h, w, 3), np.uint8)
    a[:, :, 0] = np.arange(w, dtype=np.uint8)[None, :] * 4
    a[:, :, 1] = np.arange(h, dtype=np.uint8)[:, None] * 6
    a[: h // 3, : w // 4, 2] = 255
    return Image.fromarray(a, "RGB")


# ---------------------------------------------------------------------------
# Raw writers for variants Pillow cannot write

def chunk(typ, body):
    return struct.pack(">I", len(body)) + typ + body + struct.pack(">I", zlib.crc32(typ + body))


def png_raw(w, h, depth, ctype, rows, plte=None, trns=None, extra=b"", interlace=0,
            level=9):
    """rows: list of bytes, one per scanline without the filter byte (filter 0 added)."""
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if plte is not None:
        out += chunk(b"PLTE", bytes(plte))
    if trns is not None:
        out += chunk(b"tRNS", bytes(trns))
    out += extra
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    out += chunk(b"IDAT", zlib.compress(raw, level))
    return out + chunk(b"IEND", b"")


def be16(vals):
    return b"".join(struct.pack(">H", v & 0xFFFF) for v in vals)


def gif_raw(screen_w, screen_h, frames, gct=None, bg=0, loop=False):
    """Minimal GIF89a writer. frames: dicts with x, y, w, h, pixels (bytes), optional
    lct (list of rgb bytes), transparency (index), interlace (bool)."""
    def table(pal):
        n = len(pal) // 3
        size = max(1, (n - 1).bit_length()) if n > 1 else 1
        pad = (2 << (size - 1)) * 3 - len(pal)
        return size - 1, bytes(pal) + b"\x00" * pad

    out = b"GIF89a"
    flags, gtab = 0, b""
    if gct is not None:
        size, gtab = table(gct)
        flags = 0x80 | (7 << 4) | size
    out += struct.pack("<HHBBB", screen_w, screen_h, flags, bg, 0) + gtab
    if loop:
        out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    for f in frames:
        if "transparency" in f or "disposal" in f:
            packed = (f.get("disposal", 0) << 2) | (1 if "transparency" in f else 0)
            out += struct.pack("<BBBBHBB", 0x21, 0xF9, 4, packed, 10,
                               f.get("transparency", 0), 0)
        iflags, ltab = 0, b""
        if f.get("lct") is not None:
            size, ltab = table(f["lct"])
            iflags = 0x80 | size
        if f.get("interlace"):
            iflags |= 0x40
        out += b"\x2c" + struct.pack("<HHHHB", f["x"], f["y"], f["w"], f["h"], iflags) + ltab
        min_code = f.get("min_code", 8)
        out += bytes([min_code]) + gif_blocks(lzw_encode(f["pixels"], min_code)) + b"\x00"
    return out + b"\x3b"


def lzw_encode(data, min_code):
    """GIF LZW without dictionary growth tricks: emit a clear code often enough that
    codes stay at min_code+1 bits (valid, if not compact)."""
    clear, eoi = 1 << min_code, (1 << min_code) + 1
    width = min_code + 1
    codes = [clear]
    limit = (1 << width) - eoi - 2
    run = 0
    for v in data:
        codes.append(v)
        run += 1
        if run >= limit:
            codes.append(clear)
            run = 0
    codes.append(eoi)
    bits, nbits, out = 0, 0, bytearray()
    for c in codes:
        bits |= c << nbits
        nbits += width
        while nbits >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8
    if nbits:
        out.append(bits & 0xFF)
    return bytes(out)


def gif_blocks(data):
    out = b""
    for i in range(0, len(data), 255):
        part = data[i:i + 255]
        out += bytes([len(part)]) + part
    return out


def bmp_raw(w, h, bpp, pixel_rows, palette=None, compression=0, masks=None, top_down=False,
            header_size=40, image_data=None):
    """BITMAPINFOHEADER (or V4/V5 by header_size) writer; pixel_rows bottom-up unless
    top_down. image_data overrides the row data (RLE)."""
    if image_data is None:
        stride = ((w * bpp + 31) // 32) * 4
        rows = pixel_rows if top_down else list(reversed(pixel_rows))
        image_data = b"".join(bytes(r) + b"\x00" * (stride - len(r)) for r in rows)
    pal = b""
    if palette is not None:
        pal = b"".join(bytes([b, g, r, 0]) for r, g, b in palette)
    extra = b""
    if masks is not None and header_size == 40:
        extra = struct.pack("<III", *masks)
    info = struct.pack("<iiHHIIiiII", w, -h if top_down else h, 1, bpp, compression,
                       len(image_data), 2835, 2835, len(palette or []), 0)
    if header_size > 40:
        m = masks or (0, 0, 0)
        info += struct.pack("<IIII", m[0], m[1], m[2], m[3] if len(m) > 3 else 0)
        info += b"\x00" * (header_size - 40 - 16)
    head = struct.pack("<I", header_size) + info
    off = 14 + len(head) + len(extra) + len(pal)
    total = off + len(image_data)
    return b"BM" + struct.pack("<IHHI", total, 0, 0, off) + head + extra + pal + image_data


def rle8(rows_bottom_up):
    out = bytearray()
    for r in rows_bottom_up:
        i = 0
        while i < len(r):
            j = i
            while j < len(r) and r[j] == r[i] and j - i < 255:
                j += 1
            out += bytes([j - i, r[i]])
            i = j
        out += b"\x00\x00"
    out[-2:] = b"\x00\x01"
    return bytes(out)


# ---------------------------------------------------------------------------

def copies(c):
    for sub, prefix in (("images", "td-"), ("bad", "td-bad-")):
        d = os.path.join(ROOT, "testdata", sub)
        for n in sorted(os.listdir(d)):
            c.copy(os.path.join(d, n), prefix + n)
    gr = goroot()
    for d, prefix in ((os.path.join(gr, "src", "image", "testdata"), "go-"),
                      (os.path.join(gr, "src", "image", "png", "testdata"), "go-png-"),
                      (os.path.join(gr, "src", "image", "png", "testdata", "pngsuite"), "pngsuite-")):
        if not os.path.isdir(d):
            print(f"make_corpus: {d} missing, skipped", file=sys.stderr)
            continue
        for n in sorted(os.listdir(d)):
            p = os.path.join(d, n)
            if os.path.isfile(p) and n.lower().endswith((".png", ".jpeg", ".jpg", ".gif")):
                c.copy(p, prefix + n)


def sizes(c):
    src = photo()
    for w, h in ((1, 1), (2, 3), (223, 225), (4000, 20), (20, 3000), (32, 32), (640, 480),
                 (255, 257)):
        im = src.resize((w, h), Image.BILINEAR)
        c.save(f"gen-size-{w}x{h}.jpg", im, "JPEG", quality=90)
        c.save(f"gen-size-{w}x{h}.png", im, "PNG")
    # A large phone-like photo: upscaled and saved as a 4:2:0 JPEG.
    c.save("gen-photo-6000x4000.jpg", src.resize((6000, 4000), Image.BILINEAR), "JPEG",
           quality=85)


def jpegs(c):
    im = pattern(151, 97)
    for ss, tag in ((0, "444"), (1, "422"), (2, "420")):
        c.save(f"gen-jpeg-{tag}.jpg", im, "JPEG", quality=90, subsampling=ss)
        c.save(f"gen-jpeg-{tag}-progressive.jpg", im, "JPEG", quality=90, subsampling=ss,
               progressive=True)
    c.save("gen-jpeg-optimized.jpg", im, "JPEG", quality=75, optimize=True)
    c.save("gen-jpeg-q100.jpg", im, "JPEG", quality=100)
    c.save("gen-jpeg-grey.jpg", im.convert("L"), "JPEG", quality=90)
    c.save("gen-jpeg-grey-progressive.jpg", im.convert("L"), "JPEG", progressive=True)
    c.save("gen-jpeg-cmyk.jpg", im.convert("CMYK"), "JPEG", quality=90)
    c.save("gen-jpeg-icc.jpg", im, "JPEG", icc_profile=b"\x00" * 128)  # not applied
    full = c.save("gen-jpeg-base.jpg", im, "JPEG", quality=90)
    prog = c.save("gen-jpeg-prog.jpg", im, "JPEG", quality=90, progressive=True)
    # Truncations, matched file by file against Pillow.
    assert full[-2:] == b"\xff\xd9"
    c.write("gen-jpeg-no-eoi.jpg", full[:-2])
    c.write("gen-jpeg-no-eoi-half-marker.jpg", full[:-1])
    c.write("gen-jpeg-cut-last-4.jpg", full[:-4])
    c.write("gen-jpeg-cut-last-64.jpg", full[:-64])
    c.write("bad-jpeg-half.jpg", full[: len(full) // 2])
    c.write("bad-jpeg-header-only.jpg", full[:300])
    c.write("gen-jpeg-prog-no-eoi.jpg", prog[:-2])
    c.write("bad-jpeg-prog-half.jpg", prog[: len(prog) // 2])
    c.write("gen-jpeg-trailing-garbage.jpg", full + b"garbage after EOI" * 10)
    # MPO (camera stereo/multi-picture JPEG): Pillow opens the first picture.
    c.save("gen-jpeg-mpo.mpo", im, "MPO", save_all=True, append_images=[pattern(64, 48, seed=3)])
    c.write("bad-jpeg-soi-only.jpg", b"\xff\xd8\xff")
    # 12-bit: the SOF precision byte says 12; Pillow refuses ("cannot handle 12-bit layers").
    i = full.index(b"\xff\xc0")
    c.write("bad-jpeg-12bit.jpg", full[: i + 4] + b"\x0c" + full[i + 5:])
    # Corrupt entropy data in the middle (flip bytes): libjpeg warns, Pillow decodes.
    sos = full.index(b"\xff\xda")
    b = bytearray(full)
    for k in range(sos + 200, sos + 260, 7):
        b[k] ^= 0x55 if b[k] != 0xAA else 0x11
    c.write("gen-jpeg-corrupt-data.jpg", bytes(b))
    # EXIF orientation 1..8 (not applied by convert; applied by exif_transpose).
    a = asymmetric()
    for o in range(1, 9):
        ex = Image.Exif()
        ex[0x0112] = o
        c.save(f"gen-exif-orient{o}.jpg", a, "JPEG", quality=95, exif=ex.tobytes())
    ex = Image.Exif()
    ex[0x0112] = 6
    c.save("gen-exif-orient6.png", a, "PNG", exif=ex.tobytes())
    c.save("gen-exif-orient6.webp", a, "WEBP", lossless=True, exif=ex.tobytes())
    # PNG orientation from text chunks (Image.getexif): ImageMagick's "Raw
    # profile type exif" and an XMP packet; and a tEXt chunk keyed "exif".
    pinfo = PngImagePlugin.PngInfo()
    hexed = (b"Exif\x00\x00" + ex.tobytes()).hex()
    pinfo.add_text("Raw profile type exif", "\nexif\n    %d\n%s\n" % (len(hexed) // 2, "\n".join(
        hexed[i:i + 72] for i in range(0, len(hexed), 72))), zip=True)
    c.save("gen-exif-png-raw-profile.png", a, "PNG", pnginfo=pinfo)
    pinfo = PngImagePlugin.PngInfo()
    pinfo.add_itxt("XML:com.adobe.xmp", '<x:xmpmeta><rdf:Description tiff:Orientation="8"/></x:xmpmeta>')
    c.save("gen-exif-png-xmp.png", a, "PNG", pnginfo=pinfo)
    pinfo = PngImagePlugin.PngInfo()
    ex3 = Image.Exif()
    ex3[0x0112] = 3
    pinfo.add_text("exif", ex3.tobytes().decode("latin-1"))
    c.save("gen-exif-png-text-exif.png", a, "PNG", pnginfo=pinfo)
    # Arithmetic coding via jpegtran (libjpeg-turbo-progs), if installed.
    jt = shutil.which("jpegtran")
    if jt:
        for src, name in ((full, "gen-jpeg-arith.jpg"), (prog, "gen-jpeg-arith-prog.jpg")):
            out = subprocess.run([jt, "-arithmetic"], input=src, capture_output=True,
                                 check=True).stdout
            c.write(name, out)
        out = subprocess.run([jt, "-restart", "1"], input=full, capture_output=True,
                             check=True).stdout
        c.write("gen-jpeg-restart1.jpg", out)
    else:
        print("make_corpus: jpegtran not found: arithmetic-coded JPEGs skipped "
              "(apt-get install libjpeg-turbo-progs)", file=sys.stderr)


def pngs(c):
    w, h = 7, 5
    g16 = [[(x * 9000 + y * 300 + (x * y) % 256) & 0xFFFF for x in range(w)] for y in range(h)]
    g16[0][0], g16[0][1], g16[0][2] = 0, 255, 256
    c.write("gen-png-g16.png", png_raw(w, h, 16, 0, [be16(r) for r in g16]))
    c.write("gen-png-g16-trns.png", png_raw(w, h, 16, 0, [be16(r) for r in g16],
                                            trns=be16([9000])))
    c.write("gen-png-g8-trns.png", png_raw(w, h, 8, 0, [bytes((x * 30 + y) % 256 for x in range(w))
                                                        for y in range(h)], trns=be16([30])))
    rgb16 = [b"".join(be16([(x * 7919 + y * 104 + ch * 3001) & 0xFFFF for ch in range(3)])
                      for x in range(w)) for y in range(h)]
    c.write("gen-png-rgb16.png", png_raw(w, h, 16, 2, rgb16))
    c.write("gen-png-rgb16-trns.png", png_raw(w, h, 16, 2, rgb16, trns=be16([1, 2, 3])))
    c.write("gen-png-rgb8-trns.png", png_raw(w, h, 8, 2, [bytes((x * 40 + ch * 20 + y) % 256
                                                                for x in range(w) for ch in range(3))
                                                          for y in range(h)], trns=be16([0, 20, 40])))
    rgba16 = [b"".join(be16([(x * 7919 + y * 104 + ch * 3001) & 0xFFFF for ch in range(4)])
                       for x in range(w)) for y in range(h)]
    c.write("gen-png-rgba16.png", png_raw(w, h, 16, 6, rgba16))
    la16 = [b"".join(be16([(x * 7919 + y * 1040) & 0xFFFF, (x * 5000) & 0xFFFF]) for x in range(w))
            for y in range(h)]
    c.write("gen-png-la16.png", png_raw(w, h, 16, 4, la16))
    la8 = [bytes(v for x in range(w) for v in ((x * 37 + y) % 256, x * 30)) for y in range(h)]
    c.write("gen-png-la8.png", png_raw(w, h, 8, 4, la8))
    rgba8 = [bytes(v for x in range(w) for v in (x * 30, y * 40, 200, (x * y * 20) % 256))
             for y in range(h)]
    c.write("gen-png-rgba8-alpha0.png", png_raw(w, h, 8, 6, rgba8))
    # Palettes: tRNS, short palette (indices past PLTE), 1/2/4-bit.
    pal = [v for i in range(6) for v in (i * 40, 255 - i * 40, (i * 97) % 256)]
    idx = [bytes((x + y) % 6 for x in range(w)) for y in range(h)]
    c.write("gen-png-p-trns.png", png_raw(w, h, 8, 3, idx, plte=pal, trns=[0, 128, 255]))
    c.write("gen-png-p-trns-long.png", png_raw(w, h, 8, 3, idx, plte=pal, trns=[0] * 6 + [1, 2]))
    short = [bytes((x * 37 + y * 11) % 256 for x in range(w)) for y in range(h)]
    c.write("gen-png-p-short8.png", png_raw(w, h, 8, 3, short, plte=pal))
    c.write("gen-png-p-short2.png", png_raw(4, 2, 2, 3, [bytes([0b00011011]), bytes([0b11100100])],
                                            plte=pal[:9]))
    c.write("gen-png-p-1bit.png", png_raw(9, 2, 1, 3, [bytes([0b10110010, 0b10000000])] * 2,
                                          plte=pal[:6]))
    c.write("gen-png-p-4bit.png", png_raw(5, 2, 4, 3, [bytes([0x01, 0x23, 0x40])] * 2, plte=pal))
    c.write("gen-png-p-nopal.png", png_raw(4, 2, 8, 3, [bytes([0, 1, 2, 3])] * 2))
    c.write("gen-png-g2.png", png_raw(5, 2, 2, 0, [bytes([0b00011011, 0b11000000])] * 2))
    # Pillow-written variants.
    im = pattern(64, 48, seed=3)
    c.save("gen-png-interlaced-rgb.png", im, "PNG")  # Pillow writes no interlace; kept as RGB
    c.write("gen-png-adam7-rgb16.png", png_adam7(im))
    c.save("gen-png-l.png", im.convert("L"), "PNG")
    c.save("gen-png-1.png", im.convert("1"), "PNG")
    c.save("gen-png-p-adaptive.png", im.convert("P", palette=Image.ADAPTIVE, colors=17), "PNG")
    c.save("gen-png-i16.png", Image.fromarray((np.arange(64 * 48, dtype=np.uint16) * 21)
                                               .reshape(48, 64), "I;16"), "PNG")
    rgba = im.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(im.size))
    c.save("gen-png-rgba.png", rgba, "PNG")
    c.save("gen-png-la.png", rgba.convert("LA"), "PNG")
    # Damaged files.
    good = c.save("gen-png-base.png", im, "PNG")
    i = good.index(b"IDAT")
    b = bytearray(good)
    b[i + 40] ^= 0x01
    c.write("bad-png-flipped-idat-byte.png", bytes(b))
    b = bytearray(good)
    n = struct.unpack(">I", good[i - 4:i])[0]
    b[i + 4 + n] ^= 0xFF  # IDAT CRC only
    c.write("gen-png-bad-idat-crc.png", bytes(b))
    b = bytearray(good)
    b[12 + 4 + 13] ^= 0xFF  # IHDR CRC
    c.write("bad-png-bad-ihdr-crc.png", bytes(b))
    c.write("bad-png-half.png", good[: len(good) // 2])
    c.write("gen-png-no-iend.png", good[:-12])
    c.write("gen-png-trailing-garbage.png", good + b"junk" * 10)
    c.write("bad-png-signature-only.png", good[:8])
    c.write("bad-png-sig-ihdr.png", good[:33])
    # Decompression bomb: a 40000x40000 (1.6 gigapixel) header in ~100 bytes.
    c.write("bad-png-bomb-40000x40000.png", png_raw(40000, 40000, 8, 2, [b""])[:-12]
            + chunk(b"IEND", b""))
    c.write("bad-png-zero-width.png", png_raw(0, 5, 8, 0, [b""] * 5))
    c.write("bad-png-bad-depth.png", png_raw(2, 2, 7, 0, [b"\x00\x00"] * 2))


def apngs(c):
    """Animated PNG: Image.open gives frame 0, the image in the IDAT chunks
    (decoded into the first fcTL's box when one precedes them)."""
    a, b = pattern(23, 17, seed=31), pattern(23, 17, seed=32)
    c.save("gen-apng-rgb.png", a, "PNG", save_all=True, append_images=[b], duration=100)
    c.save("gen-apng-default-image.png", a, "PNG", save_all=True, append_images=[b, a],
           default_image=True)
    c.save("gen-apng-p.png", a.convert("P"), "PNG", save_all=True,
           append_images=[b.convert("P")])
    c.save("gen-apng-rgba.png", a.convert("RGBA"), "PNG", save_all=True,
           append_images=[b.convert("RGBA")], disposal=1, blend=1)

    def actl(n):
        return chunk(b"acTL", struct.pack(">II", n, 0))

    def fctl(seq, w, h, x, y):
        return chunk(b"fcTL", struct.pack(">IIIIIHHBB", seq, w, h, x, y, 1, 10, 0, 0))

    def idat(rows):
        return chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + bytes(r) for r in rows)))

    def png(w, h, depth, ctype, body, plte=None):
        out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
        if plte is not None:
            out += chunk(b"PLTE", bytes(plte))
        return out + body + chunk(b"IEND", b"")

    rgb_rows = [bytes((x * 37 + y * 11 + ch * 5) % 256 for x in range(6) for ch in range(3)) for y in range(4)]
    idx_rows = [bytes((x + y) % 4 for x in range(6)) for y in range(4)]
    pal = [200, 10, 10, 10, 200, 10, 10, 10, 200, 90, 90, 90]
    # frame 0 smaller than the image: decoded into its box, the rest zero
    # (black for RGB, palette entry 0 for P)
    c.write("gen-apng-frame0-box.png", png(9, 7, 8, 2, actl(1) + fctl(0, 6, 4, 2, 3) + idat(rgb_rows)))
    c.write("gen-apng-frame0-box-p.png", png(9, 7, 8, 3, actl(2) + fctl(0, 6, 4, 3, 1) + idat(idx_rows)
                                             + fctl(1, 2, 2, 0, 0) + chunk(b"fdAT", struct.pack(">I", 2)
                                                                         + zlib.compress(b"\x00\x01\x02" * 2)),
                                             plte=pal))
    # fcTL without acTL still sets the box; acTL with 0 frames is ignored
    c.write("gen-apng-fctl-no-actl.png", png(9, 7, 8, 2, fctl(0, 6, 4, 1, 1) + idat(rgb_rows)))
    c.write("gen-apng-actl-zero.png", png(6, 4, 8, 2, actl(0) + idat(rgb_rows)))
    # image data split between IDAT and fdAT chunks (load_read reads both)
    z = zlib.compress(b"".join(b"\x00" + r for r in rgb_rows))
    c.write("gen-apng-idat-fdat.png", png(6, 4, 8, 2, actl(1) + fctl(0, 6, 4, 0, 0) + chunk(b"IDAT", z[:20])
                                          + chunk(b"fdAT", struct.pack(">I", 1) + z[20:])))
    # refused by Pillow
    c.write("bad-apng-sequence.png", png(6, 4, 8, 2, actl(1) + fctl(3, 6, 4, 0, 0) + idat(rgb_rows)))
    c.write("bad-apng-frame-outside.png", png(6, 4, 8, 2, actl(1) + fctl(0, 6, 4, 1, 0) + idat(rgb_rows)))
    c.write("bad-apng-short-fctl.png", png(6, 4, 8, 2, actl(1) + chunk(b"fcTL", b"\0" * 10) + idat(rgb_rows)))
    c.write("bad-apng-empty-frame.png", png(6, 4, 8, 2, actl(1) + fctl(0, 0, 4, 1, 0) + idat(rgb_rows)))
    # ... but a box of width 0 at x 0 is "the whole image" to decode.c's setimage
    c.write("gen-apng-empty-frame-at-0.png", png(6, 4, 8, 2, actl(1) + fctl(0, 0, 4, 0, 0) + idat(rgb_rows)))
    c.write("bad-apng-fdat-sequence.png", png(6, 4, 8, 2, actl(1) + fctl(0, 6, 4, 0, 0) + chunk(b"IDAT", z[:20])
                                              + chunk(b"fdAT", struct.pack(">I", 5) + z[20:])))


def png_adam7(im):
    """A 16-bit RGB Adam7-interlaced PNG (Pillow cannot write interlaced PNGs)."""
    a = np.asarray(im).astype(np.uint16) * 257 + 3
    h, w = a.shape[:2]
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
              (0, 1, 1, 2))
    raw = b""
    for x0, y0, dx, dy in passes:
        sub = a[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for row in sub:
            raw += b"\x00" + row.astype(">u2").tobytes()
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def gifs(c):
    im = pattern(40, 30, seed=5)
    p = im.convert("P", palette=Image.ADAPTIVE, colors=64)
    c.save("gen-gif-basic.gif", p, "GIF")
    c.save("gen-gif-transparency.gif", p, "GIF", transparency=3)
    c.save("gen-gif-l.gif", im.convert("L"), "GIF")
    c.save("gen-gif-1.gif", im.convert("1"), "GIF")
    frames = [pattern(40, 30, seed=s).convert("P", palette=Image.ADAPTIVE, colors=32)
              for s in (6, 7)]
    c.save("gen-gif-animated.gif", frames[0], "GIF", save_all=True, append_images=frames[1:],
           duration=100, loop=0)
    gct = [v for i in range(8) for v in (i * 30, 200 - i * 20, (i * 50) % 256)]
    px = bytes((x * 3 + y) % 8 for y in range(6) for x in range(8))
    sub = dict(x=5, y=3, w=8, h=6, pixels=px)
    c.write("gen-gif-subframe.gif", gif_raw(20, 12, [sub], gct=gct, bg=5))
    c.write("gen-gif-subframe-trns.gif", gif_raw(20, 12, [dict(sub, transparency=6)], gct=gct,
                                                  bg=5))
    c.write("gen-gif-subframe-trns0.gif", gif_raw(20, 12, [dict(sub, transparency=0)], gct=gct,
                                                   bg=2))
    lct = [v for i in range(4) for v in (255 - i * 60, i * 60, 128)]
    pxl = bytes((x + y) % 4 for y in range(6) for x in range(8))
    c.write("gen-gif-local-palette.gif", gif_raw(8, 6, [dict(x=0, y=0, w=8, h=6, pixels=pxl,
                                                              lct=lct, min_code=2)], gct=gct))
    c.write("gen-gif-local-only.gif", gif_raw(10, 8, [dict(x=1, y=1, w=8, h=6, pixels=pxl,
                                                            lct=lct, min_code=2)]))
    c.write("gen-gif-no-palette.gif", gif_raw(8, 6, [dict(x=0, y=0, w=8, h=6, pixels=px,
                                                           min_code=3)]))
    c.write("gen-gif-interlaced.gif", gif_raw(8, 6, [dict(x=0, y=0, w=8, h=6, pixels=px,
                                                           interlace=True)], gct=gct))
    c.write("gen-gif-short-palette.gif", gif_raw(8, 6, [dict(x=0, y=0, w=8, h=6,
                                                             pixels=bytes(v * 9 % 16 for v in px),
                                                             min_code=4)], gct=gct[:12]))
    c.write("gen-gif-frame-outside.gif", gif_raw(6, 4, [dict(sub, x=2, y=1)], gct=gct))
    two = [dict(sub, transparency=1), dict(x=0, y=0, w=20, h=12, pixels=bytes(240))]
    c.write("gen-gif-two-frames-trns.gif", gif_raw(20, 12, two, gct=gct, loop=True))
    good = gif_raw(20, 12, [sub], gct=gct)
    c.write("bad-gif-truncated.gif", good[: len(good) - 20])
    c.write("gen-gif-no-trailer.gif", good[:-1])
    c.write("bad-gif-header-only.gif", good[:13])
    c.write("bad-gif-no-frames.gif", good[:13 + 24] + b"\x3b")


def webps(c):
    im = pattern(45, 33, seed=8)
    c.save("gen-webp-lossy.webp", im, "WEBP", quality=80)
    c.save("gen-webp-lossless.webp", im, "WEBP", lossless=True)
    rgba = im.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(im.size))
    c.save("gen-webp-lossy-alpha.webp", rgba, "WEBP", quality=80)
    c.save("gen-webp-lossless-alpha.webp", rgba, "WEBP", lossless=True)
    c.save("gen-webp-photo.webp", photo(), "WEBP", quality=75)
    frames = [pattern(45, 33, seed=s) for s in (9, 10)]
    c.save("gen-webp-animated.webp", frames[0], "WEBP", save_all=True,
           append_images=frames[1:], duration=100, loop=0, quality=80)
    c.save("gen-webp-animated-lossless.webp", frames[0], "WEBP", save_all=True,
           append_images=frames[1:], duration=100, lossless=True)
    good = c.save("gen-webp-base.webp", im, "WEBP", quality=80)
    c.write("bad-webp-truncated.webp", good[: len(good) // 2])
    c.write("bad-webp-header-only.webp", good[:30])


def bmps(c):
    im = pattern(13, 7, seed=11)
    c.save("gen-bmp-rgb.bmp", im, "BMP")
    c.save("gen-bmp-l.bmp", im.convert("L"), "BMP")
    c.save("gen-bmp-p.bmp", im.convert("P", palette=Image.ADAPTIVE, colors=12), "BMP")
    c.save("gen-bmp-1.bmp", im.convert("1"), "BMP")
    c.save("gen-bmp-rgba.bmp", im.convert("RGBA"), "BMP")
    a = np.asarray(im)
    rows = [a[y].tobytes() for y in range(a.shape[0])]
    bgr = [a[y][:, ::-1].tobytes() for y in range(a.shape[0])]
    c.write("gen-bmp-topdown.bmp", bmp_raw(13, 7, 24, bgr, top_down=True))
    bgrx = [b"".join(bytes([p[2], p[1], p[0], 0]) for p in a[y]) for y in range(a.shape[0])]
    c.write("gen-bmp-32-bgrx.bmp", bmp_raw(13, 7, 32, bgrx))
    c.write("gen-bmp-32-bitfields.bmp", bmp_raw(13, 7, 32, bgrx, compression=3,
                                                masks=(0xFF0000, 0xFF00, 0xFF)))
    c.write("gen-bmp-v5-32.bmp", bmp_raw(13, 7, 32, bgrx, compression=3,
                                         masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000),
                                         header_size=124))
    c.write("gen-bmp-v4-24.bmp", bmp_raw(13, 7, 24, bgr, header_size=108))
    px565 = [b"".join(struct.pack("<H", ((p[0] >> 3) << 11) | ((p[1] >> 2) << 5) | (p[2] >> 3))
                      for p in a[y]) for y in range(a.shape[0])]
    c.write("gen-bmp-16-565.bmp", bmp_raw(13, 7, 16, px565, compression=3,
                                          masks=(0xF800, 0x07E0, 0x001F)))
    px555 = [b"".join(struct.pack("<H", ((p[0] >> 3) << 10) | ((p[1] >> 3) << 5) | (p[2] >> 3))
                      for p in a[y]) for y in range(a.shape[0])]
    c.write("gen-bmp-16-555.bmp", bmp_raw(13, 7, 16, px555))
    pal = [(i * 20, 255 - i * 20, (i * 70) % 256) for i in range(12)]
    idx = [bytes((x + y) % 12 for x in range(13)) for y in range(7)]
    c.write("gen-bmp-8-pal.bmp", bmp_raw(13, 7, 8, idx, palette=pal))
    c.write("gen-bmp-8-shortpal.bmp", bmp_raw(13, 7, 8, [bytes((x * 3 + y) % 16 for x in range(13))
                                                         for y in range(7)], palette=pal))
    c.write("gen-bmp-8-topdown.bmp", bmp_raw(13, 7, 8, idx, palette=pal, top_down=True))
    idx4 = [bytes(((x % 12) << 4) | ((x + 1) % 12) for x in range(7)) for y in range(7)]
    c.write("gen-bmp-4-pal.bmp", bmp_raw(13, 7, 4, idx4, palette=pal))
    c.write("gen-bmp-rle8.bmp", bmp_raw(13, 7, 8, None, palette=pal, compression=1,
                                        image_data=rle8(list(reversed(idx)))))
    # more variants: 32-bit bitfield layouts, grey palettes (mode L / 1), OS/2
    # header, short palettes, RLE4, RLE8 escapes, data offset 0, no padding
    # after the last row
    def px32(order):
        return [b"".join(bytes(p[i] if i < 3 else 200 for i in order) for p in a[y])
                for y in range(a.shape[0])]
    for name, order, masks in (("xbgr", (3, 2, 1, 0), (0xFF000000, 0xFF0000, 0xFF00, 0)),
                               ("abgr", (3, 2, 1, 0), (0xFF000000, 0xFF0000, 0xFF00, 0xFF)),
                               ("rgba", (0, 1, 2, 3), (0xFF, 0xFF00, 0xFF0000, 0xFF000000)),
                               ("bgra", (2, 1, 0, 3), (0xFF0000, 0xFF00, 0xFF, 0xFF000000)),
                               ("zero-masks", (2, 1, 0, 3), (0, 0, 0, 0))):
        c.write(f"gen-bmp-32-{name}.bmp", bmp_raw(13, 7, 32, px32(order), compression=3,
                                                  masks=masks, header_size=108))
    c.write("gen-bmp-16-555-bitfields.bmp", bmp_raw(13, 7, 16, px555, compression=3,
                                                    masks=(0x7C00, 0x3E0, 0x1F)))
    c.write("gen-bmp-24-bitfields.bmp", bmp_raw(13, 7, 24, bgr, compression=3, masks=(0xFF0000, 0xFF00, 0xFF)))
    c.write("gen-bmp-64-header.bmp", bmp_raw(13, 7, 24, bgr, header_size=64))
    grey = [(i, i, i) for i in range(256)]
    gidx = [bytes((x * 19 + y * 7) % 256 for x in range(13)) for y in range(7)]
    c.write("gen-bmp-8-greypal.bmp", bmp_raw(13, 7, 8, gidx, palette=grey))
    bw = [(0, 0, 0), (255, 255, 255)]
    bits1 = [bytes([0b10110011, 0b01011000]) for y in range(7)]
    c.write("gen-bmp-1-bw.bmp", bmp_raw(13, 7, 1, bits1, palette=bw))
    c.write("gen-bmp-1-pal.bmp", bmp_raw(13, 7, 1, bits1, palette=[(10, 200, 30), (250, 5, 90)]))
    c.write("gen-bmp-8-bw-pal.bmp", bmp_raw(13, 7, 8, [bytes((x * 37) % 256 for x in range(13))] * 7, palette=bw))
    c.write("gen-bmp-4-greypal16.bmp", bmp_raw(13, 7, 4, idx4, palette=[(i, i, i) for i in range(16)]))
    c.write("gen-bmp-8-pal3-high-index.bmp", bmp_raw(13, 7, 8, gidx, palette=pal[:3]))
    # Grey-ramp palettes on 1/4-bit data: mode "L", read (memory-mapped)
    # as WIDTH bytes per row at offset + y*stride, rows overlapping, the last
    # one running past the end of the file (zeros up to the page end).
    # Black/white on 4-bit data is mode "1" (1 bit per pixel, 4-bit stride).
    g16 = [(i, i, i) for i in range(16)]
    c.write("gen-bmp-4-greypal16-topdown.bmp", bmp_raw(13, 7, 4, idx4, palette=g16, top_down=True))
    c.write("gen-bmp-4-greypal16-trailing.bmp", bmp_raw(13, 7, 4, idx4, palette=g16) + bytes(range(1, 40)))
    c.write("gen-bmp-4-greypal256.bmp", bmp_raw(13, 7, 4, idx4, palette=grey))
    c.write("gen-bmp-4-greypal16-narrow.bmp", bmp_raw(3, 5, 4, [bytes([0x12 * y, 0xf0])
                                                                for y in range(5)], palette=g16))
    # map check fails (file one byte short of offset + height*stride): the
    # raw decoder reads 3 bytes per row from the 4-byte stride
    c.write("gen-bmp-4-greypal16-narrow-short.bmp", bmp_raw(3, 5, 4, [bytes([0x12 * y, 0xf0])
                                                                      for y in range(5)], palette=g16)[:-1])
    # ... and with a stride shorter than a row it fails
    c.write("bad-bmp-4-greypal16-short.bmp", bmp_raw(13, 7, 4, idx4, palette=g16)[:-1])
    c.write("gen-bmp-4-bwpal.bmp", bmp_raw(13, 7, 4, idx4, palette=bw))
    bits1w = [bytes((x * 29 + y * 3) % 256 for x in range(13)) for y in range(3)]
    c.write("gen-bmp-1-greypal16-wide.bmp", bmp_raw(100, 3, 1, bits1w, palette=g16))
    c.write("gen-bmp-1-greypal3.bmp", bmp_raw(13, 7, 1, bits1, palette=[(0, 0, 0), (1, 1, 1), (2, 2, 2)]))
    c.write("gen-bmp-1-greypal16-topdown.bmp", bmp_raw(21, 6, 1, [bytes([0xa5, y * 40, 0x3c]) for y in range(6)],
                                                       palette=g16, top_down=True))
    os2pal = b"".join(bytes([b, g, r]) for r, g, b in pal)
    os2rows = b"".join(bytes(r) + b"\x00" * (16 - len(r)) for r in reversed(idx))
    os2head = struct.pack("<IHHHH", 12, 13, 7, 1, 8)
    c.write("gen-bmp-os2-8.bmp", b"BM" + struct.pack("<IHHI", 0, 0, 0, 14 + 12 + len(os2pal)) +
            os2head + os2pal + os2rows)
    os2bgr = b"".join(bytes(r) + b"\x00" * (((13 * 24 + 31) // 32) * 4 - len(r)) for r in reversed(bgr))
    c.write("gen-bmp-os2-24.bmp", b"BM" + struct.pack("<IHHI", 0, 0, 0, 26) +
            struct.pack("<IHHHH", 12, 13, 7, 1, 24) + os2bgr)
    z = bytearray(bmp_raw(13, 7, 24, bgr))
    struct.pack_into("<I", z, 10, 0)
    c.write("gen-bmp-offset0.bmp", bytes(z))
    c.write("gen-bmp-no-last-padding.bmp", bmp_raw(13, 7, 24, bgr)[:-1])
    c.write("gen-bmp-trailing.bmp", bmp_raw(13, 7, 24, bgr) + b"trailing" * 5)
    # RLE8 with end-of-line short rows, a delta, absolute runs (odd length:
    # word alignment), end of bitmap early (rest black)
    rle = bytearray()
    rle += bytes([3, 1, 0, 3, 4, 5, 6, 0]) + b"\x00\x00"            # row 0: 1,1,1 + abs 4,5,6 (+pad) + EOL
    rle += bytes([13, 2]) + b"\x00\x00"                           # row 1
    rle += bytes([0, 2, 9, 9, 3, 1]) + bytes([20, 7]) + b"\x00\x00"  # delta (ignored 9,9) right 3 up 1, then run clamped
    rle += bytes([0, 4, 1, 2, 3, 4, 2, 5]) + b"\x00\x00"            # abs even + run + EOL (pads)
    rle += bytes([13, 8, 13, 9]) + b"\x00\x00"                      # a run past the row is dropped
    rle += bytes([13, 9]) + b"\x00\x01"                             # last row, end of bitmap
    c.write("gen-bmp-rle8-escapes.bmp", bmp_raw(13, 7, 8, None, palette=pal, compression=1,
                                                image_data=bytes(rle)))
    rle4 = bytearray()
    for y in range(7):
        rle4 += bytes([5, 0x12, 0, 5, 0x34, 0x56, 0x70, 0, 3, 0xab]) + b"\x00\x00"
    rle4 += b"\x00\x01"
    c.write("gen-bmp-rle4.bmp", bmp_raw(13, 7, 4, None, palette=pal + [(1, 2, 3)] * 4, compression=2,
                                        image_data=bytes(rle4)))
    c.write("gen-bmp-rle8-topdown.bmp", bmp_raw(13, 7, 8, None, palette=pal, compression=1, top_down=True,
                                                image_data=rle8(idx)))
    c.write("bad-bmp-rle8-short.bmp", bmp_raw(13, 7, 8, None, palette=pal, compression=1,
                                              image_data=rle8(list(reversed(idx)))[:20]))
    c.write("bad-bmp-rle8-24bit.bmp", bmp_raw(13, 7, 24, None, compression=1,
                                              image_data=rle8(list(reversed(idx)))))
    c.write("bad-bmp-jpeg-compression.bmp", bmp_raw(13, 7, 24, bgr, compression=4))
    c.write("bad-bmp-depth2.bmp", bmp_raw(13, 7, 2, [bytes(4)] * 7, palette=pal[:4]))
    c.write("bad-bmp-bitfields-odd.bmp", bmp_raw(13, 7, 32, bgrx, compression=3, masks=(0xFF, 0xFF00, 0xFF0000)))
    c.write("bad-bmp-header-size.bmp", b"BM" + struct.pack("<IHHI", 0, 0, 0, 54) + struct.pack("<I", 50) + b"\0" * 60)
    good = bmp_raw(13, 7, 24, bgr)
    c.write("bad-bmp-truncated.bmp", good[: len(good) // 2])
    c.write("bad-bmp-header-only.bmp", good[:20])


def dib(w, h, bpp, rows, palette=None, mask=None, compression=0, height=None, colors=None,
        data=None, andmask=True):
    """A BITMAPINFOHEADER DIB as ICO frames hold it: height doubled, the
    XOR rows (top-down list, written bottom-up, padded) then the AND mask."""
    stride = ((w * bpp + 31) // 32) * 4
    if data is None:
        data = b"".join(bytes(r) + b"\0" * (stride - len(r)) for r in reversed(rows))
    mstride = ((w + 31) // 32) * 4
    mask = mask or [b"\0" * ((w + 7) // 8)] * h
    am = b"".join(bytes(r) + b"\0" * (mstride - len(r)) for r in reversed(mask)) if andmask else b""
    pal = b"".join(bytes([b, g, r, 0]) for r, g, b in (palette or []))
    hdr = struct.pack("<IiiHHIIiiII", 40, w, 2 * h if height is None else height, 1, bpp,
                      compression, 0, 0, 0, len(palette or []) if colors is None else colors, 0)
    return hdr + pal + data + am

def ico(entries, tail=b"", kind=1):
    """ICO (kind 1) or CUR (kind 2) file; entries: (w, h, bpp, payload[, overrides])
    in the directory's order."""
    head = struct.pack("<HHH", 0, kind, len(entries))
    off = 6 + 16 * len(entries)
    body = b""
    for e in entries:
        w, h, bpp, payload = e[:4]
        o = dict(ncolors=0, size=len(payload), offset=off)
        if len(e) > 4:
            o.update(e[4])
        head += struct.pack("<BBBBHHII", w % 256, h % 256, o["ncolors"], 0, 1, bpp, o["size"], o["offset"])
        body += payload
        off += len(payload)
    return head + body + tail


def curs_dibs(c):
    """CUR (the first entry, or a later one larger in both bytes; the DIB's
    first height/2 rows) and DIB (a BMP without its file header)."""
    im = pattern(13, 9, seed=41)
    dib_file = c.save("gen-dib-rgb.dib", im, "DIB")
    c.save("gen-dib-p.dib", im.convert("P"), "DIB")
    c.save("gen-dib-grey.dib", im.convert("L"), "DIB")
    c.write("bad-dib-truncated.dib", dib_file[:-20])
    rgb_rows = lambda w, h, seed: [bytes(np.asarray(pattern(w, h, seed=seed))[y][:, ::-1].tobytes()) for y in range(h)]
    grey = [(v, v, v) for v in range(16)]
    idx4 = [bytes(((x + y) % 16) << 4 | ((x + y + 1) % 16) for x in range(4)) for y in range(8)]
    c.write("gen-cur-24.cur", ico([(16, 12, 24, dib(16, 12, 24, rgb_rows(16, 12, 42)))], kind=2))
    c.write("gen-cur-pick-larger.cur", ico([(8, 6, 24, dib(8, 6, 24, rgb_rows(8, 6, 43))),
                                            (16, 12, 24, dib(16, 12, 24, rgb_rows(16, 12, 44))),
                                            (32, 4, 24, dib(32, 4, 24, rgb_rows(32, 4, 45)))], kind=2))
    c.write("gen-cur-4bit.cur", ico([(8, 8, 4, dib(8, 8, 4, idx4, palette=[(v * 9, 255 - v * 9, v) for v in range(16)]))],
                                    kind=2))
    c.write("gen-cur-4bit-greyramp.cur", ico([(8, 8, 4, dib(8, 8, 4, idx4, palette=grey))], kind=2))
    c.write("gen-cur-32.cur", ico([(8, 8, 32, dib(8, 8, 32, [bytes(range(y, y + 32)) for y in range(8)]))], kind=2))
    c.write("bad-cur-empty.cur", ico([], kind=2))
    c.write("bad-cur-height-1.cur", ico([(8, 1, 24, dib(8, 1, 24, rgb_rows(8, 1, 46), height=1))], kind=2))
    c.write("bad-cur-truncated.cur", ico([(16, 12, 24, dib(16, 12, 24, rgb_rows(16, 12, 42)))], kind=2)[:200])


def icos(c):
    """ICO: Pillow-written PNG and BMP frames, raw DIB frames of every depth
    with AND masks, the directory's choice of frame, and bad files."""

    im = pattern(24, 24, seed=21)
    rgba = im.convert("RGBA")
    a = np.asarray(rgba).copy()
    a[::3, ::2, 3] = 0      # transparent pixels keep their colours
    a[1::3, :, 3] = 128
    rgba = Image.fromarray(a, "RGBA")
    c.save("gen-ico-png-sizes.ico", rgba, "ICO", sizes=[(8, 8), (16, 16), (24, 24)])
    c.save("gen-ico-png-rgb.ico", im, "ICO", sizes=[(24, 24), (12, 12)])
    for mode in ("RGBA", "RGB", "P", "L", "1"):
        src = rgba if mode == "RGBA" else im.convert(mode)
        c.save(f"gen-ico-bmp-{mode.lower()}.ico", src, "ICO", sizes=[(16, 16), (24, 24)], bitmap_format="bmp")
    c.save("gen-ico-bmp-odd.ico", pattern(13, 7, seed=22), "ICO", sizes=[(13, 7)], bitmap_format="bmp")

    pal = [(i * 15, 255 - i * 9, (i * 70) % 256) for i in range(16)]
    rng = np.random.RandomState(23)

    def mask(w, h):
        return [bytes(rng.randint(0, 256, (w + 7) // 8, dtype=np.uint8)) for _ in range(h)]

    def idx(w, h, bpp):
        per = 8 // bpp
        return [bytes(rng.randint(0, 256, (w + per - 1) // per, dtype=np.uint8)) for _ in range(h)]

    d1 = dib(13, 7, 1, idx(13, 7, 1), palette=pal[3:5], mask=mask(13, 7))
    d4 = dib(5, 4, 4, idx(5, 4, 4), palette=pal, mask=mask(5, 4))
    d8 = dib(33, 3, 8, idx(33, 3, 8), palette=pal * 4, mask=mask(33, 3))
    d24 = dib(7, 5, 24, [bytes(rng.randint(0, 256, 21, dtype=np.uint8)) for _ in range(5)], mask=mask(7, 5))
    d32 = dib(6, 5, 32, [bytes(rng.randint(0, 256, 24, dtype=np.uint8)) for _ in range(5)], andmask=False)
    c.write("gen-ico-dib1.ico", ico([(13, 7, 1, d1)]))
    c.write("gen-ico-dib4.ico", ico([(5, 4, 4, d4)]))
    c.write("gen-ico-dib8.ico", ico([(33, 3, 8, d8)]))
    c.write("gen-ico-dib24.ico", ico([(7, 5, 24, d24)]))
    c.write("gen-ico-dib32.ico", ico([(6, 5, 32, d32)]))
    c.write("gen-ico-dib8-topdown.ico", ico([(33, 3, 8, dib(33, 3, 8, idx(33, 3, 8), palette=pal, height=-6))]))
    c.write("gen-ico-dib1-bw.ico", ico([(13, 7, 1, dib(13, 7, 1, idx(13, 7, 1), palette=[(0, 0, 0), (255,) * 3]))]))
    g16 = [(i, i, i) for i in range(16)]
    # grey ramp on 4-bit data: mode "L", 8-bit rows; never memory-mapped
    # in an ICO, so the raw decoder needs the 4-bit stride to hold them
    c.write("gen-ico-dib4-greypal.ico", ico([(3, 4, 4, dib(3, 4, 4, idx(3, 4, 4), palette=g16))]))
    c.write("bad-ico-dib4-greypal-wide.ico", ico([(13, 4, 4, dib(13, 4, 4, idx(13, 4, 4), palette=g16))]))
    rle = bytes([3, 1, 0, 3, 4, 5, 6, 0]) + b"\0\0" + bytes([6, 2]) + b"\0\0" + bytes([2, 7]) + b"\0\0\0\1"
    c.write("gen-ico-dib-rle8.ico", ico([(6, 3, 8, dib(6, 3, 8, None, palette=pal, compression=1, data=rle))]))
    # the choice: largest by the directory's size, then depth, then last;
    # bpp 0 takes its depth from the colour count (0: 256)
    c.write("gen-ico-choice.ico", ico([(5, 4, 4, d4), (7, 5, 24, d24), (6, 5, 32, d32), (13, 7, 1, d1),
                                       (5, 4, 8, d4), (33, 3, 8, d8)]))
    c.write("gen-ico-choice-depth.ico", ico([(5, 4, 24, d24), (5, 4, 32, d32), (5, 4, 8, d4)]))
    c.write("gen-ico-choice-tie.ico", ico([(5, 4, 8, d4), (5, 4, 8, d8), (5, 4, 4, d1)]))
    c.write("gen-ico-choice-ncolors.ico", ico([(5, 4, 0, d4, dict(ncolors=16)), (5, 4, 0, d1, dict(ncolors=2)),
                                               (5, 4, 4, d24)]))
    c.write("gen-ico-choice-ncolors0.ico", ico([(5, 4, 0, d4), (5, 4, 32, d1)]))
    # directory sizes that disagree with the frames (256 as 0)
    png = encoded(rgba.resize((5, 3)), "PNG")
    c.write("gen-ico-size-mismatch.ico", ico([(6, 6, 8, d4), (5, 4, 32, d8)]))
    c.write("gen-ico-256.ico", ico([(16, 16, 32, d32), (0, 0, 32, png)]))
    c.write("gen-ico-mixed.ico", ico([(24, 24, 32, encoded(im, "PNG")), (33, 3, 8, d8)]))
    c.write("gen-ico-png-p.ico", ico([(24, 24, 8, encoded(im.convert("P", palette=Image.ADAPTIVE, colors=7), "PNG"))]))
    # bpp 32 in the directory: alpha from every 4th byte, whatever the DIB
    c.write("gen-ico-bpp32-dib8.ico", ico([(33, 3, 32, d8)], tail=bytes(range(200)) * 2))
    c.write("bad-ico-bpp32-dib8.ico", ico([(33, 3, 32, d8)]))
    c.write("gen-ico-bpp8-dib32.ico", ico([(6, 5, 8, d32 + b"\0" * 20)]))
    # the mask is found from the entry's size: any place in the file will do
    c.write("gen-ico-mask-size0.ico", ico([(5, 4, 4, d4, dict(size=0))], tail=b"\0" * 4))
    # bad ones
    c.write("bad-ico-header.ico", b"\0\0\1\0\1")
    c.write("bad-ico-no-entries.ico", b"\0\0\1\0\0\0" + b"\0" * 32)
    c.write("bad-ico-short-directory.ico", ico([(5, 4, 4, d4)])[:15])
    c.write("bad-ico-offset-past-end.ico", ico([(5, 4, 4, d4, dict(offset=5000))]))
    c.write("bad-ico-truncated-xor.ico", ico([(33, 3, 8, d8)])[:6 + 16 + 40 + 64 + 50])
    c.write("bad-ico-truncated-mask.ico", ico([(33, 3, 8, d8)])[:-10])
    c.write("bad-ico-mask-before-file.ico", ico([(33, 3, 8, d8, dict(size=1))]))
    c.write("bad-ico-mask-past-end.ico", ico([(5, 4, 4, d4, dict(size=400))]))
    c.write("bad-ico-truncated-alpha.ico", ico([(6, 5, 32, d32)])[:-10])
    c.write("bad-ico-height1.ico", ico([(4, 1, 8, dib(4, 1, 8, [bytes(4)], palette=pal, height=1))]))
    c.write("bad-ico-width0.ico", ico([(4, 2, 8, dib(0, 2, 8, [b""] * 2, palette=pal))]))
    c.write("bad-ico-dib-header.ico", ico([(5, 4, 4, b"\5\0\0\0" + d4[4:])]))
    c.write("bad-ico-dib-depth.ico", ico([(5, 4, 4, dib(5, 4, 3, idx(5, 4, 4), palette=pal))]))
    c.write("bad-ico-png-truncated.ico", ico([(24, 24, 32, encoded(im, "PNG")[:300])]))
    bpng = bytearray(encoded(im, "PNG"))
    bpng[29] ^= 0xFF  # IHDR CRC
    c.write("bad-ico-png-crc.ico", ico([(24, 24, 32, bytes(bpng))]))
    # ... the same SyntaxError with a directory TGA accepts: Pillow's TGA
    c.write("gen-other-ico-png-as-tga.tga", ico([(24, 24, 8, bytes(bpng), dict(size=0x080102))],
                                                tail=bytes(range(256)) * 8))
    big = bytearray(encoded(im, "PNG"))
    struct.pack_into(">II", big, 16, 30000, 30000)
    struct.pack_into(">I", big, 29, zlib.crc32(bytes(big[12:29])))
    c.write("bad-ico-png-bomb.ico", ico([(24, 24, 32, bytes(big))]))
    c.write("bad-ico-dib-bomb.ico", ico([(5, 4, 4, dib(30000, 30000, 1, [], palette=pal, data=b"", andmask=False))]))
    # a frame past the end, with a directory that TGA's header check
    # accepts (bpp 4, size 0x080102): Pillow reads the file as TGA
    c.write("gen-other-ico-as-tga.tga", ico([(16, 16, 4, b"", dict(size=0x080102, offset=0xFFFFFF))],
                                            tail=bytes(range(256)) * 5))


def tiffs(c):
    im = pattern(17, 11, seed=13)
    c.save("gen-tiff-rgb.tif", im, "TIFF")
    c.save("gen-tiff-l.tif", im.convert("L"), "TIFF")
    c.save("gen-tiff-1.tif", im.convert("1"), "TIFF")
    c.save("gen-tiff-p.tif", im.convert("P", palette=Image.ADAPTIVE, colors=10), "TIFF")
    rgba = im.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(im.size))
    c.save("gen-tiff-rgba.tif", rgba, "TIFF")
    c.save("gen-tiff-cmyk.tif", im.convert("CMYK"), "TIFF")
    c.save("gen-tiff-i16.tif", Image.fromarray((np.arange(17 * 11, dtype=np.uint16) * 3)
                                                .reshape(11, 17), "I;16"), "TIFF")
    for comp in ("tiff_lzw", "tiff_adobe_deflate", "packbits"):
        c.save(f"gen-tiff-rgb-{comp}.tif", im, "TIFF", compression=comp)
    c.save("gen-tiff-l-lzw.tif", im.convert("L"), "TIFF", compression="tiff_lzw")
    c.save("gen-tiff-jpeg.tif", pattern(32, 16, seed=14), "TIFF", compression="jpeg")
    good = c.save("gen-tiff-base.tif", im, "TIFF")
    c.write("bad-tiff-truncated.tif", good[:200])
    # Pillow-written layouts and libtiff's horizontal predictor.
    c.save("gen-tiff-la.tif", rgba.convert("LA"), "TIFF")
    pa = im.convert("P", palette=Image.ADAPTIVE, colors=7).convert("PA")
    c.save("gen-tiff-pa.tif", pa, "TIFF")
    c.save("gen-tiff-rgbx.tif", im.convert("RGBX"), "TIFF")
    for comp in ("tiff_lzw", "tiff_adobe_deflate", "packbits"):
        c.save(f"gen-tiff-rgba-{comp}.tif", rgba, "TIFF", compression=comp)
        c.save(f"gen-tiff-1-{comp}.tif", im.convert("1"), "TIFF", compression=comp)
        c.save(f"gen-tiff-p-{comp}.tif", im.convert("P", palette=Image.ADAPTIVE, colors=10), "TIFF",
               compression=comp)
    big = pattern(300, 90, seed=15)
    for comp in ("tiff_lzw", "tiff_adobe_deflate"):
        c.save(f"gen-tiff-rgb-{comp}-pred.tif", big, "TIFF", compression=comp, tiffinfo={317: 2})
        c.save(f"gen-tiff-l-{comp}-pred.tif", big.convert("L"), "TIFF", compression=comp,
               tiffinfo={317: 2})
        c.save(f"gen-tiff-rgba-{comp}-pred.tif", big.convert("RGBA"), "TIFF", compression=comp,
               tiffinfo={317: 2})
    c.save("gen-tiff-big-lzw.tif", pattern(700, 400, seed=16), "TIFF", compression="tiff_lzw")
    # Hand-written files: big-endian, strips of several rows, tiles,
    # MinIsWhite, 1/2/4-bit palettes, predictor on uncompressed data.
    a = np.asarray(pattern(37, 23, seed=17))
    for bo in ("<", ">"):
        t = "le" if bo == "<" else "be"
        for comp in (1, 5, 8, 32773):
            for tiles in (False, True):
                for pred in ((1, 2) if comp in (5, 8) else (1,)):
                    name = f"gen-tiff-hand-{t}-rgb-c{comp}-{'tile' if tiles else 'strip'}-p{pred}.tif"
                    c.write(name, tiff_bytes(bo, a, 2, 8, comp, pred, tiles=tiles))
        g = a[:, :, 1]
        c.write(f"gen-tiff-hand-{t}-l-miniswhite.tif", tiff_bytes(bo, g[:, :, None], 0, 8, 5, 1))
        bil = (g > 127).astype(np.uint8)
        c.write(f"gen-tiff-hand-{t}-1-miniswhite.tif", tiff_bytes(bo, bil[:, :, None], 0, 1, 32773, 1))
        c.write(f"gen-tiff-hand-{t}-1-minisblack-tile.tif",
                tiff_bytes(bo, bil[:, :, None], 1, 1, 8, 1, tiles=True))
        c.write(f"gen-tiff-hand-{t}-1-miniswhite-raw.tif", tiff_bytes(bo, bil[:, :, None], 0, 1, 1, 1))
        for bits in (1, 2, 4, 8):
            idx = (g % (1 << bits)).astype(np.uint8)
            for comp in (1, 5):
                c.write(f"gen-tiff-hand-{t}-p{bits}-c{comp}.tif",
                        tiff_bytes(bo, idx[:, :, None], 3, bits, comp, 1))
    c.write("gen-tiff-hand-raw-pred.tif", tiff_bytes("<", a, 2, 8, 1, 2))
    c.write("gen-tiff-hand-rgba-assoc.tif", tiff_bytes("<", np.dstack([a, a[:, :, :1]]), 2, 8, 8, 1,
                                                       extra=(1,)))
    c.write("gen-tiff-hand-orient.tif", tiff_bytes("<", a, 2, 8, 8, 1, orientation=6))
    c.write("gen-tiff-hand-l4.tif", tiff_bytes("<", (a[:, :, :1] % 16).astype(np.uint8), 1, 4, 1, 1))
    good = tiff_bytes("<", a, 2, 8, 5, 1)
    c.write("bad-tiff-lzw-corrupt.tif", good[:12] + b"\xff" * 30 + good[42:])
    tiff_jpegs(c)
    tiff_more(c)


def tiff_jpegs(c):
    """JPEG-in-TIFF (compression 7): Pillow's (libtiff) writer for RGB, L and
    YCbCr, and hand-made YCbCr 4:2:0 / 4:2:2 / 4:4:4 strips and tiles with
    and without JPEGTables, grey and CMYK, plus damaged ones."""
    big = pattern(300, 90, seed=30)
    c.save("gen-tiff-jpeg-pil-l.tif", big.convert("L"), "TIFF", compression="jpeg")
    c.save("gen-tiff-jpeg-pil-ycbcr.tif", big.convert("YCbCr"), "TIFF", compression="jpeg")
    c.save("gen-tiff-jpeg-pil-rgb-q30.tif", big, "TIFF", compression="jpeg", quality=30)
    c.save("gen-tiff-jpeg-pil-cmyk.tif", pattern(20, 9, seed=31).convert("CMYK"), "TIFF", compression="jpeg")
    a = np.asarray(pattern(37, 23, seed=32))
    for bo in ("<", ">"):
        t = "le" if bo == "<" else "be"
        for sub in (0, 1, 2):
            for tiles in (False, True):
                c.write(f"gen-tiff-jpeg-{t}-ycbcr-s{sub}-{'tile' if tiles else 'strip'}.tif",
                        tiff_jpeg(bo, a, 6, tiles=tiles, sub=sub))
    c.write("gen-tiff-jpeg-ycbcr-notables.tif", tiff_jpeg("<", a, 6, sub=2, tables=False))
    c.write("gen-tiff-jpeg-ycbcr-no-subtag-422.tif", tiff_jpeg("<", a, 6, sub=1, sub_tag=None))
    c.write("gen-tiff-jpeg-ycbcr-wrong-subtag.tif", tiff_jpeg("<", a, 6, sub=2, sub_tag=(1, 1), tiles=True))
    c.write("gen-tiff-jpeg-ycbcr-1x1.tif", tiff_jpeg("<", a[:1, :1], 6, sub=2))
    c.write("gen-tiff-jpeg-ycbcr-rps8.tif", tiff_jpeg("<", np.asarray(pattern(64, 50, seed=33)), 6, rps=8, sub=2))
    # Other photometrics: libjpeg hands the components over as stored.
    c.write("gen-tiff-jpeg-l-tile.tif", tiff_jpeg(">", a[:, :, 1:2], 1, tiles=True, sub=0))
    c.write("gen-tiff-jpeg-l-miniswhite.tif", tiff_jpeg("<", a[:, :, 1:2], 0, sub=0))
    c.write("gen-tiff-jpeg-rgb-as-stored.tif", tiff_jpeg("<", a, 2, sub=0))
    c.write("gen-tiff-jpeg-cmyk-strip.tif", tiff_jpeg("<", np.asarray(Image.fromarray(a).convert("CMYK")), 5, sub=0))
    c.write("bad-tiff-jpeg-l-sampled.tif", tiff_jpeg("<", a[:, :, 1:2], 1, sub=2))
    c.write("gen-tiff-jpeg-ycbcr-orient8.tif", tiff_jpeg("<", a, 6, sub=2, orientation=8))
    # The last strip's stream holding the full 16 rows (libtiff reads its top).
    tall = tiff_jpeg("<", np.asarray(pattern(37, 32, seed=34)), 6, sub=2)
    c.write("gen-tiff-jpeg-ycbcr-tall-last-strip.tif", tall.replace(struct.pack("<HHII", 257, 4, 1, 32),
                                                                     struct.pack("<HHII", 257, 4, 1, 23)))
    # Damaged: a strip's data cut short inside the bytecount (libjpeg pads
    # with a fake EOI and libtiff reads on: Pillow returns an image), the
    # sampling changing between strips, tables that hold an image, a
    # stream wider than the strip.
    good = tiff_jpeg("<", a, 6, sub=2)
    c.write("gen-tiff-jpeg-damaged-scan-cut.tif", tiff_jpeg_cut(a))
    c.write("bad-tiff-jpeg-mixed-sampling.tif", tiff_jpeg_mixed(a))
    c.write("bad-tiff-jpeg-bogus-tables.tif", tiff_jpeg_bogus_tables(a))
    c.write("bad-tiff-jpeg-wide-strip.tif", tiff_jpeg("<", a, 6, sub=2).replace(
        struct.pack("<HHII", 256, 4, 1, 37), struct.pack("<HHII", 256, 4, 1, 30)))
    counts = struct.pack("<2I", *Image.open(io.BytesIO(good)).tag_v2[279])
    c.write("bad-tiff-jpeg-count-past-end.tif",
            good.replace(counts, counts[:4] + struct.pack("<I", len(good))))


def tiff_jpeg_cut(a):
    """YCbCr JPEG strips, the first one's stream cut a third short."""
    h, w, _ = a.shape
    chunks, tabs = [], None
    for k, blk in enumerate(tiff_blocks(a, False, 16)):
        tabs, rest = jpeg_split(encoded(Image.fromarray(blk), "JPEG", quality=80, subsampling=2))
        if k == 0:
            rest = rest[:len(rest) * 2 // 3]
        chunks.append(rest)
    tags = {258: (3, [8] * 3), 259: (3, [7]), 262: (3, [6]), 277: (3, [3]), 347: (7, tabs), 530: (3, [2, 2])}
    return tiff_assemble("<", w, h, chunks, tags, False, 16)


def tiff_jpeg_mixed(a):
    """The first strip 4:2:0, the second 4:4:4: libtiff refuses the second."""
    h, w, _ = a.shape
    chunks = []
    for k, blk in enumerate(tiff_blocks(a, False, 16)):
        chunks.append(encoded(Image.fromarray(blk), "JPEG", quality=80, subsampling=2 if k == 0 else 0))
    tags = {258: (3, [8] * 3), 259: (3, [7]), 262: (3, [6]), 277: (3, [3]), 530: (3, [2, 2])}
    return tiff_assemble("<", w, h, chunks, tags, False, 16)


def tiff_jpeg_bogus_tables(a):
    """JPEGTables holding a whole JPEG image: "Bogus JPEGTables field"."""
    h, w, _ = a.shape
    whole = encoded(Image.fromarray(a[:8, :8]), "JPEG")
    chunks = [encoded(Image.fromarray(blk), "JPEG", quality=80, subsampling=2) for blk in tiff_blocks(a, False, 16)]
    tags = {258: (3, [8] * 3), 259: (3, [7]), 262: (3, [6]), 277: (3, [3]), 347: (7, whole),
            530: (3, [2, 2])}
    return tiff_assemble("<", w, h, chunks, tags, False, 16)


def fill_order_2(data):
    """The same TIFF in FillOrder 2: the FillOrder tag (written by the
    caller through more=) kept, each stored byte of every strip or tile
    bit-reversed, as a writer in that fill order stores it."""
    ifd = TiffImagePlugin.ImageFileDirectory_v2(ifh=data[:8])
    fp = io.BytesIO(data)
    fp.seek(ifd.next)
    ifd.load(fp)
    offs, cnts = ifd.get(273) or ifd.get(324), ifd.get(279) or ifd.get(325)
    out = bytearray(data)
    rev = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))
    for o, n in zip(offs, cnts):
        out[o:o + n] = bytes(out[o:o + n]).translate(rev)
    return bytes(out)


def tiff_fill2(c):
    """FillOrder 2: the layouts Pillow lists for it, raw and compressed."""
    a = np.asarray(pattern(37, 23, seed=41))
    g = a[:, :, 1]
    bil = (g > 127).astype(np.uint8)
    fo2 = {266: (3, [2])}
    for bo in ("<", ">"):
        t = "le" if bo == "<" else "be"
        for comp in (1, 5, 8, 32773):
            for tiles in (False, True):
                sfx = f"c{comp}-{'tile' if tiles else 'strip'}"
                c.write(f"gen-tiff-fill2-{t}-rgb-{sfx}.tif", fill_order_2(tiff_bytes(bo, a, 2, 8, comp, 1, tiles=tiles, more=fo2)))
                c.write(f"gen-tiff-fill2-{t}-1-{sfx}.tif", fill_order_2(tiff_bytes(bo, bil[:, :, None], 1, 1, comp, 1, tiles=tiles, more=fo2)))
        c.write(f"gen-tiff-fill2-{t}-1-miniswhite.tif", fill_order_2(tiff_bytes(bo, bil[:, :, None], 0, 1, 1, 1, more=fo2)))
        for bits in (2, 4, 8):
            v = (g % (1 << bits)).astype(np.uint8)
            c.write(f"gen-tiff-fill2-{t}-l{bits}.tif", fill_order_2(tiff_bytes(bo, v[:, :, None], 1, bits, 1, 1, more=fo2)))
            c.write(f"gen-tiff-fill2-{t}-l{bits}-miniswhite-lzw.tif", fill_order_2(tiff_bytes(bo, v[:, :, None], 0, bits, 5, 1, more=fo2)))
        c.write(f"gen-tiff-fill2-{t}-l8-lzw-predictor.tif", fill_order_2(tiff_bytes(bo, g[:, :, None], 1, 8, 5, 2, more=fo2)))
    # Refused, as Pillow refuses them: layouts with no fill-order-2 mode.
    rgba = np.concatenate([a, a[:, :, :1]], axis=2)
    c.write("bad-tiff-fill2-rgba.tif", fill_order_2(tiff_bytes("<", rgba, 2, 8, 1, 1, extra=(2,), more=fo2)))
    c.write("bad-tiff-fill2-fillorder-3.tif", tiff_bytes("<", a, 2, 8, 1, 1, more={266: (3, [3])}))


def tiff_more(c):
    """16-bit, CMYK, 2/4-bit grey, associated alpha, orientation, missing
    photometric: Pillow-written and hand-made."""
    v16 = (np.arange(23 * 37, dtype=np.int64).reshape(23, 37, 1) * 97 % 65536).astype(np.uint16)
    v16[0, :4, 0] = (0, 255, 256, 65535)
    small16 = (v16 % 300).astype(np.uint16)  # mostly below 256: convert("RGB") keeps them
    c.save("gen-tiff-i16b.tif", Image.frombytes("I;16B", (37, 23), small16.astype(">u2").tobytes()), "TIFF")
    c.save("gen-tiff-i16-lzw.tif", Image.fromarray(small16[:, :, 0], "I;16"), "TIFF", compression="tiff_lzw")
    for bo in ("<", ">"):
        t = "le" if bo == "<" else "be"
        for comp, pred, tiles in ((1, 1, False), (5, 2, False), (8, 2, True), (32773, 1, True), (8, 1, False)):
            sfx = f"c{comp}-p{pred}-{'tile' if tiles else 'strip'}"
            c.write(f"gen-tiff-hand-{t}-l16-{sfx}.tif", tiff_bytes(bo, small16, 1, 16, comp, pred, tiles=tiles))
            rgb16 = np.concatenate([small16, (v16 // 3) % 290, v16], axis=2).astype(np.uint16)
            c.write(f"gen-tiff-hand-{t}-rgb16-{sfx}.tif", tiff_bytes(bo, rgb16, 2, 16, comp, pred, tiles=tiles))
        alpha16 = (np.arange(23 * 37).reshape(23, 37, 1) * 2311 % 65536).astype(np.uint16)
        for ex in ((), (0,), (1,), (2,)):
            c.write(f"gen-tiff-hand-{t}-rgba16-x{''.join(map(str, ex)) or 'none'}.tif",
                    tiff_bytes(bo, np.concatenate([rgb16, alpha16], axis=2), 2, 16, 5, 2, extra=ex))
        c.write(f"gen-tiff-hand-{t}-cmyk16.tif", tiff_bytes(bo, np.concatenate([rgb16, alpha16], axis=2),
                                                          5, 16, 8, 1))
        c.write(f"gen-tiff-hand-{t}-l16-miniswhite.tif", tiff_bytes(bo, small16, 0, 16, 1, 1))
    a = np.asarray(pattern(37, 23, seed=35))
    cmyk = np.asarray(Image.fromarray(a).convert("CMYK")).copy()
    cmyk[::3, ::2, 3] = np.arange(cmyk[::3, ::2, 3].size).reshape(cmyk[::3, ::2, 3].shape) % 256
    for comp, pred, tiles in ((1, 1, False), (5, 2, False), (8, 1, True), (32773, 1, False)):
        c.write(f"gen-tiff-hand-cmyk-c{comp}-p{pred}-{'tile' if tiles else 'strip'}.tif",
                tiff_bytes("<", cmyk, 5, 8, comp, pred, tiles=tiles))
    c.write("gen-tiff-hand-cmykx.tif", tiff_bytes(">", np.dstack([cmyk, a[:, :, :1]]), 5, 8, 5, 1, extra=(0,)))
    c.write("gen-tiff-hand-cmykxx.tif", tiff_bytes("<", np.dstack([cmyk, a[:, :, :2]]), 5, 8, 1, 1, extra=(0, 0)))
    c.write("gen-tiff-hand-cmyk-alpha.tif", tiff_bytes("<", np.dstack([cmyk, a[:, :, :1]]), 5, 8, 1, 1,
                                                       extra=(2,)))
    g = a[:, :, 1]
    for bits in (2, 4):
        for photo in (0, 1):
            for comp in (1, 5, 8):
                for w in (37, 5, 1):
                    c.write(f"gen-tiff-hand-l{bits}-ph{photo}-c{comp}-w{w}.tif",
                            tiff_bytes("<" if comp != 8 else ">", (g[:, :w, None] % (1 << bits)).astype(np.uint8),
                                       photo, bits, comp, 1))
        c.write(f"gen-tiff-hand-l{bits}-tile.tif", tiff_bytes("<", (g[:, :, None] >> (8 - bits)).astype(np.uint8),
                                                              1, bits, 1, 1, tiles=True))
    alpha = ((np.arange(23 * 37).reshape(23, 37) * 7) % 256).astype(np.uint8)
    alpha[0, :3] = (0, 255, 1)
    prem = (a.astype(np.int32) * alpha[:, :, None] // 255).astype(np.uint8)
    prem[1, :4] = ((200, 10, 3), (255, 255, 255), (9, 9, 9), (0, 0, 0))  # some above alpha: clipped
    assoc = np.dstack([prem, alpha])
    for comp, pred, tiles in ((1, 1, False), (5, 2, False), (8, 1, True), (32773, 1, False)):
        c.write(f"gen-tiff-hand-rgba-assoc-c{comp}-p{pred}-{'tile' if tiles else 'strip'}.tif",
                tiff_bytes("<", assoc, 2, 8, comp, pred, tiles=tiles, extra=(1,)))
    c.write("gen-tiff-hand-rgba-assoc-x.tif", tiff_bytes(">", np.dstack([assoc, g]), 2, 8, 1, 1, extra=(1, 0)))
    c.write("gen-tiff-hand-rgba-assoc-xx.tif", tiff_bytes("<", np.dstack([assoc, g, g]), 2, 8, 5, 1,
                                                          extra=(1, 0, 0)))
    c.write("gen-tiff-hand-rgba-999.tif", tiff_bytes("<", assoc, 2, 8, 1, 1, extra=(999,)))
    c.write("gen-tiff-hand-rgb-extra-bad.tif", tiff_bytes("<", np.dstack([a, g]), 2, 8, 1, 1, extra=(3,)))
    for o in range(0, 10):
        c.write(f"gen-tiff-hand-orient{o}-strip.tif", tiff_bytes("<", a, 2, 8, 1, 1, orientation=o or None)
                if o else tiff_bytes("<", a, 2, 8, 1, 1, more={274: (3, [0])}))
    for o in (3, 5, 7):
        c.write(f"gen-tiff-hand-orient{o}-tile-lzw.tif", tiff_bytes(">", a, 2, 8, 5, 2, tiles=True, orientation=o))
    c.write("gen-tiff-hand-orient6-p4.tif", tiff_bytes("<", (g[:, :, None] % 16).astype(np.uint8), 3, 4, 1, 1,
                                                       orientation=6))
    # Planar configuration 2: one plane after the other.
    rgba = np.dstack([a, alpha])
    for name, arr, photo, extra in (("rgb", a, 2, ()), ("rgba", rgba, 2, (2,)), ("rgbx", rgba, 2, (0,)),
                                    ("rgbassoc", assoc, 2, (1,)), ("la", np.dstack([g, alpha]), 1, (2,)),
                                    ("cmyk", cmyk, 5, ()), ("l", g[:, :, None], 1, ()),
                                    ("lminiswhite", g[:, :, None], 0, ()), ("pa", np.dstack([g % 16, alpha]), 3, (2,))):
        for comp, pred, tiles in ((1, 1, False), (5, 2, True), (8, 1, False)):
            c.write(f"gen-tiff-hand-planar-{name}-c{comp}-{'tile' if tiles else 'strip'}.tif",
                    tiff_planar("<" if comp != 8 else ">", arr, photo, comp, pred, tiles, extra))
    c.write("gen-tiff-hand-no-photometric.tif", tiff_bytes("<", g[:, :, None], 1, 8, 1, 1, more={262: (3, None)}))
    c.write("gen-tiff-hand-no-photometric-1bit.tif",
            tiff_bytes("<", (g[:, :, None] > 100).astype(np.uint8), 1, 1, 5, 1, more={262: (3, None)}))


def tiff_lzw(data):
    """TIFF LZW (MSB-first, early change), Clear first and whenever the table fills."""
    out, acc, nacc = bytearray(), 0, 0

    def put(code, width):
        nonlocal acc, nacc
        acc = (acc << width) | code
        nacc += width
        while nacc >= 8:
            out.append((acc >> (nacc - 8)) & 0xFF)
            nacc -= 8

    table = {bytes([i]): i for i in range(256)}
    nxt, width = 258, 9
    put(256, width)
    w = b""
    for byte in data:
        wc = w + bytes([byte])
        if wc in table:
            w = wc
            continue
        put(table[w], width)
        table[wc] = nxt
        nxt += 1
        if nxt >= (1 << width) and width < 12:
            width += 1
        if nxt >= 4093:
            put(256, width)
            table = {bytes([i]): i for i in range(256)}
            nxt, width = 258, 9
        w = bytes([byte])
    if w:
        put(table[w], width)
        nxt += 1
        if nxt >= (1 << width) and width < 12:
            width += 1
    put(257, width)
    if nacc:
        out.append((acc << (8 - nacc)) & 0xFF)
    return bytes(out)


def packbits(data):
    out, i = bytearray(), 0
    while i < len(data):
        j = i
        while j + 1 < len(data) and data[j + 1] == data[i] and j - i < 127:
            j += 1
        if j > i:
            out += bytes([257 - (j - i + 1), data[i]])
            i = j + 1
            continue
        j = i + 1
        while j < len(data) and j - i < 128 and not (j + 1 < len(data) and data[j + 1] == data[j]):
            j += 1
        out += bytes([j - i - 1]) + data[i:j]
        i = j
    return bytes(out)


def tiff_bytes(bo, a, photo, bits, comp, pred, tiles=False, extra=(), orientation=None, rps=5, more=None):
    """A classic TIFF of array a (H x W x samples: uint8 values, or uint16
    when bits is 16), in strips of rps rows or 16x16 tiles, compressed per
    strip/tile. more: extra tags {tag: (type, values)}."""
    h, w, spp = a.shape

    def pack_rows(block):  # block: rows x cols x spp -> packed bytes, rows padded
        rows = []
        for r in block:
            if bits == 16:
                v = r.reshape(-1).astype(np.int64)
                if pred == 2:
                    v[spp:] = v[spp:] - r.reshape(-1).astype(np.int64)[:-spp]
                rows.append((v % 65536).astype(bo + "u2").tobytes())
            elif bits == 8:
                row = bytearray(r.astype(np.uint8).tobytes())
                if pred == 2:
                    row = _hdiff(r, spp)
                rows.append(bytes(row))
            else:
                v = r[:, 0].astype(np.uint8)
                per = 8 // bits
                pad = (-len(v)) % per
                v = np.concatenate([v, np.zeros(pad, np.uint8)]).reshape(-1, per)
                packed = np.zeros(len(v), np.uint16)
                for k in range(per):
                    packed = (packed << bits) | v[:, k]
                rows.append(bytes(packed.astype(np.uint8)))
        return b"".join(rows)

    def compress(raw):
        if comp == 1:
            return raw
        if comp == 5:
            return tiff_lzw(raw)
        if comp == 8:
            return zlib.compress(raw)
        return packbits(raw)

    chunks = [compress(pack_rows(blk)) for blk in tiff_blocks(a, tiles, rps)]
    tags = {258: (3, [bits] * spp), 259: (3, [comp]), 262: (3, [photo]), 277: (3, [spp])}
    if pred != 1:
        tags[317] = (3, [pred])
    if extra:
        tags[338] = (3, list(extra))
    if orientation:
        tags[274] = (3, [orientation])
    if photo == 3:
        n = 1 << bits
        cm = [((i * 37 + 11) % 256) * 257 for i in range(n)] + [((i * 91) % 256) * 256 + 255 for i in range(n)] \
            + [(255 - (i * 13) % 256) * 256 for i in range(n)]
        tags[320] = (3, cm)
    tags.update(more or {})
    return tiff_assemble(bo, w, h, chunks, tags, tiles, rps)


def tiff_planar(bo, a, photo, comp, pred, tiles, extra=()):
    """PlanarConfiguration 2: each sample of array a (8-bit) in its own strips
    or tiles, plane after plane."""
    h, w, spp = a.shape
    chunks = []
    for p in range(spp):
        for blk in tiff_blocks(a[:, :, p:p + 1], tiles, 5):
            raw = b"".join(bytes(_hdiff(r, 1)) if pred == 2 else r.astype(np.uint8).tobytes() for r in blk)
            chunks.append({1: lambda r: r, 5: tiff_lzw, 8: zlib.compress}[comp](raw))
    tags = {258: (3, [8] * spp), 259: (3, [comp]), 262: (3, [photo]), 277: (3, [spp]), 284: (3, [2])}
    if pred != 1:
        tags[317] = (3, [pred])
    if extra:
        tags[338] = (3, list(extra))
    if photo == 3:
        tags[320] = (3, [((i * 37 + 11) % 256) * 257 for i in range(256)] + [((i * 91) % 256) * 256 for i in range(256)]
                     + [(255 - (i * 13) % 256) * 256 for i in range(256)])
    return tiff_assemble(bo, w, h, chunks, tags, tiles, 5)


def tiff_blocks(a, tiles, rps, tile=16):
    """The strips (rps rows) or tiles (tile x tile, zero-padded) of array a."""
    h, w = a.shape[:2]
    if not tiles:
        return [a[y:y + rps] for y in range(0, h, rps)]
    out = []
    for ty in range(0, h, tile):
        for tx in range(0, w, tile):
            blk = np.zeros((tile, tile) + a.shape[2:], a.dtype)
            part = a[ty:ty + tile, tx:tx + tile]
            blk[:part.shape[0], :part.shape[1]] = part
            out.append(blk)
    return out


def tiff_assemble(bo, w, h, chunks, tags, tiles, rps, tile=16):
    """Header, strip/tile data, then the IFD. tags: {tag: (type, values)};
    type 3 SHORT, 4 LONG, 7 UNDEFINED (values: bytes); tags given with
    value None are left out (e.g. 262 for a file without photometric)."""
    data = bytearray(b"II*\x00" if bo == "<" else b"MM\x00*")
    data += struct.pack(bo + "I", 0)
    offsets = []
    for ch in chunks:
        offsets.append(len(data))
        data += ch
        if len(data) % 2:
            data += b"\x00"
    tags = dict(tags)
    tags.update({256: (4, [w]), 257: (4, [h])})
    if tiles:
        tags.update({322: (3, [tile]), 323: (3, [tile]), 324: (4, offsets), 325: (4, [len(x) for x in chunks])})
    else:
        tags.update({278: (3, [rps]), 273: (4, offsets), 279: (4, [len(x) for x in chunks])})
    ifd = len(data)
    struct.pack_into(bo + "I", data, 4, ifd)
    entries = sorted((t, v) for t, v in tags.items() if v[1] is not None)
    after = ifd + 2 + 12 * len(entries) + 4
    body, extra_data = bytearray(struct.pack(bo + "H", len(entries))), bytearray()
    for tag, (typ, vals) in entries:
        if typ == 7:
            raw, n = bytes(vals), len(vals)
        else:
            raw, n = struct.pack(bo + ("H" if typ == 3 else "I") * len(vals), *vals), len(vals)
        if len(raw) <= 4:
            body += struct.pack(bo + "HHI", tag, typ, n) + raw.ljust(4, b"\x00")
        else:
            body += struct.pack(bo + "HHII", tag, typ, n, after + len(extra_data))
            extra_data += raw
            if len(extra_data) % 2:
                extra_data += b"\x00"
    body += struct.pack(bo + "I", 0)
    return bytes(data + body + extra_data)


def jpeg_split(jpg):
    """A JPEG's tables (SOI, DQT and DHT segments, EOI) and the rest of it
    (an abbreviated stream), as libtiff writes JPEGTables and strips."""
    tables, rest, i = bytearray(b"\xff\xd8"), bytearray(b"\xff\xd8"), 2
    while i < len(jpg):
        marker = jpg[i + 1]
        if marker == 0xDA:  # SOS: the rest is scan data
            rest += jpg[i:]
            break
        n = struct.unpack(">H", jpg[i + 2:i + 4])[0]
        (tables if marker in (0xDB, 0xC4) else rest).extend(jpg[i:i + 2 + n])
        i += 2 + n
    return bytes(tables + b"\xff\xd9"), bytes(rest)


def tiff_jpeg(bo, a, photo, tiles=False, rps=16, sub=2, tables=True, sub_tag="match",
              orientation=None, mode=None, quality=80):
    """A JPEG-compressed TIFF (compression 7) of array a (H x W x samples),
    each strip or tile a Pillow-encoded JPEG: for photometric 6 (YCbCr) the
    JFIF colour transform with Pillow's subsampling sub (0: 4:4:4, 1: 4:2:2,
    2: 4:2:0); shared tables in JPEGTables unless tables is False.
    sub_tag: "match" writes the true YCbCrSubsampling, None leaves it out
    (libtiff then corrects its default 2,2 from the first strip), or a pair."""
    h, w, spp = a.shape
    mode = mode or {1: "L", 3: "RGB", 4: "CMYK"}[spp]
    chunks, tabs = [], None
    for blk in tiff_blocks(a, tiles, rps):
        im = Image.fromarray(blk[:, :, 0] if spp == 1 else blk, mode)
        whole = encoded(im, "JPEG", quality=quality, subsampling=sub)
        t, rest = jpeg_split(whole)
        tabs = tabs or t
        chunks.append(rest if tables else whole)
    tags = {258: (3, [8] * spp), 259: (3, [7]), 262: (3, [photo]), 277: (3, [spp])}
    if tables:
        tags[347] = (7, tabs)
    if photo == 6 and sub_tag is not None:
        tags[530] = (3, list({0: (1, 1), 1: (2, 1), 2: (2, 2)}[sub] if sub_tag == "match" else sub_tag))
    if orientation:
        tags[274] = (3, [orientation])
    return tiff_assemble(bo, w, h, chunks, tags, tiles, rps)


def _hdiff(r, spp):
    flat = r.reshape(-1).astype(np.int16)
    d = flat.copy()
    d[spp:] = flat[spp:] - flat[:-spp]
    return bytearray((d % 256).astype(np.uint8).tobytes())


def ppms(c):
    """PBM/PGM/PPM: Pillow's writer (P4, P5, P5 16-bit, P6) and hand-made plain
    (P1-P3), unusual maxvals, comments, and the files Pillow refuses."""
    im = pattern(9, 7, seed=21)
    c.save("gen-ppm-p6.ppm", im, "PPM")
    c.save("gen-ppm-p5.pgm", im.convert("L"), "PPM")
    c.save("gen-ppm-p4.pbm", im.convert("1"), "PPM")
    c.save("gen-ppm-p4-width13.pbm", pattern(13, 5, seed=22).convert("1"), "PPM")
    c.save("gen-ppm-p5-16bit.pgm", Image.fromarray((np.arange(9 * 7, dtype=np.int32) * 1000 % 65536)
                                                   .reshape(7, 9), "I"), "PPM")
    a = np.asarray(im)
    g = np.asarray(im.convert("L"))
    hdr = lambda magic, w, h, maxval=None: (f"{magic}\n{w} {h}\n" + ("" if maxval is None else f"{maxval}\n")).encode()
    # binary with other maxvals: PpmDecoder scales (round half to even)
    c.write("gen-ppm-p5-maxval100.pgm", hdr("P5", 9, 7, 100) + bytes(int(v) % 101 for v in g.flat))
    c.write("gen-ppm-p5-maxval100-over.pgm", hdr("P5", 9, 7, 100) + bytes(int(v) for v in g.flat))
    c.write("gen-ppm-p6-maxval15.ppm", hdr("P6", 9, 7, 15) + bytes(int(v) % 16 for v in a.flat))
    c.write("gen-ppm-p6-maxval1000.ppm", hdr("P6", 9, 7, 1000) +
            b"".join(struct.pack(">H", int(v) * 4) for v in a.flat))
    c.write("gen-ppm-p5-maxval300.pgm", hdr("P5", 9, 7, 300) +
            b"".join(struct.pack(">H", int(v) + 40) for v in g.flat))
    c.write("gen-ppm-p5-maxval65535.pgm", hdr("P5", 9, 7, 65535) +
            b"".join(struct.pack(">H", int(v) * 3) for v in g.flat))
    # plain
    bits = [[(x * y + x) % 3 == 0 for x in range(9)] for y in range(7)]
    c.write("gen-ppm-p1.pbm", b"P1\n# plain bitmap\n9 7\n" +
            b"\n".join(b" ".join(b"1" if v else b"0" for v in r) for r in bits) + b"\n")
    c.write("gen-ppm-p1-packed.pbm", b"P1 9 7\n" + b"".join(b"1" if v else b"0" for r in bits for v in r))
    c.write("gen-ppm-p2.pgm", hdr("P2", 9, 7, 255) + b" ".join(b"%d" % v for v in g.flat) + b"\n")
    c.write("gen-ppm-p2-maxval15.pgm", b"P2\n9 7 # size\n15\n" +
            b"\n".join(b"%d" % (v % 16) for v in g.flat) + b"\n")
    c.write("gen-ppm-p2-maxval1000.pgm", hdr("P2", 9, 7, 1000) + b" ".join(b"%d" % (v * 3) for v in g.flat) + b"\n")
    c.write("gen-ppm-p3.ppm", hdr("P3", 9, 7, 255) + b" ".join(b"%d" % v for v in a.flat) + b"\n")
    c.write("gen-ppm-p3-maxval7-comments.ppm", b"P3\n#c1\n9 7\n7\n" +
            b"\n".join(b"%d %d %d # px" % tuple(p % 8) for p in a.reshape(-1, 3)) + b"\n")
    c.write("gen-ppm-p3-maxval1000.ppm", hdr("P3", 9, 7, 1000) + b" ".join(b"%d" % (v * 3) for v in a.flat) + b"\n")
    # quirks: a comment inside a header token; the last token repeated when
    # the data stops without whitespace (PpmPlainDecoder's stale half_token)
    c.write("gen-ppm-p6-comment-in-token.ppm", b"P6\n9 7\n2#c\n55\n" + a.tobytes())
    c.write("gen-ppm-p2-short-repeat.pgm", hdr("P2", 9, 7, 255) + b" ".join(b"%d" % v for v in g.flat[:20]))
    c.write("gen-ppm-p2-negative.pgm", hdr("P2", 3, 1, 255) + b"-3 +4 1_0\n")
    c.write("gen-ppm-p6-trailing.ppm", hdr("P6", 9, 7, 255) + a.tobytes() + b"trailing data")
    # refused by Pillow
    good = hdr("P6", 9, 7, 255) + a.tobytes()
    c.write("bad-ppm-truncated.ppm", good[: len(good) - 10])
    c.write("bad-ppm-p4-truncated.pbm", hdr("P4", 9, 7) + b"\x00" * 10)
    c.write("bad-ppm-header-only.ppm", b"P6\n9 7\n")
    c.write("bad-ppm-maxval0.ppm", hdr("P6", 1, 1, 0) + b"\0\0\0")
    c.write("bad-ppm-p1-badtoken.pbm", b"P1 3 1\n0 2 1\n")
    c.write("bad-ppm-p2-over-maxval.pgm", hdr("P2", 2, 1, 15) + b"3 16\n")
    c.write("bad-ppm-p2-short.pgm", hdr("P2", 3, 3, 255) + b"1 2 3\n")
    c.write("bad-ppm-p2-long-token.pgm", hdr("P2", 1, 1, 255) + b"00000000001\n")
    c.write("bad-ppm-zero-width.ppm", hdr("P6", 0, 7, 255))
    c.write("bad-ppm-p7.pam", b"P7\nWIDTH 1\nHEIGHT 1\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n\0\0\0")
    # Pillow's extensions: CMYK (cmyk2rgb), P with no palette (grey ramp), RGBA
    cmyk = bytes(int(v) for v in np.random.RandomState(23).randint(0, 256, 9 * 7 * 4))
    c.write("gen-other-ppm-p0cmyk.ppm", b"P0CMYK 2 1 255\n" + bytes(range(8)))
    c.write("gen-ppm-p0cmyk.ppm", hdr("P0CMYK", 9, 7, 255) + cmyk)
    c.write("gen-ppm-pycmyk-maxval1000.ppm", hdr("PyCMYK", 9, 7, 1000) +
            b"".join(struct.pack(">H", v * 3) for v in cmyk))
    c.write("gen-ppm-pyp.ppm", hdr("PyP", 9, 7, 255) + g.tobytes())
    c.write("gen-ppm-pyp-maxval100.ppm", hdr("PyP", 9, 7, 100) + g.tobytes())
    c.write("gen-ppm-pyrgba.ppm", hdr("PyRGBA", 9, 7, 255) + cmyk)
    c.write("gen-ppm-pyrgba-maxval31.ppm", hdr("PyRGBA", 9, 7, 31) + bytes(v % 32 for v in cmyk))
    c.write("bad-ppm-pycmyk-truncated.ppm", hdr("PyCMYK", 9, 7, 255) + cmyk[:-1])
    c.write("bad-ppm-p0-plain.ppm", b"P0 1 1 255\n\0\0\0")


def tga_raw(pixels, w, h, depth, itype, cmap=b"", cmap_type=None, cmap_first=0, cmap_len=None,
            cmap_depth=0, ident=b"", flags=0):
    """A TGA file from already-encoded pixel (or RLE) bytes: the header fields as given."""
    if cmap_type is None:
        cmap_type = 1 if cmap else 0
    if cmap_len is None:
        cmap_len = len(cmap) // max(cmap_depth // 8, 1) if cmap else 0
    return (bytes([len(ident), cmap_type, itype]) + struct.pack("<HHB", cmap_first, cmap_len, cmap_depth)
            + struct.pack("<HHHHBB", 0, 0, w, h, depth, flags) + ident + cmap + pixels)


def pcx_raw(w, h, bits, planes, rows, version=5, pal16=b"", stride=None, tail=b"", x0=0, y0=0):
    """A PCX file: rows are each row's planes already laid out (stride bytes per plane),
    RLE-encoded here with runs that never cross a row."""
    if stride is None:
        stride = (w * bits + 7) // 8
    head = (bytes([10, version, 1, bits]) + struct.pack("<HHHHHH", x0, y0, x0 + w - 1, y0 + h - 1, 72, 72)
            + pal16.ljust(48, b"\0") + b"\0" + bytes([planes]) + struct.pack("<HH", stride, 1) + bytes(58))
    body = bytearray()
    for r in rows:
        i = 0
        while i < len(r):
            n = 1
            while i + n < len(r) and r[i + n] == r[i] and n < 63:
                n += 1
            if n > 1 or r[i] >= 0xC0:
                body += bytes([0xC0 | n, r[i]])
            else:
                body.append(r[i])
            i += n
    return head + bytes(body) + tail


def dcxs(c):
    """DCX: a page table, then PCX pages; Image.open reads page 0 (an 8-bit
    page's palette is still looked for at the end of the whole file)."""
    def dcx(pages, table=None):
        head = struct.pack("<I", 0x3ADE68B1)
        offs, off = [], 4 + 4 * (len(pages) + 1)
        for p in pages:
            offs.append(off)
            off += len(p)
        table = offs + [0] if table is None else table
        return head + b"".join(struct.pack("<I", o) for o in table) + b"".join(pages)

    a, b = pattern(11, 7, seed=51), pattern(6, 5, seed=52)
    c.write("gen-dcx-rgb.dcx", dcx([encoded(a, "PCX"), encoded(b, "PCX")]))
    c.write("gen-dcx-1bit.dcx", dcx([encoded(a.convert("1"), "PCX")]))
    c.write("gen-dcx-p-palette-at-end.dcx", dcx([encoded(a.convert("P"), "PCX"), encoded(b.convert("L"), "PCX")]))
    c.write("gen-dcx-grey-last.dcx", dcx([encoded(b.convert("RGB"), "PCX"), encoded(a.convert("L"), "PCX")]))
    c.write("bad-dcx-no-pages.dcx", dcx([], table=[0]))
    c.write("bad-dcx-short-table.dcx", struct.pack("<II", 0x3ADE68B1, 12))
    c.write("bad-dcx-page-past-end.dcx", dcx([encoded(a, "PCX")], table=[100000, 0]))
    c.write("bad-dcx-truncated.dcx", dcx([encoded(a, "PCX")])[:-40])


def tgas_pcxs(c):
    """TGA (Pillow's writer: every mode, RLE, both orientations, an ID; hand-made:
    16-bit pixels and colour maps, first-entry offsets, right-to-left rows, RLE
    packets crossing rows) and PCX (Pillow's writer for 1/L/P/RGB; hand-made 2/4-plane
    and odd-stride files), plus the variants Pillow refuses. TGA has no signature:
    junk that happens to pass its header checks is here too."""
    im = pattern(13, 7, seed=31)
    p = im.convert("P", palette=Image.Palette.ADAPTIVE, colors=200)
    la = Image.merge("LA", (im.convert("L"), im.getchannel("R")))
    rgba = im.copy()
    rgba.putalpha(im.getchannel("G"))
    for name, m in (("1", im.convert("1")), ("l", im.convert("L")), ("la", la), ("p", p),
                    ("rgb", im), ("rgba", rgba)):
        c.save(f"gen-tga-{name}.tga", m, "TGA")
        # Pillow's RLE decoder never ends a 1-bit image (state->count is depth // 8 = 0)
        c.save(f"{'bad' if name == '1' else 'gen'}-tga-{name}-rle.tga", m, "TGA", compression="tga_rle")
        c.save(f"gen-tga-{name}-topdown.tga", m, "TGA", orientation=1)
    c.save("gen-tga-rgb-rle-topdown-id.tga", im, "TGA", compression="tga_rle", orientation=1,
           id_section=b"made by make_corpus")
    c.save("gen-tga-rgb-1x1.tga", pattern(1, 1), "TGA")
    c.save("gen-tga-p-rle-wide.tga", pattern(300, 3, seed=32).convert("P"), "TGA", compression="tga_rle")
    a = np.asarray(im)
    bgr = a[:, :, ::-1]
    rows_bu = lambda arr: np.ascontiguousarray(arr[::-1]).tobytes()
    v15 = ((a[:, :, 0].astype(np.uint16) >> 3) << 10 | (a[:, :, 1].astype(np.uint16) >> 3) << 5
           | a[:, :, 2].astype(np.uint16) >> 3 | 0x8000)
    c.write("gen-tga-rgb16.tga", tga_raw(rows_bu(v15.astype("<u2")), 13, 7, 16, 2))
    c.write("gen-tga-rgb16-topdown.tga", tga_raw(v15.astype("<u2").tobytes(), 13, 7, 16, 2, flags=0x20))
    c.write("gen-tga-rgb24-righttoleft.tga", tga_raw(rows_bu(bgr), 13, 7, 24, 2, flags=0x10))
    c.write("gen-tga-rgb24-topright.tga", tga_raw(bgr.tobytes(), 13, 7, 24, 2, flags=0x30))
    c.write("gen-tga-rgb24-flags-attr.tga", tga_raw(bgr.tobytes(), 13, 7, 24, 2, flags=0xC8 | 0x20))
    c.write("gen-tga-rgb24-trailing.tga", tga_raw(bgr.tobytes(), 13, 7, 24, 2, flags=0x20) + b"TRUEVISION-XFILE.\0")
    idx = np.asarray(p)
    pal = np.asarray(p.getpalette()[:768], np.uint8).reshape(-1, 3)
    pal16 = ((pal[:, 0].astype(np.uint16) >> 3) << 10 | (pal[:, 1].astype(np.uint16) >> 3) << 5
             | pal[:, 2].astype(np.uint16) >> 3).astype("<u2").tobytes()
    pal24 = pal[:, ::-1].tobytes()
    c.write("gen-tga-p-cmap16.tga", tga_raw(rows_bu(idx), 13, 7, 8, 1, pal16, cmap_depth=16))
    c.write("gen-tga-p-cmap24-first10.tga", tga_raw(idx.tobytes(), 13, 7, 8, 1, pal24[: 3 * 150],
                                                    cmap_first=10, cmap_depth=24, flags=0x20))
    c.write("gen-tga-p-cmap24-short.tga", tga_raw(idx.tobytes(), 13, 7, 8, 1, pal24[: 3 * 60],
                                                  cmap_depth=24, flags=0x20, ident=b"id"))
    c.write("gen-tga-p-cmap15-unread.tga", tga_raw(idx.tobytes(), 13, 7, 8, 1, b"", cmap_type=1, cmap_len=5,
                                                   cmap_depth=15, flags=0x20))
    c.write("gen-tga-p-no-cmap.tga", tga_raw(idx.tobytes(), 13, 7, 8, 1, flags=0x20))
    c.write("gen-tga-p-no-cmap-cmlen.tga", tga_raw(idx.tobytes(), 13, 7, 8, 1, cmap_type=0, cmap_len=3,
                                                   flags=0x20))
    g = np.asarray(im.convert("L"))
    c.write("gen-tga-l-cmap24.tga", tga_raw(g.tobytes(), 13, 7, 8, 3, pal24, cmap_depth=24, flags=0x20))
    c.write("gen-tga-la-cmap16.tga", tga_raw(np.stack([g, g], 2).tobytes(), 13, 7, 16, 3, pal16,
                                             cmap_depth=16, flags=0x20))
    # RLE: a literal packet running over three rows, runs within rows
    lit = bytes([0x7F]) + bytes(range(128))
    c.write("gen-tga-l-rle-literal-crossing.tga", tga_raw(lit + bytes([0x83, 9]), 11, 12, 8, 11, flags=0x20))
    c.write("gen-tga-rgb-rle-literal-crossing.tga",
            tga_raw(bytes([0x06]) + bytes(range(21)) + bytes([0x80, 1, 2, 3]), 4, 2, 24, 10))
    # refused by Pillow
    c.write("bad-tga-rle-run-crossing.tga", tga_raw(bytes([0x84, 7, 0x80, 9]), 3, 2, 8, 11))
    c.write("bad-tga-truncated.tga", tga_raw(bgr.tobytes()[:-5], 13, 7, 24, 2))
    c.write("bad-tga-rle-truncated.tga", open(c.path("gen-tga-rgb-rle.tga"), "rb").read()[:-40])
    c.write("bad-tga-p-cmap32.tga", tga_raw(idx.tobytes(), 13, 7, 8, 1,
                                            b"".join(bytes(e) + b"\xff" for e in pal[:, ::-1]), cmap_depth=32))
    c.write("bad-tga-p-cmap-300.tga", tga_raw(idx.tobytes(), 13, 7, 8, 1, pal24 + bytes(132), cmap_depth=24))
    c.write("bad-tga-rgb-cmap.tga", tga_raw(bgr.tobytes(), 13, 7, 24, 2, pal24[:30], cmap_depth=24))
    c.write("bad-tga-p-16bit-index.tga", tga_raw(bytes(13 * 7 * 2), 13, 7, 16, 1, pal24[:30], cmap_depth=24))
    c.write("bad-tga-grey-24bit.tga", tga_raw(bgr.tobytes(), 13, 7, 24, 3))
    c.write("bad-tga-depth15.tga", tga_raw(v15.astype("<u2").tobytes(), 13, 7, 15, 2))
    c.write("bad-tga-imagetype0.tga", tga_raw(b"", 13, 7, 24, 0))
    c.write("bad-tga-width0.tga", tga_raw(b"", 0, 7, 24, 2))
    c.write("bad-tga-header17.tga", tga_raw(b"", 13, 7, 24, 2)[:17])
    c.write("bad-tga-bomb.tga", tga_raw(b"\0" * 64, 65535, 65535, 8, 3))
    # TGA headers that other Pillow plugins see first: CUR (a colour-map length on
    # a true-colour image), MPEG (0x000001B3), IPTC (0x1C, 1, then a size > 132),
    # IM (a text header line), ICO with an empty directory (a TGA after all).
    c.write("gen-tga-cur-declined.tga", tga_raw(bgr.tobytes(), 13, 7, 24, 2, cmap_type=0, cmap_len=1))
    c.write("bad-tga-cur-claimed.tga", tga_raw(bytes(4) + bgr.tobytes()[4:], 13, 7, 24, 2, cmap_type=0,
                                               cmap_first=0x100))
    c.write("bad-tga-mpeg.tga", tga_raw(bgr.tobytes(), 13, 7, 24, 1, cmap_type=0, cmap_first=0xB3,
                                        cmap_len=0x1234))
    c.write("bad-tga-iptc.tga", tga_raw(idx.tobytes(), 13, 7, 8, 1, pal24[:3 * 200], cmap_first=0xF0,
                                        cmap_depth=24, ident=b"x" * 28))
    # IM: the ID holds header lines after a first line that starts at byte 0 (id_len
    # 'I'); without a 0x1A byte after them IM declines and TGA reads the file.
    im_id = b":\nImage type: L\nImage size (x*y): 13*7\n"
    g1a = np.where(g == 0x1A, 0x1B, g).astype(np.uint8)
    c.write("gen-tga-im-header-declined.tga", tga_raw(g1a.tobytes(), 13, 7, 8, 3, ident=im_id.ljust(73, b"\0")))
    im_id = b":\nImage type: L\nImage size (x*y): 13*x\n"
    c.write("bad-tga-im-header-badnumber.tga", tga_raw(g1a.tobytes(), 13, 7, 8, 3, ident=im_id.ljust(73, b"\0")))
    c.write("gen-tga-p-ico-empty.tga", tga_raw(idx.tobytes(), 13, 7, 8, 1, cmap_type=0, flags=0x20))
    # Junk without a signature: text, a script, random bytes (refused by both)
    c.write("bad-junk-text.tga", b"Just some words in a file named .tga\n" * 3)
    c.write("bad-junk-csv.tga", b"a,b,c\n1,2,3\n")
    for i in range(4):
        c.write(f"bad-junk-random{i}.tga", bytes(np.random.RandomState(40 + i).randint(0, 256, 300, dtype=np.uint8)))

    # PCX: Pillow's writer
    for name, m in (("1", im.convert("1")), ("l", im.convert("L")), ("p", p), ("rgb", im)):
        c.save(f"gen-pcx-{name}.pcx", m, "PCX")
    for w in (1, 2, 3, 4, 5):  # Pillow cannot read back its own 1-pixel-wide RGB PCX
        c.save(f"{'bad' if w == 1 else 'gen'}-pcx-rgb-width{w}.pcx", pattern(w, 3, seed=33), "PCX")
        c.save(f"gen-pcx-l-width{w}.pcx", pattern(w, 3, seed=34).convert("L"), "PCX")
    c.save("gen-pcx-1-width17.pcx", pattern(17, 5, seed=35).convert("1"), "PCX")
    c.save("gen-pcx-p-wide.pcx", pattern(300, 4, seed=36).convert("P"), "PCX")
    # hand-made: 2 and 4 bit planes through the 16-colour header palette
    pal16c = bytes(np.random.RandomState(37).randint(0, 256, 48, dtype=np.uint8))
    q = (np.asarray(im.convert("L")) // 16).astype(np.uint8)

    def planar(vals, w, nplanes, stride):
        rows = []
        for r in vals:
            row = b""
            for k in range(nplanes):
                bits = np.packbits(((r >> k) & 1).astype(np.uint8))
                row += bits.tobytes().ljust(stride, b"\0")
            rows.append(row)
        return rows

    for planes in (2, 4):
        vals = q % (1 << planes)
        for w in (13, 3, 16):
            st = (w + 7) // 8
            c.write(f"gen-pcx-{planes}planes-w{w}.pcx",
                    pcx_raw(w, 7, 1, planes, planar(vals[:, :w], w, planes, st), pal16=pal16c))
        c.write(f"gen-pcx-{planes}planes-padded.pcx",
                pcx_raw(13, 7, 1, planes, planar(vals, 13, planes, 4), pal16=pal16c, stride=4, version=2))
    c.write("gen-pcx-4planes-w3-stride2.pcx",
            pcx_raw(3, 7, 1, 4, planar(q[:, :3], 3, 4, 2), pal16=pal16c, stride=2))
    g = np.asarray(im.convert("L"))
    grey = b"\x0c" + bytes(v for i in range(256) for v in (i, i, i))
    c.write("gen-pcx-l-grey-palette.pcx", pcx_raw(13, 7, 8, 1, [r.tobytes() + b"\0" for r in g], tail=grey,
                                                  stride=14))
    c.write("gen-pcx-l-no-palette.pcx", pcx_raw(13, 7, 8, 1, [r.tobytes() + b"\0" for r in g],
                                                tail=bytes(800), stride=14))
    c.write("gen-pcx-l-odd-stride.pcx", pcx_raw(13, 7, 8, 1, [r.tobytes() for r in g], tail=bytes(800)))
    c.write("gen-pcx-l-bbox-offset.pcx", pcx_raw(13, 7, 8, 1, [r.tobytes() + b"\0" for r in g],
                                                 tail=bytes(800), stride=14, x0=100, y0=20))
    c.write("gen-pcx-1-version0.pcx", pcx_raw(13, 7, 1, 1, [np.packbits(r > 128).tobytes().ljust(2, b"\0")
                                                            for r in g], version=0))
    c.write("gen-pcx-rgb-odd-stride.pcx", pcx_raw(13, 7, 8, 3, [b"".join(a[y, :, k].tobytes() + b"\0"
                                                                          for k in range(3)) for y in range(7)],
                                                  stride=15))
    # refused by Pillow
    c.write("bad-pcx-l-short.pcx", pcx_raw(13, 7, 8, 1, [r.tobytes() + b"\0" for r in g], stride=14))
    c.write("bad-pcx-unknown-mode.pcx", pcx_raw(13, 7, 8, 4, [bytes(56)] * 7, tail=bytes(800)))
    c.write("bad-pcx-8bit-version2.pcx", pcx_raw(13, 7, 8, 1, [bytes(14)] * 7, tail=bytes(800), version=2))
    c.write("bad-pcx-run-overflow.pcx", pcx_raw(13, 7, 8, 1, [], tail=bytes([0xC0 | 20, 5]) * 7 + bytes(800),
                                                stride=14))
    pcx = open(c.path("gen-pcx-rgb.pcx"), "rb").read()
    c.write("bad-pcx-truncated.pcx", pcx[: len(pcx) // 2])
    c.write("bad-pcx-header-only.pcx", pcx[:128])
    c.write("bad-pcx-header-short.pcx", pcx[:60])
    c.write("bad-pcx-empty-bbox.pcx", pcx[:4] + struct.pack("<HHHH", 9, 0, 3, 6) + pcx[12:])
    c.write("bad-pcx-bomb.pcx", pcx_raw(40000, 40000, 1, 1, [], tail=bytes(100)))


def gbr_raw(w, h, depth, pixels, version=2, comment=b"brush\0", size=None, magic=b"GIMP", spacing=25):
    """A GIMP brush (gbr.txt): big-endian header, comment, raw pixels."""
    fixed = 20 if version == 1 else 28
    size = fixed + len(comment) if size is None else size
    head = struct.pack(">5I", size, version, w, h, depth)
    if version == 2:
        head += magic + struct.pack(">I", spacing)
    return head + comment + pixels


def gbrs(c):
    rs = np.random.RandomState(23)
    for version in (1, 2):
        for depth, w, h in ((1, 7, 5), (4, 6, 4), (1, 64, 48), (4, 33, 17)):
            px = bytes(rs.randint(0, 256, w * h * depth, dtype=np.uint8))
            c.write(f"gen-gbr-v{version}-d{depth}-{w}x{h}.gbr", gbr_raw(w, h, depth, px, version=version))
    px = bytes(rs.randint(0, 256, 5 * 3 * 4, dtype=np.uint8))
    c.write("gen-gbr-long-comment.gbr", gbr_raw(5, 3, 4, px, comment=b"a much longer brush name \xc3\xa9\0"))
    c.write("gen-gbr-no-comment.gbr", gbr_raw(5, 3, 4, px, comment=b""))
    c.write("gen-gbr-trailing-data.gbr", gbr_raw(5, 3, 4, px + b"extra bytes after the pixels"))
    # The pixels start at the header size, 4 bytes into what follows the comment.
    c.write("gen-gbr-header-past-comment.gbr", gbr_raw(5, 3, 4, b"skip" + px, size=28 + 6 + 4))
    # Refused, as Pillow refuses them.
    c.write("bad-gbr-truncated-pixels.gbr", gbr_raw(5, 3, 4, px[:-1]))
    c.write("bad-gbr-v2-small-header.gbr", gbr_raw(5, 3, 4, px, size=24))  # read(-4): to the end
    c.write("bad-gbr-depth-3.gbr", gbr_raw(5, 3, 3, px[:45]))
    c.write("bad-gbr-zero-width.gbr", gbr_raw(0, 3, 1, b""))
    c.write("bad-gbr-bad-magic.gbr", gbr_raw(5, 3, 4, px, magic=b"GIMq"))
    c.write("bad-gbr-version-3.gbr", gbr_raw(5, 3, 4, px, version=3))
    c.write("bad-gbr-header-19.gbr", gbr_raw(5, 3, 1, px[:15], version=1, size=19))
    c.write("bad-gbr-cut-header.gbr", gbr_raw(5, 3, 4, px)[:14])
    c.write("bad-gbr-cut-spacing.gbr", gbr_raw(5, 3, 4, px)[:26])


def xbm_raw(w, h, values, name=b"im", hot=None, sep=b"\n", pre=b"", mid=b"static char ", fmt=b"0x%02x"):
    """An X11 bitmap as X writes it: the #defines, then the C array."""
    out = pre + b"#define %s_width %d%s#define %s_height %d%s" % (name, w, sep, name, h, sep)
    if hot:
        out += b"#define %s_x_hot %d%s#define %s_y_hot %d%s" % (name, hot[0], sep, name, hot[1], sep)
    out += mid + name + b"_bits[] = {" + sep
    out += b", ".join(fmt % v for v in values) + b"};" + sep
    return out


def xbms(c):
    rs = np.random.RandomState(29)
    for w, h in ((1, 1), (8, 3), (13, 7), (16, 16), (37, 5)):
        im = Image.fromarray(rs.randint(0, 2, (h, w), dtype=np.uint8) * 255).convert("1")
        c.save(f"gen-xbm-pillow-{w}x{h}.xbm", im, "XBM")  # Pillow's own writer
    vals = list(rs.randint(0, 256, 2 * 6, dtype=np.uint8))
    c.write("gen-xbm-hotspot.xbm", xbm_raw(13, 6, vals, hot=(3, 4)))
    c.write("gen-xbm-crlf.xbm", xbm_raw(13, 6, vals, sep=b"\r\n"))
    c.write("gen-xbm-uppercase-digits.xbm", xbm_raw(13, 6, vals, fmt=b"0x%02X"))
    c.write("gen-xbm-single-digit.xbm", xbm_raw(13, 6, [v & 15 for v in vals], fmt=b"0x%x"))  # 0x5, reads 0x50
    c.write("gen-xbm-leading-space.xbm", xbm_raw(13, 6, vals, pre=b"  \n\t"))
    c.write("gen-xbm-unsigned.xbm", xbm_raw(13, 6, vals, mid=b"static unsigned char "))
    c.write("gen-xbm-name-with-x.xbm", xbm_raw(13, 6, vals, name=b"box_x"))
    c.write("gen-xbm-comment.xbm", xbm_raw(13, 6, vals, mid=b"/* two _bits[] here: the last one counts */\nstatic char "))
    c.write("gen-xbm-trailing.xbm", xbm_raw(13, 6, vals) + b"0xff, 0xff trailing\n")
    # Refused, as Pillow refuses them.
    c.write("bad-xbm-truncated.xbm", xbm_raw(13, 6, vals)[:-30])
    c.write("bad-xbm-bits-past-512.xbm", xbm_raw(13, 6, vals, mid=b"/*" + b" " * 500 + b"*/\nstatic char "))
    c.write("bad-xbm-no-height.xbm", b"#define im_width 8\nstatic char im_bits[] = { 0x01 };\n")
    c.write("bad-xbm-space-before-height.xbm", b"#define im_width 8\n #define im_height 1\nstatic char im_bits[] = { 0x01 };\n")
    c.write("bad-xbm-zero-width.xbm", xbm_raw(0, 2, [1, 2]))
    c.write("bad-xbm-uppercase-0X.xbm", xbm_raw(13, 6, vals, fmt=b"0X%02X"))  # no 'x' at all: truncated


def xpm_raw(rows, colours, w=None, h=None, ncolours=None, cpp=1, nl=b"\n", pre=b"", between=b""):
    """An X11 pixmap: the header string, the colour lines, the rows."""
    w = len(rows[0]) if w is None else w
    h = len(rows) if h is None else h
    ncolours = len(colours) if ncolours is None else ncolours
    out = b"/* XPM */" + nl + b"static char *x_xpm[] = {" + nl + pre
    out += b'"%d %d %d %d",' % (w, h, ncolours, cpp) + nl + between
    out += b"".join(b'"' + k + b" " + v + b'",' + nl for k, v in colours)
    out += b"".join(b'"' + r + b'",' + nl for r in rows) + b"};" + nl
    return out


def xpms(c):
    rs = np.random.RandomState(31)
    keys = [bytes([k]) for k in b" .+@#$%&*=-;>,')!~{]^/(_:<[}|1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    for w, h, n in ((1, 1, 1), (5, 3, 2), (16, 16, 8), (23, 9, 40), (48, 48, 90)):
        cols = [(keys[i], b"c #%06X" % rs.randint(0, 1 << 24)) for i in range(n)]
        rows = [b"".join(keys[rs.randint(0, n)] for _ in range(w)) for _ in range(h)]
        c.write(f"gen-xpm-{w}x{h}-{n}.xpm", xpm_raw(rows, cols))
    rows = [b"..++", b".  .", b"++.."]
    base = [(b" ", b"c None"), (b".", b"c #FF0000"), (b"+", b"s bg c #00ff7f")]
    c.write("gen-xpm-none-and-symbolic.xpm", xpm_raw(rows, base))
    c.write("gen-xpm-crlf.xpm", xpm_raw(rows, base, nl=b"\r\n"))
    c.write("gen-xpm-comment-before-header.xpm", xpm_raw(rows, base, pre=b"/* columns rows colors chars-per-pixel */\n"))
    c.write("gen-xpm-width-past-row.xpm", xpm_raw(rows, base, w=7))  # the quote, comma and newline are pixels
    c.write("gen-xpm-short-rows.xpm", xpm_raw([b"..", b".", b""], base, w=4))
    c.write("gen-xpm-cut-rows.xpm", xpm_raw(rows, base)[:-18])  # missing rows read as spaces
    c.write("gen-xpm-odd-numbers.xpm", xpm_raw(rows, [(b" ", b"c #f00"), (b".", b"c #FFFF0000FFFF"), (b"+", b"c #0x_12_34_56")]))
    c.write("gen-xpm-negative.xpm", xpm_raw(rows, [(b" ", b"c #-1"), (b".", b"c #+ABCDEF"), (b"+", b"m white c #010203")]))
    c.write("bad-xpm-nbsp-is-no-space.xpm", xpm_raw(rows, [(b" ", b"c\xc2\xa0#123456"), (b".", b"c #FF0000"), (b"+", b"c #0000FF")]))
    # Refused, as Pillow refuses them.
    c.write("bad-xpm-colour-name.xpm", xpm_raw(rows, [(b" ", b"c white"), (b".", b"c #FF0000"), (b"+", b"c #0000FF")]))
    c.write("bad-xpm-two-chars.xpm", xpm_raw([b"aabb"], [(b"aa", b"c #FF0000"), (b"bb", b"c #0000FF")], w=2, cpp=2))
    c.write("bad-xpm-257-colours.xpm", xpm_raw(rows, base, ncolours=257))
    c.write("bad-xpm-no-c-key.xpm", xpm_raw(rows, [(b" ", b"m #000000"), (b".", b"c #FF0000"), (b"+", b"c #0000FF")]))
    c.write("bad-xpm-c-without-value.xpm", xpm_raw(rows, [(b" ", b"c"), (b".", b"c #FF0000"), (b"+", b"c #0000FF")]))
    c.write("bad-xpm-bad-hex.xpm", xpm_raw(rows, [(b" ", b"c #12_"), (b".", b"c #FF0000"), (b"+", b"c #0000FF")]))
    c.write("bad-xpm-no-header.xpm", b"/* XPM */\nstatic char *x[] = {\n};\n")
    c.write("bad-xpm-empty-number.xpm", b'/* XPM */\n" 3 1 1",\n"  c #000000",\n"   ",\n')
    c.write("bad-xpm-blank-colour-line.xpm", xpm_raw(rows, base, between=b"\n")[:-1])


def icns_raw(blocks, total=None):
    """An Apple icon file: "icns", the file length, then (type, length) blocks."""
    body = b"".join(t + struct.pack(">I", 8 + len(d)) + d for t, d in blocks)
    return b"icns" + struct.pack(">I", 8 + len(body) if total is None else total) + body


def icns_packbits(plane):
    """Apple's PackBits variant of IcnsImagePlugin.read_32: a byte b < 128
    copies b+1 literals, b >= 128 repeats the next byte b-125 times."""
    out, i = b"", 0
    while i < len(plane):
        j = i
        while j < len(plane) and j - i < 130 and plane[j] == plane[i]:
            j += 1
        if j - i >= 3:
            out += bytes([j - i + 125, plane[i]])
            i = j
            continue
        j = i
        while j < len(plane) and j - i < 128 and not (j + 2 < len(plane) and plane[j] == plane[j + 1] == plane[j + 2]):
            j += 1
        out += bytes([j - i - 1]) + bytes(plane[i:j])
        i = j
    return out


def icns_rgb(im, rle=True):
    a = np.asarray(im.convert("RGB"))
    if not rle:
        return a.tobytes()
    return b"".join(icns_packbits(a[:, :, k].tobytes()) for k in range(3))


def icnss(c):
    rs = np.random.RandomState(37)
    # Pillow's own writer: PNG entries for every size, and a TOC.
    c.save("gen-icns-pillow.icns", pattern(64, 48, seed=37), "ICNS")

    def poster(w, h, seed):  # flat areas (runs) with noise (literals)
        a = np.asarray(pattern(w, h, seed=seed)).copy()
        a[: h // 2, : w // 3] = (200, 30, 60)
        return Image.fromarray(a)

    def mask(w, h):
        return bytes(rs.randint(0, 256, w * h, dtype=np.uint8))

    def png(im, **kw):
        return encoded(im, "PNG", **kw)

    for code, mk, n in ((b"is32", b"s8mk", 16), (b"il32", b"l8mk", 32), (b"ih32", b"h8mk", 48)):
        im = poster(n, n, n)
        c.write(f"gen-icns-{code.decode()}-rle.icns", icns_raw([(code, icns_rgb(im)), (mk, mask(n, n))]))
        c.write(f"gen-icns-{code.decode()}-raw.icns", icns_raw([(code, icns_rgb(im, rle=False)), (mk, mask(n, n))]))
    big = poster(128, 128, 41)
    c.write("gen-icns-it32.icns", icns_raw([(b"it32", b"\0\0\0\0" + icns_rgb(big)), (b"t8mk", mask(128, 128))]))
    c.write("gen-icns-it32-no-mask.icns", icns_raw([(b"it32", b"\0\0\0\0" + icns_rgb(big))]))
    small = icns_rgb(poster(16, 16, 43))
    # The largest size present is read, whatever the order of the blocks.
    c.write("gen-icns-sizes.icns", icns_raw([(b"ic08", png(pattern(256, 256, seed=44))), (b"is32", small), (b"s8mk", mask(16, 16)),
                                             (b"il32", icns_rgb(poster(32, 32, 45)))]))
    c.write("gen-icns-48-beats-32x2.icns", icns_raw([(b"ic12", png(pattern(64, 64, seed=46))), (b"ih32", icns_rgb(poster(48, 48, 47)))]))
    # PNG entries at their own size and mode.
    c.write("gen-icns-png-size-of-other-entry.icns", icns_raw([(b"ic07", png(pattern(16, 16, seed=48))), (b"is32", small)]))
    c.write("gen-icns-png-palette.icns", icns_raw([(b"ic07", png(pattern(128, 128, seed=49).convert("P", palette=Image.ADAPTIVE, colors=30)))]))
    c.write("gen-icns-png-grey.icns", icns_raw([(b"icp5", png(pattern(32, 32, seed=50).convert("L")))]))
    c.write("gen-icns-png-rgba.icns", icns_raw([(b"ic11", png(pattern(32, 32, seed=51).convert("RGBA")))]))
    c.write("gen-icns-png-and-it32.icns", icns_raw([(b"ic07", png(pattern(128, 128, seed=52))), (b"it32", b"\0\0\0\0" + icns_rgb(big))]))
    c.write("gen-icns-later-block-wins.icns", icns_raw([(b"is32", icns_rgb(poster(16, 16, 53))), (b"is32", small)]))
    c.write("gen-icns-length-stops-walk.icns", icns_raw([(b"is32", small), (b"il32", b"\xff")], total=8 + 8 + len(small)))
    # A PNG entry is read from its start on, past its stated length.
    full = png(pattern(16, 16, seed=54))
    c.write("gen-icns-png-past-length.icns", icns_raw([(b"icp4", full[:40])]) + full[40:])
    c.write("gen-icns-rle-past-length.icns", icns_raw([(b"is32", small[:10])]) + small[10:])
    # Refused, as Pillow refuses them.
    c.write("bad-icns-no-icons.icns", icns_raw([(b"TOC ", b"")]))
    c.write("bad-icns-zero-block.icns", icns_raw([(b"is32", small)], total=8 + 8 + len(small) + 8) + b"il32\0\0\0\0")
    c.write("bad-icns-cut-block-header.icns", icns_raw([(b"is32", small)], total=8 + 8 + len(small) + 8) + b"il3")
    c.write("bad-icns-cut-header.icns", b"icns\0\0")
    c.write("bad-icns-rle-truncated.icns", icns_raw([(b"is32", small[:-5])]))
    c.write("bad-icns-rle-overflow.icns", icns_raw([(b"is32", b"\xff\x10\xff\x20" + small)]))  # 260 bytes for a 256-byte plane
    c.write("bad-icns-raw-truncated.icns", icns_raw([(b"is32", icns_rgb(poster(16, 16, 55), rle=False))])[:-3] + b"")
    c.write("bad-icns-mask-only.icns", icns_raw([(b"s8mk", mask(16, 16))]))
    c.write("bad-icns-mask-truncated.icns", icns_raw([(b"is32", small), (b"s8mk", mask(16, 16)[:100])]))
    c.write("bad-icns-it32-no-zeros.icns", icns_raw([(b"it32", icns_rgb(big))]))
    c.write("bad-icns-png-other-size.icns", icns_raw([(b"ic07", png(pattern(90, 70, seed=59)))]))
    c.write("bad-icns-not-png.icns", icns_raw([(b"ic08", b"GIF89a" + bytes(20))]))
    c.write("bad-icns-broken-png.icns", icns_raw([(b"icp4", png(pattern(16, 16, seed=56))[:200])]))
    c.write("bad-icns-it32-breaks-png.icns", icns_raw([(b"ic07", png(pattern(128, 128, seed=57))), (b"it32", b"\0\0\0\0" + icns_rgb(big)[:-9])]))
    if features.check_codec("jpg_2000"):  # Pillow reads it through OpenJPEG; refused as unsupported here
        c.write("gen-icns-jpeg2000.icns", icns_raw([(b"icp4", encoded(pattern(16, 16, seed=58), "JPEG2000"))]))


def others(c):
    im = pattern(9, 7, seed=17)
    c.save("gen-other-ppm.ppm", im, "PPM")
    c.save("gen-other-ico.ico", pattern(16, 16, seed=18), "ICO")
    c.save("gen-other-tga.tga", im, "TGA")
    c.save("gen-other-pcx.pcx", im, "PCX")
    # Not images, whatever the name says.
    c.write("bad-empty.jpg", b"")
    c.write("bad-text.jpg", b"this is a text file, not a JPEG\n")
    c.write("bad-html.png", b"<!DOCTYPE html><html><body>404</body></html>\n")
    c.write("bad-random.gif", bytes(np.random.RandomState(19).randint(0, 256, 200, dtype=np.uint8)))
    os.mkdir(c.path("bad-directory.jpg"))


# ---------------------------------------------------------------------------
# EXIF as Pillow 9.4 reads it (Image.getexif, ImageOps.exif_transpose, and
# the JPEG plugin's dpi-from-EXIF step during Image.open), and PNG text
# chunks as it limits them (MAX_TEXT_CHUNK, MAX_TEXT_MEMORY).

def tiff_ifd(entries, bo="<", hdr=None, off=8, tail=b""):
    """A TIFF header and IFD0 of (tag, type, count, 4-byte value or int)."""
    h = hdr if hdr is not None else ((b"II*\0" if bo == "<" else b"MM\0*") + struct.pack(bo + "I", off))
    body = struct.pack(bo + "H", len(entries))
    for tag, typ, cnt, val in entries:
        if isinstance(val, int):
            val = struct.pack(bo + "I", val)
        body += struct.pack(bo + "HHI", tag, typ, cnt) + val
    body += struct.pack(bo + "I", 0)
    return h + b"\0" * max(0, off - len(h)) + body + tail


def short(v, bo="<"):
    return struct.pack(bo + "HH", v, 0)


def app1(payload):
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with(segs, after_soi=b"", **kw):
    """A small JPEG with segments right after SOI (and after_soi before them)."""
    d = encoded(pattern(16, 8), "JPEG", quality=95, **kw)
    if kw.get("dpi"):  # after the JFIF APP0, which carries the dpi
        n = struct.unpack(">H", d[4:6])[0]
        return d[:4 + n] + b"".join(segs) + d[4 + n:]
    return d[:2] + after_soi + b"".join(segs) + d[2:]


def png_with(pre=(), post=(), img=None):
    """A small PNG with extra chunks before and after its image data."""
    d = encoded(img or pattern(4, 2), "PNG")
    pos, chunks = 8, []
    while pos < len(d):
        n = struct.unpack(">I", d[pos:pos + 4])[0]
        chunks.append(d[pos:pos + 12 + n])
        pos += 12 + n
    idats = [x for x in chunks[1:] if x[4:8] == b"IDAT"]
    return d[:8] + chunks[0] + b"".join(pre) + b"".join(idats) + b"".join(post) + chunk(b"IEND", b"")


def riff(chunks):
    body = b"WEBP" + b"".join(t + struct.pack("<I", len(x)) + x + b"\0" * (len(x) & 1) for t, x in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def riff_chunks(d):
    pos, out = 12, []
    while pos < len(d):
        t, n = d[pos:pos + 4], struct.unpack("<I", d[pos + 4:pos + 8])[0]
        out.append((t, d[pos + 8:pos + 8 + n]))
        pos += 8 + n + (n & 1)
    return out


def exif_rules(c):
    o6 = tiff_ifd([(0x0112, 3, 1, short(6))])
    ifds = {  # IFD0 variants, each in a JPEG's APP1
        "dup-3-then-6": tiff_ifd([(0x0112, 3, 1, short(3)), (0x0112, 3, 1, short(6))]),
        "dup-6-then-count0": tiff_ifd([(0x0112, 3, 1, short(6)), (0x0112, 3, 0, short(3))]),
        "unknown-type-then-6": tiff_ifd([(0x0112, 99, 1, short(3)), (0x0112, 3, 1, short(6))]),
        "long6": tiff_ifd([(0x0112, 4, 1, 6)]),
        "byte6": tiff_ifd([(0x0112, 1, 1, b"\x06\0\0\0")]),
        "sbyte6": tiff_ifd([(0x0112, 6, 1, b"\x06\0\0\0")]),
        "ascii6": tiff_ifd([(0x0112, 2, 2, b"6\0\0\0")]),
        "sshort6": tiff_ifd([(0x0112, 8, 1, short(6))]),
        "slong6": tiff_ifd([(0x0112, 9, 1, 6)]),
        "float6": tiff_ifd([(0x0112, 11, 1, struct.pack("<f", 6.0))]),
        "float6.5": tiff_ifd([(0x0112, 11, 1, struct.pack("<f", 6.5))]),
        "ifd-type6": tiff_ifd([(0x0112, 13, 1, 6)]),
        "rational12-2": tiff_ifd([(0x0112, 5, 1, 26)], tail=struct.pack("<II", 12, 2)),
        "rational6-0": tiff_ifd([(0x0112, 5, 1, 26)], tail=struct.pack("<II", 6, 0)),
        "double6": tiff_ifd([(0x0112, 12, 1, 26)], tail=struct.pack("<d", 6.0)),
        "long8-6": tiff_ifd([(0x0112, 16, 1, 26)], tail=struct.pack("<Q", 6)),
        "short-count2": tiff_ifd([(0x0112, 3, 2, struct.pack("<HH", 6, 3))]),
        "short-count3-out-of-line": tiff_ifd([(0x0112, 3, 3, 26)], tail=struct.pack("<HHH", 6, 3, 3)),
        "long-count2-past-end": tiff_ifd([(0x0112, 4, 2, 1000)]),
        "short9": tiff_ifd([(0x0112, 3, 1, short(9))]),
        "earlier-tag-past-end": tiff_ifd([(0x010F, 2, 20, 5000), (0x0112, 3, 1, short(6))]),
        "truncated-after-tag": (lambda t: t[:8] + struct.pack("<H", 3) + t[10:22])(o6),
        "ifd-at-0": b"II*\0\0\0\0\0" + o6[8:],
        "ifd-at-6-mm": b"MM\0*\0\0\0\x06" + b"".join(struct.pack(">HHI", 0x0112, 3, 1) + struct.pack(">HH", 6, 0) for _ in range(6)) + b"\0" * 4,
        "ifd-past-end": tiff_ifd([(0x0112, 3, 1, short(6))], hdr=b"II*\0\xff\0\0\0"),
        "header-ii-00-2a": b"II\0*" + o6[4:],
        "header-mm-2a-00": b"MM*\0" + tiff_ifd([(0x0112, 3, 1, short(6, ">"))], bo=">")[4:],
        "header-xx": b"XX*\0" + o6[4:],
        "header-bigtiff": b"II+\0" + o6[4:] + b"\0" * 16,
        "header-short": b"II*\0\x08\0",
        # ResolutionUnit with an XResolution Pillow's dpi step cannot use
        "xres-byte1": tiff_ifd([(0x011A, 1, 1, b"\x48\0\0\0"), (0x0128, 3, 1, short(2))]),
        "xres-ascii-digit": tiff_ifd([(0x011A, 2, 2, b"5\0\0\0"), (0x0128, 3, 1, short(2))]),
        "xres-ascii-letter": tiff_ifd([(0x011A, 2, 2, b"a\0\0\0"), (0x0128, 3, 1, short(2))]),
        "xres-ascii-empty": tiff_ifd([(0x011A, 2, 1, b"\0\0\0\0"), (0x0128, 3, 1, short(2))]),
        "xres-zero-denominator": tiff_ifd([(0x0112, 3, 1, short(6)), (0x011A, 5, 1, 38), (0x0128, 3, 1, short(2))], tail=struct.pack("<II", 1, 0)),
    }
    for name, t in ifds.items():
        c.write(f"gen-exifrule-{name}.jpg", jpeg_with([app1(b"Exif\0\0" + t)]))
    good6 = b"Exif\0\0" + o6
    for name, segs, kw in (
        ("two-app1-3-then-6", [app1(b"Exif\0\0" + tiff_ifd([(0x0112, 3, 1, short(3))])), app1(good6)], {}),
        ("exifx-then-exif", [app1(b"ExifX" + tiff_ifd([(0x0112, 3, 1, short(3))])), app1(good6)], {}),
        ("exif0-then-1", [app1(b"Exif\0\x01" + o6)], {}),
        ("exif0-only", [app1(b"Exif\0" + o6)], {}),
        ("empty-then-exif", [app1(b"Exif\0\0"), app1(good6)], {}),
        ("dpi-then-short-header", [app1(b"Exif\0\0II*\0")], {"dpi": (72, 72)}),
        ("dpi-then-bad-header", [app1(b"Exif\0\0XX*\0\x08\0\0\0" + b"\0" * 6)], {"dpi": (72, 72)}),
        # (no orientation: exif_transpose would re-serialise the EXIF after
        # turning, which fails on such tags; not reproduced, docs/PARITY.md)
        ("dpi-then-xres-byte1", [app1(b"Exif\0\0" + tiff_ifd([(0x011A, 1, 1, b"\x48\0\0\0"), (0x0128, 3, 1, short(2))]))], {"dpi": (72, 72)}),
        ("jfif-short", [b"\xff\xe0\x00\x06JFIF"], {}),
        ("adobe-short", [b"\xff\xee\x00\x08Adobe\0"], {}),
    ):
        c.write(f"gen-exifrule-{name}.jpg", jpeg_with(segs, **kw))
    for name, after in (("rst-before", b"\xff\xd0"), ("junk-before", b"\x00\x00"), ("ff00-before", b"\xff\x00")):
        c.write(f"gen-exifrule-{name}.jpg", jpeg_with([app1(good6)], after_soi=after))

    # PNG: which chunk's EXIF getexif reads, and when it fails
    b6 = tiff_ifd([(0x0112, 3, 1, short(6, ">"))], bo=">")
    b3 = tiff_ifd([(0x0112, 3, 1, short(3, ">"))], bo=">")
    b0 = tiff_ifd([(0x0112, 3, 1, short(0, ">"))], bo=">")
    bbyte = tiff_ifd([(0x0112, 1, 1, b"\x06\0\0\0")], bo=">")
    bnone = tiff_ifd([(0x0100, 3, 1, short(5, ">"))], bo=">")
    xmp6 = b'<x:xmpmeta><rdf:Description tiff:Orientation="6"/></x:xmpmeta>'
    def raw_profile(t):
        return b"\nexif\n%8d\n" % len(t) + t.hex().encode() + b"\n"
    exif = lambda t: chunk(b"eXIf", t)
    text = lambda k, v: chunk(b"tEXt", k + b"\0" + v)
    ztext = lambda k, v: chunk(b"zTXt", k + b"\0\0" + zlib.compress(v))
    itext = lambda k, v: chunk(b"iTXt", k + b"\0\0\0\0\0" + v)
    xmp = lambda v: itext(b"XML:com.adobe.xmp", v)
    for name, pre, post in (
        ("exif6-after-data", [], [exif(b6)]),
        ("exif3-before-exif6-after", [exif(b3)], [exif(b6)]),
        ("exif3-then-exif6", [exif(b3), exif(b6)], []),
        ("text-exif3-before-exif6-after", [text(b"exif", b"Exif\0\0" + b3)], [exif(b6)]),
        ("no-orientation-before-xmp6-after", [exif(bnone)], [text(b"XML:com.adobe.xmp", xmp6)]),
        ("xmp3-before-exif6-after", [text(b"XML:com.adobe.xmp", xmp6.replace(b'"6"', b'"3"'))], [exif(b6)]),
        ("exif0-and-xmp6", [exif(b0), xmp(xmp6)], []),
        ("exif-byte-and-xmp6", [exif(bbyte), xmp(xmp6)], []),
        ("exif-empty-and-xmp6", [exif(b""), xmp(xmp6)], []),
        ("ztxt-exif-empty-and-raw6", [ztext(b"exif", b""), text(b"Raw profile type exif", raw_profile(b6))], []),
        ("itxt-exif-empty-and-raw6", [itext(b"exif", b""), text(b"Raw profile type exif", raw_profile(b6))], []),
        ("exif6-then-ztxt-exif-empty", [exif(b6), ztext(b"exif", b"")], []),
        ("ztxt-exif-text", [ztext(b"exif", b"Exif\0\0" + b6)], []),
        ("raw6-ztxt", [ztext(b"Raw profile type exif", raw_profile(b6))], []),
        ("raw6-space-in-pair", [text(b"Raw profile type exif", raw_profile(b6).replace(b"4d4d", b"4 d4d"))], []),
        ("raw-not-hex-and-xmp6", [text(b"Raw profile type exif", b"\nexif\n 4\nzz\n"), xmp(xmp6)], []),
        ("raw-two-lines-and-xmp6", [text(b"Raw profile type exif", b"\nexif\n"), xmp(xmp6)], []),
        ("raw0-and-xmp6", [text(b"Raw profile type exif", raw_profile(b0)), xmp(xmp6)], []),
        ("xmp6-ztxt", [ztext(b"XML:com.adobe.xmp", xmp6)], []),
        ("xmp6-after-data", [], [text(b"XML:com.adobe.xmp", xmp6)]),
        ("exif-twice-prefixed", [exif(b"Exif\0\0" + b6)], []),
        ("exif-short", [exif(b"MM\0*")], []),
        ("exif6-bad-crc-after-data", [], [chunk(b"eXIf", b6)[:-4] + b"\0\0\0\0"]),
        ("non-chunk-then-exif6", [], [chunk(b"a b!", b"xx"), exif(b6)]),
    ):
        c.write(f"gen-exifrule-png-{name}.png", png_with(pre, post))
    c.write("gen-exifrule-png-exif6-no-crc-at-end.png", png_with()[:-12] + struct.pack(">I", len(b6)) + b"eXIf" + b6)
    apng = encoded(pattern(4, 2), "PNG", save_all=True, append_images=[asymmetric(4, 2)])
    c.write("gen-exifrule-apng-exif6-at-end.png", apng[:-12] + exif(b6) + apng[-12:])

    # WebP: the EXIF chunk counts in an extended file that flags it
    le6 = b"Exif\0\0" + o6
    simple = riff_chunks(encoded(pattern(4, 2), "WEBP", lossless=True))
    vp8x = [x for t, x in riff_chunks(encoded(pattern(4, 2), "WEBP", lossless=True, exif=le6)) if t == b"VP8X"][0]
    flags = lambda f: bytes([f]) + vp8x[1:]
    c.write("gen-exifrule-webp-simple-with-exif.webp", riff(simple + [(b"EXIF", le6)]))
    for f in (0x00, 0x04, 0x08, 0x20):
        c.write(f"gen-exifrule-webp-flags{f:02x}-exif6.webp", riff([(b"VP8X", flags(f))] + simple + [(b"EXIF", le6)]))
    c.write("gen-exifrule-webp-two-exif-3-then-6.webp", riff([(b"VP8X", vp8x)] + simple + [(b"EXIF", b"Exif\0\0" + tiff_ifd([(0x0112, 3, 1, short(3))])), (b"EXIF", le6)]))

    # TIFF: getexif reads IFD0 again, as the decoder's tag reader does
    pix = bytes(range(0, 240, 30))
    def tiff(bo, entries, ifd_at=8):
        P = lambda f, *v: struct.pack(bo + f, *v)
        data_at = ifd_at + 2 + 12 * len(entries) + 4
        body = P("H", len(entries))
        for tag, typ, cnt, val in entries:
            val = P("I", data_at) if val == "STRIP" else (P("HH", val, 0) if typ == 3 else P("I", val))
            body += P("HHI", tag, typ, cnt) + val
        hdr = (b"II*\0" if bo == "<" else b"MM\0*") + P("I", ifd_at)
        return hdr[:ifd_at] + body + P("I", 0) + pix
    base = [(256, 3, 1, 4), (257, 3, 1, 2), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
            (273, 4, 1, "STRIP"), (277, 3, 1, 1), (278, 3, 1, 2), (279, 4, 1, len(pix))]
    c.write("gen-exifrule-tiff-orientation6.tif", tiff("<", base + [(274, 3, 1, 6)]))
    c.write("gen-exifrule-tiff-tag-past-end-then-orientation6.tif", tiff("<", base + [(305, 2, 50, 99999), (274, 3, 1, 6)]))
    c.write("gen-exifrule-tiff-ifd-at-6.tif", tiff(">", [(256, 3, 1, 4), (257, 3, 1, 2), (258, 3, 1, 8), (262, 3, 1, 1), (273, 4, 1, "STRIP"), (274, 3, 1, 6)], ifd_at=6))


def png_text_limits(c):
    z = zlib.compress(b"a" * 1000000, 9)
    ztxt = [chunk(b"zTXt", b"k%d\0\0" % i + z) for i in range(68)]
    big = zlib.compress(b"a" * (2 << 20))
    cut = zlib.compress(b"a" * (2 << 20), 9)[:1035]  # output past 1 MiB, input all used
    for name, pre, post in (
        ("ztxt-68mb-before-data", ztxt, []),
        ("ztxt-68mb-after-data", [], ztxt),
        ("ztxt-34mb-before-34mb-after", ztxt[:34], ztxt[34:]),
        ("ztxt-67mb", ztxt[:67], []),
        ("ztxt-68mb-empty-keys", [chunk(b"zTXt", b"\0\0" + z) for _ in range(68)], []),
        ("itxt-68mb", [chunk(b"iTXt", b"k%d\0\1\0\0\0" % i + z) for i in range(68)], []),
        ("itxt-65m-code-points-130mb", [chunk(b"iTXt", b"k%d\0\1\0\0\0" % i + zlib.compress("\u00e9".encode() * 500000)) for i in range(130)], []),
        ("iccp-68mb", [chunk(b"iCCP", b"k\0\0" + z) for _ in range(68)], []),
        ("ztxt-1mib", [chunk(b"zTXt", b"k\0\0" + zlib.compress(b"a" * (1 << 20)))], []),
        ("ztxt-1mib-plus-1", [chunk(b"zTXt", b"k\0\0" + zlib.compress(b"a" * ((1 << 20) + 1)))], []),
        ("ztxt-too-large-after-data", [], [chunk(b"zTXt", b"k\0\0" + big)]),
        ("ztxt-too-large-empty-key", [chunk(b"zTXt", b"\0\0" + big)], []),
        ("itxt-too-large-method1", [chunk(b"iTXt", b"k\0\1\1\0\0" + big)], []),
        ("ztxt-cut-stream", [chunk(b"zTXt", b"k\0\0" + cut)], []),
        ("itxt-cut-stream", [chunk(b"iTXt", b"k\0\1\0\0\0" + cut)], []),
        ("iccp-cut-stream", [chunk(b"iCCP", b"k\0\0" + cut)], []),
        ("ztxt-cut-stream-after-data", [], [chunk(b"zTXt", b"k\0\0" + cut)]),
        ("ztxt-corrupt", [chunk(b"zTXt", b"k\0\0" + b"\x78\x9c\xff\xff\xff")], []),
    ):
        c.write(f"gen-pngtext-{name}.png", png_with(pre, post))



def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(ROOT, "build", "corpus")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    c = Corpus(out)
    for step in (copies, sizes, jpegs, pngs, apngs, gifs, webps, bmps, icos, curs_dibs, tiffs, tiff_fill2, ppms, tgas_pcxs, dcxs, gbrs, xbms, xpms, icnss, others,
                 exif_rules, png_text_limits):
        step(c)
    print(f"make_corpus: {c.count} files in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
