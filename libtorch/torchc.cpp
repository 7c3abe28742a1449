// torchc.cpp — the C ABI of torchc.h over LibTorch: modules, forward,
// threads, and the test entry points of torchc_testing.h.
//
// Every exported function runs inside guard() (guard.h), which turns any
// C++ exception into a coded torchc_error. Whole batches run inside one
// call so every intermediate tensor dies in C++ scope.

#include "guard.h"
#include "torchc.h"
#include "torchc_testing.h"

#include <torch/script.h>
#include <torch/torch.h>
#include <ATen/Parallel.h>
#include <c10/core/DeviceGuard.h>
#include <c10/core/Stream.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <sys/stat.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using torchc::fail;
using torchc::guard;

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

// parse_device reads a device name: malformed or unknown names are the
// caller's mistake, a CUDA device that is not there is the machine's.
torch::Device parse_device(const char *name) {
  if (name == nullptr) {
    fail(TORCHC_ERR_INVALID_ARGUMENT, "device is NULL");
  }
  std::optional<torch::Device> parsed;
  try {
    parsed.emplace(name);
  } catch (const c10::Error &e) {
    fail(TORCHC_ERR_INVALID_ARGUMENT, e.what_without_backtrace());
  }
  torch::Device dev = *parsed;
  if (dev.is_cuda()) {
    int count = torch::cuda::is_available()
                    ? static_cast<int>(torch::cuda::device_count())
                    : 0;
    if (count == 0) {
      fail(TORCHC_ERR_DEVICE,
           std::string("device \"") + name +
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
      fail(TORCHC_ERR_DEVICE, msg.str());
    }
  } else if (!dev.is_cpu()) {
    fail(TORCHC_ERR_INVALID_ARGUMENT, std::string("unsupported device \"") +
                                          name +
                                          "\" (want cpu, cuda or cuda:N)");
  }
  return dev;
}

// device_works runs one tiny allocation and copy on dev: false when the
// device (its context or stream) is in error.
bool device_works(const torch::Device &dev) {
  if (dev.is_cpu()) {
    return true;
  }
  try {
    torch::ones({1}, torch::TensorOptions().device(dev)).cpu();
    return true;
  } catch (...) {
    return false;
  }
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
// (docs/parity-spec.md §4, §4.1).
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

bool stream_works(const Slot &s) {
  try {
    sync_slot(s);
    return true;
  } catch (...) {
    return false;
  }
}

void check_shape(int64_t n, int64_t h, int64_t w) {
  if (n < 1 || h < 1 || w < 1) {
    std::ostringstream msg;
    msg << "bad batch shape " << n << "x" << h << "x" << w
        << "x3: every dimension must be >= 1";
    fail(TORCHC_ERR_INVALID_ARGUMENT, msg.str());
  }
}

void check_batch(const uint8_t *pixels, const float *lut, int64_t n,
                 int64_t h, int64_t w) {
  if (pixels == nullptr || lut == nullptr) {
    fail(TORCHC_ERR_INVALID_ARGUMENT, "NULL pixel buffer or table");
  }
  check_shape(n, h, w);
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
    fail(TORCHC_ERR_BAD_OUTPUT, "model returned " + describe(result) +
                                    ", want a 2-D float32 tensor [N, C]");
  }
  auto out = result.toTensor();
  if (out.dim() != 2 || out.size(0) != n || out.size(1) < 1 ||
      out.scalar_type() != torch::kFloat) {
    std::ostringstream msg;
    msg << "model returned " << describe(result) << " for a batch of " << n
        << ", want a 2-D float32 tensor [" << n << ", C] with C >= 1";
    fail(TORCHC_ERR_BAD_OUTPUT, msg.str());
  }
  return out;
}

void check_capacity(int64_t n, int64_t classes, int64_t capacity) {
  if (n * classes > capacity) {
    std::ostringstream msg;
    msg << "output buffer holds " << capacity << " floats, need "
        << n * classes;
    fail(TORCHC_ERR_INVALID_ARGUMENT, msg.str());
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
  torch::Tensor out;
  try {
    auto input = upload_normalize(s, dev, pixels, n, h, w, lut);
    out = check_output(m->module.forward({input}), n);
  } catch (const c10::OutOfMemoryError &) {
    throw;
  } catch (const c10::Error &e) {
    // A model failing on a valid batch leaves the stream usable; a CUDA
    // error (illegal access, lost device) leaves it in error.
    if (!stream_works(s)) {
      fail(TORCHC_ERR_DEVICE, e.what_without_backtrace());
    }
    throw;
  }
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

}  // namespace

extern "C" {

int torchc_abi_version(void) { return TORCHC_ABI_VERSION; }

char *torchc_torch_version(torchc_error *err) {
  char *out = nullptr;
  guard(err, TORCHC_ERR_INTERNAL, [&] {
    std::ostringstream s;
    s << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR << "."
      << TORCH_VERSION_PATCH;
    out = dup_or_throw(s.str());
  });
  return out;
}

void torchc_set_num_threads(int n, torchc_error *err) {
  guard(err, TORCHC_ERR_INTERNAL, [&] {
    if (n < 1) {
      fail(TORCHC_ERR_INVALID_ARGUMENT,
           "intra-op thread count must be >= 1, got " + std::to_string(n));
    }
    at::set_num_threads(n);
  });
}

int torchc_num_threads(torchc_error *err) {
  int n = 0;
  guard(err, TORCHC_ERR_INTERNAL, [&] { n = at::get_num_threads(); });
  return n;
}

int torchc_default_num_threads(torchc_error *err) {
  int n = 0;
  guard(err, TORCHC_ERR_INTERNAL, [&] { n = at::intraop_default_num_threads(); });
  return n;
}

void torchc_set_num_interop_threads(int n, torchc_error *err) {
  // LibTorch refuses a second setting with a c10::Error: the caller's
  // mistake, not the library's.
  guard(err, TORCHC_ERR_INVALID_ARGUMENT, [&] {
    if (n < 1) {
      fail(TORCHC_ERR_INVALID_ARGUMENT,
           "inter-op thread count must be >= 1, got " + std::to_string(n));
    }
    at::set_num_interop_threads(n);
  });
}

torchc_module *torchc_module_load(const char *path, const char *device,
                                  torchc_error *err) {
  torchc_module *out = nullptr;
  // A LibTorch error while loading a readable file onto a working device
  // means the file is not a TorchScript archive it can load.
  guard(err, TORCHC_ERR_NOT_TORCHSCRIPT, [&] {
    if (path == nullptr) {
      fail(TORCHC_ERR_INVALID_ARGUMENT, "model path is NULL");
    }
    torch::Device dev = parse_device(device);
    struct stat st;
    if (stat(path, &st) != 0) {
      fail(TORCHC_ERR_IO, std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
      fail(TORCHC_ERR_IO, "not a regular file");
    }
    if (!device_works(dev)) {
      fail(TORCHC_ERR_DEVICE, "device " + dev.str() + " does not respond");
    }
    torch::jit::ExtraFilesMap extra{{"predict.json", ""}};
    std::optional<torch::jit::script::Module> module;
    try {
      module.emplace(torch::jit::load(path, dev, extra));
    } catch (const c10::OutOfMemoryError &) {
      throw;
    } catch (const c10::Error &e) {
      if (!device_works(dev)) {
        fail(TORCHC_ERR_DEVICE, e.what_without_backtrace());
      }
      throw;
    }
    module->eval();
    out = new torchc_module(std::move(*module), dev, extra["predict.json"]);
  });
  return out;
}

char *torchc_module_metadata(const torchc_module *m, torchc_error *err) {
  char *out = nullptr;
  guard(err, TORCHC_ERR_INTERNAL, [&] {
    if (m == nullptr) {
      fail(TORCHC_ERR_INVALID_ARGUMENT, "module is NULL");
    }
    out = dup_or_throw(m->metadata);
  });
  return out;
}

void torchc_module_forward_u8(torchc_module *m, const uint8_t *pixels,
                              int64_t n, int64_t h, int64_t w,
                              const float *lut, int64_t sub_batch,
                              float *logits, float *probs, int64_t capacity,
                              int64_t *classes, torchc_error *err) {
  // The batch was checked here; what LibTorch refuses from then on is the
  // model's doing (forward_slot tells a failed device apart).
  guard(err, TORCHC_ERR_MODEL, [&] {
    if (classes != nullptr) {
      *classes = 0;
    }
    if (m == nullptr) {
      fail(TORCHC_ERR_INVALID_ARGUMENT, "module is NULL");
    }
    if (logits == nullptr || probs == nullptr || classes == nullptr) {
      fail(TORCHC_ERR_INVALID_ARGUMENT, "NULL output buffer passed to forward");
    }
    check_batch(pixels, lut, n, h, w);
    if (sub_batch < 0) {
      fail(TORCHC_ERR_INVALID_ARGUMENT,
           "sub-batch size must be >= 0, got " + std::to_string(sub_batch));
    }

    c10::InferenceMode guard_mode;
    const int64_t part = sub_batch > 0 && sub_batch < n ? sub_batch : n;
    const int64_t image_bytes = h * w * 3;
    for (int64_t i = 0; i < n; i += part) {
      const int64_t k = std::min(part, n - i);
      const int64_t done = i * *classes;  // floats written so far
      // The first part reports the output width straight to the caller,
      // even when the buffer turns out short (the binding retries then).
      int64_t c = 0;
      int64_t *width = i == 0 ? classes : &c;
      if (m->uses_slots()) {
        Lease slot(m);
        forward_slot(m, *slot, pixels + i * image_bytes, k, h, w, lut,
                     logits + done, probs + done, capacity - done, width);
      } else {
        forward_host(m, pixels + i * image_bytes, k, h, w, lut, logits + done,
                     probs + done, capacity - done, width);
      }
      if (i == 0) {
        check_capacity(n, *classes, capacity);  // before any further part
      } else if (c != *classes) {
        fail(TORCHC_ERR_BAD_OUTPUT,
             "model returned " + std::to_string(c) + " classes for a sub-batch, " +
                 std::to_string(*classes) + " for the first");
      }
    }
#if defined(__GLIBC__)
    if (!m->uses_slots()) {
      // A CPU forward frees hundreds of MB of activations; glibc keeps
      // much of it in its heaps, where the next batches fragment it and
      // RSS creeps up. Handing it back costs ~ms against a ~1 s batch.
      malloc_trim(0);
    }
#endif
  });
}

void torchc_module_warmup(torchc_module *m, int64_t n, int64_t h, int64_t w,
                          const float *lut, int runs, int slots,
                          int64_t *classes, torchc_error *err) {
  guard(err, TORCHC_ERR_MODEL, [&] {
    if (m == nullptr) {
      fail(TORCHC_ERR_INVALID_ARGUMENT, "module is NULL");
    }
    if (classes == nullptr) {
      fail(TORCHC_ERR_INVALID_ARGUMENT, "NULL classes pointer");
    }
    if (runs < 1 || slots < 1) {
      fail(TORCHC_ERR_INVALID_ARGUMENT,
           "warm-up needs runs >= 1 and slots >= 1, got " +
               std::to_string(runs) + " and " + std::to_string(slots));
    }
    if (lut == nullptr) {
      fail(TORCHC_ERR_INVALID_ARGUMENT, "NULL table");
    }
    check_shape(n, h, w);
    std::vector<uint8_t> zeros(static_cast<size_t>(n * h * w * 3));
    c10::InferenceMode guard_mode;
    for (int r = 0; r < runs; r++) {
      if (!m->uses_slots()) {
        forward_host(m, zeros.data(), n, h, w, lut, nullptr, nullptr, 0,
                     classes);
        continue;
      }
      // Hold all leases at once so that `slots` distinct slots are warmed.
      std::vector<std::unique_ptr<Lease>> held;
      for (int i = 0; i < slots; i++) {
        held.push_back(std::make_unique<Lease>(m));
        forward_slot(m, **held.back(), zeros.data(), n, h, w, lut, nullptr,
                     nullptr, 0, classes);
      }
    }
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
  });
}

void torchc_module_free(torchc_module *m) { delete m; }

// torchc_testing.h

void torchc_normalize_u8(const char *device, int tensor_ops,
                         const uint8_t *pixels, int64_t n, int64_t h,
                         int64_t w, const float *lut, float *out,
                         torchc_error *err) {
  guard(err, TORCHC_ERR_INTERNAL, [&] {
    if (out == nullptr) {
      fail(TORCHC_ERR_INVALID_ARGUMENT, "NULL output buffer");
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

int torchc_module_slots(const torchc_module *m, torchc_error *err) {
  int n = 0;
  guard(err, TORCHC_ERR_INTERNAL, [&] {
    if (m == nullptr) {
      fail(TORCHC_ERR_INVALID_ARGUMENT, "module is NULL");
    }
    auto *mm = const_cast<torchc_module *>(m);
    std::lock_guard<std::mutex> lock(mm->slots_mu);
    n = mm->slots_made;
  });
  return n;
}

void torchc_module_set_device_path(torchc_module *m, int on,
                                   torchc_error *err) {
  guard(err, TORCHC_ERR_INTERNAL, [&] {
    if (m == nullptr) {
      fail(TORCHC_ERR_INVALID_ARGUMENT, "module is NULL");
    }
    if (!m->device.is_cpu()) {
      fail(TORCHC_ERR_INVALID_ARGUMENT,
           "the device path is already the only path on " + m->device.str());
    }
    m->device_path.store(on != 0);
  });
}

}  // extern "C"
