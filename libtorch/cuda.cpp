// cuda.cpp — what torchc.h says about CUDA outside a module: whether the
// shim has it, the versions LibTorch reports, the devices as the driver
// describes them, and LibTorch's process-wide CUDA math settings. Written
// without CUDA headers, so it compiles against every LibTorch.

#include "guard.h"
#include "torchc.h"

#include <ATen/Context.h>
#include <torch/cuda.h>

#include <dlfcn.h>

#include <mutex>
#include <sstream>
#include <string>

using torchc::fail;
using torchc::guard;

namespace {

// CudaDriver reaches the CUDA driver API through dlopen, for what LibTorch
// does not say without CUDA headers (device name, compute capability,
// memory). Driver ordinals are LibTorch's: both honour
// CUDA_VISIBLE_DEVICES. The signatures are the driver's stable C ABI.
struct CudaDriver {
  int (*get)(int *, int) = nullptr;             // cuDeviceGet
  int (*name)(char *, int, int) = nullptr;      // cuDeviceGetName
  int (*attribute)(int *, int, int) = nullptr;  // cuDeviceGetAttribute
  int (*total_mem)(size_t *, int) = nullptr;    // cuDeviceTotalMem_v2
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
    fail(TORCHC_ERR_DEVICE, driver.error);
  }
  return driver;
}

int visible_devices() {
  return torch::cuda::is_available()
             ? static_cast<int>(torch::cuda::device_count())
             : 0;
}

// cuda_device checks `index` against LibTorch's devices and returns the
// driver's handle for it.
int cuda_device(int index) {
  int count = visible_devices();
  if (index < 0 || index >= count) {
    std::ostringstream msg;
    msg << "no CUDA device " << index << ": LibTorch sees " << count;
    fail(TORCHC_ERR_INVALID_ARGUMENT, msg.str());
  }
  int dev = 0;
  if (int rc = cuda_driver().get(&dev, index); rc != 0) {
    fail(TORCHC_ERR_DEVICE, "cuDeviceGet(" + std::to_string(index) +
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

int torchc_cuda_device_count(torchc_error *err) {
  int n = 0;
  guard(err, TORCHC_ERR_DEVICE, [&] { n = visible_devices(); });
  return n;
}

int torchc_cuda_built(void) {
#ifdef TORCHC_WITH_CUDA
  return 1;
#else
  return 0;
#endif
}

int64_t torchc_cudnn_version(torchc_error *err) {
  int64_t v = 0;
  guard(err, TORCHC_ERR_DEVICE, [&] {
    if (at::globalContext().hasCuDNN()) {
      v = static_cast<int64_t>(at::globalContext().versionCuDNN());
    }
  });
  return v;
}

int64_t torchc_cuda_runtime_version(torchc_error *err) {
  int64_t v = 0;
  guard(err, TORCHC_ERR_DEVICE, [&] {
    if (at::globalContext().hasCUDART()) {
      v = static_cast<int64_t>(at::globalContext().versionCUDART());
    }
  });
  return v;
}

char *torchc_cuda_device_name(int index, torchc_error *err) {
  char *out = nullptr;
  guard(err, TORCHC_ERR_DEVICE, [&] {
    int dev = cuda_device(index);
    char name[256] = {0};
    if (int rc = cuda_driver().name(name, sizeof(name) - 1, dev); rc != 0) {
      fail(TORCHC_ERR_DEVICE,
           "cuDeviceGetName failed with CUresult " + std::to_string(rc));
    }
    out = strdup(name);
    if (out == nullptr) {
      throw std::bad_alloc();
    }
  });
  return out;
}

void torchc_cuda_device_properties(int index, int *cc_major, int *cc_minor,
                                   int64_t *total_memory, torchc_error *err) {
  guard(err, TORCHC_ERR_DEVICE, [&] {
    if (cc_major == nullptr || cc_minor == nullptr || total_memory == nullptr) {
      fail(TORCHC_ERR_INVALID_ARGUMENT, "NULL output pointer");
    }
    int dev = cuda_device(index);
    const CudaDriver &d = cuda_driver();
    // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR
    constexpr int kMajor = 75, kMinor = 76;
    size_t mem = 0;
    if (d.attribute(cc_major, kMajor, dev) != 0 ||
        d.attribute(cc_minor, kMinor, dev) != 0 ||
        d.total_mem(&mem, dev) != 0) {
      fail(TORCHC_ERR_DEVICE,
           "CUDA driver device query failed for device " +
               std::to_string(index));
    }
    *total_memory = static_cast<int64_t>(mem);
  });
}

int torchc_cuda_math(torchc_error *err) {
  int v = 0;
  guard(err, TORCHC_ERR_INTERNAL, [&] { v = cuda_math(); });
  return v;
}

void torchc_set_cuda_deterministic(int on, torchc_error *err) {
  guard(err, TORCHC_ERR_INTERNAL, [&] {
    // The settings found before the first change, restored by on == 0.
    static std::mutex mu;
    static int defaults = -1;
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

}  // extern "C"
