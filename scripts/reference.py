#!/usr/bin/python3
"""Python reference ("oracle") for the Go predictor: PIL + torchvision + TorchScript.

The Go tests compare the `predict` CLI against this script bit for bit, so it
is deliberately the plain user pipeline (see docs/parity-spec.md):

    img = Image.open(path).convert("RGB")
    x = Compose([Resize((224, 224)), ToTensor(), Normalize(MEAN, STD)])(img)  # resize224
    x = Compose([Resize(256), CenterCrop(224), ToTensor(), Normalize(MEAN, STD)])(img)  # resize256-crop224
    logits = torch.jit.load(model, map_location=device).eval()(torch.stack(batch).to(device))
    probs = torch.softmax(logits, dim=1)

Usage:
    reference.py --model M.pt [--preset resize224|resize256-crop224] [--batch-size 32]
                 [--resize N|HxW] [--crop N|HxW] [--interpolation MODE] [--max-size N]
                 [--mean A,B,C] [--std A,B,C]
                 [--topk 5] [--labels FILE] [--threads N] [--device cpu|cuda]
                 [--logits] [--dump-tensors DIR] [--exif-transpose] PATH...

The transform: --preset's, else the one the model file carries (the
predict.json of scripts/export_torchvision.py: the weights' transforms()),
else resize224; then each of --resize (Resize(N) or Resize((H, W))), --crop
(CenterCrop), --interpolation (InterpolationMode), --max-size, --mean and
--std, as `predict` takes them. The model file's class names are the labels
unless --labels is given. One line on stderr says the torch version, its
intra-op thread count and the transform used: this is the tool to write
golden results from your Python for `predict compare` and paritytest.

PATH arguments:
    FILE   any regular file, whatever its extension.
    DIR    expands to its regular files (symlinks followed) whose extension is
           in IMAGE_EXTENSIONS (case-insensitive), sorted by name, not
           recursive; the reported path is DIR joined with the name. Same
           rule as cmd/predict.
    -      read paths from stdin, one per line (empty lines ignored); these are
           taken literally (a directory read from stdin is an error record).

Output: one JSON object per input on stdout, in input order:
    {"path": P, "top": [{"index": I, "label": L, "prob": F}, ...]}        (+ "logits": [...] with --logits)
    {"path": P, "error": "<ExceptionType>: <message>"}                    (image failed to load)

Images that fail are skipped when batching: batches are the successfully
loaded images in input order, chunked by --batch-size.  Top-k orders classes
by (-prob, index); k is clipped to the number of classes.  Labels come from
--labels (one per line, trailing whitespace stripped), else torchvision's
ImageNet categories when there are 1000 classes, else str(index).

--exif-transpose applies ImageOps.exif_transpose(img) before convert("RGB")
(the counterpart of `predict --exif-transpose`); by default no EXIF
orientation is applied, as in the plain pipeline.

Every float is a float32 written as its shortest decimal that parses back
(as float32) to exactly the same bits (numpy's shortest repr).

--dump-tensors DIR writes, for input number I (0-based, in the expanded
input order) that loaded successfully:
    DIR/I.rgb          uint8 RGB after convert("RGB"), H x W x 3
    DIR/I.resized.rgb  uint8 RGB after Resize
    DIR/I.cropped.rgb  uint8 RGB after CenterCrop (resize256-crop224 preset only)
    DIR/I.f32          normalised float32 C x H x W, little endian
    DIR/I.json         {"path", "w", "h", "resized_w", "resized_h"[, "cropped_w", "cropped_h"]}

Exit status: 0 all images ok, 1 some image failed, 2 bad arguments or model.
Run with Debian's /usr/bin/python3 (torch 1.13.1, torchvision 0.14.1, Pillow 9.4).
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision import transforms

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
PRESETS = {  # imagenet: resize256-crop224
    "resize224": {"resize": [224, 224], "crop": None},
    "resize256-crop224": {"resize": [256], "crop": [224, 224]},
    "imagenet": {"resize": [256], "crop": [224, 224]},
}
INTERPOLATIONS = ("nearest", "nearest-exact", "bilinear", "bicubic", "box", "hamming", "lanczos")


def size_arg(text):
    """N or HxW (torchvision's (h, w) order), as a list."""
    parts = text.lower().split("x")
    if len(parts) > 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"{text!r}: want N or HxW")
    return [int(p) for p in parts]


def floats3(text):
    vals = [float(v) for v in text.split(",")]
    if len(vals) != 3:
        raise argparse.ArgumentTypeError(f"{text!r}: want three comma-separated numbers")
    return vals


def model_spec(path):
    """The predict.json a model file carries (scripts/export_torchvision.py), or None."""
    extra = {"predict.json": ""}
    torch.jit.load(path, map_location="cpu", _extra_files=extra)
    return json.loads(extra["predict.json"]) if extra["predict.json"] else None


