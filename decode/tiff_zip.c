// tiff_zip.c — see tiff_zip.h.
#include "tiff_zip.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

int tz_inflate(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen) {
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  if (d == NULL) {
    return TZ_MEMORY;
  }
  memset(out, 0, outlen);
  enum libdeflate_result res = libdeflate_zlib_decompress(d, in, inlen, out, outlen, NULL);
  int rc = TZ_BAD;
  switch (res) {
    case LIBDEFLATE_SUCCESS:
      rc = TZ_OK;
      break;
    case LIBDEFLATE_INSUFFICIENT_SPACE: {
      /* Also what libdeflate says of some corrupt streams after writing
       * only part of the output: libtiff accepts it, and the rest of
       * Pillow's strip buffer keeps whatever it held. Decoding again over
       * 0xFF tells the bytes it wrote from the ones it left. */
      uint8_t *again = malloc(outlen);
      if (again == NULL) {
        rc = TZ_MEMORY;
        break;
      }
      memset(again, 0xFF, outlen);
      libdeflate_zlib_decompress(d, in, inlen, again, outlen, NULL);
      rc = memcmp(out, again, outlen) == 0 ? TZ_OK : TZ_PARTIAL;
      free(again);
      break;
    }
    case LIBDEFLATE_SHORT_OUTPUT:
      rc = TZ_SHORT;
      break;
    default:
      break;
  }
  libdeflate_free_decompressor(d);
  return rc;
}
