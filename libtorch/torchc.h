/*
 * torchc.h — the only door from Go (or any C caller) into LibTorch.
 *
 * Rules of this ABI:
 *   - plain C types and opaque handles only;
 *   - every function that can fail reports through its last parameter
 *     `err`, a torchc_error the caller owns: on success err->code is
 *     TORCHC_OK and err->message NULL; on failure err->code says whose
 *     fault it is and err->message is a malloc'd text the caller frees with
 *     free(). No thread-local state. The three functions that cannot fail
 *     take no `err`: torchc_abi_version, torchc_cuda_built and
 *     torchc_module_free;
 *   - no C++ exception ever crosses this boundary;
 *   - no pointer passed in is kept after the call returns.
 *
 * Call torchc_abi_version first and compare it with TORCHC_ABI_VERSION: a
 * libtorchc.so built from another version of this header must not be
 * called further.
 *
 * The model interface is deliberately narrow (load; forward a uint8 batch;
 * free) so another backend (AOTInductor, ONNX Runtime) could sit behind it.
 * Entry points for tests and device checks are in torchc_testing.h.
 */
#ifndef TORCHC_H
#define TORCHC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this header; torchc_abi_version() returns the version the
 * shared library was built from. */
#define TORCHC_ABI_VERSION 7

#if defined(__GNUC__)
#define TORCHC_API __attribute__((visibility("default")))
#else
#define TORCHC_API
#endif

/* Error codes: what failed, so that a caller can tell its own mistakes
 * from the model's and the machine's without reading messages. */
enum {
  TORCHC_OK = 0,
  /* The caller passed something unusable: NULL, a bad shape, a count < 1,
   * a malformed device name. */
  TORCHC_ERR_INVALID_ARGUMENT = 1,
  /* The model file cannot be opened or read. */
  TORCHC_ERR_IO = 2,
  /* The file is readable but not a TorchScript archive LibTorch loads. */
  TORCHC_ERR_NOT_TORCHSCRIPT = 3,
  /* The model ran but returned something other than [N, C] float32. */
  TORCHC_ERR_BAD_OUTPUT = 4,
  /* The model's own code failed on a valid batch (a TorchScript raise, an
   * operator refusing its arguments). */
  TORCHC_ERR_MODEL = 5,
  /* Host or device memory ran out. */
  TORCHC_ERR_OUT_OF_MEMORY = 6,
  /* The device is missing or failed (no CUDA device, a CUDA error that
   * leaves the stream in error). */
  TORCHC_ERR_DEVICE = 7,
  /* Anything else: a bug in the shim or in LibTorch. */
  TORCHC_ERR_INTERNAL = 8
};

typedef struct torchc_error {
  int code;      /* TORCHC_OK or a TORCHC_ERR_* code */
  char *message; /* malloc'd when code != TORCHC_OK, else NULL */
} torchc_error;

typedef struct torchc_module torchc_module;

TORCHC_API int torchc_abi_version(void);

/* LibTorch's version, e.g. "1.13.1", malloc'd; NULL on error. */
TORCHC_API char *torchc_torch_version(torchc_error *err);

/* Number of visible CUDA devices; 0 when CUDA is unavailable. */
TORCHC_API int torchc_cuda_device_count(torchc_error *err);

/* 1 when this libtorchc.so was built against a LibTorch with CUDA
 * (CMake defined TORCHC_WITH_CUDA), else 0. Whether a GPU is usable is
 * torchc_cuda_device_count's business. */
TORCHC_API int torchc_cuda_built(void);

/* Versions LibTorch reports, e.g. cuDNN 90100 and CUDA runtime 13000;
 * 0 when LibTorch has no CUDA / no cuDNN. */
TORCHC_API int64_t torchc_cudnn_version(torchc_error *err);
TORCHC_API int64_t torchc_cuda_runtime_version(torchc_error *err);

/* CUDA device `index` (0 <= index < torchc_cuda_device_count, the same
 * ordinals as "cuda:N") as the CUDA driver reports it: its name (malloc'd),
 * compute capability and total memory in bytes. Errors when LibTorch sees
 * no such device or the driver cannot be asked. */
TORCHC_API char *torchc_cuda_device_name(int index, torchc_error *err);
TORCHC_API void torchc_cuda_device_properties(int index, int *cc_major,
                                              int *cc_minor,
                                              int64_t *total_memory,
                                              torchc_error *err);

/* LibTorch's process-wide CUDA math settings, as TORCHC_MATH_* bits. The
 * defaults are PyTorch's (what the user's Python gets): TF32 allowed for
 * cuDNN convolutions, not for cuBLAS matmuls, cuDNN not deterministic, no
 * cuDNN benchmark. */
#define TORCHC_MATH_TF32_CUDNN 1
#define TORCHC_MATH_TF32_CUBLAS 2
#define TORCHC_MATH_DETERMINISTIC_CUDNN 4
#define TORCHC_MATH_BENCHMARK_CUDNN 8
TORCHC_API int torchc_cuda_math(torchc_error *err);

