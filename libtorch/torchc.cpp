// torchc.cpp — the C ABI of torchc.h over LibTorch.
//
// Every exported function is wrapped in guard(), which turns any C++
// exception into a strdup'd message in *err. Whole batches run inside one
// call so every intermediate tensor dies in C++ scope.

#include "torchc.h"

#include <torch/script.h>
#include <torch/torch.h>
#include <ATen/Parallel.h>

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

struct torchc_module {
  torch::jit::script::Module module;
  torch::Device device;
  std::string metadata;  // the archive's predict.json, "" when absent
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

// normalize_u8 maps an n x h x w x 3 uint8 batch through the 3 x 256
// table into a contiguous NCHW float32 tensor on `dev` — the memory format
// torch.stack gives Python. A table lookup is exact on every device, unlike
// x.float().div(255) which multiplies by a reciprocal on CUDA
// (parity-spec §4, §4.1).
//   CPU: one pass over host memory (lookup + transpose), split across the
//        intra-op threads; no uint8 or int64 temporaries.
//   CUDA: upload the uint8 batch (4x less traffic than float32), then
//        gather through the table on the device.
torch::Tensor normalize_u8(const uint8_t *pixels, int64_t n, int64_t h,
                           int64_t w, const float *lut,
                           const torch::Device &dev, bool tensor_ops = false) {
  const int64_t plane = h * w;
  if (dev.is_cpu() && !tensor_ops) {
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
  auto host = torch::from_blob(const_cast<uint8_t *>(pixels), {n, h, w, 3},
                               torch::TensorOptions().dtype(torch::kUInt8));
  auto table = torch::from_blob(const_cast<float *>(lut), {3 * 256},
                                torch::TensorOptions().dtype(torch::kFloat))
                   .to(dev);
  auto nchw = host.to(dev).permute({0, 3, 1, 2}).contiguous();
  auto offsets =
      (torch::arange(3, torch::TensorOptions().dtype(torch::kLong).device(dev)) *
       256)
          .view({1, 3, 1, 1});
  return table.take(nchw.to(torch::kLong) + offsets).contiguous();
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
    out = new torchc_module{std::move(module), dev, extra["predict.json"]};
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
    auto input = normalize_u8(pixels, n, h, w, lut, m->device);

    c10::IValue result = m->module.forward({input});
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
    *classes = out.size(1);
    if (n * out.size(1) > capacity) {
      std::ostringstream msg;
      msg << "output buffer holds " << capacity << " floats, need "
          << n * out.size(1);
      throw torchc_error(msg.str());
    }
    auto soft = torch::softmax(out, 1);
    auto out_cpu = out.to(torch::kCPU).contiguous();
    auto soft_cpu = soft.to(torch::kCPU).contiguous();
    const size_t bytes = static_cast<size_t>(n * out.size(1)) * sizeof(float);
    std::memcpy(logits, out_cpu.data_ptr<float>(), bytes);
    std::memcpy(probs, soft_cpu.data_ptr<float>(), bytes);
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
    auto t = normalize_u8(pixels, n, h, w, lut, parse_device(device),
                          tensor_ops != 0)
                 .to(torch::kCPU)
                 .contiguous();
    std::memcpy(out, t.data_ptr<float>(),
                static_cast<size_t>(t.numel()) * sizeof(float));
  });
}

void torchc_module_free(torchc_module *m) { delete m; }

}  // extern "C"
