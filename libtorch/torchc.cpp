// torchc.cpp — the C ABI of torchc.h over LibTorch.
//
// Every exported function is wrapped in guard(), which turns any C++
// exception into a strdup'd message in *err. Whole batches run inside one
// call so every intermediate tensor dies in C++ scope.

#include "torchc.h"

#include <torch/script.h>
#include <torch/torch.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/core/DeviceGuard.h>
#include <c10/core/Stream.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Slot is what one in-flight device-path call owns (see torchc.h): a stream
// from LibTorch's pool, host buffers (pinned for CUDA) and the table on the
// device. The CUDA code is written against LibTorch's device-generic
// interfaces: c10::impl::VirtualGuardImpl(kCUDA).getStreamFromGlobalPool is
// CUDAGuardImpl's, i.e. c10::cuda::getStreamFromPool; c10::StreamGuard over
// a CUDA stream is a CUDAStreamGuard; Stream::synchronize is
// cudaStreamSynchronize; pinned_memory(true) is LibTorch's caching pinned
// host allocator. So this file needs no CUDA header and the same code
// compiles (and, on the CPU device path, runs) against a CPU-only LibTorch.
struct Slot {
  std::optional<c10::Stream> stream;  // CUDA only
  torch::Tensor staging;              // uint8 host batch (pinned on CUDA)
  torch::Tensor out_host;             // float host logits+probs (pinned on CUDA)
  std::vector<float> lut;             // the table `table` was made from
  torch::Tensor table;                // 3*256 float32 on the device
};

}  // namespace

struct torchc_module {
  torchc_module(torch::jit::script::Module mod, torch::Device dev,
                std::string meta)
      : module(std::move(mod)), device(dev), metadata(std::move(meta)) {}

  torch::jit::script::Module module;
  torch::Device device;
  std::string metadata;  // the archive's predict.json, "" when absent

  // CPU only: run forward through the device path (torchc.h).
  std::atomic<bool> device_path{false};

  std::mutex slots_mu;
  std::vector<std::unique_ptr<Slot>> free_slots;
  int slots_made = 0;

  bool uses_slots() const { return device.is_cuda() || device_path.load(); }
};

namespace {

void set_error(char **err, const std::string &msg) {
  if (err != nullptr) {
    *err = strdup(msg.c_str());
  }
}

// guard runs fn and converts every exception into *err. c10::Error carries a
// C++ backtrace in what(); users get the message without it.
template <typename Fn>
void guard(char **err, Fn &&fn) {
  if (err != nullptr) {
    *err = nullptr;
  }
  try {
    fn();
  } catch (const c10::Error &e) {
    set_error(err, e.what_without_backtrace());
  } catch (const std::exception &e) {
    set_error(err, e.what());
  } catch (...) {
    set_error(err, "unknown C++ exception");
  }
}

// torchc_error is thrown for our own argument checks so they share guard's
// path with LibTorch's errors.
struct torchc_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

torch::Device parse_device(const char *name) {
  if (name == nullptr) {
    throw torchc_error("device is NULL");
  }
  torch::Device dev(name);  // throws c10::Error on a malformed name
  if (dev.is_cuda()) {
    int count = static_cast<int>(torch::cuda::device_count());
    if (count == 0) {
      throw torchc_error(std::string("device \"") + name +
                         "\" requested but this LibTorch sees no CUDA device "
                         "(CPU-only build, or no driver)");
    }
    if (!dev.has_index()) {
      dev.set_index(0);
    }
    if (dev.index() >= count) {
      std::ostringstream msg;
      msg << "device \"" << name << "\" requested but only " << count
          << " CUDA device(s) are visible";
      throw torchc_error(msg.str());
    }
  } else if (!dev.is_cpu()) {
    throw torchc_error(std::string("unsupported device \"") + name +
                       "\" (want cpu, cuda or cuda:N)");
  }
  return dev;
}

std::string describe(const c10::IValue &v) {
  if (v.isTensor()) {
    std::ostringstream s;
    const auto &t = v.toTensor();
    s << "a " << t.dim() << "-D " << t.scalar_type() << " tensor of shape "
      << t.sizes();
    return s.str();
  }
  return std::string("a ") + v.tagKind();
}

char *dup_or_throw(const std::string &s) {
  char *out = strdup(s.c_str());
  if (out == nullptr) {
    throw std::bad_alloc();
  }
  return out;
}

// normalize_host maps an n x h x w x 3 uint8 batch through the 3 x 256
// table into a contiguous NCHW float32 CPU tensor — the memory format
// torch.stack gives Python — in one pass over host memory (lookup +
// transpose), split across the intra-op threads; no uint8 or int64
// temporaries. A table lookup is exact on every device, unlike
// x.float().div(255) which multiplies by a reciprocal on CUDA
// (parity-spec §4, §4.1).
torch::Tensor normalize_host(const uint8_t *pixels, int64_t n, int64_t h,
                             int64_t w, const float *lut) {
  const int64_t plane = h * w;
  auto out = torch::empty({n, 3, h, w},
                          torch::TensorOptions().dtype(torch::kFloat));
  float *dst = out.data_ptr<float>();
  at::parallel_for(0, n * 3, 1, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; k++) {
      const int64_t img = k / 3, c = k % 3;
      const uint8_t *src = pixels + img * plane * 3 + c;
      const float *table = lut + c * 256;
      float *o = dst + k * plane;
      for (int64_t i = 0; i < plane; i++) {
        o[i] = table[src[3 * i]];
      }
    }
  });
  return out;
}

