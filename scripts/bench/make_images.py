#!/usr/bin/python3
"""Deterministic ImageNet-like JPEGs for the benchmarks.

Usage: make_images.py OUTDIR [--count 200] [--seed 0]

Crops of the photos in testdata/images, resized to typical ImageNet sizes
(500x375, 500x333, 375x500, 640x480, ...) and saved as 4:2:0 JPEGs at
quality 90 — what a folder of camera or web images looks like. The same
arguments always give the same files.
"""
import argparse
import os
import random
import sys

from PIL import Image

SIZES = [(500, 375), (500, 333), (375, 500), (640, 480), (500, 400), (333, 500), (800, 600), (500, 500)]
SOURCES = ["rocket.jpg", "retina-640x480.jpg", "chelsea.png", "horse.png", "video-001.png"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("outdir")
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    images = os.path.join(here, "..", "..", "testdata", "images")
    srcs = [Image.open(os.path.join(images, s)).convert("RGB") for s in SOURCES]
    rng = random.Random(args.seed)
    os.makedirs(args.outdir, exist_ok=True)
    for i in range(args.count):
        src = srcs[i % len(srcs)]
        w, h = src.size
        cw, ch = rng.randint(w // 2, w), rng.randint(h // 2, h)
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        im = src.crop((x, y, x + cw, y + ch)).resize(SIZES[i % len(SIZES)], Image.BICUBIC)
        if rng.random() < 0.5:
            im = im.transpose(Image.FLIP_LEFT_RIGHT)
        im.save(os.path.join(args.outdir, f"img{i:05d}.jpg"), quality=90)
    print(f"make_images: {args.count} JPEGs in {args.outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
