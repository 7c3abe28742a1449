/* png_text.h — Pillow 9.4's _safe_zlib_decompress (PngImagePlugin), the
 * inflate of zTXt, iTXt and iCCP chunks, with the same zlib calls as
 * CPython's zlib.decompressobj().decompress(data, MAX_TEXT_CHUNK), so that
 * what it keeps, what it calls "Decompressed Data Too Large" and what
 * raises zlib.error are Pillow's. */
#ifndef PREDICT_PNG_TEXT_H
#define PREDICT_PNG_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Inflates in[0:n] into out (room for max bytes, max > 0) as one call of
 * Decompress.decompress(data, max): inflate(Z_SYNC_FLUSH) until the stream
 * ends, the input is used up, or max bytes are out. Returns the bytes out,
 * or -1 where Python raises zlib.error (corrupt data, a preset
 * dictionary). *tail is set when input is left over with the output full
 * and the stream not ended (Python's unconsumed_tail, which Pillow refuses
 * as too large). */
long pt_inflate(const uint8_t *in, size_t n, uint8_t *out, size_t max, int *tail);

#endif
