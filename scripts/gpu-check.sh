#!/usr/bin/env bash
# gpu-check.sh — one prepared run on a GPU machine: build the shim
# against the machine's torch, then parity and benchmarks, everything
# written to $OUT. See docs/GPU.md.
#
# The machine needs CMake, a C++ compiler and the `torch` + `torchvision`
# Python packages; no Go, no internet. Prepared on a normal machine (with
# Go) and carried along, relative to the repository root:
#   bin/predict              make build
#   build/gpu/*.test         go test -c (docs/GPU.md has the exact commands)
#
# Usage (from anywhere; it works in the repository root):
#   scripts/gpu-check.sh              on the GPU machine (DEVICE=cuda)
#   scripts/gpu-check.sh --dry-run    every step on the CPU with tiny sizes,
#                                     against Debian's LibTorch and /usr/bin/python3
#
# Environment (all optional):
#   OUT       where results go (default build/gpu-check-out); at most 4 files:
#             gpu-check.log, results.json, summary.md, gpu-samples.csv
#   PY        Python with torch/torchvision/PIL (default python3; dry run:
#             /usr/bin/python3)
#   DEVICE    cuda (default) or cpu (the dry run's)
#   LIBTORCH  CMake prefix to build the shim against (default: the torch
#             package's torch.utils.cmake_prefix_path; dry run: Debian's)
#   WORK      scratch directory for models and images (default: mktemp -d)
#   N_IMAGES  benchmark images (default 4096; dry run 48)
#   BUDGET_S  seconds after which optional steps are skipped (default 420)
#
# Exit status: 0 when the build and the parity checks passed (benchmarks
# are measurements, never failures), 1 otherwise. Results are written in
# every case.

set -uo pipefail

DRY=0
for a in "$@"; do
  case "$a" in
    --dry-run) DRY=1 ;;
    -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown argument $a" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
if ((DRY)); then
  DEVICE=${DEVICE:-cpu}
  PY=${PY:-/usr/bin/python3}
  N_IMAGES=${N_IMAGES:-48}
  LIBTORCH=${LIBTORCH:-/usr/lib/x86_64-linux-gnu/cmake}
  BENCH_BATCHES=${BENCH_BATCHES:-"8 16"}
  PARITY_BATCHES=${PARITY_BATCHES:-"1 7"}
  MODEL_ITERS=${MODEL_ITERS:-2}
else
  DEVICE=${DEVICE:-cuda}
  PY=${PY:-python3}
  N_IMAGES=${N_IMAGES:-4096}
  BENCH_BATCHES=${BENCH_BATCHES:-"64 256"}
  PARITY_BATCHES=${PARITY_BATCHES:-"1 7 32"}
  MODEL_ITERS=${MODEL_ITERS:-30}
fi
OUT=${OUT:-$ROOT/build/gpu-check-out}
WORK=${WORK:-$(mktemp -d /tmp/gpu-check.XXXXXX)}
BUDGET_S=${BUDGET_S:-420}
CORES=$(nproc)
mkdir -p "$OUT" "$WORK/res" || exit 2
LOG=$OUT/gpu-check.log
: > "$LOG"
FAILED=()
SECONDS=0

log() { echo "[$(date +%T) +${SECONDS}s] $*" | tee -a "$LOG" >&2; }

# step NAME TIMEOUT_S CMD...: runs CMD with a timeout, output to the log,
# records rc and duration in res/steps.tsv. Returns CMD's status.
step() {
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS rc
  log "=== $name (timeout ${limit}s): $*"
  if declare -F "$1" >/dev/null; then # a function of this script: run it in a child bash
    timeout --kill-after=10 "$limit" bash -c "$(declare -f "$1"); $(printf '%q ' "$@")" >> "$LOG" 2>&1
  else
    timeout --kill-after=10 "$limit" "$@" >> "$LOG" 2>&1
  fi
  rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - t0))" >> "$WORK/res/steps.tsv"
  log "--- $name: rc=$rc in $((SECONDS - t0))s"
  return $rc
}

gate() { FAILED+=("$1"); log "FAILED: $1"; }