def transform_spec(args, model_transform):
    """The transform: the preset's or the model's, then the flags."""
    spec = {"resize": [224, 224], "crop": None, "interpolation": "bilinear", "max_size": None,
            "mean": MEAN, "std": STD}
    if model_transform and not args.preset:
        spec.update({k: v for k, v in model_transform.items() if k in spec})
    if args.preset:
        spec.update(PRESETS[args.preset])
    for key in ("resize", "crop", "interpolation", "max_size", "mean", "std"):
        if getattr(args, key) is not None:
            spec[key] = getattr(args, key)
    if spec["crop"] is not None and len(spec["crop"]) == 1:
        spec["crop"] = spec["crop"] * 2
    return spec


def geometric_steps(spec):
    """The PIL-image steps of the transform, in order, as (name, transform)."""
    mode = transforms.InterpolationMode(spec["interpolation"])
    size = spec["resize"][0] if len(spec["resize"]) == 1 else spec["resize"]
    steps = [("resized", transforms.Resize(size, interpolation=mode, max_size=spec["max_size"]))]
    if spec["crop"] is not None:
        steps.append(("cropped", transforms.CenterCrop(spec["crop"])))
    return steps


def build_transform(spec):
    return transforms.Compose(
        [t for _, t in geometric_steps(spec)]
        + [transforms.ToTensor(), transforms.Normalize(spec["mean"], spec["std"])])


def f32(v):
    """Shortest decimal text of a float32 that round-trips to the same bits."""
    v = np.float32(v)
    if not np.isfinite(v):
        raise ValueError(f"non-finite float32 {v!r} cannot be written as JSON")
    return str(v)


# Extensions Pillow registers for the formats it reads; a directory argument
# expands to these files only (decode/formats.go holds the same list).
IMAGE_EXTENSIONS = {
    ".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".png", ".apng", ".gif", ".webp", ".bmp", ".dib",
    ".ico", ".cur", ".gbr", ".pcx", ".dcx", ".tga", ".icb", ".vda", ".vst",
    ".tif", ".tiff", ".ppm", ".pgm", ".pbm", ".pnm", ".xbm", ".icns", ".xpm",
}


def expand_paths(args_paths, stdin):
    out = []
    for p in args_paths:
        if p == "-":
            for line in stdin:
                line = line.rstrip("\r\n")
                if line:
                    out.append(line)
        elif os.path.isdir(p):
            names = sorted(
                e.name for e in os.scandir(p)
                if e.is_file() and os.path.splitext(e.name)[1].lower() in IMAGE_EXTENSIONS
            )
            out.extend(os.path.join(p, n) for n in names)
        else:
            out.append(p)
    return out


def load_labels(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip() for line in f.read().splitlines()]


def default_labels(num_classes):
    if num_classes == 1000:
        from torchvision.models._meta import _IMAGENET_CATEGORIES
        return list(_IMAGENET_CATEGORIES)
    return None


def label_of(labels, i):
    if labels is not None and i < len(labels):
        return labels[i]
    return str(i)


def write_raw(path, data):
    with open(path, "wb") as f:
        f.write(data)


def load_image(path, spec, dump_dir, index, exif_transpose=False):
    """Return the normalised CHW float32 tensor (dumping intermediates if asked)."""
    with Image.open(path) as im:
        if exif_transpose:
            im = ImageOps.exif_transpose(im)
        img = im.convert("RGB")
    if dump_dir is None:
        return build_transform(spec)(img)
    meta = {"path": path, "w": img.width, "h": img.height}
    base = os.path.join(dump_dir, str(index))
    write_raw(base + ".rgb", np.asarray(img, dtype=np.uint8).tobytes())
    for name, step in geometric_steps(spec):
        img = step(img)
        write_raw(f"{base}.{name}.rgb", np.asarray(img, dtype=np.uint8).tobytes())
        meta[f"{name}_w"], meta[f"{name}_h"] = img.width, img.height
    x = transforms.Normalize(spec["mean"], spec["std"])(transforms.ToTensor()(img))
    write_raw(base + ".f32", x.numpy().astype("<f4", copy=False).tobytes())
    with open(base + ".json", "w") as f:
        json.dump(meta, f)
    return x


def format_result(path, logits_row, probs_row, topk, labels, with_logits):
    probs = probs_row.tolist()
    num_classes = len(probs)
    k = min(topk, num_classes)
    # Descending probability, ties broken by ascending class index.
    order = sorted(range(num_classes), key=lambda i: (-probs[i], i))[:k]
    top = ", ".join(
        '{"index": %d, "label": %s, "prob": %s}'
        % (i, json.dumps(label_of(labels, i)), f32(probs_row[i])) for i in order)
    text = '{"path": %s, "top": [%s]' % (json.dumps(path), top)
    if with_logits:
        text += ', "logits": [%s]' % ", ".join(f32(v) for v in logits_row)
    return text + "}"