// gather_nchw is the device-side normalisation: `u8` is the n x h x w x 3
// uint8 batch already on the device, `table` the 3*256 float32 table there.
// Permute on uint8 (4x less traffic than on float), then one gather.
torch::Tensor gather_nchw(const torch::Tensor &u8, const torch::Tensor &table) {
  auto idx = u8.permute({0, 3, 1, 2}).contiguous().to(torch::kLong);
  auto offsets =
      (torch::arange(3, torch::TensorOptions().dtype(torch::kLong).device(
                            u8.device())) *
       256)
          .view({1, 3, 1, 1});
  idx.add_(offsets);
  return table.take(idx).contiguous();
}

std::unique_ptr<Slot> make_slot(const torch::Device &dev) {
  auto s = std::make_unique<Slot>();
  if (dev.is_cuda()) {
    c10::impl::VirtualGuardImpl impl(dev.type());
    s->stream = impl.getStreamFromGlobalPool(dev, /*isHighPriority=*/false);
  }
  return s;
}

// host_buffer returns the first `numel` elements of `buf`, reallocating it
// (pinned when asked) when too small. Safe because every call synchronises
// its stream before the slot is reused.
torch::Tensor host_buffer(torch::Tensor &buf, int64_t numel,
                          torch::ScalarType type, bool pinned) {
  if (!buf.defined() || buf.numel() < numel) {
    buf = torch::Tensor();  // release before allocating the larger one
    buf = torch::empty({numel},
                       torch::TensorOptions().dtype(type).pinned_memory(pinned));
  }
  return buf.narrow(0, 0, numel);
}

// slot_table gives the table on the slot's device, uploading it (on the
// slot's stream, which is current) only when its contents changed.
const torch::Tensor &slot_table(Slot &s, const float *lut,
                                const torch::Device &dev) {
  constexpr size_t entries = 3 * 256;
  if (!s.table.defined() || s.lut.size() != entries ||
      std::memcmp(s.lut.data(), lut, entries * sizeof(float)) != 0) {
    s.lut.assign(lut, lut + entries);
    auto host = torch::from_blob(s.lut.data(), {static_cast<int64_t>(entries)},
                                 torch::TensorOptions().dtype(torch::kFloat));
    // A blocking copy: the table is ready before anything uses it.
    s.table = dev.is_cpu() ? host.clone() : host.to(dev);
  }
  return s.table;
}

