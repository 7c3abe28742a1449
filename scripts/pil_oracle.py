#!/usr/bin/python3
"""JSON-over-stdio PIL/torchvision oracle for the Go unit tests.

Usage:
    pil_oracle.py < request.json > response.json

Reads ONE JSON request from stdin and writes ONE JSON response to stdout.
Requests ("op"):

    {"op": "resize", "w": W, "h": H, "out_w": OW, "out_h": OH, "pixels_b64": B64}
        B64 = H x W x 3 uint8 RGB.  Returns {"pixels_b64": ...} (OH x OW x 3) of
        Image.frombytes("RGB", (W, H), data).resize((OW, OH), FILTER), FILTER the
        request's "filter" (nearest, bilinear, bicubic, box, hamming, lanczos;
        default bilinear).
    {"op": "lut", "mean": [m0, m1, m2], "std": [s0, s1, s2]}
        Returns {"lut_bits": [768 uint32]}: entry c*256+v is the float32 bit
        pattern of Normalize(mean, std)(ToTensor()(img)) for value v in channel c,
        computed through torchvision on a 1 x 256 RGB image.
    {"op": "decode", "path": P [, "digest": true] [, "exif_transpose": true] [, "pillow": V]}
        Returns {"w": W, "h": H, "pixels_b64": ..., "format": F, "mode": M} of
        Image.open(P).convert("RGB") (F, M: Pillow's format and mode before the
        conversion). With "exif_transpose", ImageOps.exif_transpose is applied
        before convert. With "digest", "sha256" (hex, of the RGB bytes) replaces
        "pixels_b64", for large images. With "pillow" (a --pillow value such as
        "10.4" or "debian13"), Pillow 9.4 is patched to read the file as that
        release does (scripts/pillow_rules.py; not with "exif_transpose").
    {"op": "preprocess", "path": P, "preset": "resize224" | "resize256-crop224"}
        Returns {"bits_b64": ...}: the normalised float32 C x H x W tensor, little
        endian (same pipeline as reference.py), plus "shape": [C, H, W].
    {"op": "batch", "requests": [REQ, ...]}
        Returns {"results": [RESP, ...]}, one per request, in order.

A request that fails returns {"error": "<ExceptionType>: <message>"} in its
place (inside "results" for a batch).  Exit status: 0 when a response was
written (even an error response), 2 when stdin is not valid JSON.
Run with Debian's /usr/bin/python3 (Pillow 9.4, torchvision 0.14.1).
"""

import argparse
import base64
import hashlib
import json
import sys

import numpy as np
from PIL import Image, ImageOps
from torchvision import transforms

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def b64(data):
    return base64.b64encode(data).decode("ascii")


def op_resize(req):
    w, h, ow, oh = (int(req[k]) for k in ("w", "h", "out_w", "out_h"))
    data = base64.b64decode(req["pixels_b64"])
    if len(data) != w * h * 3:
        raise ValueError(f"pixels: got {len(data)} bytes, want {w}*{h}*3 = {w * h * 3}")
    resample = getattr(Image, req.get("filter", "bilinear").upper())
    img = Image.frombytes("RGB", (w, h), data).resize((ow, oh), resample)
    return {"pixels_b64": b64(img.tobytes())}


def op_lut(req):
    mean = [float(v) for v in req.get("mean", MEAN)]
    std = [float(v) for v in req.get("std", STD)]
    ramp = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)  # 1x256x3
    img = Image.fromarray(ramp, "RGB")
    x = transforms.Normalize(mean, std)(transforms.ToTensor()(img))  # 3x1x256 float32
    bits = x.numpy().astype(np.float32).view(np.uint32).reshape(3, 256)
    return {"lut_bits": [int(b) for b in bits.reshape(-1)]}


def op_decode(req):
    if req.get("pillow"):
        import pillow_rules  # later releases' rules on this Pillow 9.4
        img, fmt, mode = pillow_rules.open_rgb(req["path"], req["pillow"])
    else:
        with Image.open(req["path"]) as im:
            fmt, mode = im.format, im.mode
            if req.get("exif_transpose"):
                im = ImageOps.exif_transpose(im)
            img = im.convert("RGB")
    out = {"w": img.width, "h": img.height, "format": fmt, "mode": mode}
    if req.get("digest"):
        out["sha256"] = hashlib.sha256(img.tobytes()).hexdigest()
    else:
        out["pixels_b64"] = b64(img.tobytes())
    return out


def preset_transform(preset):
    if preset == "resize224":
        geo = [transforms.Resize((224, 224))]
    elif preset in ("resize256-crop224", "imagenet"):
        geo = [transforms.Resize(256), transforms.CenterCrop(224)]
    else:
        raise ValueError(f"unknown preset {preset!r}")
    return transforms.Compose(geo + [transforms.ToTensor(), transforms.Normalize(MEAN, STD)])


def op_preprocess(req):
    transform = preset_transform(req.get("preset", "resize224"))
    with Image.open(req["path"]) as im:
        img = im.convert("RGB")
    x = transform(img)
    return {"bits_b64": b64(x.numpy().astype("<f4").tobytes()), "shape": list(x.shape)}


OPS = {
    "resize": op_resize,
    "lut": op_lut,
    "decode": op_decode,
    "preprocess": op_preprocess,
}


def handle(req):
    try:
        if not isinstance(req, dict):
            raise ValueError("request is not a JSON object")
        op = req.get("op")
        if op == "batch":
            return {"results": [handle(r) for r in req.get("requests", [])]}
        if op not in OPS:
            raise ValueError(f"unknown op {op!r}")
        return OPS[op](req)
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}


def main(argv=None):
    argparse.ArgumentParser(
        description="Read one JSON request on stdin, write one JSON response.").parse_args(argv)
    try:
        req = json.load(sys.stdin)
    except ValueError as e:
        print(f"pil_oracle: bad JSON on stdin: {e}", file=sys.stderr)
        return 2
    json.dump(handle(req), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