over_budget() {
  if ((SECONDS > BUDGET_S)); then
    log "skipping $1: ${SECONDS}s spent, budget ${BUDGET_S}s"
    printf '%s\t%s\t%s\n' "$1" "skipped" 0 >> "$WORK/res/steps.tsv"
    return 0
  fi
  return 1
}

# GPU utilisation sampling (nvidia-smi), one phase at a time.
SMI_PID=
smi_start() {
  command -v nvidia-smi >/dev/null || return 0
  nvidia-smi --query-gpu=index,utilization.gpu,memory.used --format=csv,noheader,nounits \
    -lms 100 2>/dev/null | sed -u "s/^/$1, /" >> "$WORK/gpu-samples.csv" &
  SMI_PID=$!
}
smi_stop() {
  [[ -n "$SMI_PID" ]] || return 0
  kill "$SMI_PID" 2>/dev/null; wait "$SMI_PID" 2>/dev/null
  SMI_PID=
}
trap 'smi_stop' EXIT

now_ns() { date +%s%N; }

# --------------------------------------------------------------------------
# The Python half (parity comparison, image generation, benchmarks, report).
cat > "$WORK/gpucheck.py" <<'PYEOF'
import json, math, os, sys, time

def load_jsonl(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]

def f32(s):
    import numpy as np
    return np.float32(float(s))

def compare(ref_path, got_path, out_path):
    """Same lines, same failures, logits/probs identical as float32 text."""
    import numpy as np
    ref, got = load_jsonl(ref_path), load_jsonl(got_path)
    r = {"lines_ref": len(ref), "lines_got": len(got), "paths_match": True,
         "errors_match": True, "images": 0, "logits_identical": 0,
         "top_identical": 0, "max_abs_diff": 0.0}
    for a, b in zip(ref, got):
        if a["path"] != b["path"]:
            r["paths_match"] = False
        if ("error" in a) != ("error" in b):
            r["errors_match"] = False
            continue
        if "error" in a:
            continue
        r["images"] += 1
        la = np.array([float(x) for x in a["logits"]], dtype=np.float32)
        lb = np.array([float(x) for x in b["logits"]], dtype=np.float32)
        if la.shape == lb.shape:
            d = float(np.max(np.abs(la - lb))) if la.size else 0.0
            r["max_abs_diff"] = max(r["max_abs_diff"], d)
            if np.array_equal(la.view(np.uint32), lb.view(np.uint32)):
                r["logits_identical"] += 1
        else:
            r["max_abs_diff"] = float("inf")
        ta = [(t["index"], str(t["prob"])) for t in a["top"]]
        tb = [(t["index"], str(t["prob"])) for t in b["top"]]
        if [(i, f32(p)) for i, p in ta] == [(i, f32(p)) for i, p in tb]:
            r["top_identical"] += 1
    r["bit_identical"] = (r["lines_ref"] == r["lines_got"] and r["paths_match"]
                          and r["errors_match"] and r["images"] > 0
                          and r["logits_identical"] == r["images"]
                          and r["top_identical"] == r["images"])
    json.dump(r, open(out_path, "w"))
    print(json.dumps(r))
    return 0 if r["bit_identical"] else 1

def crossbatch(a_path, b_path, out_path):
    """Max abs logit difference between two runs (different batch sizes)."""
    import numpy as np
    a, b = load_jsonl(a_path), load_jsonl(b_path)
    m, same, n = 0.0, 0, 0
    for x, y in zip(a, b):
        if "logits" in x and "logits" in y:
            la = np.array([float(v) for v in x["logits"]], dtype=np.float32)
            lb = np.array([float(v) for v in y["logits"]], dtype=np.float32)
            m = max(m, float(np.max(np.abs(la - lb))))
            same += int(np.array_equal(la, lb)); n += 1
    r = {"images": n, "identical": same, "max_abs_diff": m}
    json.dump(r, open(out_path, "w")); print(json.dumps(r))
    return 0