// SlotGuard makes a slot's device and stream current for the C call it
// lives in (thread-local LibTorch state, set and restored inside one call).
struct SlotGuard {
  SlotGuard(const torch::Device &dev, const Slot &s) : device(dev) {
    if (s.stream) {
      stream.emplace(*s.stream);
    }
  }
  c10::DeviceGuard device;
  std::optional<c10::StreamGuard> stream;
};

// upload_normalize copies the batch into the slot's staging buffer, uploads
// it without blocking on the slot's stream and normalises it there.
torch::Tensor upload_normalize(Slot &s, const torch::Device &dev,
                               const uint8_t *pixels, int64_t n, int64_t h,
                               int64_t w, const float *lut) {
  const int64_t bytes = n * h * w * 3;
  auto staging = host_buffer(s.staging, bytes, torch::kUInt8, dev.is_cuda());
  std::memcpy(staging.data_ptr<uint8_t>(), pixels, static_cast<size_t>(bytes));
  auto u8 = staging.view({n, h, w, 3})
                .to(dev, torch::kUInt8, /*non_blocking=*/true);
  return gather_nchw(u8, slot_table(s, lut, dev));
}

void sync_slot(const Slot &s) {
  if (s.stream) {
    s.stream->synchronize();
  }
}

void check_batch(const uint8_t *pixels, const float *lut, int64_t n,
                 int64_t h, int64_t w) {
  if (pixels == nullptr || lut == nullptr) {
    throw torchc_error("NULL pixel buffer or table");
  }
  if (n < 1 || h < 1 || w < 1) {
    std::ostringstream msg;
    msg << "bad batch shape " << n << "x" << h << "x" << w
        << "x3: every dimension must be >= 1";
    throw torchc_error(msg.str());
  }
}

// Lease takes a free slot of `m` (or makes one) for one call and gives it
// back afterwards, its stream synchronised, so the next user finds no work
// of ours pending on it even when the call failed half-way.
class Lease {
 public:
  explicit Lease(torchc_module *m) : m_(m) {
    std::lock_guard<std::mutex> lock(m_->slots_mu);
    if (!m_->free_slots.empty()) {
      slot_ = std::move(m_->free_slots.back());
      m_->free_slots.pop_back();
    } else {
      slot_ = make_slot(m_->device);
      m_->slots_made++;
    }
  }
  ~Lease() {
    try {
      sync_slot(*slot_);
    } catch (...) {
      // A failed stream is reported by the call that used it.
    }
    std::lock_guard<std::mutex> lock(m_->slots_mu);
    m_->free_slots.push_back(std::move(slot_));
  }
  Lease(const Lease &) = delete;
  Lease &operator=(const Lease &) = delete;
  Slot &operator*() { return *slot_; }

 private:
  torchc_module *m_;
  std::unique_ptr<Slot> slot_;
};

// check_output returns the model's [n, C] float32 logits or throws.
torch::Tensor check_output(const c10::IValue &result, int64_t n) {
  if (!result.isTensor()) {
    throw torchc_error("model returned " + describe(result) +
                       ", want a 2-D float32 tensor [N, C]");
  }
  auto out = result.toTensor();
  if (out.dim() != 2 || out.size(0) != n ||
      out.scalar_type() != torch::kFloat) {
    std::ostringstream msg;
    msg << "model returned " << describe(result) << " for a batch of " << n
        << ", want a 2-D float32 tensor [" << n << ", C]";
    throw torchc_error(msg.str());
  }
  return out;
}

void check_capacity(int64_t n, int64_t classes, int64_t capacity) {
  if (n * classes > capacity) {
    std::ostringstream msg;
    msg << "output buffer holds " << capacity << " floats, need "
        << n * classes;
    throw torchc_error(msg.str());
  }
}

