/* jpeg_decode.h — JPEG to packed RGB exactly as Pillow's ImagingJpegDecode
 * + convert("RGB") (docs/parity-spec.md §1.1, §5). The whole libjpeg session,
 * including its setjmp/longjmp error handling, stays inside one C call so
 * no longjmp ever crosses Go frames. */
#ifndef PREDICT_JPEG_DECODE_H
#define PREDICT_JPEG_DECODE_H

#include <stddef.h>
#include <stdint.h>

enum {
  JD_OK = 0,
  JD_ERROR = 1,       /* libjpeg refused the data; msg says why */
  JD_TRUNCATED = 2,   /* the data ended before the image did */
  JD_UNSUPPORTED = 3, /* valid JPEG that Pillow does not read either */
  JD_SHORT_BUFFER = 4,
  JD_STOPPED = 5 /* the caller gave up (stop was raised) */
};

typedef struct {
  int width, height, components;
  char msg[256];
} jd_info;

/* Reads the header only: size and component count. */
int jd_header(const uint8_t *data, size_t len, jd_info *info);

/* Decodes into dst (width*height*3 bytes). `stop` (may be NULL) is polled
 * before each scanline: non-zero ends the decode with JD_STOPPED. */
int jd_decode_rgb(const uint8_t *data, size_t len, uint8_t *dst, size_t dstlen,
                  const int *stop, jd_info *info);

#endif