def _gen_one(args):
    import numpy as np
    from PIL import Image
    path, seed = args
    rng = np.random.default_rng(seed)
    w, h = int(rng.integers(320, 640)), int(rng.integers(240, 480))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([
        128 + 100 * np.sin(xx / rng.uniform(8, 60) + rng.uniform(0, 6)),
        128 + 100 * np.cos(yy / rng.uniform(8, 60) + rng.uniform(0, 6)),
        128 + 100 * np.sin((xx + yy) / rng.uniform(8, 60)),
    ], axis=-1) + rng.normal(0, 12, (h, w, 3))
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(path, quality=90)

def genimages(d, n):
    from multiprocessing import Pool
    os.makedirs(d, exist_ok=True)
    jobs = [(os.path.join(d, "img%05d.jpg" % i), i) for i in range(int(n))]
    t = time.time()
    with Pool(os.cpu_count()) as p:
        p.map(_gen_one, jobs, chunksize=16)
    print(json.dumps({"generated": len(jobs), "seconds": time.time() - t}))
    return 0

def _sync(dev):
    import torch
    if dev.startswith("cuda"):
        torch.cuda.synchronize()

def model_only(out_path, model, dev, batch, iters):
    """Python model-only throughput: a device-resident batch, forward+softmax."""
    import torch
    m = torch.jit.load(model, map_location=dev).eval()
    x = torch.randn(int(batch), 3, 224, 224, device=dev)
    with torch.inference_mode():
        for _ in range(3):
            torch.softmax(m(x), 1)
        _sync(dev)
        t = time.perf_counter()
        for _ in range(int(iters)):
            torch.softmax(m(x), 1)
        _sync(dev)
        dt = time.perf_counter() - t
    r = {"batch": int(batch), "iters": int(iters), "seconds": dt,
         "images_per_s": int(batch) * int(iters) / dt}
    json.dump(r, open(out_path, "w")); print(json.dumps(r))
    return 0

class Files:
    def __init__(self, paths, tf):
        self.paths, self.tf = paths, tf
    def __len__(self):
        return len(self.paths)
    def __getitem__(self, i):
        from PIL import Image
        with Image.open(self.paths[i]) as im:
            return self.tf(im.convert("RGB"))

