/* webp_decode.h — first frame of a WebP file exactly as Pillow 9.4 reads it
 * (docs/parity-spec.md §1.4): Pillow always goes through libwebp's WebPAnimDecoder
 * with default options (MODE_RGBA, not premultiplied, fancy upsampling),
 * also for still images, and convert("RGB") drops the alpha channel. */
#ifndef PREDICT_WEBP_DECODE_H
#define PREDICT_WEBP_DECODE_H

#include <stddef.h>
#include <stdint.h>

enum { WD_OK = 0, WD_ERROR = 1, WD_SHORT_BUFFER = 2 };

/* Canvas size from the container, without decoding or allocating pixels. */
int wd_canvas(const uint8_t *data, size_t len, int *width, int *height);

/* Decodes frame 0 into dst (width*height*3 bytes, RGB). */
int wd_decode_rgb(const uint8_t *data, size_t len, uint8_t *dst, size_t dstlen);

#endif
