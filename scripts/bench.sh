#!/usr/bin/env bash
# scripts/bench.sh — CPU benchmark of predict against the user's Python
# pipeline, on one deterministic set of ImageNet-like JPEGs and the seeded
# ResNet18. Prints one markdown table (and writes build/bench/table.md):
# images/s, ratio, peak RSS, time to first result.
#
#   scripts/bench.sh            # 200 images (+2000 for the memory check)
#   N=100 N_BIG=0 scripts/bench.sh
#   BASE=24dd601 scripts/bench.sh   # also predict as built from that commit
#
# Runs in a few minutes on 2 cores. Everything runs one after another, so
# the machine must be otherwise idle for the figures to mean anything.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
N=${N:-200}
N_BIG=${N_BIG:-2000}
THREADS=${THREADS:-$(nproc)}
WORKERS=${WORKERS:-$(nproc)}
OUTDIR=build/bench
MODEL=build/resnet18-seed0.pt
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
# Go benchmarks link the shim in build/ through pkg-config, as make test does.
export PKG_CONFIG_PATH=$PWD/build/pkgconfig
GO_TEST_LDFLAGS="-extldflags -Wl,-rpath,$PWD/build"

make --no-print-directory build models >/dev/null
mkdir -p "$OUTDIR"
RES=$OUTDIR/results.jsonl
: > "$RES"
[[ -d $OUTDIR/images-$N ]] || $PY scripts/bench/make_images.py "$OUTDIR/images-$N" --count "$N"
if (( N_BIG > 0 )); then
  [[ -d $OUTDIR/images-$N_BIG ]] || $PY scripts/bench/make_images.py "$OUTDIR/images-$N_BIG" --count "$N_BIG"
fi
IMG=$OUTDIR/images-$N

echo "bench: python as written (torch default threads)" >&2
$PY scripts/bench/run.py python-as-written -- $PY scripts/bench/seed_pipeline.py "$MODEL" "$IMG" >> "$RES"
echo "bench: python with torch.set_num_threads($THREADS)" >&2
$PY scripts/bench/run.py python-threads -- $PY scripts/bench/seed_pipeline.py "$MODEL" "$IMG" --threads "$THREADS" >> "$RES"

echo "bench: model only (LibTorch through the shim, batch 32, $THREADS threads)" >&2
PREDICT_BENCH_THREADS=$THREADS PREDICT_BENCH_BATCH=32 PREDICT_REQUIRE_ORACLE=1 \
  "$GO" test -ldflags "$GO_TEST_LDFLAGS" ./binding -run '^$' -bench '^BenchmarkForwardModel$' -benchtime 8x -count 1 \
  | awk -v n=model-only '/images\/s/ {for (i=1;i<=NF;i++) if ($(i+1)=="images/s") printf "{\"name\":\"%s\",\"images_s\":%s}\n", n, $i}' >> "$RES"

CACHE=$OUTDIR/check-cache
PREDICT=bin/predict
predict() { # NAME DIR [flags]
  local name=$1 dir=$2; shift 2
  echo "bench: $name" >&2
  $PY scripts/bench/run.py "$name" -- $PREDICT --model "$MODEL" --format jsonl --progress=false \
    --batch-size 32 "$@" "$dir" >> "$RES"
}
# The first run checks sub-batches at load (a whole batch of 32) and keeps
# the verdict in the cache; the runs after it use the verdict.
rm -rf "$CACHE"
predict predict-first-run "$IMG" --threads "$THREADS" --workers "$WORKERS" --check-cache "$CACHE"
predict predict "$IMG" --threads "$THREADS" --workers "$WORKERS" --check-cache "$CACHE"
# Full batches whole, as before sub-batching (the model's own peak at 32).
predict predict-whole-batches "$IMG" --threads "$THREADS" --workers "$WORKERS" --sub-batch 32
if [[ -n ${BASE:-} ]]; then # the same run with predict as it was at BASE
  base=$(mktemp -d)
  git worktree add --detach "$base/tree" "$BASE" >/dev/null 2>&1
  make -C "$base/tree" --no-print-directory build >/dev/null 2>&1
  PREDICT=$base/tree/bin/predict predict predict-base "$IMG" --threads "$THREADS" --workers "$WORKERS"
  git worktree remove --force "$base/tree"; rm -rf "$base"
