/* tiff_jpeg.h — the strips or tiles of a JPEG-compressed TIFF (compression
 * 7), decoded the way libtiff 4.5's tif_jpeg.c drives libjpeg-turbo for
 * Pillow 9.4 (TiffDecode.c): one decompressor for the whole image, primed
 * with the JPEGTables field, reset with jpeg_abort before each strip or
 * tile, colour conversion only for YCbCr (JPEGCOLORMODE_RGB, which Pillow
 * sets), every other libjpeg setting left at its default. Each call keeps
 * its libjpeg session and setjmp inside C, so no longjmp crosses Go frames.
 */
#ifndef PREDICT_TIFF_JPEG_H
#define PREDICT_TIFF_JPEG_H

#include <stddef.h>
#include <stdint.h>

enum {
  TJ_OK = 0,
  TJ_ERROR = 1,       /* libjpeg or libtiff would fail; msg says why */
  TJ_UNSUPPORTED = 2, /* libtiff reads it, but not in a way we reproduce */
};

typedef struct {
  char msg[256];
} tj_info;

typedef struct tj_state tj_state;

/* tj_open creates the decompressor and reads the JPEGTables field (tables
 * may be NULL). On failure it returns NULL with info->msg set and *rc the
 * status. */
tj_state *tj_open(const uint8_t *tables, size_t tlen, int *rc, tj_info *info);

/* tj_chunk decodes one strip or tile of seg_w x seg_h pixels into dst
 * (seg_h rows of seg_w*comps bytes). ycc: YCbCr data converted to RGB by
 * libjpeg (component 0 sampled hs x vs, the others 1x1); otherwise the
 * components come out as stored. last_strip: a strip ending the image,
 * whose stream may be taller than the strip (libtiff reads its top rows). */
int tj_chunk(tj_state *st, const uint8_t *data, size_t len, int seg_w,
             int seg_h, int comps, int ycc, int hs, int vs, int last_strip,
             uint8_t *dst, size_t dstlen, tj_info *info);

void tj_close(tj_state *st);

#endif
