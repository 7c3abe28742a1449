#!/usr/bin/python3
"""Export a torchvision classification model as traced TorchScript that
carries its own preprocessing.

Usage:
    export_torchvision.py MODEL OUT [--seed N | --weights DEFAULT|ENUM | --weights FILE]
                          [--classes N]

MODEL is a torchvision model name (resnet50, mobilenet_v3_small,
efficientnet_b0, convnext_tiny, regnet_y_400mf, vit_b_16, swin_t, ...;
torchvision.models.list_models()).

Weights (the default is --seed 0):
    --seed N          torch.manual_seed(N), then the model's own initialisation.
                      Predictions are meaningless (a warning says so); for
                      tests and parity checks.
    --weights DEFAULT the model's default torchvision weights, or a weight enum
                      such as ResNet50_Weights.IMAGENET1K_V2. Needs the network
                      (or a warm torch hub cache); exits 1 if the download fails.
    --weights FILE    a state_dict saved with torch.save (a dict holding a
                      "state_dict" key is accepted too).

The archive gets an extra file, predict.json, which predict and
scripts/reference.py read as the model's preprocessing and class names:

    {"arch": NAME, "classes": N, "weights": "random" | "trained", "source": WHAT,
     ["seed": N,]
     "transform": {"resize": [N] or [H, W], "crop": [H, W], "interpolation": MODE,
                   "mean": [3 floats], "std": [3 floats]},
     "categories": [...]}

(the keys before "transform" are those scripts/export_resnet18.py writes).

The transform is that of the weights' transforms() (torchvision's
ImageClassification preset: Resize, CenterCrop, then ToTensor and
Normalize), known offline from torchvision's weight enums; with --seed or a
FILE it is the model's DEFAULT weights' one, or the one named by
--transform-of ENUM. The categories are weights.meta["categories"] when the
class count matches, else absent.

The model is traced in eval mode with a zero 1x3xHxW input (the crop size)
under torch.no_grad(). A summary line goes to stderr. Exit status: 0 ok,
1 weights could not be obtained, 2 bad arguments.

Run with Debian's /usr/bin/python3 (torch 1.13.1, torchvision 0.14.1).
"""

import argparse
import contextlib
import io
import json
import os
import sys

import torch
import torchvision
from torchvision.models import get_model_weights, get_weight

WARNING = """\
************************************************************************
* WARNING: {model} exported with RANDOM weights (torch.manual_seed({seed})).
* Its predictions are MEANINGLESS: for tests and parity checks only.
************************************************************************"""


class WeightsUnavailable(Exception):
    """The requested weights could not be obtained."""


def transform_of(weights):
    """The predict.json transform of a torchvision weight enum."""
    t = weights.transforms()
    return {
        "resize": [int(v) for v in t.resize_size],
        "crop": [int(t.crop_size[0])] * 2 if len(t.crop_size) == 1 else [int(v) for v in t.crop_size],
        "interpolation": t.interpolation.value,
        "mean": [float(v) for v in t.mean],
        "std": [float(v) for v in t.std],
    }


def load_state_file(model, path):
    state = torch.load(path, map_location="cpu")
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise WeightsUnavailable(f"{path}: not a state_dict (got {type(state).__name__})")
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    model.load_state_dict(state)


def build(name, source, seed, classes, meta_weights):
    """The model in eval mode and a description of its weights."""
    if source is None or os.path.exists(source):
        torch.manual_seed(seed)
        model = torchvision.models.get_model(name, weights=None, num_classes=classes)
        if source is None:
            print(WARNING.format(model=name, seed=seed), file=sys.stderr)
            return model.eval(), f"RANDOM (seed {seed})"
        load_state_file(model, source)
        return model.eval(), f"state_dict {source}"
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            model = torchvision.models.get_model(name, weights=meta_weights)
    except Exception as e:  # URLError, socket errors, HTTP errors, ...
        raise WeightsUnavailable(f"cannot download {meta_weights} (no network?): {type(e).__name__}: {e}; "
                                 "use --weights FILE or --seed N instead") from e
    return model.eval(), str(meta_weights)


def parse_args(argv):
    p = argparse.ArgumentParser(description="Export a torchvision classifier as TorchScript with its preprocessing.")
    p.add_argument("model", metavar="MODEL", help="torchvision model name (torchvision.models.list_models())")
    p.add_argument("out", metavar="OUT", help="output .pt path (parent dirs are created)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--seed", type=int, default=None, help="random init with torch.manual_seed(N) (default: 0)")
    src.add_argument("--weights", metavar="DEFAULT|ENUM|FILE",
                     help="torchvision weights (DEFAULT or an enum name; network) or a state_dict file")
    p.add_argument("--classes", type=int, default=None, metavar="N",
                   help="output classes for --seed or FILE (default: the weights' categories)")
    p.add_argument("--transform-of", metavar="ENUM", help="record this weight enum's transform (default: DEFAULT)")
    args = p.parse_args(argv)
    if args.model not in torchvision.models.list_models(module=torchvision.models):
        p.error(f"{args.model}: not a torchvision classification model")
    if args.classes is not None and args.classes < 1:
        p.error("--classes must be >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    enum = get_model_weights(args.model)
    if args.weights and not os.path.exists(args.weights):
        name = args.weights
        meta = enum.DEFAULT if name == "DEFAULT" else get_weight(name if "." in name else f"{enum.__name__}.{name}")
    else:
        meta = get_weight(args.transform_of) if args.transform_of else enum.DEFAULT
    categories = meta.meta.get("categories")
    classes = args.classes or len(categories or []) or 1000
    source = args.weights if args.weights else None
    try:
        model, what = build(args.model, source, 0 if args.seed is None else args.seed, classes, meta)
    except WeightsUnavailable as e:
        print(f"export_torchvision: {e}", file=sys.stderr)
        return 1
    info = {"arch": args.model, "classes": classes, "weights": "random" if what.startswith("RANDOM") else "trained",
            "source": what, "transform": transform_of(meta)}
    if what.startswith("RANDOM"):
        info["seed"] = 0 if args.seed is None else args.seed
    if categories and len(categories) == classes:
        info["categories"] = list(categories)
    h, w = info["transform"]["crop"]
    with torch.no_grad():
        traced = torch.jit.trace(model, torch.zeros(1, 3, h, w))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.jit.save(traced, args.out, _extra_files={"predict.json": json.dumps(info, indent=1)})
    t = info["transform"]
    print(f"export_torchvision: {args.model} ({what}) -> {args.out}: Resize({t['resize']}, {t['interpolation']}), "
          f"CenterCrop({t['crop']}), mean {t['mean']}, std {t['std']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
