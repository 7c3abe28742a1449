/*
 * torchc.h — the only door from Go (or any C caller) into LibTorch.
 *
 * Rules of this ABI (see ../shared/docs/lessons-from-peers.md):
 *   - plain C types and opaque handles only;
 *   - every function reports failure through its last parameter `err`:
 *     on failure *err is set to a malloc'd (strdup) message that the caller
 *     frees with free(); on success *err is left NULL. No thread-local state;
 *   - no C++ exception ever crosses this boundary;
 *   - no pointer passed in is kept after the call returns.
 *
 * The model interface is deliberately narrow (load; forward a uint8 batch;
 * free) so another backend (AOTInductor, ONNX Runtime) could sit behind it.
 */
#ifndef TORCHC_H
#define TORCHC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this header; torchc_abi_version() returns the version the
 * shared library was built from, so a mismatched libtorchc.so is caught at
 * load time rather than by a crash. */
#define TORCHC_ABI_VERSION 4

#if defined(__GNUC__)
#define TORCHC_API __attribute__((visibility("default")))
#else
#define TORCHC_API
#endif

typedef struct torchc_module torchc_module;

TORCHC_API int torchc_abi_version(void);

/* LibTorch's version, e.g. "1.13.1", malloc'd; NULL on error. */
TORCHC_API char *torchc_torch_version(char **err);

/* Number of visible CUDA devices; 0 when CUDA is unavailable. */
TORCHC_API int torchc_cuda_device_count(char **err);

/* 1 when this libtorchc.so was built against a LibTorch with CUDA
 * (CMake defined TORCHC_WITH_CUDA), else 0. Whether a GPU is usable is
 * torchc_cuda_device_count's business. */
TORCHC_API int torchc_cuda_built(void);

/* Versions LibTorch reports, e.g. cuDNN 90100 and CUDA runtime 13000;
 * 0 when LibTorch has no CUDA / no cuDNN. */
TORCHC_API int64_t torchc_cudnn_version(char **err);
TORCHC_API int64_t torchc_cuda_runtime_version(char **err);

/* CUDA device `index` (0 <= index < torchc_cuda_device_count, the same
 * ordinals as "cuda:N") as the CUDA driver reports it: its name (malloc'd),
 * compute capability and total memory in bytes. Errors when LibTorch sees
 * no such device or the driver cannot be asked. */
TORCHC_API char *torchc_cuda_device_name(int index, char **err);
TORCHC_API void torchc_cuda_device_properties(int index, int *cc_major,
                                              int *cc_minor,
                                              int64_t *total_memory,
                                              char **err);

/* LibTorch's process-wide CUDA math settings, as TORCHC_MATH_* bits. The
 * defaults are PyTorch's (what the user's Python gets): TF32 allowed for
 * cuDNN convolutions, not for cuBLAS matmuls, cuDNN not deterministic, no
 * cuDNN benchmark. */
#define TORCHC_MATH_TF32_CUDNN 1
#define TORCHC_MATH_TF32_CUBLAS 2
#define TORCHC_MATH_DETERMINISTIC_CUDNN 4
#define TORCHC_MATH_BENCHMARK_CUDNN 8
TORCHC_API int torchc_get_cuda_math(char **err);

/* on != 0: full-fp32, reproducible CUDA math (TF32 off for cuDNN and
 * cuBLAS, deterministic cuDNN, no cuDNN benchmark). on == 0: back to the
 * settings found before the first call (PyTorch's defaults). Process-wide;
 * call before loading modules. Harmless on a CPU-only LibTorch. */
TORCHC_API void torchc_set_cuda_deterministic(int on, char **err);

/* Intra-op threads (at::set_num_threads), >= 1. */
TORCHC_API void torchc_set_num_threads(int n, char **err);
TORCHC_API int torchc_get_num_threads(char **err);

/* Inter-op threads (at::set_num_interop_threads), >= 1. LibTorch allows
 * this once per process and only before any inter-op work has started. */
TORCHC_API void torchc_set_num_interop_threads(int n, char **err);