// forward_host is the CPU default: normalise with the host loop, forward,
// softmax; outputs are CPU tensors already.
void forward_host(torchc_module *m, const uint8_t *pixels, int64_t n,
                  int64_t h, int64_t w, const float *lut, float *logits,
                  float *probs, int64_t capacity, int64_t *classes) {
  auto input = normalize_host(pixels, n, h, w, lut);
  auto out = check_output(m->module.forward({input}), n);
  *classes = out.size(1);
  if (logits == nullptr) {  // warm-up
    return;
  }
  check_capacity(n, out.size(1), capacity);
  auto soft = torch::softmax(out, 1);
  auto out_c = out.contiguous();
  auto soft_c = soft.contiguous();
  const size_t bytes = static_cast<size_t>(n * out.size(1)) * sizeof(float);
  std::memcpy(logits, out_c.data_ptr<float>(), bytes);
  std::memcpy(probs, soft_c.data_ptr<float>(), bytes);
}

// forward_slot is the device path (always on CUDA): staging buffer,
// non-blocking upload and gather on the slot's stream, forward, softmax,
// non-blocking copies into the slot's pinned output buffer, one stream
// synchronisation, then plain copies into the caller's buffers. With
// logits == NULL (warm-up) the outputs are computed but not copied out.
void forward_slot(torchc_module *m, Slot &s, const uint8_t *pixels, int64_t n,
                  int64_t h, int64_t w, const float *lut, float *logits,
                  float *probs, int64_t capacity, int64_t *classes) {
  const torch::Device &dev = m->device;
  SlotGuard on(dev, s);
  auto input = upload_normalize(s, dev, pixels, n, h, w, lut);
  auto out = check_output(m->module.forward({input}), n);
  const int64_t c = out.size(1);
  *classes = c;
  auto soft = torch::softmax(out, 1);
  if (logits == nullptr) {
    sync_slot(s);
    return;
  }
  check_capacity(n, c, capacity);
  const int64_t k = n * c;
  auto host = host_buffer(s.out_host, 2 * k, torch::kFloat, dev.is_cuda());
  host.narrow(0, 0, k).view({n, c}).copy_(out, /*non_blocking=*/true);
  host.narrow(0, k, k).view({n, c}).copy_(soft, /*non_blocking=*/true);
  sync_slot(s);
  const float *src = host.data_ptr<float>();
  std::memcpy(logits, src, static_cast<size_t>(k) * sizeof(float));
  std::memcpy(probs, src + k, static_cast<size_t>(k) * sizeof(float));
}

// cuda_driver reaches the CUDA driver API through dlopen, for what LibTorch
// does not say without CUDA headers (device name, compute capability,
// memory). Driver ordinals are LibTorch's: both honour
// CUDA_VISIBLE_DEVICES. The signatures are the driver's stable C ABI.
struct CudaDriver {
  int (*get)(int *, int) = nullptr;                  // cuDeviceGet
  int (*name)(char *, int, int) = nullptr;           // cuDeviceGetName
  int (*attribute)(int *, int, int) = nullptr;       // cuDeviceGetAttribute
  int (*total_mem)(size_t *, int) = nullptr;         // cuDeviceTotalMem_v2
  std::string error;
};

