// png_text.c — see png_text.h. Follows CPython 3.11 Modules/zlibmodule.c,
// zlib_Decompress_decompress_impl and save_unconsumed_input.
#include "png_text.h"

#include <string.h>
#include <zlib.h>

long pt_inflate(const uint8_t *in, size_t n, uint8_t *out, size_t max, int *tail) {
  z_stream z;
  memset(&z, 0, sizeof z);
  *tail = 0;
  if (inflateInit(&z) != Z_OK) {
    return -1;
  }
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)n;
  z.next_out = out;
  z.avail_out = (uInt)max;
  int err = Z_OK;
  /* The output buffer is full at once here, where CPython grows it up to
   * max: inflate's results do not depend on how the output is split. */
  while (z.avail_out > 0) {
    err = inflate(&z, Z_SYNC_FLUSH);
    if (err != Z_OK && err != Z_BUF_ERROR && err != Z_STREAM_END) {
      inflateEnd(&z);
      return -1; /* zlib.error: "Error -3 while decompressing data" */
    }
    if (z.avail_out > 0) {
      break; /* the stream ended, or it wants input there is none of */
    }
  }
  *tail = err != Z_STREAM_END && z.avail_in > 0;
  long got = (long)(max - z.avail_out);
  inflateEnd(&z);
  return got;
}