def dataloader(out_path, model, dev, d, batch, workers, with_model="1"):
    """The user's Python pipeline: DataLoader(num_workers, pin_memory) with
    the seed transforms (resize224 preset), forward, softmax, back to host."""
    import torch
    from torchvision import transforms
    tf = transforms.Compose([transforms.Resize((224, 224)), transforms.ToTensor(),
                             transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    paths = sorted(os.path.join(d, f) for f in os.listdir(d))
    m = torch.jit.load(model, map_location=dev).eval() if with_model == "1" else None
    if m is not None:
        with torch.inference_mode():
            m(torch.zeros(int(batch), 3, 224, 224, device=dev)); _sync(dev)
    t0 = time.perf_counter()
    dl = torch.utils.data.DataLoader(
        Files(paths, tf), batch_size=int(batch), num_workers=int(workers),
        pin_memory=dev.startswith("cuda"), multiprocessing_context="fork" if int(workers) else None)
    n, first = 0, None
    with torch.inference_mode():
        for x in dl:
            if first is None:
                first = time.perf_counter()
            x = x.to(dev, non_blocking=True)
            if m is not None:
                torch.softmax(m(x), 1).cpu()
            n += x.shape[0]
        _sync(dev)
    t1 = time.perf_counter()
    r = {"batch": int(batch), "workers": int(workers), "images": n, "model": m is not None,
         "seconds": t1 - t0, "images_per_s": n / (t1 - t0),
         "images_per_s_after_first_batch": (n - int(batch)) / (t1 - first) if first and t1 > first else None}
    json.dump(r, open(out_path, "w")); print(json.dumps(r))
    return 0

def gpu_phases(csv_path):
    """Mean/max GPU utilisation per benchmark phase from nvidia-smi samples."""
    out = {}
    if not os.path.exists(csv_path):
        return out
    for line in open(csv_path):
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 4:
            continue
        try:
            phase, util, mem = parts[0], float(parts[2]), float(parts[3])
        except ValueError:
            continue
        o = out.setdefault(phase, {"samples": 0, "util_sum": 0.0, "util_max": 0.0, "mem_max_mib": 0.0})
        o["samples"] += 1; o["util_sum"] += util
        o["util_max"] = max(o["util_max"], util); o["mem_max_mib"] = max(o["mem_max_mib"], mem)
    for o in out.values():
        o["util_mean"] = o.pop("util_sum") / max(o["samples"], 1)
    return out

def report(res_dir, out_dir, meta_path):
    meta = json.load(open(meta_path))
    res = {"meta": meta, "steps": [], "parity": {}, "crossbatch": {}, "bench": {}}
    for line in open(os.path.join(res_dir, "steps.tsv")):
        name, rc, secs = line.rstrip("\n").split("\t")
        res["steps"].append({"step": name, "rc": rc, "seconds": int(secs)})
    for f in sorted(os.listdir(res_dir)):
        if not f.endswith(".json"):
            continue
        kind, _, name = f[:-5].partition("--")
        try:
            v = json.load(open(os.path.join(res_dir, f)))
        except Exception as e:
            v = {"unreadable": str(e)}
        if kind in res:
            res[kind][name] = v
    res["gpu_utilisation"] = gpu_phases(os.path.join(res_dir, "..", "gpu-samples.csv"))
    json.dump(res, open(os.path.join(out_dir, "results.json"), "w"), indent=1, sort_keys=True)

    L = ["# gpu-check results", "", "```"] + ["%s: %s" % kv for kv in sorted(meta.items())] + ["```", ""]
    L += ["## Steps", "", "| step | rc | s |", "|---|---|---|"]
    L += ["| %(step)s | %(rc)s | %(seconds)s |" % s for s in res["steps"]]
    L += ["", "## Parity: predict vs scripts/reference.py, same device, same batch composition", "",
          "| run | images | logits identical | top-k identical | max abs diff | bit-identical |", "|---|---|---|---|---|---|"]
    for k, v in sorted(res["parity"].items()):
        L.append("| %s | %s | %s | %s | %s | %s |" % (k, v.get("images"), v.get("logits_identical"),
                 v.get("top_identical"), v.get("max_abs_diff"), v.get("bit_identical")))
    L += ["", "## Across batch sizes (max abs logit difference)", "", "| pair | images | identical | max abs diff |", "|---|---|---|---|"]
    for k, v in sorted(res["crossbatch"].items()):
        L.append("| %s | %s | %s | %s |" % (k, v.get("images"), v.get("identical"), v.get("max_abs_diff")))
    L += ["", "## Throughput (images/s)", "", "| run | images/s | notes |", "|---|---|---|"]
    for k, v in sorted(res["bench"].items()):
        ips = v.get("images_per_s")
        note = {kk: vv for kk, vv in v.items() if kk not in ("images_per_s",)}
        L.append("| %s | %s | %s |" % (k, "%.0f" % ips if isinstance(ips, (int, float)) else ips,
                                       json.dumps(note, sort_keys=True)))
    L += ["", "## GPU utilisation (nvidia-smi, 100 ms samples)", "", "| phase | samples | mean % | max % | max MiB |", "|---|---|---|---|---|"]
    for k, v in sorted(res["gpu_utilisation"].items()):
        L.append("| %s | %d | %.0f | %.0f | %.0f |" % (k, v["samples"], v["util_mean"], v["util_max"], v["mem_max_mib"]))
    open(os.path.join(out_dir, "summary.md"), "w").write("\n".join(L) + "\n")
    print("\n".join(L))
    return 0

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    sys.exit({"compare": compare, "crossbatch": crossbatch, "genimages": genimages,
              "model_only": model_only, "dataloader": dataloader, "report": report}[cmd](*args))
PYEOF

# --------------------------------------------------------------------------
log "gpu-check: root=$ROOT dry_run=$DRY device=$DEVICE python=$PY work=$WORK out=$OUT cores=$CORES"
{
  echo "--- machine"; uname -a; nproc; free -g 2>/dev/null | head -2; df -h /dev/shm 2>/dev/null | tail -1
  command -v nvidia-smi >/dev/null && nvidia-smi -L && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  echo "--- tools"; cmake --version | head -1; c++ --version | head -1
  echo "--- python"; "$PY" -c 'import sys, torch, torchvision, PIL, numpy
print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(),
      "torchvision", torchvision.__version__, "Pillow", PIL.__version__, "numpy", numpy.__version__)
print("cuda available:", torch.cuda.is_available(), [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())])
print("tf32 cudnn", torch.backends.cudnn.allow_tf32, "tf32 matmul", torch.backends.cuda.matmul.allow_tf32,
      "cxx11 abi", torch.compiled_with_cxx11_abi(), "cmake prefix", torch.utils.cmake_prefix_path)'
  echo "--- carried"; ls -la bin build/gpu 2>&1
} >> "$LOG" 2>&1