class Runner:
    """Batches successful tensors, runs the model, renders JSON lines in order."""

    def __init__(self, model, device, args, labels):
        self.model = model
        self.device = device
        self.args = args
        self.labels = labels
        self.labels_checked = False
        self.pending = []  # (slot, path, tensor)
        self.lines = []    # rendered output per input (None until known)
        self.flushed = 0

    def add_error(self, path, exc):
        self.lines.append(json.dumps({"path": path, "error": f"{type(exc).__name__}: {exc}"}))

    def add_tensor(self, path, x):
        self.lines.append(None)
        self.pending.append((len(self.lines) - 1, path, x))
        if len(self.pending) >= self.args.batch_size:
            self.run_batch()

    def run_batch(self):
        if not self.pending:
            return
        batch = torch.stack([x for _, _, x in self.pending]).to(self.device)
        with torch.inference_mode():
            logits = self.model(batch)
        if not isinstance(logits, torch.Tensor) or logits.dim() != 2 \
                or logits.shape[0] != batch.shape[0] or not logits.is_floating_point():
            raise ModelError(f"model output is not a float [N, C] tensor for N={batch.shape[0]}")
        probs = torch.softmax(logits, dim=1)
        logits = logits.float().cpu().numpy()
        probs = probs.float().cpu().numpy()
        self.check_labels(logits.shape[1])
        for row, (slot, path, _) in enumerate(self.pending):
            self.lines[slot] = format_result(path, logits[row], probs[row], self.args.topk,
                                             self.labels, self.args.logits)
        self.pending = []

    def check_labels(self, num_classes):
        if self.labels_checked:
            return
        self.labels_checked = True
        if self.labels is None:
            self.labels = default_labels(num_classes)
        elif len(self.labels) != num_classes:
            print(f"reference: warning: {len(self.labels)} labels for {num_classes} classes; "
                  "missing ones are written as the class index", file=sys.stderr)

    def flush(self, out):
        while self.flushed < len(self.lines) and self.lines[self.flushed] is not None:
            out.write(self.lines[self.flushed] + "\n")
            self.flushed += 1
        out.flush()


class ModelError(Exception):
    pass


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Reference PIL+torchvision+TorchScript classifier (JSON lines out).")
    p.add_argument("--model", required=True, help="TorchScript model file")
    p.add_argument("--preset", choices=PRESETS, default=None,
                   help="resize224 (default, unless the model carries its transform) or resize256-crop224")
    p.add_argument("--resize", type=size_arg, metavar="N|HxW",
                   help="Resize(N) (shorter side) or Resize((H, W))")
    p.add_argument("--crop", type=size_arg, metavar="N|HxW", help="CenterCrop(N) or CenterCrop((H, W))")
    p.add_argument("--interpolation", choices=INTERPOLATIONS, help="Resize's InterpolationMode")
    p.add_argument("--max-size", type=int, metavar="N", help="Resize's max_size")
    p.add_argument("--mean", type=floats3, metavar="A,B,C", help="Normalize's mean")
    p.add_argument("--std", type=floats3, metavar="A,B,C", help="Normalize's std")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--topk", type=int, default=5)
    p.add_argument("--labels", metavar="FILE", help="class names, one per line")
    p.add_argument("--threads", type=int, help="torch.set_num_threads(N)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--logits", action="store_true", help="also write all logits")
    p.add_argument("--dump-tensors", metavar="DIR",
                   help="write decoded/resized RGB and normalised tensors to DIR")
    p.add_argument("--deterministic", action="store_true",
                   help="CUDA: no TF32, deterministic cuDNN, no autotuning "
                        "(the counterpart of `predict --deterministic`)")
    p.add_argument("--exif-transpose", action="store_true",
                   help="apply ImageOps.exif_transpose before convert(\"RGB\")")
    p.add_argument("paths", nargs="+", metavar="PATH", help="image file, directory or -")
    args = p.parse_args(argv)
    if args.batch_size < 1:
        p.error("--batch-size must be >= 1")
    if args.topk < 1:
        p.error("--topk must be >= 1")
    if args.threads is not None and args.threads < 1:
        p.error("--threads must be >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.deterministic:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    if args.device == "cuda" and not torch.cuda.is_available():
        print("reference: --device cuda but CUDA is not available", file=sys.stderr)
        return 2
    device = torch.device(args.device)

    labels = None
    if args.labels:
        try:
            labels = load_labels(args.labels)
        except OSError as e:
            print(f"reference: cannot read labels: {e}", file=sys.stderr)
            return 2
    try:
        model = torch.jit.load(args.model, map_location=device).eval()
        carried = model_spec(args.model)
    except Exception as e:
        print(f"reference: cannot load model {args.model}: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 2
    spec = transform_spec(args, carried and carried.get("transform"))
    if labels is None and carried and carried.get("categories"):
        labels = list(carried["categories"])
    print(f"reference: torch {torch.__version__}, {torch.get_num_threads()} intra-op threads; "
          f"transform {json.dumps(spec)}", file=sys.stderr)
    if args.dump_tensors:
        os.makedirs(args.dump_tensors, exist_ok=True)

    runner = Runner(model, device, args, labels)
    failed = 0
    try:
        for index, path in enumerate(expand_paths(args.paths, sys.stdin)):
            try:
                x = load_image(path, spec, args.dump_tensors, index,
                               args.exif_transpose)
            except Exception as e:
                failed += 1
                runner.add_error(path, e)
            else:
                runner.add_tensor(path, x)
            runner.flush(sys.stdout)
        runner.run_batch()
        runner.flush(sys.stdout)
    except (ModelError, RuntimeError, ValueError) as e:
        print(f"reference: model failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