/* Loads a TorchScript module onto `device` ("cpu", "cuda", "cuda:1") and
 * puts it in eval mode. Returns NULL and sets *err on failure. */
TORCHC_API torchc_module *torchc_module_load(const char *path, const char *device,
                                  char **err);

/* The "predict.json" extra file stored in the TorchScript archive
 * (torch.jit.save(..., _extra_files=...)), malloc'd; "" when absent.
 * scripts/export_resnet18.py records there whether weights are random. */
TORCHC_API char *torchc_module_metadata(const torchc_module *m, char **err);

/* The device the module lives on, as LibTorch prints it (malloc'd). */
TORCHC_API char *torchc_module_device(const torchc_module *m, char **err);

/*
 * One batch, one call: upload `pixels` (n x h x w x 3 uint8, contiguous,
 * RGB, row-major) to the module's device, normalise there through `lut`
 * (3 x 256 float32: lut[c*256 + v] is the value torchvision's
 * ToTensor+Normalize gives sample v of channel c; parity-spec §4.1), arrange
 * as contiguous NCHW float32, run forward under c10::InferenceMode, take
 * softmax over dim 1, and copy both back to the host.
 *
 * `logits` and `probs` each have room for `capacity` floats. The model's
 * output width C is written to *classes. If n*C > capacity nothing is
 * copied, *classes is still set and *err says so: the caller may retry with
 * a larger buffer (the binding does this once per module).
 *
 * The model must return a 2-D float32 tensor of shape [n, C].
 */
TORCHC_API void torchc_module_forward_u8(torchc_module *m, const uint8_t *pixels,
                              int64_t n, int64_t h, int64_t w,
                              const float *lut, float *logits, float *probs,
                              int64_t capacity, int64_t *classes, char **err);

/* The normalisation step of torchc_module_forward_u8 alone: `out` receives
 * the n x 3 x h x w float32 tensor built on `device` and copied back. On the
 * CPU forward uses a direct host loop; tensor_ops != 0 forces the tensor
 * path that CUDA uses (staging buffer, upload on a slot's stream, gather),
 * so CPU-only tests cover it too. On CUDA it runs through a one-off slot
 * exactly as forward does. For tests and device checks. */
TORCHC_API void torchc_normalize_u8(const char *device, int tensor_ops,
                                    const uint8_t *pixels, int64_t n,
                                    int64_t h, int64_t w, const float *lut,
                                    float *out, char **err);

/*
 * How torchc_module_forward_u8 runs on a CUDA module (and on a CPU module
 * put on the device path, below): each call takes a "slot" from the
 * module's free list, or makes a new one when all are in use, so the
 * number of slots is the most calls ever in flight at once. A slot owns
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

/* Runs an all-zero n x h x w batch through `slots` distinct slots, one after
 * the other, creating them as needed: the first calls for a batch shape are
 * slow (TorchScript profiling, cuDNN algorithm choice, CUDA caching
 * allocator growth per stream), so a server warms each (batch size, slot)
 * it will use before reporting ready. slots >= 1. */
TORCHC_API void torchc_module_warmup(torchc_module *m, int64_t n, int64_t h,
                                     int64_t w, const float *lut, int slots,
                                     char **err);

/* Number of slots the module has made so far (0 before any device-path
 * call; a CPU module on its default host path makes none). */
TORCHC_API int torchc_module_slots(const torchc_module *m, char **err);

/* CPU modules only: on != 0 sends forward through the device path (slots,
 * staging buffer, table gather as tensor ops) instead of the direct host
 * loop, so that CPU-only tests exercise the pipeline CUDA runs. Results are
 * bit-identical either way. Error on a CUDA module. */
TORCHC_API void torchc_module_set_device_path(torchc_module *m, int on,
                                              char **err);

/* Frees the module and its slots (streams go back to LibTorch's pool,
 * pinned buffers to its caching host allocator). NULL is allowed. The
 * caller guarantees no call on `m` is in flight. Cannot fail. */
TORCHC_API void torchc_module_free(torchc_module *m);

#ifdef __cplusplus
}
#endif

#endif /* TORCHC_H */
