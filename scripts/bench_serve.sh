#!/usr/bin/env bash
# predict serve under load, beside the predictor in process, in one run:
# internal/cmd/loadgen sends single-image requests (testdata/images/rocket.jpg,
# 110 KB) from 1, 8 and 64 concurrent clients over REST JSON, REST binary
# and gRPC to bin/predict serve on loopback, then calls ClassifyBytes in
# process with the same model, threads and batching (the idle server
# uses no CPU meanwhile). ROUNDS rounds of all four, one after the other,
# so that the machine's drift hits them alike; the table gives each
# figure's median over the rounds. Raw figures: build/bench/serve.jsonl.
#
#   scripts/bench_serve.sh        THREADS=$(nproc), ROUNDS=3 by default
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-$(nproc)}
rounds=${ROUNDS:-3}
model=build/resnet18-seed0.pt
image=testdata/images/rocket.jpg
make --no-print-directory build models >/dev/null
mkdir -p build/bench
PKG_CONFIG_PATH=$PWD/build/pkgconfig go build -o build/bench/loadgen \
  -ldflags "-extldflags \"-Wl,-rpath,$PWD/build\"" ./internal/cmd/loadgen
out=build/bench/serve.jsonl
: > "$out"
log=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
bin/predict serve --model "$model" --model-name resnet18 --host 127.0.0.1 --http-port 0 --grpc-port 0 \
  --threads "$threads" 2>"$log" &
pid=$!
for _ in $(seq 600); do grep -q 'msg=ready' "$log" && break; sleep 0.1; done
grep -q 'msg=ready' "$log" || { cat "$log"; exit 1; }
http=$(sed -n 's/.*msg=listening http=\([^ ]*\) grpc=\([^ ]*\).*/\1/p' "$log")
grpc=$(sed -n 's/.*msg=listening http=\([^ ]*\) grpc=\([^ ]*\).*/\2/p' "$log")
for round in $(seq "$rounds"); do
  build/bench/loadgen -target inprocess -model "$model" -threads "$threads" -image "$image" -min-requests 96 >> "$out"
  for target in rest-json rest-binary grpc; do
    build/bench/loadgen -target $target -url "http://$http" -grpc "$grpc" -image "$image" -min-requests 96 >> "$out"
  done
done
kill -TERM $pid; wait $pid || true

echo "# $(date -u +%F), $(nproc) CPUs, $threads intra-op threads, model $model, batch 32, max delay 2 ms, image $image, median of $rounds rounds"
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cells = {}
for r in rows:
    cells.setdefault((r["target"], r["concurrency"]), []).append(r)
med = lambda rs, k: statistics.median(r[k] for r in rs)
order = ["inprocess", "rest-json", "rest-binary", "grpc"]
print("| target | clients | requests | errors | images/s | vs in-process | p50 ms | p90 ms | p99 ms | p50 overhead ms |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for (target, c), rs in sorted(cells.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
    b = cells[("inprocess", c)]
    print(f"| {target} | {c} | {sum(r['requests'] for r in rs)} | {sum(r['errors'] for r in rs)} | {med(rs, 'images_per_s'):.1f} | "
          f"{med(rs, 'images_per_s') / med(b, 'images_per_s'):.2f}x | {med(rs, 'p50_ms'):.1f} | {med(rs, 'p90_ms'):.1f} | "
          f"{med(rs, 'p99_ms'):.1f} | {med(rs, 'p50_ms') - med(b, 'p50_ms'):+.1f} |")
PY