const CudaDriver &cuda_driver() {
  static const CudaDriver driver = [] {
    CudaDriver d;
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char *why = dlerror();
      d.error = std::string("cannot load the CUDA driver libcuda.so.1: ") +
                (why != nullptr ? why : "unknown error");
      return d;
    }
    auto init = reinterpret_cast<int (*)(unsigned)>(dlsym(lib, "cuInit"));
    d.get = reinterpret_cast<int (*)(int *, int)>(dlsym(lib, "cuDeviceGet"));
    d.name = reinterpret_cast<int (*)(char *, int, int)>(
        dlsym(lib, "cuDeviceGetName"));
    d.attribute = reinterpret_cast<int (*)(int *, int, int)>(
        dlsym(lib, "cuDeviceGetAttribute"));
    d.total_mem = reinterpret_cast<int (*)(size_t *, int)>(
        dlsym(lib, "cuDeviceTotalMem_v2"));
    if (init == nullptr || d.get == nullptr || d.name == nullptr ||
        d.attribute == nullptr || d.total_mem == nullptr) {
      d.error = "the CUDA driver libcuda.so.1 lacks a device query function";
    } else if (int rc = init(0); rc != 0) {
      d.error = "cuInit failed with CUresult " + std::to_string(rc);
    }
    return d;
  }();
  if (!driver.error.empty()) {
    throw torchc_error(driver.error);
  }
  return driver;
}

// cuda_device checks `index` against LibTorch's devices and returns the
// driver's handle for it.
int cuda_device(int index) {
  int count = torch::cuda::is_available()
                  ? static_cast<int>(torch::cuda::device_count())
                  : 0;
  if (index < 0 || index >= count) {
    std::ostringstream msg;
    msg << "no CUDA device " << index << ": LibTorch sees " << count;
    throw torchc_error(msg.str());
  }
  int dev = 0;
  if (int rc = cuda_driver().get(&dev, index); rc != 0) {
    throw torchc_error("cuDeviceGet(" + std::to_string(index) +
                       ") failed with CUresult " + std::to_string(rc));
  }
  return dev;
}

int cuda_math() {
  auto &ctx = at::globalContext();
  return (ctx.allowTF32CuDNN() ? TORCHC_MATH_TF32_CUDNN : 0) |
         (ctx.allowTF32CuBLAS() ? TORCHC_MATH_TF32_CUBLAS : 0) |
         (ctx.deterministicCuDNN() ? TORCHC_MATH_DETERMINISTIC_CUDNN : 0) |
         (ctx.benchmarkCuDNN() ? TORCHC_MATH_BENCHMARK_CUDNN : 0);
}

}  // namespace

