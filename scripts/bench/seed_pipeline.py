#!/usr/bin/python3
"""The user's Python pipeline, as written, for benchmarking.

Usage: seed_pipeline.py MODEL DIR [--threads N]

Image.open(p).convert("RGB") -> Resize((224,224)) -> ToTensor ->
Normalize(ImageNet) -> batches of 32 -> model(batch) -> softmax/argmax ->
one "path label prob" line per image; a bad image prints an error line and
the list goes on. Without --threads PyTorch keeps its default (1 thread on
Debian here): "as written".
"""
import argparse
import os
import sys

import torch
from PIL import Image
from torchvision import transforms
from torchvision.models._meta import _IMAGENET_CATEGORIES as LABELS


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("dir")
    p.add_argument("--threads", type=int)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    tf = transforms.Compose([
        transforms.Resize((224, 224)),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    model = torch.jit.load(args.model).eval()
    paths = sorted(os.path.join(args.dir, f) for f in os.listdir(args.dir))

    def flush(batch):
        with torch.no_grad():
            probs = torch.softmax(model(torch.stack([t for _, t in batch])), dim=1)
        conf, idx = probs.max(dim=1)
        for (path, _), c, i in zip(batch, conf.tolist(), idx.tolist()):
            print(f"{path}\t{LABELS[i]}\t{c:.4f}", flush=True)

    batch = []
    for path in paths:
        try:
            batch.append((path, tf(Image.open(path).convert("RGB"))))
        except Exception as e:  # one bad image must not stop the list
            print(f"{path}\tERROR\t{e}", flush=True)
        if len(batch) == 32:
            flush(batch)
            batch = []
    if batch:
        flush(batch)


if __name__ == "__main__":
    main()
