#!/usr/bin/env bash
# The sharded batch job, simulated on one machine: N local predict
# processes (--threads 1 --workers 1 each) take --shard I/N of a generated
# image set at once, as the pods of an Indexed Job would, and predict merge
# joins their outputs. For each N: wall time from the first start to the
# merged file, images/s, and whether the merge is byte-identical to the
# N=1 run's output (it must be).
#
#   scripts/bench_shards.sh          2,000 images, N = 1 2 4
#   COUNT=200 NS="1 2" scripts/bench_shards.sh
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-2000}
ns=${NS:-1 2 4}
model=build/resnet18-seed0.pt
images=build/bench/images-$count
out=build/bench/shards
[[ -d $images ]] || /usr/bin/python3 scripts/bench/make_images.py "$images" --count "$count"
rm -rf "$out" && mkdir -p "$out"
flags=(--model "$model" --device cpu --threads 1 --workers 1 --format jsonl --logits)

echo "# $(date -u +%F), $(nproc) CPUs, $count images ($images), batch 32, each shard --threads 1 --workers 1"
echo "| shards | wall s | images/s | vs 1 shard | merge = single run |"
echo "|---:|---:|---:|---:|---|"
base=
for n in $ns; do
  dir=$out/n$n && mkdir -p "$dir"
  t0=$(date +%s.%N)
  pids=()
  for ((i = 0; i < n; i++)); do
    bin/predict "${flags[@]}" --shard "$i/$n" --output "$dir/out-$i.jsonl" "$images" 2>"$dir/err-$i.log" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { echo "a shard failed:"; cat "$dir"/err-*.log; exit 1; }; done
  bin/predict merge --output "$dir/merged.jsonl" "$dir"/out-*.jsonl
  t1=$(date +%s.%N)
  wall=$(echo "$t1 - $t0" | bc -l)
  [[ -n $base ]] || { base=$wall; cp "$dir/merged.jsonl" "$out/single.jsonl"; }
  same=no; cmp -s "$dir/merged.jsonl" "$out/single.jsonl" && same=yes
  printf '| %d | %.1f | %.1f | %.2fx | %s |\n' "$n" "$wall" "$(echo "$count / $wall" | bc -l)" "$(echo "$base / $wall" | bc -l)" "$same"
  [[ $same == yes ]] || exit 1
done