extern "C" {

int torchc_abi_version(void) { return TORCHC_ABI_VERSION; }

char *torchc_torch_version(char **err) {
  char *out = nullptr;
  guard(err, [&] {
    std::ostringstream s;
    s << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR << "."
      << TORCH_VERSION_PATCH;
    out = dup_or_throw(s.str());
  });
  return out;
}

int torchc_cuda_device_count(char **err) {
  int n = 0;
  guard(err, [&] {
    n = torch::cuda::is_available()
            ? static_cast<int>(torch::cuda::device_count())
            : 0;
  });
  return n;
}

void torchc_set_num_threads(int n, char **err) {
  guard(err, [&] {
    if (n < 1) {
      throw torchc_error("intra-op thread count must be >= 1, got " +
                         std::to_string(n));
    }
    at::set_num_threads(n);
  });
}

int torchc_get_num_threads(char **err) {
  int n = 0;
  guard(err, [&] { n = at::get_num_threads(); });
  return n;
}

void torchc_set_num_interop_threads(int n, char **err) {
  guard(err, [&] {
    if (n < 1) {
      throw torchc_error("inter-op thread count must be >= 1, got " +
                         std::to_string(n));
    }
    at::set_num_interop_threads(n);
  });
}

torchc_module *torchc_module_load(const char *path, const char *device,
                                  char **err) {
  torchc_module *out = nullptr;
  guard(err, [&] {
    if (path == nullptr) {
      throw torchc_error("model path is NULL");
    }
    torch::Device dev = parse_device(device);
    torch::jit::ExtraFilesMap extra{{"predict.json", ""}};
    auto module = torch::jit::load(path, dev, extra);
    module.eval();
    out = new torchc_module(std::move(module), dev, extra["predict.json"]);
  });
  return out;
}

char *torchc_module_metadata(const torchc_module *m, char **err) {
  char *out = nullptr;
  guard(err, [&] {
    if (m == nullptr) {
      throw torchc_error("module is NULL");
    }
    out = dup_or_throw(m->metadata);
  });
  return out;
}

char *torchc_module_device(const torchc_module *m, char **err) {
  char *out = nullptr;
  guard(err, [&] {
    if (m == nullptr) {
      throw torchc_error("module is NULL");
    }
    out = dup_or_throw(m->device.str());
  });
  return out;
}

void torchc_module_forward_u8(torchc_module *m, const uint8_t *pixels,
                              int64_t n, int64_t h, int64_t w,
                              const float *lut, float *logits, float *probs,
                              int64_t capacity, int64_t *classes, char **err) {
  guard(err, [&] {
    if (classes != nullptr) {
      *classes = 0;
    }
    if (m == nullptr) {
      throw torchc_error("module is NULL");
    }
    if (logits == nullptr || probs == nullptr || classes == nullptr) {
      throw torchc_error("NULL output buffer passed to forward");
    }
    check_batch(pixels, lut, n, h, w);

    c10::InferenceMode guard_mode;
    if (m->uses_slots()) {
      Lease slot(m);
      forward_slot(m, *slot, pixels, n, h, w, lut, logits, probs, capacity,
                   classes);
    } else {
      forward_host(m, pixels, n, h, w, lut, logits, probs, capacity, classes);
#if defined(__GLIBC__)
      // A CPU forward frees hundreds of MB of activations; glibc keeps
      // much of it in its heaps, where the next batches fragment it and
      // RSS creeps up. Handing it back costs ~ms against a ~1 s batch.
      malloc_trim(0);
#endif
    }
  });
}

void torchc_normalize_u8(const char *device, int tensor_ops,
                         const uint8_t *pixels, int64_t n, int64_t h,
                         int64_t w, const float *lut, float *out, char **err) {
  guard(err, [&] {
    if (out == nullptr) {
      throw torchc_error("NULL output buffer");
    }
    check_batch(pixels, lut, n, h, w);
    c10::InferenceMode guard_mode;
    torch::Device dev = parse_device(device);
    torch::Tensor t;
    if (dev.is_cpu() && tensor_ops == 0) {
      t = normalize_host(pixels, n, h, w, lut);
    } else {
      auto slot = make_slot(dev);  // a one-off slot, as forward uses
      SlotGuard on(dev, *slot);
      t = upload_normalize(*slot, dev, pixels, n, h, w, lut)
              .to(torch::kCPU)
              .contiguous();
      sync_slot(*slot);
    }
    std::memcpy(out, t.data_ptr<float>(),
                static_cast<size_t>(t.numel()) * sizeof(float));
  });
}

void torchc_module_warmup(torchc_module *m, int64_t n, int64_t h, int64_t w,
                          const float *lut, int slots, char **err) {
  guard(err, [&] {
    if (m == nullptr) {
      throw torchc_error("module is NULL");
    }
    if (slots < 1) {
      throw torchc_error("warm-up needs slots >= 1, got " +
                         std::to_string(slots));
    }
    std::vector<uint8_t> zeros(static_cast<size_t>(std::max<int64_t>(n * h * w * 3, 1)));
    check_batch(zeros.data(), lut, n, h, w);
    c10::InferenceMode guard_mode;
    int64_t classes = 0;
    if (!m->uses_slots()) {
      forward_host(m, zeros.data(), n, h, w, lut, nullptr, nullptr, 0,
                   &classes);
      return;
    }
    // Hold all leases at once so that `slots` distinct slots are warmed.
    std::vector<std::unique_ptr<Lease>> held;
    for (int i = 0; i < slots; i++) {
      held.push_back(std::make_unique<Lease>(m));
      forward_slot(m, **held.back(), zeros.data(), n, h, w, lut, nullptr,
                   nullptr, 0, &classes);
    }
  });
}

int torchc_module_slots(const torchc_module *m, char **err) {
  int n = 0;
  guard(err, [&] {
    if (m == nullptr) {
      throw torchc_error("module is NULL");
    }
    auto *mm = const_cast<torchc_module *>(m);
    std::lock_guard<std::mutex> lock(mm->slots_mu);
    n = mm->slots_made;
  });
  return n;
}

void torchc_module_set_device_path(torchc_module *m, int on, char **err) {
  guard(err, [&] {
    if (m == nullptr) {
      throw torchc_error("module is NULL");
    }
    if (!m->device.is_cpu()) {
      throw torchc_error("the device path is already the only path on " +
                         m->device.str());
    }
    m->device_path.store(on != 0);
  });
}

int torchc_cuda_built(void) {
#ifdef TORCHC_WITH_CUDA
  return 1;
#else
  return 0;
#endif
}

int64_t torchc_cudnn_version(char **err) {
  int64_t v = 0;
  guard(err, [&] {
    if (at::globalContext().hasCuDNN()) {
      v = static_cast<int64_t>(at::globalContext().versionCuDNN());
    }
  });
  return v;
}

int64_t torchc_cuda_runtime_version(char **err) {
  int64_t v = 0;
  guard(err, [&] {
    if (at::globalContext().hasCUDART()) {
      v = static_cast<int64_t>(at::globalContext().versionCUDART());
    }
  });
  return v;
}

char *torchc_cuda_device_name(int index, char **err) {
  char *out = nullptr;
  guard(err, [&] {
    int dev = cuda_device(index);
    char name[256] = {0};
    if (int rc = cuda_driver().name(name, sizeof(name) - 1, dev); rc != 0) {
      throw torchc_error("cuDeviceGetName failed with CUresult " +
                         std::to_string(rc));
    }
    out = dup_or_throw(name);
  });
  return out;
}

void torchc_cuda_device_properties(int index, int *cc_major, int *cc_minor,
                                   int64_t *total_memory, char **err) {
  guard(err, [&] {
    if (cc_major == nullptr || cc_minor == nullptr || total_memory == nullptr) {
      throw torchc_error("NULL output pointer");
    }
    int dev = cuda_device(index);
    const CudaDriver &d = cuda_driver();
    // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR
    constexpr int kMajor = 75, kMinor = 76;
    size_t mem = 0;
    if (d.attribute(cc_major, kMajor, dev) != 0 ||
        d.attribute(cc_minor, kMinor, dev) != 0 ||
        d.total_mem(&mem, dev) != 0) {
      throw torchc_error("CUDA driver device query failed for device " +
                         std::to_string(index));
    }
    *total_memory = static_cast<int64_t>(mem);
  });
}

int torchc_get_cuda_math(char **err) {
  int v = 0;
  guard(err, [&] { v = cuda_math(); });
  return v;
}

void torchc_set_cuda_deterministic(int on, char **err) {
  guard(err, [&] {
    static std::mutex mu;
    static int defaults = -1;  // settings before our first change
    std::lock_guard<std::mutex> lock(mu);
    if (defaults < 0) {
      defaults = cuda_math();
    }
    const int want = on != 0 ? TORCHC_MATH_DETERMINISTIC_CUDNN : defaults;
    auto &ctx = at::globalContext();
    ctx.setAllowTF32CuDNN((want & TORCHC_MATH_TF32_CUDNN) != 0);
    ctx.setAllowTF32CuBLAS((want & TORCHC_MATH_TF32_CUBLAS) != 0);
    ctx.setDeterministicCuDNN((want & TORCHC_MATH_DETERMINISTIC_CUDNN) != 0);
    ctx.setBenchmarkCuDNN((want & TORCHC_MATH_BENCHMARK_CUDNN) != 0);
  });
}

void torchc_module_free(torchc_module *m) { delete m; }

}  // extern "C"