# --------------------------------------------------------------------------
# 1. The shim, against this machine's torch: the README's CUDA build.
if [[ -z "${LIBTORCH:-}" ]]; then
  LIBTORCH=$("$PY" -c 'import torch;print(torch.utils.cmake_prefix_path)')
fi
log "LIBTORCH=$LIBTORCH"
export LIBTORCH CORES
build_shim() {
  # `make lib` is the README's shim-only command where the Makefile has it
  # (no Go, no apt); otherwise the same CMake commands as `make shim`.
  if grep -qE '^lib:' Makefile 2>/dev/null; then
    make lib LIBTORCH="$LIBTORCH"
  else
    cmake -S . -B build -DLIBTORCH="$LIBTORCH" -DCMAKE_BUILD_TYPE=Release &&
      cmake --build build -j "$CORES" &&
      mkdir -p lib && cp -f build/libtorchc.so lib/libtorchc.so
  fi
}
# LibTorch's CMake config stops where a CUDA toolkit is missing or
# incomplete; the shim needs none of it: link the torch package directly.
build_shim_direct() {
  rm -rf build/CMakeCache.txt build/CMakeFiles
  cmake -S . -B build -DLIBTORCH="$LIBTORCH" -DCMAKE_BUILD_TYPE=Release -DTORCHC_TORCH_LINK=DIRECT &&
    cmake --build build -j "$CORES" &&
    mkdir -p lib && cp -f build/libtorchc.so lib/libtorchc.so
}
if ! step build-shim 300 build_shim; then
  step build-shim-direct 300 build_shim_direct || gate build-shim
fi
{ echo "--- shim"; grep -E "^TORCHC_" build/CMakeCache.txt 2>/dev/null; readelf -d lib/libtorchc.so 2>/dev/null | grep -E "NEEDED|RUNPATH"; } >> "$LOG" 2>&1
step predict-version 60 bin/predict --version || gate predict-version

# --------------------------------------------------------------------------
# 2. Models, exported here with this torch.
MODEL=$WORK/resnet18-seed0.pt
step export-resnet18 120 "$PY" scripts/export_resnet18.py "$MODEL" --seed 0 || gate export-resnet18
TESTMODELS=$WORK/testmodels
if ! step export-test-models 120 "$PY" scripts/export_test_models.py "$TESTMODELS"; then
  [[ -d build/testmodels ]] && TESTMODELS=$ROOT/build/testmodels && log "using carried build/testmodels"
fi

# --------------------------------------------------------------------------
# 3. Test binaries (built with `go test -c`, carried in build/gpu/). They
# find testdata and scripts through PREDICT_ROOT (internal/testenv.Root).
export PREDICT_ROOT="$ROOT"
export LD_LIBRARY_PATH="$ROOT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PREDICT_TEST_MODEL="$MODEL" PREDICT_TEST_MODELS="$TESTMODELS" PREDICT_PYTHON="$PY"
if [[ -x build/gpu/binding.test ]]; then
  # Every binding test on the device: forward, bad outputs, concurrency on
  # several streams, warm-up, TestNormalizeEqualsTable on CUDA, device info.
  (cd binding && PREDICT_TEST_DEVICE="$DEVICE" PREDICT_REQUIRE_ORACLE=1 \
    step binding-tests 180 "$ROOT/build/gpu/binding.test" -test.v -test.count=1) || gate binding-tests
else
  log "build/gpu/binding.test not carried"; gate binding-tests
