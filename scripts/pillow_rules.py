"""Later Pillow releases' reading rules, emulated on Debian 12's Pillow 9.4.

`predict --pillow VERSION` (decode.ParsePillow) reads files as a later
Pillow does where that release changed what 9.4 does; docs/PARITY.md lists
each change and the release that made it. The host's Python has only 9.4,
so the Go tests compare those rules with 9.4 patched here to follow them:

    with emulate("11.1"):
        img = Image.open(path).convert("RGB")
    fix_tiff_mapping(img_before_convert, ...)   # see decode()

The patches are written from the rules, not copied from Pillow; the real
releases are compared by scripts/parity-matrix.sh (Debian 13, Pillow 11.1).
"""

import builtins
import contextlib
import sys
import traceback

from PIL import Image

# Image.open tries the plugins in the order they registered: let Pillow
# import them in its own order (preinit's, then the rest) before any is
# imported here.
Image.preinit()
Image.init()
from PIL import IcoImagePlugin, JpegImagePlugin, PngImagePlugin, PpmImagePlugin, TgaImagePlugin, TiffImagePlugin  # noqa: E402


def parse(version):
    """(major, minor, debian13) of a --pillow value."""
    v = version.lower()
    if v == "debian12":
        return 9, 4, False
    if v == "debian13":
        return 11, 1, True
    major, _, minor = v.partition(".")
    return int(major), int(minor or 0), False


def rules(version):
    """The rule names decode/pillow.go's rules() turns on for version."""
    major, minor, debian13 = parse(version)

    def at_least(a, b):
        return (major, minor) >= (a, b)

    return {
        "black_palette": at_least(10, 1),
        "jpeg_truncated_exif": at_least(10, 1),
        "ico_first_lowest": at_least(11, 0),
        "tile_extents": at_least(12, 2) or debian13,
        "tga_needs_map": at_least(10, 3),
        "ppm_negative": at_least(10, 3),
        "ppm_half_token_once": at_least(9, 5),
        "tiff_rgbx_as_rgb": at_least(10, 4),
        "tiff_cmyk16b": at_least(11, 0),
        "tiff_maps_turned": at_least(11, 1),
    }


@contextlib.contextmanager
def patched(obj, name, value):
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


def _entry_size(rawmode):
    """Bytes per palette entry of a palette raw mode."""
    if rawmode.startswith("BGR;1"):
        return 2
    return len(rawmode.split(";")[0])


def _black_palette_load(orig):
    # Entries past a short palette are black: pad the palette with zero
    # entries (black in every raw mode) before 9.4 puts it on the image.
    def load(self):
        pal = self.palette
        if self.im is not None and pal and pal.dirty:
            mode = pal.rawmode or pal.mode
            size = _entry_size(mode)
            data = bytes(pal.palette) if pal.rawmode else pal.tobytes()
            # (TIFF's "RGB;L" colour maps are planar, and always full.)
            if len(data) < 256 * size and not mode.endswith(";L"):
                pal.palette = data + bytes(256 * size - len(data))
                if not pal.rawmode:
                    pal.rawmode = mode
        return orig(self)
    return load


class _NoReverse(list):
    def reverse(self):
        pass


def _ico_sorted(seq, key=None, reverse=False):
    # IcoFile sorts by color_depth, then by square and reverses; the later
    # rule sorts by square with reverse=True and keeps that order.
    if key is not None and "square" in key.__code__.co_consts:
        return _NoReverse(builtins.sorted(seq, key=key, reverse=True))
    return builtins.sorted(seq, key=key, reverse=reverse)


def _png_open_extents(orig):
    def _open(self):
        orig(self)
        x0, y0, x1, y1 = self.info.get("bbox", (0, 0, 1, 1))
        if x1 <= x0 or y1 <= y0:
            raise ValueError("tile cannot extend outside image")
    return _open


def _tga_open_needs_map(orig):
    def _open(self):
        pos = self.fp.tell()
        s = self.fp.read(18)
        self.fp.seek(pos)
        orig(self)
        if s[1] and s[7] not in (16, 24, 32):
            raise SyntaxError("unknown TGA map depth")
        if s[2] in (1, 9) and not s[1]:
            self.mode = "L"  # the P raw mode then fails to load
    return _open


def _ppm_decode_blocks(half_token_once, negative):
    # PpmPlainDecoder._decode_blocks with the two later rules: the token
    # cut at a block's end is prepended once; negative values are refused.
    def decode_blocks(self, maxval):
        data = bytearray()
        max_len = 10
        out_byte_count = 4 if self.mode == "I" else 1
        out_max = 65535 if self.mode == "I" else 255
        bands = Image.getmodebands(self.mode)
        total = self.state.xsize * self.state.ysize * bands * out_byte_count
        half = b""
        while len(data) != total:
            block = self._read_block()
            if not block:
                if not half:
                    break
                block = b" "
            block = self._ignore_comments(block)
            if half:
                block = half + block
                if half_token_once:
                    half = b""
            tokens = block.split()
            if block and not block[-1:].isspace():
                half = tokens.pop()
                if len(half) > max_len:
                    raise ValueError("Token too long found in data")
            for token in tokens:
                if len(token) > max_len:
                    raise ValueError("Token too long found in data")
                value = int(token)
                if negative and value < 0:
                    raise ValueError(f"Channel value is negative: {value}")
                if value > maxval:
                    raise ValueError(f"Channel value too large for this mode: {value}")
                value = round(value / maxval * out_max)
                data += PpmImagePlugin.o32(value) if self.mode == "I" else PpmImagePlugin.o8(value)
                if len(data) == total:
                    break
        return data
    return decode_blocks


