/*
 * torchc_testing.h — entry points for tests and device checks, kept apart
 * from the production ABI in torchc.h (as TensorFlow keeps
 * c_api_experimental.h apart from c_api.h). Same rules as torchc.h.
 */
#ifndef TORCHC_TESTING_H
#define TORCHC_TESTING_H

#include "torchc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The normalisation step of torchc_module_forward_u8 alone: `out` receives
 * the n x 3 x h x w float32 tensor built on `device` and copied back. On the
 * CPU forward uses a direct host loop; tensor_ops != 0 forces the tensor
 * path that CUDA uses (staging buffer, upload on a slot's stream, gather),
 * so CPU-only tests cover it too. On CUDA it runs through a one-off slot
 * exactly as forward does. */
TORCHC_API void torchc_normalize_u8(const char *device, int tensor_ops,
                                    const uint8_t *pixels, int64_t n,
                                    int64_t h, int64_t w, const float *lut,
                                    float *out, torchc_error *err);

/* Number of slots the module has made so far (0 before any device-path
 * call; a CPU module on its default host path makes none). */
TORCHC_API int torchc_module_slots(const torchc_module *m, torchc_error *err);

/* CPU modules only: on != 0 sends forward through the device path (slots,
 * staging buffer, table gather as tensor ops) instead of the direct host
 * loop, so that CPU-only tests exercise the pipeline CUDA runs. Results are
 * bit-identical either way. INVALID_ARGUMENT on a CUDA module. */
TORCHC_API void torchc_module_set_device_path(torchc_module *m, int on,
                                              torchc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TORCHC_TESTING_H */
