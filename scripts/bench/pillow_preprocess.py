#!/usr/bin/python3
"""Per-image preprocessing time of Pillow + torchvision on one core:
decode + convert("RGB") + the preset's resize/crop + ToTensor + Normalize,
over the files of DIR (each once, after one warm-up pass), as JSON.

Usage: pillow_preprocess.py DIR [--preset resize224|resize256-crop224]
"""
import argparse
import json
import os
import time

import torch
from PIL import Image
from torchvision import transforms as T


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--preset", default="resize224")
    args = p.parse_args()
    torch.set_num_threads(1)
    geo = [T.Resize((224, 224))] if args.preset == "resize224" else [T.Resize(256), T.CenterCrop(224)]
    tf = T.Compose(geo + [T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    paths = sorted(os.path.join(args.dir, f) for f in os.listdir(args.dir))
    datas = [open(p, "rb").read() for p in paths]
    import io
    for d in datas[:10]:
        tf(Image.open(io.BytesIO(d)).convert("RGB"))
    start = time.perf_counter()
    for d in datas:
        tf(Image.open(io.BytesIO(d)).convert("RGB"))
    per = (time.perf_counter() - start) / len(datas)
    print(json.dumps({"preset": args.preset, "images": len(datas), "ms_per_image": round(per * 1e3, 3)}))


if __name__ == "__main__":
    main()
