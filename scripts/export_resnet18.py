#!/usr/bin/python3
"""Export torchvision's ResNet-18 as a traced TorchScript archive.

Usage:
    export_resnet18.py OUT [--weights FILE | --pretrained | --auto | --seed N]
                           [--classes N]

Weight sources (exactly one; the default is --seed 0):
    --weights FILE  a state_dict saved with torch.save (a dict holding a
                    "state_dict" key is accepted too); loaded on the CPU.
    --pretrained    torchvision's ImageNet weights (ResNet18_Weights.IMAGENET1K_V1).
                    Needs the network (or a warm torch hub cache); exits 1 if
                    the download fails.
    --auto          try --pretrained, fall back to --seed with a warning
                    (used by `make predict`).
    --seed N        deterministic random initialisation, torch.manual_seed(N).
                    Predictions of such a model are meaningless; a loud
                    warning is printed to stderr.

The model is put in eval mode and traced with a zero 1x3x224x224 input under
torch.no_grad(); the parent directories of OUT are created.  A single summary
line goes to stderr.  Exit status: 0 ok, 1 weights could not be obtained,
2 bad arguments.

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

RANDOM_WARNING = """\
************************************************************************
* WARNING: ResNet-18 exported with RANDOM weights (torch.manual_seed({seed})).
* Its predictions are MEANINGLESS. It is only good for testing plumbing
* and bit-exactness. For real predictions use --pretrained (needs network)
* or --weights FILE (a ResNet-18 state_dict .pth).
************************************************************************"""


from export_torchvision import WeightsUnavailable, load_state_file  # noqa: E402  (scripts/)


def build_model(num_classes):
    # weights=None: never touch the network from here.
    return torchvision.models.resnet18(weights=None, num_classes=num_classes)


def load_pretrained(model, num_classes):
    if num_classes != 1000:
        raise WeightsUnavailable("--pretrained needs --classes 1000")
    weights = torchvision.models.ResNet18_Weights.IMAGENET1K_V1
    try:
        # torch.hub writes "Downloading: URL" to stderr; keep our error to one line.
        with contextlib.redirect_stderr(io.StringIO()):
            state = weights.get_state_dict(progress=False)
    except Exception as e:  # URLError, socket errors, HTTP errors, ...
        raise WeightsUnavailable(
            "cannot download torchvision ResNet18_Weights.IMAGENET1K_V1 (no network?): "
            f"{type(e).__name__}: {e}; use --weights FILE or --seed N instead") from e
    model.load_state_dict(state)


def seeded(num_classes, seed):
    torch.manual_seed(seed)
    return build_model(num_classes)


def trace(model):
    model.eval()
    with torch.no_grad():
        return torch.jit.trace(model, torch.zeros(1, 3, 224, 224))


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Export torchvision ResNet-18 as a traced TorchScript file.")
    p.add_argument("out", metavar="OUT", help="output .pt path (parent dirs are created)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--weights", metavar="FILE", help="state_dict .pth file to load")
    src.add_argument("--pretrained", action="store_true",
                     help="torchvision ImageNet weights (needs network)")
    src.add_argument("--auto", action="store_true",
                     help="try --pretrained, fall back to the seeded random model")
    src.add_argument("--seed", type=int, default=None,
                     help="random init with torch.manual_seed(N) (default: 0)")
    p.add_argument("--classes", type=int, default=1000, metavar="N",
                   help="number of output classes (default 1000)")
    args = p.parse_args(argv)
    if args.classes < 1:
        p.error("--classes must be >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    seed = 0 if args.seed is None else args.seed

    try:
        if args.weights:
            model = build_model(args.classes)
            load_state_file(model, args.weights)
            source = f"state_dict {args.weights}"
        elif args.pretrained or args.auto:
            model = build_model(args.classes)
            try:
                load_pretrained(model, args.classes)
                source = "torchvision ResNet18_Weights.IMAGENET1K_V1"
            except WeightsUnavailable as e:
                if not args.auto:
                    raise
                print(f"export_resnet18: {e}", file=sys.stderr)
                print("export_resnet18: --auto: falling back to the seeded random model",
                      file=sys.stderr)
                model = seeded(args.classes, seed)
                source = f"RANDOM (seed {seed})"
        else:
            model = seeded(args.classes, seed)
            source = f"RANDOM (seed {seed})"
    except WeightsUnavailable as e:
        print(f"export_resnet18: {e}", file=sys.stderr)
        return 1
    except (OSError, RuntimeError) as e:  # unreadable file, state_dict mismatch
        print(f"export_resnet18: cannot load weights: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 1

    if source.startswith("RANDOM"):
        print(RANDOM_WARNING.format(seed=seed), file=sys.stderr)

    traced = trace(model)
    parent = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(parent, exist_ok=True)
    # predict.json travels inside the TorchScript archive; `predict` reads
    # it to warn loudly whenever a model carries random weights.
    meta = {"arch": "resnet18", "classes": args.classes,
            "weights": "random" if source.startswith("RANDOM") else "trained",
            "source": source}
    if source.startswith("RANDOM"):
        meta["seed"] = seed
    torch.jit.save(traced, args.out,
                   _extra_files={"predict.json": json.dumps(meta, sort_keys=True)})
    print(f"export_resnet18: wrote {args.out} (resnet18, {args.classes} classes, "
          f"weights: {source})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