fi
for w in 1 2 4; do
  [[ $w == "$WORKERS" ]] || predict "predict-workers-$w" "$IMG" --threads "$THREADS" --workers "$w" --check-cache "$CACHE"
done
(( N_BIG > 0 )) && predict "predict-$N_BIG" "$OUTDIR/images-$N_BIG" --threads "$THREADS" --workers "$WORKERS" --check-cache "$CACHE"

# The worst case the hostile-inputs work is about: the N images plus images
# of extreme aspect ratio (1x65535, 65535x1: their full Resize(256) would be
# 256x16,776,960) and two 10000x10000 decompression bombs, imagenet preset.
MIX=$OUTDIR/mix-$N
if [[ ! -d $MIX ]]; then
  mkdir -p "$MIX"
  cp "$IMG"/* "$MIX"/
  PREDICT_HOSTILE_OUT=$PWD/$MIX "$GO" test -ldflags "$GO_TEST_LDFLAGS" ./internal/hostile -run '^TestWriteBenchFiles$' -count 1 >/dev/null
fi
predict predict-mix-imagenet-first-run "$MIX" --threads "$THREADS" --workers "$WORKERS" --preset imagenet --check-cache "$CACHE"
predict predict-mix-imagenet "$MIX" --threads "$THREADS" --workers "$WORKERS" --preset imagenet --check-cache "$CACHE"
predict predict-mix-imagenet-budget "$MIX" --threads "$THREADS" --workers "$WORKERS" --preset imagenet --check-cache "$CACHE" --memory-budget 512MiB

echo "bench: concurrent single-image callers (ClassifyBytes, dynamic batching)" >&2
PREDICT_BENCH_THREADS=$THREADS PREDICT_REQUIRE_ORACLE=1 "$GO" test -ldflags "$GO_TEST_LDFLAGS" ./predictor -run '^$' -bench '^BenchmarkClassifyConcurrent$' -benchtime 128x -count 1 \
  | awk '/^BenchmarkClassifyConcurrent/ {split($1,a,"="); sub(/-[0-9]+$/,"",a[2]); v["images/s"]=v["p50-ms"]=v["p99-ms"]=0;
         for (i=1;i<NF;i++) v[$(i+1)]=$i;
         printf "{\"name\":\"classify-%s\",\"images_s\":%s,\"p50_ms\":%s,\"p99_ms\":%s}\n", a[2], v["images/s"], v["p50-ms"], v["p99-ms"]}' >> "$RES"

echo "bench: preprocessing per image on one core (Go vs Pillow)" >&2
for preset in resize224 imagenet; do
  taskset -c 0 $PY scripts/bench/pillow_preprocess.py "$IMG" --preset $preset \
    | $PY -c "import json,sys; d=json.load(sys.stdin); print(json.dumps({'name':'pillow-preprocess-'+d['preset'],'ms_per_image':d['ms_per_image']}))" >> "$RES"
done
PREDICT_BENCH_IMAGES=$PWD/$IMG GOMAXPROCS=1 taskset -c 0 "$GO" test -ldflags "$GO_TEST_LDFLAGS" ./preprocess -run '^$' \
  -bench '^BenchmarkPreprocessDir$' -benchtime "${N}x" -count 3 -cpu 1 \
  | awk '/^BenchmarkPreprocessDir/ {split($1,a,"/"); sub(/-1$/,"",a[2]); printf "{\"name\":\"go-preprocess-%s\",\"ms_per_image\":%.3f,\"allocs\":%s}\n", a[2], $3/1e6, $(NF-1)}' >> "$RES"

$PY - "$RES" "$N" "$N_BIG" "$THREADS" "$WORKERS" <<'PYEOF' | tee "$OUTDIR/table.md"
import json, sys, statistics
res, n, n_big, threads, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = [json.loads(l) for l in open(res)]
by = {}
for r in rows:
    by.setdefault(r["name"], []).append(r)
def one(name): return by[name][0] if name in by else None
def ips(r, count): return count / r["wall_s"]
py1, py2, mo, pr = one("python-as-written"), one("python-threads"), one("model-only"), one("predict")
print(f"| run ({n} JPEGs, batch 32) | images/s | vs predict | peak RSS MB | first result s |")
print("|---|---:|---:|---:|---:|")
p = ips(pr, n)
for label, r in [("the user's Python pipeline as written (torch default threads)", py1),
                 (f"the user's Python pipeline, torch.set_num_threads({threads})", py2)]:
    print(f"| {label} | {ips(r, n):.1f} | predict is {p / ips(r, n):.2f}x | {r['peak_rss_mb']} | {r['first_s']} |")
print(f"| model only, LibTorch via shim, {threads} threads | {mo['images_s']:.1f} | predict is {p / mo['images_s']:.2f}x | | |")
print(f"| **predict** (--threads {threads} --workers {workers}; sub-batch verdict cached) | **{p:.1f}** | 1.00x | {pr['peak_rss_mb']} | {pr['first_s']} |")
for name, label in (("predict-first-run", "predict, first run (sub-batch check at load)"),
                    ("predict-whole-batches", "predict --sub-batch 32 (full batches whole)"),
                    ("predict-base", "predict as built from the base commit")):
    r = one(name)
    if r:
        print(f"| {label} | {ips(r, n):.1f} | {ips(r, n) / p:.2f}x | {r['peak_rss_mb']} | {r['first_s']} |")
for name in sorted(by):
    if name.startswith("predict-workers-"):
        r = by[name][0]
        print(f"| predict --workers {name.split('-')[-1]} | {ips(r, n):.1f} | {ips(r, n) / p:.2f}x | {r['peak_rss_mb']} | {r['first_s']} |")
for name, when in (("predict-mix-imagenet-first-run", "first run"), ("predict-mix-imagenet", "verdict cached"),
                   ("predict-mix-imagenet-budget", "verdict cached, --memory-budget 512MiB")):
    mix = one(name)
    if mix:
        print(f"| predict --preset imagenet, {mix['lines']} inputs incl. 2x 1x65535, 2x 65535x1, 2x 10000x10000 ({when}) | {mix['lines'] / mix['wall_s']:.1f} | | {mix['peak_rss_mb']} | {mix['first_s']} |")
big = one(f"predict-{n_big}")
if big:
    print(f"| predict, {n_big} JPEGs | {ips(big, n_big):.1f} | | {big['peak_rss_mb']} (+{big['peak_rss_mb'] - pr['peak_rss_mb']:.1f} vs {n}) | {big['first_s']} |")
print()
print("| concurrent ClassifyBytes callers (batch 32, max delay 2 ms) | images/s | p50 ms | p99 ms |")
print("|---|---:|---:|---:|")
for c in ("1", "8", "64"):
    r = one("classify-" + c)
    if r:
        print(f"| {c} | {r['images_s']:.1f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} |")
print()
print("| preprocessing per image, one core | resize224 ms | imagenet ms |")
print("|---|---:|---:|")
for who, key in [("Pillow + torchvision (decode, resize/crop, ToTensor, Normalize)", "pillow-preprocess-"),
                 ("Go (decode, resize/crop, table), median of 3", "go-preprocess-")]:
    vals = [statistics.median([r["ms_per_image"] for r in by.get(key + p, [{"ms_per_image": float('nan')}])]) for p in ("resize224", "imagenet")]
    print(f"| {who} | {vals[0]:.2f} | {vals[1]:.2f} |")
PYEOF
