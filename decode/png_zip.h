/* png_zip.h — Pillow 9.4's PNG pixel decoder (libImaging/ZipDecode.c),
 * ported with the same zlib calls so that where it stops, what it accepts
 * and what it calls broken are Pillow's (docs/parity-spec.md §1.2). Instead of
 * unpacking into an image, each reconstructed scanline (without its filter
 * byte) is stored in a raw row buffer that grows as rows arrive (so a small
 * file declaring a huge image costs what it decodes): non-interlaced row y
 * at y*bytes, interlaced rows pass after pass. */
#ifndef PREDICT_PNG_ZIP_H
#define PREDICT_PNG_ZIP_H

#include <stddef.h>
#include <stdint.h>

/* Pillow's IMAGING_CODEC_* codes, and PZ_STOPPED: the caller gave up. */
enum { PZ_OVERRUN = -1, PZ_BROKEN = -2, PZ_UNKNOWN = -3, PZ_CONFIG = -8, PZ_MEMORY = -9, PZ_STOPPED = -100 };

typedef struct pz_state pz_state;

/* bits: bits per pixel of the raw mode; xsize, ysize: image size; rawlen:
 * the size of all rows together (nothing is stored past it). */
pz_state *pz_new(int bits, int xsize, int ysize, int interlaced, size_t rawlen);
void pz_free(pz_state *s);

/* Feeds n bytes. Returns n (all consumed, more wanted) or -1 (finished);
 * *errcode is 0 when it finished because the image (or the zlib stream)
 * is complete, else a PZ_ code. `stop` (may be NULL) is polled before each
 * row: non-zero ends the decode with PZ_STOPPED. */
int pz_decode(pz_state *s, const uint8_t *buf, size_t n, const int *stop, int *errcode);

/* The rows stored so far (*n bytes; rows never produced are missing from
 * the end: they read as zeros). Valid until pz_free. */
const uint8_t *pz_raw(const pz_state *s, size_t *n);

#endif
