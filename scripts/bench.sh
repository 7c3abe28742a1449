#!/usr/bin/env bash
# scripts/bench.sh — CPU benchmark of predict against the user's Python
# pipeline, on one deterministic set of ImageNet-like JPEGs and the seeded
# ResNet18. Prints one markdown table (and writes build/bench/table.md):
# images/s, ratio, peak RSS, time to first result.
#
#   scripts/bench.sh            # 200 images (+2000 for the memory check)
#   N=100 N_BIG=0 scripts/bench.sh
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
  "$GO" test ./binding -run '^$' -bench '^BenchmarkForwardModel$' -benchtime 8x -count 1 \
  | awk -v n=model-only '/images\/s/ {for (i=1;i<=NF;i++) if ($(i+1)=="images/s") printf "{\"name\":\"%s\",\"images_s\":%s}\n", n, $i}' >> "$RES"

predict() { # NAME DIR [flags]
  local name=$1 dir=$2; shift 2
  echo "bench: $name" >&2
  $PY scripts/bench/run.py "$name" -- bin/predict --model "$MODEL" --format jsonl --progress=false \
    --batch-size 32 "$@" "$dir" >> "$RES"
}
predict predict "$IMG" --threads "$THREADS" --workers "$WORKERS"
for w in 1 2 4; do
  [[ $w == "$WORKERS" ]] || predict "predict-workers-$w" "$IMG" --threads "$THREADS" --workers "$w"
done
(( N_BIG > 0 )) && predict "predict-$N_BIG" "$OUTDIR/images-$N_BIG" --threads "$THREADS" --workers "$WORKERS"

echo "bench: concurrent single-image callers (ClassifyBytes, dynamic batching)" >&2
PREDICT_REQUIRE_ORACLE=1 "$GO" test ./predictor -run '^$' -bench '^BenchmarkClassifyConcurrent$' -benchtime 128x -count 1 \
  | awk '/^BenchmarkClassifyConcurrent/ {split($1,a,"="); sub(/-[0-9]+$/,"",a[2]); v["images/s"]=v["p50-ms"]=v["p99-ms"]=0;
         for (i=1;i<NF;i++) v[$(i+1)]=$i;
         printf "{\"name\":\"classify-%s\",\"images_s\":%s,\"p50_ms\":%s,\"p99_ms\":%s}\n", a[2], v["images/s"], v["p50-ms"], v["p99-ms"]}' >> "$RES"

echo "bench: preprocessing per image on one core (Go vs Pillow)" >&2
for preset in resize224 imagenet; do
  taskset -c 0 $PY scripts/bench/pillow_preprocess.py "$IMG" --preset $preset \
    | $PY -c "import json,sys; d=json.load(sys.stdin); print(json.dumps({'name':'pillow-preprocess-'+d['preset'],'ms_per_image':d['ms_per_image']}))" >> "$RES"
done
PREDICT_BENCH_IMAGES=$PWD/$IMG GOMAXPROCS=1 taskset -c 0 "$GO" test ./preprocess -run '^$' \
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
for label, r in [("Python seed script as written (torch default threads)", py1),
                 (f"Python seed script, torch.set_num_threads({threads})", py2)]:
    print(f"| {label} | {ips(r, n):.1f} | predict is {p / ips(r, n):.2f}x | {r['peak_rss_mb']} | {r['first_s']} |")
print(f"| model only, LibTorch via shim, {threads} threads | {mo['images_s']:.1f} | predict is {p / mo['images_s']:.2f}x | | |")
print(f"| **predict** (--threads {threads} --workers {workers}) | **{p:.1f}** | 1.00x | {pr['peak_rss_mb']} | {pr['first_s']} |")
for name in sorted(by):
    if name.startswith("predict-workers-"):
        r = by[name][0]
        print(f"| predict --workers {name.split('-')[-1]} | {ips(r, n):.1f} | {ips(r, n) / p:.2f}x | {r['peak_rss_mb']} | {r['first_s']} |")
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