fi
if [[ -x build/gpu/predict.test ]] && ! over_budget predict-tests; then
  # TestBuiltBinary: bin/predict --device auto (CUDA here) equals the
  # in-process run bit for bit. Informational, CPU parity with this
  # machine's Pillow/torch is not the promise.
  (cd cmd/predict && step predict-tests 180 "$ROOT/build/gpu/predict.test" -test.v -test.count=1 \
    -test.run 'TestBuiltBinary|TestExitCodes|TestTableAndCSV|TestExpandInputs') || log "predict-tests failed (informational)"
fi
if [[ -x build/gpu/predictor.test ]] && ! over_budget predictor-tests; then
  (cd predictor && step predictor-tests 180 "$ROOT/build/gpu/predictor.test" -test.count=1 \
    -test.run 'TestPerInputErrorsAreTyped|TestStreamOrder|TestCancelAndClose|TestConcurrentCalls|TestPredictImages') \
    || log "predictor-tests failed (informational)"
fi

# --------------------------------------------------------------------------
# 4. Parity on the device: predict vs reference.py --device $DEVICE, same
# inputs, same batch size (so the same batch composition), both presets.
INPUTS=(testdata/images testdata/bad)
parity() { # preset batch
  local p=$1 b=$2 tag="$1-b$2"
  step "reference-$tag" 240 bash -c '"$0" scripts/reference.py --device "$1" --model "$2" --preset "$3" --batch-size "$4" --logits "${@:6}" > "$5"; [[ $? -le 1 ]]' \
    "$PY" "$DEVICE" "$MODEL" "$p" "$b" "$WORK/ref-$tag.jsonl" "${INPUTS[@]}" || return 1
  step "predict-$tag" 240 bash -c '"$0" --device "$1" --model "$2" --preset "$3" --batch-size "$4" --format jsonl --logits "${@:6}" > "$5"; [[ $? -le 1 ]]' \
    bin/predict "$DEVICE" "$MODEL" "$p" "$b" "$WORK/got-$tag.jsonl" "${INPUTS[@]}" || return 1
  step "compare-$tag" 60 "$PY" "$WORK/gpucheck.py" compare "$WORK/ref-$tag.jsonl" "$WORK/got-$tag.jsonl" "$WORK/res/parity--$tag.json"
}
for b in $PARITY_BATCHES; do
  parity resize224 "$b" || gate "parity-resize224-b$b"
