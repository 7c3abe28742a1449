/* tiff_zip.h — libtiff 4.5's Deflate decoder (tif_zip.c ZIPDecode) as
 * Pillow 9.4 reaches it on Debian 12: libtiff is built with libdeflate,
 * and a read of a whole strip or tile (all Pillow does) goes through
 * libdeflate_zlib_decompress into exactly the strip's size. Success, and
 * output full before the stream ends (LIBDEFLATE_INSUFFICIENT_SPACE: the
 * rest of the stream, its Adler-32 included, is never looked at), are
 * accepted; a bad stream, or one that ends before the output is full, is a
 * decoding error. TZ_PARTIAL: libdeflate gave up part way with
 * INSUFFICIENT_SPACE on corrupt data, which libtiff accepts, leaving the
 * rest of Pillow's buffer as it was (uninitialised, or the last strip). */
#ifndef PREDICT_TIFF_ZIP_H
#define PREDICT_TIFF_ZIP_H

#include <stddef.h>
#include <stdint.h>

enum { TZ_OK = 0, TZ_BAD = 1, TZ_SHORT = 2, TZ_MEMORY = 3, TZ_PARTIAL = 4 };

/* Fills out[0:outlen) from in[0:inlen); TZ_OK or the reason it failed. */
int tz_inflate(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen);

#endif
