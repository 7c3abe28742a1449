#!/usr/bin/python3
"""Deterministic mutants of the decode corpus, for a differential check
against Pillow beyond the hand-made cases:

    scripts/mutate_corpus.py CORPUS_DIR OUT_DIR [--per-file N] [--seed S]
    PREDICT_CORPUS=OUT_DIR go test ./decode -run TestCorpusMatchesPillow -v

Each file under 20 KB of CORPUS_DIR (scripts/make_corpus.py) gives N
mutants: cut at a random length, 1-3 random bytes in the first 64 (the
headers), or 1-4 random bit flips anywhere. TestCorpusMatchesPillow then
demands, file by file, Pillow's pixels or Pillow's refusal (`make mutants`).
"""
import argparse
import os
import random
import shutil
import sys


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--per-file", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv[1:])
    rnd = random.Random(a.seed)
    if os.path.isdir(a.out):
        shutil.rmtree(a.out)
    os.makedirs(a.out)
    n = 0
    for name in sorted(os.listdir(a.corpus)):
        path = os.path.join(a.corpus, name)
        if not os.path.isfile(path) or not 0 < os.path.getsize(path) < 20000:
            continue
        with open(path, "rb") as f:
            data = f.read()
        for k in range(a.per_file):
            b = bytearray(data)
            kind = rnd.randrange(3)
            if kind == 0:
                b = b[: rnd.randrange(1, len(b) + 1)]
            elif kind == 1:
                for _ in range(rnd.randint(1, 3)):
                    b[rnd.randrange(min(len(b), 64))] = rnd.randrange(256)
            else:
                for _ in range(rnd.randint(1, 4)):
                    b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
            with open(os.path.join(a.out, f"{name}.m{k}"), "wb") as f:
                f.write(bytes(b))
            n += 1
    print(f"mutate_corpus: {n} files in {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
