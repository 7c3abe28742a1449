// png_zip.c — see png_zip.h. Mirrors Pillow 9.4 src/libImaging/ZipDecode.c
// (ZIP_PNG mode); comments name the original's steps.
#include "png_zip.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const int OFFSET[] = {7, 3, 3, 1, 1, 0, 0};
static const int STARTING_COL[] = {0, 4, 0, 2, 0, 1, 0};
static const int STARTING_ROW[] = {0, 0, 4, 0, 2, 0, 1};
static const int COL_INCREMENT[] = {8, 8, 4, 4, 2, 2, 1};
static const int ROW_INCREMENT[] = {8, 8, 8, 4, 4, 2, 2};

struct pz_state {
  z_stream z;
  int started;
  int bits, xsize, ysize, bytes, interlaced;
  int pass, y;
  size_t rawpos; /* where the next stored row goes */
  uint8_t *raw;   /* the row store, grown as rows arrive */
  size_t rawcap, rawlen; /* allocated, and the size of every row together */
  int last_output;
  uint8_t *buffer, *previous;
};

static int get_row_len(pz_state *s, int pass) {
  int row_len = (s->xsize + OFFSET[pass]) / COL_INCREMENT[pass];
  return ((row_len * s->bits) + 7) / 8;
}

pz_state *pz_new(int bits, int xsize, int ysize, int interlaced, size_t rawlen) {
  pz_state *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->rawlen = rawlen;
  s->bits = bits;
  s->xsize = xsize;
  s->ysize = ysize;
  s->bytes = (int)(((int64_t)bits * xsize + 7) / 8);
  s->interlaced = interlaced;
  return s;
}

void pz_free(pz_state *s) {
  if (s == NULL) return;
  if (s->previous) inflateEnd(&s->z);
  free(s->buffer);
  free(s->previous);
  free(s->raw);
  free(s);
}

const uint8_t *pz_raw(const pz_state *s, size_t *n) {
  *n = s->rawpos < s->rawlen ? s->rawpos : s->rawlen;
  return s->raw;
}

/* Makes room for n more bytes at rawpos (never past rawlen), doubling. */
static int grow(pz_state *s, size_t n) {
  size_t need = s->rawpos + n, cap = s->rawcap;
  if (need <= cap) return 1;
  if (cap < 65536) cap = 65536;
  while (cap < need) cap *= 2;
  if (cap > s->rawlen) cap = s->rawlen;
  uint8_t *r = realloc(s->raw, cap);
  if (r == NULL) return 0;
  s->raw = r;
  s->rawcap = cap;
  return 1;
}

static int fail(pz_state *s, int code, int *errcode) {
  *errcode = code;
  free(s->previous);
  s->previous = NULL;
  inflateEnd(&s->z);
  s->z.next_in = NULL;
  s->z.next_out = NULL;
  return -1;
}

int pz_decode(pz_state *s, const uint8_t *buf, size_t n, const int *stop, int *errcode) {
  int err, i, bpp, row_len;
  *errcode = 0;
  if (!s->started) {
    s->buffer = malloc((size_t)s->bytes + 1);
    s->previous = malloc((size_t)s->bytes + 1);
    if (!s->buffer || !s->previous) {
      *errcode = PZ_MEMORY;
      return -1;
    }
    s->last_output = 0;
    memset(s->previous, 0, (size_t)s->bytes + 1);
    if (inflateInit(&s->z) < 0) {
      *errcode = PZ_CONFIG;
      free(s->previous);
      s->previous = NULL;
      return -1;
    }
    if (s->interlaced) {
      s->pass = 0;
      s->y = STARTING_ROW[0];
    }
    s->started = 1;
  }
  if (s->previous == NULL) { /* already finished or failed */
    *errcode = PZ_CONFIG;
    return -1;
  }
  row_len = s->interlaced ? get_row_len(s, s->pass) : s->bytes;

  s->z.next_in = (Bytef *)buf;
  s->z.avail_in = (uInt)n;
  while (s->z.avail_in > 0) {
    if (stop != NULL && __atomic_load_n(stop, __ATOMIC_RELAXED)) {
      return fail(s, PZ_STOPPED, errcode);
    }
    s->z.next_out = s->buffer + s->last_output;
    s->z.avail_out = (uInt)(row_len + 1 - s->last_output);
    err = inflate(&s->z, Z_NO_FLUSH);
    if (err < 0) {
      return fail(s, err == Z_DATA_ERROR ? PZ_BROKEN : err == Z_MEM_ERROR ? PZ_MEMORY : PZ_CONFIG,
                  errcode);
    }
    int got = row_len + 1 - (int)s->z.avail_out;
    if (got < row_len + 1) {
      s->last_output = got;
      break; /* need more input data */
    }
    /* Apply predictor */
    uint8_t *b = s->buffer, *p = s->previous;
    bpp = (s->bits + 7) / 8;
    switch (b[0]) {
      case 0:
        break;
      case 1:
        for (i = bpp + 1; i <= row_len; i++) b[i] += b[i - bpp];
        break;
      case 2:
        for (i = 1; i <= row_len; i++) b[i] += p[i];
        break;
      case 3:
        for (i = 1; i <= bpp; i++) b[i] += p[i] / 2;
        for (; i <= row_len; i++) b[i] += (b[i - bpp] + p[i]) / 2;
        break;
      case 4:
        for (i = 1; i <= bpp; i++) b[i] += p[i];
        for (; i <= row_len; i++) {
          int a = b[i - bpp], bb = p[i], c = p[i - bpp];
          int pa = abs(bb - c), pb = abs(a - c), pc = abs(a + bb - 2 * c);
          b[i] += (pa <= pb && pa <= pc) ? a : (pb <= pc) ? bb : c;
        }
        break;
      default:
        return fail(s, PZ_UNKNOWN, errcode);
    }
    /* Stuff data into the image: here, into the raw row store. */
    if (s->rawpos + (size_t)row_len <= s->rawlen) {
      if (!grow(s, (size_t)row_len)) return fail(s, PZ_MEMORY, errcode);
      memcpy(s->raw + s->rawpos, b + 1, (size_t)row_len);
    }
    s->rawpos += (size_t)row_len;
    if (s->interlaced) {
      s->y += ROW_INCREMENT[s->pass];
      while (s->y >= s->ysize || row_len <= 0) {
        s->pass++;
        if (s->pass == 7) {
          s->y = s->ysize; /* force exit below */
          break;
        }
        s->y = STARTING_ROW[s->pass];
        row_len = get_row_len(s, s->pass);
        memset(s->buffer, 0, (size_t)s->bytes + 1);
      }
    } else {
      s->y++;
    }
    s->last_output = 0;
    if (s->y >= s->ysize || err == Z_STREAM_END) {
      /* end of file (errcode = 0), also when the stream ended early */
      return fail(s, 0, errcode);
    }
    uint8_t *t = s->buffer;
    s->buffer = s->previous;
    s->previous = t;
  }
  s->z.next_in = NULL;
  s->z.next_out = NULL;
  return (int)n;
}
