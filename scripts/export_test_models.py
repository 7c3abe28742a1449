#!/usr/bin/python3
"""Write tiny TorchScript models that exercise the Go/C++ model boundary.

Usage:
    export_test_models.py OUTDIR

Files written to OUTDIR (created if missing):
    tuple_output.pt     forward(x) -> (x.mean(dim=[2,3]), x.sum())    (not a tensor)
    wrong_rank.pt       forward(x) -> x * 2                           (4-D output)
    int_output.pt       forward(x) -> x.mean(dim=[2,3]).to(int64)     (2-D, not float)
    wrong_batch.pt      forward(x) -> [1, 3] float whatever the batch size
    tiny_classifier.pt  valid classifier: global average pool + nn.Linear(3, 7)
                        (torch.manual_seed(1)) -> [N, 7] float32 logits
    slow.pt             valid classifier -> [N, 4] float32, slow on purpose
                        (300 scripted 3->3 3x3 convolutions; a few hundred ms
                        for 1x3x224x224 on one thread) for "Close while Forward
                        is in flight" tests
    fails_on_bright.pt  [N, 7] float32 like tiny_classifier, but raises
                        (a TorchScript exception) when any input value is
                        above 2.0, i.e. for bright images after ImageNet
                        normalisation; black warm-up batches pass
    no_classes.pt       forward(x) -> [N, 0] float32 (no outputs)
    batch_dependent.pt  [N, 7] float32 like tiny_classifier plus the mean of
                        the whole batch: an image's logits depend on the
                        batch it rides in
    nan_on_bright.pt    [N, 7] float32 like tiny_classifier, but NaN in the
                        rows of images whose mean value is above 2.0
    not_torchscript.pt  the text "this is not a TorchScript archive\\n"

All modules are scripted (torch.jit.script), so no input shape is baked in.
The output is deterministic (fixed seeds).  Run with Debian's /usr/bin/python3.
"""

import argparse
import os
import sys
import time
from typing import Tuple

import torch
from torch import nn


class TupleOutput(nn.Module):
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return x.mean(dim=[2, 3]), x.sum()


class WrongRank(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2


class IntOutput(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=[2, 3]).to(torch.int64)


class WrongBatch(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=[0, 2, 3]).unsqueeze(0)


class TinyClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.mean(dim=[2, 3]))


class WideClassifier(nn.Module):
    """More outputs than the binding's first guess (1000), to exercise its
    buffer-resize retry."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1500)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.mean(dim=[2, 3]))


class FailsOnBright(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool(x.max() > 2.0):
            raise RuntimeError("fails_on_bright: input above 2.0")
        return self.fc(x.mean(dim=[2, 3]))


class BatchDependent(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.mean(dim=[2, 3])) + x.mean()


class NanOnBright(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = x.mean(dim=[1, 2, 3], keepdim=True).squeeze(3).squeeze(2)
        out = self.fc(x.mean(dim=[2, 3]))
        return torch.where(m > 2.0, torch.full_like(out, float("nan")), out)


class NoClasses(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=[2, 3])[:, :0]


class Slow(nn.Module):
    def __init__(self, layers: int = 300):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3, 3, 3, padding=1) for _ in range(layers)])
        self.fc = nn.Linear(3, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            # Keep activations bounded so the logits stay finite.
            x = torch.tanh(conv(x))
        return self.fc(x.mean(dim=[2, 3]))


NOT_TORCHSCRIPT = b"this is not a TorchScript archive\n"


def build_models():
    models = {
        "tuple_output.pt": TupleOutput(),
        "wrong_rank.pt": WrongRank(),
        "int_output.pt": IntOutput(),
        "wrong_batch.pt": WrongBatch(),
        "no_classes.pt": NoClasses(),
    }
    torch.manual_seed(1)
    models["tiny_classifier.pt"] = TinyClassifier()
    torch.manual_seed(2)
    models["slow.pt"] = Slow()
    torch.manual_seed(3)
    models["wide_classifier.pt"] = WideClassifier()
    torch.manual_seed(1)
    models["fails_on_bright.pt"] = FailsOnBright()
    torch.manual_seed(1)
    models["batch_dependent.pt"] = BatchDependent()
    torch.manual_seed(1)
    models["nan_on_bright.pt"] = NanOnBright()
    return models


def main(argv=None):
    p = argparse.ArgumentParser(description="Write tiny TorchScript test models.")
    p.add_argument("outdir", metavar="OUTDIR")
    args = p.parse_args(argv)

    os.makedirs(args.outdir, exist_ok=True)
    for name, module in build_models().items():
        scripted = torch.jit.script(module.eval())
        path = os.path.join(args.outdir, name)
        scripted.save(path)
        print(f"export_test_models: wrote {path}", file=sys.stderr)
    path = os.path.join(args.outdir, "not_torchscript.pt")
    with open(path, "wb") as f:
        f.write(NOT_TORCHSCRIPT)
    print(f"export_test_models: wrote {path}", file=sys.stderr)

    # Report how slow slow.pt is on one thread, as a sanity check.
    slow = torch.jit.load(os.path.join(args.outdir, "slow.pt"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.inference_mode():
            x = torch.zeros(1, 3, 224, 224)
            slow(x)  # warm-up (profiling executor)
            t0 = time.perf_counter()
            out = slow(x)
            dt = time.perf_counter() - t0
    finally:
        torch.set_num_threads(threads)
    print(f"export_test_models: slow.pt forward 1x3x224x224, 1 thread: {dt:.3f} s, "
          f"output {list(out.shape)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
