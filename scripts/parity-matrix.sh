#!/usr/bin/env bash
# Parity on Debian 13 (Pillow 11.1, torchvision 0.21, LibTorch/PyTorch 2.6):
# the user whose Python is newer than Debian 12's. Not part of make test.
#
#   scripts/parity-matrix.sh [PILLOW]    (as root; PILLOW: the --pillow value, default
#                                         debian13: Pillow 11.1 as Debian 13 builds it)
#
# 1. debootstrap Debian 13 into $PARITY_ROOT (default
#    /var/cache/predict/debian13, outside the tree: the chroot sees the
#    repository under /src), cached between runs, with its
#    python3-torch, python3-torchvision, python3-pil, libtorch-dev, CMake
#    and g++;
# 2. build the shim there against LibTorch 2.6 (CMakeLists.txt unchanged),
#    which proves on every run that it still builds against LibTorch 2.x,
#    and put it beside a copy of this machine's bin/predict;
# 3. export the seeded ResNet-18 there with torch 2.6;
# 4. run scripts/reference.py and bin/predict --pillow PILLOW inside it over
#    testdata/images and the corpus (make_corpus.py, generated here with
#    Debian 12's Pillow so both releases see the same bytes), both presets,
#    at one torch thread and batch size 1 so that a file one side refuses
#    cannot move another file into a different batch;
# 5. print, per preset, files exact / read by Pillow, refusals matched, the
#    documented unsupported variants (ICNS JPEG 2000 entries, ...) and every
#    file that differs; the summary goes to build/trixie/matrix.txt.
#
# Exit status: 0 when every file matches, 1 when some differ, 2 on a setup
# failure.
set -euo pipefail
cd "$(dirname "$0")/.."
pillow=${1-debian13}
dir=build/trixie
root=${PARITY_ROOT:-/var/cache/predict/debian13}
work=$dir/work
packages=python3-torch,python3-torchvision,python3-pil,python3-numpy,libtorch-dev,cmake,g++,make,pkg-config

[ "$(id -u)" = 0 ] || { echo "parity-matrix.sh: run as root (debootstrap, chroot)"; exit 2; }
command -v debootstrap >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap; }
[ -x bin/predict ] || { echo "parity-matrix.sh: no bin/predict: make build"; exit 2; }

if [ ! -x "$root/usr/bin/python3" ] || [ ! -e "$root/.complete" ]; then
  t0=$SECONDS
  rm -rf "$root"
  mkdir -p "$dir" "$(dirname "$root")"
  debootstrap --variant=minbase --include=$packages trixie "$root" http://deb.debian.org/debian >"$root.debootstrap.log" 2>&1 ||
    { tail -20 "$root.debootstrap.log"; exit 2; }
  touch "$root/.complete"
  echo "debootstrap: $((SECONDS - t0)) s"
fi

# The repository is bind-mounted read-only at /src; everything written goes
# to /work inside (build/trixie/work here).
rm -rf "$work"
mkdir -p "$work/m/bin" "$work/m/lib" "$root/src" "$root/work" "$root/proc" "$root/dev"
mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
mount --bind . "$root/src" && mounts+=("$root/src")
mount -o remount,bind,ro "$root/src"
mount --bind "$work" "$root/work" && mounts+=("$root/work")
mount -t proc proc "$root/proc" && mounts+=("$root/proc")
mount --rbind /dev "$root/dev" && mounts+=("$root/dev")
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/work LANG=C.UTF-8 "$@"; }

versions=$(in_root python3 -c 'import torch, torchvision, PIL; print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, Pillow {PIL.__version__}")')
echo "Debian 13: $versions"

t0=$SECONDS
in_root cmake -S /src -B /work/shim -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 &&
  in_root cmake --build /work/shim -j "$(nproc)" >>"$work/cmake.log" 2>&1 ||
  { tail -30 "$work/cmake.log"; echo "parity-matrix.sh: the shim does not build against Debian 13's LibTorch"; exit 2; }
echo "shim built against Debian 13's LibTorch in $((SECONDS - t0)) s"
cp bin/predict "$work/m/bin/predict"
cp "$work/shim/libtorchc.so" "$work/m/lib/libtorchc.so"

in_root python3 /src/scripts/export_resnet18.py /work/resnet18-seed0.pt --seed 0 2>/dev/null
/usr/bin/python3 scripts/make_corpus.py "$work/corpus" 2>&1 | tail -1
mkdir -p "$work/images" && cp testdata/images/* "$work/images/"

status=0
summary=$dir/matrix.txt
{
  echo "date: $(date -u +%F)"
  echo "host: $(nproc) CPUs; Debian 13 chroot: $versions; predict --pillow $pillow"
} >"$summary"
for preset in resize224 resize256-crop224; do
  args=(--model /work/resnet18-seed0.pt --preset "$preset" --batch-size 1 --threads 1 --logits)
  in_root python3 /src/scripts/reference.py "${args[@]}" /work/images /work/corpus >"$work/ref-$preset.jsonl" 2>"$work/ref-$preset.err" || true
  in_root /work/m/bin/predict "${args[@]}" --format jsonl ${pillow:+--pillow "$pillow"} /work/images /work/corpus >"$work/go-$preset.jsonl" 2>"$work/go-$preset.err" || true
  /usr/bin/python3 - "$preset" "$work/ref-$preset.jsonl" "$work/go-$preset.jsonl" >>"$summary" <<'EOF' || status=1
import json, sys
preset, ref, got = sys.argv[1:]
load = lambda p: {r["path"]: r for r in map(json.loads, open(p))}
ref, got = load(ref), load(got)
reads = [p for p, r in ref.items() if "error" not in r]
exact = [p for p in reads if p in got and got[p].get("logits") == ref[p]["logits"]]
refused = [p for p, r in ref.items() if "error" in r]
matched = [p for p in refused if p in got and "error" in got[p]]
# Variants refused as unsupported by design (docs/PARITY.md), as the Go
# corpus test allows them.
documented = [p for p in reads if p not in exact and p in got
              and got[p].get("error", "").startswith(("unsupported ICNS entry", "unsupported TIFF"))]
print(f"{preset}: {len(ref)} files; Pillow reads {len(reads)}: {len(exact)} bit-identical, "
      f"{len(documented)} refused as unsupported (documented); "
      f"Pillow refuses {len(refused)}: {len(matched)} refused too")
for p in documented:
    print(f"  unsupported: {p}: {got[p]['error']}")
bad = sorted(set(ref) - set(exact) - set(matched) - set(documented)) + sorted(set(got) - set(ref))
for p in bad:
    r, g = ref.get(p, {}), got.get(p, {})
    say = lambda x: x.get("error", "read") if x else "missing"
    print(f"  differs: {p}: Pillow {say(r)}; predict {say(g)}")
sys.exit(1 if bad else 0)
EOF
done
cat "$summary"
exit $status
