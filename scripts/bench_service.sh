#!/usr/bin/env bash
# The single-image service path before and after a change, from one run:
# internal/cmd/servicebench (decompression-bomb uploads with 100 ms
# deadlines against a queue of 1; cold vs warm latency at 8 concurrent
# callers) built from this tree and from BASE (default: the last commit
# before the admission work), one after the other on the same machine.
#
#   scripts/bench_service.sh [BASE]      THREADS=2 by default ($(nproc))
#
# BASE's tree gets this tree's servicebench and internal/hostile copied in
# (its API has what they call); its own shim is built in its worktree.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-24dd601}
threads=${THREADS:-$(nproc)}
model=build/resnet18-seed0.pt
make --no-print-directory build models >/dev/null
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git worktree add --detach "$work/base" "$base" >/dev/null 2>&1
mkdir -p "$work/base/internal/cmd"
cp -r internal/hostile "$work/base/internal/"
cp -r internal/cmd/servicebench "$work/base/internal/cmd/"
make -C "$work/base" --no-print-directory lib >/dev/null
(cd "$work/base" && go build -o "$work/servicebench-base" \
  -ldflags '-extldflags "-Wl,--exclude-libs,ALL"' ./internal/cmd/servicebench)
PKG_CONFIG_PATH=$PWD/build/pkgconfig go build -o "$work/servicebench-head" \
  -ldflags "-extldflags \"-Wl,-rpath,$PWD/build\"" ./internal/cmd/servicebench

echo "# $(date -u +%F), $(nproc) CPUs, $threads intra-op threads, model $model"
for who in base head; do
  echo "## $who ($( [ $who = base ] && echo "$base" || git rev-parse --short HEAD)$( [ $who = head ] && ! git diff --quiet && echo '+changes'))"
  "$work/servicebench-$who" -model "$model" -threads "$threads" -image testdata/images/rocket.jpg
done