done
first_b=${PARITY_BATCHES%% *}; last_b=${PARITY_BATCHES##* }
parity imagenet "$last_b" || gate "parity-imagenet-b$last_b"
for who in got ref; do
  if [[ -s "$WORK/$who-resize224-b$first_b.jsonl" && -s "$WORK/$who-resize224-b$last_b.jsonl" ]]; then
    step "crossbatch-$who" 60 "$PY" "$WORK/gpucheck.py" crossbatch "$WORK/$who-resize224-b$first_b.jsonl" \
      "$WORK/$who-resize224-b$last_b.jsonl" "$WORK/res/crossbatch--$who-b$first_b-vs-b$last_b.json"
  fi
done
# Deterministic/no-TF32 mode, when the CLI has the flag: how far from the default.
if bin/predict --help 2>&1 | grep -q -- '-deterministic'; then
  tag="resize224-b$last_b"
  step "predict-deterministic" 240 bash -c '"$0" --deterministic --device "$1" --model "$2" --batch-size "$3" --format jsonl --logits "${@:5}" > "$4"; [[ $? -le 1 ]]' \
    bin/predict "$DEVICE" "$MODEL" "$last_b" "$WORK/det-$tag.jsonl" "${INPUTS[@]}" &&
  step "crossbatch-deterministic" 60 "$PY" "$WORK/gpucheck.py" crossbatch "$WORK/got-$tag.jsonl" \
    "$WORK/det-$tag.jsonl" "$WORK/res/crossbatch--default-vs-deterministic-b$last_b.json"
fi

# --------------------------------------------------------------------------
# 5. Benchmarks (measurements; never gate).
IMGS=$WORK/images
over_budget genimages || step genimages 180 "$PY" "$WORK/gpucheck.py" genimages "$IMGS" "$N_IMAGES"
ONE=$WORK/one; mkdir -p "$ONE"; cp "$IMGS/img00000.jpg" "$ONE/" 2>/dev/null

# predict end to end: wall time for N images minus wall time for 1 image
# (start-up: load, warm-up) gives the steady rate; both are recorded.
bench_predict() { # name model batch [extra flags]
  local name=$1 model=$2 b=$3; shift 3
  over_budget "bench-$name" && return 0
  local t0 t1 t2 rc
  t0=$(now_ns)
  bin/predict --device "$DEVICE" --model "$model" --batch-size "$b" --format csv "$@" "$ONE" > /dev/null 2>> "$LOG"
  t1=$(now_ns)
  smi_start "$name"
  step "bench-$name" 240 bash -c '"$0" "$@" > /dev/null' bin/predict --device "$DEVICE" --model "$model" \
    --batch-size "$b" --format csv "$@" "$IMGS"
  rc=$?
  smi_stop
  t2=$(($(now_ns)))
  "$PY" - "$WORK/res/bench--$name.json" "$N_IMAGES" "$b" "$t0" "$t1" "$t2" "$rc" "$*" <<'EOF'
import json, sys
out, n, b, t0, t1, t2, rc, extra = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *map(int, sys.argv[4:7]), int(sys.argv[7]), sys.argv[8]
startup, total = (t1 - t0) / 1e9, (t2 - t1) / 1e9
r = {"batch": b, "images": n, "rc": rc, "flags": extra, "seconds_total": total, "seconds_startup_1_image": startup,
     "images_per_s": n / total if total > 0 else None,
     "images_per_s_steady": (n - 1) / (total - startup) if total > startup else None}
json.dump(r, open(out, "w")); print(json.dumps(r))
EOF
}
bench_py() { # name timeout command args... (gpucheck.py COMMAND OUT_JSON ARGS...)
  local name=$1 limit=$2; shift 2
  over_budget "bench-$name" && return 0
  smi_start "$name"
  step "bench-$name" "$limit" "$PY" "$WORK/gpucheck.py" "$1" "$WORK/res/bench--$name.json" "${@:2}"
  smi_stop
}
if [[ -d "$IMGS" ]]; then
  for b in $BENCH_BATCHES; do
    bench_py "python-model-only-b$b" 120 model_only "$MODEL" "$DEVICE" "$b" "$MODEL_ITERS"
  done
  for b in $BENCH_BATCHES; do
    bench_predict "predict-b$b" "$MODEL" "$b"
    bench_py "python-dataloader-b$b" 240 dataloader "$MODEL" "$DEVICE" "$IMGS" "$b" "$CORES"
  done
  # Host preprocessing capacity, measured separately: the same pipelines
  # with a negligible model (predict) / no model (Python).
  b=${BENCH_BATCHES##* }
  if [[ -f "$TESTMODELS/tiny_classifier.pt" ]]; then
    bench_predict "predict-preprocess-only-b$b" "$TESTMODELS/tiny_classifier.pt" "$b"
  fi
  bench_py "python-dataloader-preprocess-only-b$b" 240 dataloader "$MODEL" "$DEVICE" "$IMGS" "$b" "$CORES" 0
fi

# --------------------------------------------------------------------------
# 6. Report.
"$PY" - "$WORK/meta.json" <<EOF
import json, sys
json.dump({"dry_run": bool($DRY), "device": "$DEVICE", "python": "$PY", "libtorch": "$LIBTORCH",
           "cores": $CORES, "n_images": $N_IMAGES, "bench_batches": "$BENCH_BATCHES",
           "parity_batches": "$PARITY_BATCHES", "failed": "${FAILED[*]:-}", "seconds": $SECONDS},
          open(sys.argv[1], "w"))
EOF
[[ -f "$WORK/gpu-samples.csv" ]] && cp "$WORK/gpu-samples.csv" "$OUT/gpu-samples.csv"
"$PY" "$WORK/gpucheck.py" report "$WORK/res" "$OUT" "$WORK/meta.json" >> "$LOG" 2>&1 || log "report failed"
# gpu-samples.csv sits next to res/ for the report.
log "done in ${SECONDS}s; failed: ${FAILED[*]:-none}; results in $OUT"
((${#FAILED[@]} == 0))