/* on != 0: full-fp32, reproducible CUDA math (TF32 off for cuDNN and
 * cuBLAS, deterministic cuDNN, no cuDNN benchmark). on == 0: back to the
 * settings found before the first call (PyTorch's defaults). Process-wide;
 * call before loading modules. Harmless on a CPU-only LibTorch. */
TORCHC_API void torchc_set_cuda_deterministic(int on, torchc_error *err);

/* Intra-op threads (at::set_num_threads), >= 1. Process-wide. */
TORCHC_API void torchc_set_num_threads(int n, torchc_error *err);
TORCHC_API int torchc_num_threads(torchc_error *err);
/* LibTorch's own intra-op thread count (at::intraop_default_num_threads):
 * what a process that never sets one runs with. */
TORCHC_API int torchc_default_num_threads(torchc_error *err);

/* Inter-op threads (at::set_num_interop_threads), >= 1. LibTorch allows
 * this once per process and only before any inter-op work has started. */
TORCHC_API void torchc_set_num_interop_threads(int n, torchc_error *err);

/* Loads a TorchScript module onto `device` ("cpu", "cuda", "cuda:1") and
 * puts it in eval mode. Returns NULL and sets *err on failure: IO when the
 * file cannot be read, NOT_TORCHSCRIPT when LibTorch cannot load it,
 * DEVICE or OUT_OF_MEMORY when it cannot be put on the device. */
TORCHC_API torchc_module *torchc_module_load(const char *path,
                                             const char *device,
                                             torchc_error *err);

/* The "predict.json" extra file stored in the TorchScript archive
 * (torch.jit.save(..., _extra_files=...)), malloc'd; "" when absent.
 * scripts/export_resnet18.py records there whether weights are random. */
TORCHC_API char *torchc_module_metadata(const torchc_module *m,
                                        torchc_error *err);

/*
 * One batch, one call: upload `pixels` (n x h x w x 3 uint8, contiguous,
 * RGB, row-major) to the module's device, normalise there through `lut`
 * (3 x 256 float32: lut[c*256 + v] is the value torchvision's
 * ToTensor+Normalize gives sample v of channel c; docs/parity-spec.md
 * §4.1), arrange as contiguous NCHW float32, run forward under
 * c10::InferenceMode, take softmax over dim 1, and copy both back to the
 * host.
 *
 * `logits` and `probs` each have room for `capacity` floats. The model's
 * output width C is written to *classes. If n*C > capacity nothing is
 * copied, *classes is still set and *err says so (INVALID_ARGUMENT): the
 * caller may retry with a larger buffer (the binding does this once per
 * module).
 *
 * The model must return a 2-D float32 tensor of shape [n, C], C >= 1
 * (else BAD_OUTPUT).
 *
 * sub_batch > 0 and < n runs the batch through the model in parts of that
 * many images (the last part smaller), each normalised and forwarded on
 * its own, into the same output rows: less memory for activations, and
 * the same logits wherever the model's outputs do not depend on the batch
 * an image rides in (a caller checks that before relying on it). 0 runs
 * the batch whole.
 *
 * On a CUDA module (and on a CPU module put on the device path, see
 * torchc_testing.h) each call takes a "slot" from the module's free list,
 * or makes a new one when all are in use, so the number of slots is the
 * most calls ever in flight at once. A slot owns
 *   - a CUDA stream from LibTorch's pool (c10::cuda::getStreamFromPool),
 *     made current, with the module's device, inside the call;
 *   - a pinned host staging buffer for the uint8 batch, uploaded with a
 *     non-blocking copy on that stream, grown as needed;
 *   - the 3x256 table on the device (uploaded again only when `lut`
 *     changes) and pinned host buffers the logits/probs come back through.
 * The call synchronises its stream before returning, so nothing a caller
 * passed is used after. Concurrent calls on one module run on different
 * streams: copies and kernels of >= 2 batches overlap. Slots are freed by
 * torchc_module_free.
 */
TORCHC_API void torchc_module_forward_u8(torchc_module *m,
                                         const uint8_t *pixels, int64_t n,
                                         int64_t h, int64_t w,
                                         const float *lut, int64_t sub_batch,
                                         float *logits, float *probs,
                                         int64_t capacity, int64_t *classes,
                                         torchc_error *err);

/* Runs an all-zero n x h x w batch through the module `runs` times, each
 * time through `slots` distinct slots (held at once, created as needed; a
 * CPU module on its host path has none and runs the batch once per run).
 * The first calls for a batch shape are slow (TorchScript's profiling
 * executor optimises on the second run, oneDNN and cuDNN pick kernels per
 * shape, caching allocators grow per stream), so a server warms each batch
 * size it will use before reporting ready. *classes receives the output
 * width. runs >= 1, slots >= 1. */
TORCHC_API void torchc_module_warmup(torchc_module *m, int64_t n, int64_t h,
                                     int64_t w, const float *lut, int runs,
                                     int slots, int64_t *classes,
                                     torchc_error *err);

/* Frees the module and its slots (streams go back to LibTorch's pool,
 * pinned buffers to its caching host allocator). NULL is allowed. The
 * caller guarantees no call on `m` is in flight. Cannot fail. */
TORCHC_API void torchc_module_free(torchc_module *m);

#ifdef __cplusplus
}
#endif

#endif /* TORCHC_H */
