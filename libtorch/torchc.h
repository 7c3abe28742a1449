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
#define TORCHC_ABI_VERSION 3

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
 * path that CUDA uses (upload, gather), so CPU-only tests cover it too.
 * For tests and device checks. */
TORCHC_API void torchc_normalize_u8(const char *device, int tensor_ops,
                                    const uint8_t *pixels, int64_t n,
                                    int64_t h, int64_t w, const float *lut,
                                    float *out, char **err);

/* Frees the module. NULL is allowed. Cannot fail (destructors do not throw). */
TORCHC_API void torchc_module_free(torchc_module *m);

#ifdef __cplusplus
}
#endif

#endif /* TORCHC_H */