def _tiff_setup_rgbx(orig):
    def _setup(self):
        orig(self)
        t = self.tag_v2
        if (t.get(284, 1) == 2 and t.get(262) == 2 and t.get(277) == 4 and t.get(338, (0,)) == (0,)
                and (t.get(259, 1) == 1 or 273 in t)):
            raise ValueError("unknown raw mode for given image mode")
    return _setup


def _jpeg_app_truncated_exif(orig):
    # The resolution read from EXIF is the last step of APP; a struct.error
    # raised inside getexif there is caught as invalid EXIF.
    def app(self, marker):
        try:
            orig(self, marker)
        except Exception as e:
            import struct
            frames = [f.name for f in traceback.extract_tb(e.__traceback__)]
            if not isinstance(e, struct.error) or "getexif" not in frames:
                raise
            self.info["dpi"] = 72, 72
    return app


@contextlib.contextmanager
def emulate(version):
    """Pillow 9.4 patched to read files as release `version` does."""
    r = rules(version)
    with contextlib.ExitStack() as st:
        if r["black_palette"]:
            st.enter_context(patched(Image.Image, "load", _black_palette_load(Image.Image.load)))
        if r["ico_first_lowest"]:
            IcoImagePlugin.sorted = _ico_sorted
            st.callback(lambda: delattr(IcoImagePlugin, "sorted"))
        if r["tile_extents"]:
            st.enter_context(patched(PngImagePlugin.PngImageFile, "_open",
                                     _png_open_extents(PngImagePlugin.PngImageFile._open)))
        if r["tga_needs_map"]:
            st.enter_context(patched(TgaImagePlugin.TgaImageFile, "_open",
                                     _tga_open_needs_map(TgaImagePlugin.TgaImageFile._open)))
        st.enter_context(patched(PpmImagePlugin.PpmPlainDecoder, "_decode_blocks",
                                 _ppm_decode_blocks(r["ppm_half_token_once"], r["ppm_negative"])))
        if r["tiff_rgbx_as_rgb"]:
            st.enter_context(patched(TiffImagePlugin.TiffImageFile, "_setup",
                                     _tiff_setup_rgbx(TiffImagePlugin.TiffImageFile._setup)))
        if r["tiff_cmyk16b"]:
            key = (TiffImagePlugin.MM, 5, (1,), 1, (16, 16, 16, 16), ())
            TiffImagePlugin.OPEN_INFO[key] = ("CMYK", "CMYK;16B")
            st.callback(lambda: TiffImagePlugin.OPEN_INFO.pop(key, None))
        if r["jpeg_truncated_exif"]:
            st.enter_context(patched(JpegImagePlugin, "APP", _jpeg_app_truncated_exif(JpegImagePlugin.APP)))
            markers = dict(JpegImagePlugin.MARKER)
            for m in range(0xFFE0, 0xFFF0):
                name, desc, _ = markers[m]
                JpegImagePlugin.MARKER[m] = (name, desc, JpegImagePlugin.APP)
            st.callback(lambda: JpegImagePlugin.MARKER.update(markers))
        yield r


_TURN = {5: Image.TRANSPOSE, 6: Image.ROTATE_270, 7: Image.TRANSVERSE, 8: Image.ROTATE_90}
_UNTURN = {5: Image.TRANSPOSE, 6: Image.ROTATE_90, 7: Image.TRANSVERSE, 8: Image.ROTATE_270}


def open_rgb(path, version):
    """Image.open(path).convert("RGB") as release `version` gives it, and
    the format and mode Image.open reported."""
    with emulate(version) as r:
        with Image.open(path) as im:
            fmt, mode = im.format, im.mode
            tile = list(im.tile or [])
            orientation = im.tag_v2.get(0x0112) if fmt == "TIFF" else None
            if r["black_palette"] and fmt in ("PNG", "PPM") and im.mode in ("P", "PA") and im.palette is None:
                im.load()
                im.putpalette(bytes(768))
            out = im.convert("RGB")
    if (r["tiff_maps_turned"] and orientation in _TURN and len(tile) == 1 and tile[0][0] == "raw"
            and tile[0][3][0] == mode and mode in Image._MAPMODES):
        # The single raw strip is mapped into the turned size Image.open
        # reported: the stored pixels, in order, h wide, then turned.
        stored = out.transpose(_UNTURN[orientation])
        out = Image.frombytes("RGB", (stored.height, stored.width), stored.tobytes()).transpose(_TURN[orientation])
    return out, fmt, mode


if __name__ == "__main__":
    for p in sys.argv[2:]:
        try:
            img, fmt, mode = open_rgb(p, sys.argv[1])
            print(p, fmt, mode, img.size)
        except Exception as e:  # noqa: BLE001 - a report, not a handler
            print(p, type(e).__name__, e)
