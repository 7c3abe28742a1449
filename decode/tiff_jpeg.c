// tiff_jpeg.c — see tiff_jpeg.h. The steps follow libtiff 4.5's
// tif_jpeg.c (JPEGSetupDecode, JPEGPreDecode, JPEGDecode) as Pillow 9.4's
// ImagingLibTiffDecode reaches them through TIFFReadEncodedStrip/Tile.
#include "tiff_jpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

struct tj_error_mgr {
  struct jpeg_error_mgr pub;
  jmp_buf escape;
};

struct tj_state {
  struct jpeg_decompress_struct cinfo;
  struct tj_error_mgr jerr;
  struct jpeg_source_mgr src;
  const uint8_t *data; /* what init_source hands libjpeg */
  size_t len;
};

/* libtiff's source manager (std_init_source, std_fill_input_buffer,
 * std_skip_input_data): the whole strip, tile or JPEGTables field at once;
 * past its end a warning and a fake EOI. Its skip differs from
 * jpeg_mem_src's: a skip past the end fakes one EOI and skips nothing. */
static void tj_init_source(j_decompress_ptr cinfo) {
  tj_state *st = (tj_state *)cinfo;
  st->src.next_input_byte = st->data;
  st->src.bytes_in_buffer = st->len;
}

static boolean tj_fill_input_buffer(j_decompress_ptr cinfo) {
  static const JOCTET dummy_eoi[2] = {0xFF, JPEG_EOI};
  tj_state *st = (tj_state *)cinfo;
  WARNMS(cinfo, JWRN_JPEG_EOF);
  st->src.next_input_byte = dummy_eoi;
  st->src.bytes_in_buffer = 2;
  return TRUE;
}

static void tj_skip_input_data(j_decompress_ptr cinfo, long num_bytes) {
  tj_state *st = (tj_state *)cinfo;
  if (num_bytes > 0) {
    if ((size_t)num_bytes > st->src.bytes_in_buffer) {
      (void)tj_fill_input_buffer(cinfo);
    } else {
      st->src.next_input_byte += (size_t)num_bytes;
      st->src.bytes_in_buffer -= (size_t)num_bytes;
    }
  }
}

static void tj_term_source(j_decompress_ptr cinfo) { (void)cinfo; }

static void tj_source(tj_state *st, const uint8_t *data, size_t len) {
  st->data = data;
  st->len = len;
  st->cinfo.src = &st->src;
  st->src.init_source = tj_init_source;
  st->src.fill_input_buffer = tj_fill_input_buffer;
  st->src.skip_input_data = tj_skip_input_data;
  st->src.resync_to_restart = jpeg_resync_to_restart;
  st->src.term_source = tj_term_source;
  st->src.bytes_in_buffer = 0;
  st->src.next_input_byte = NULL;
}

static void tj_error_exit(j_common_ptr cinfo) {
  struct tj_error_mgr *err = (struct tj_error_mgr *)cinfo->err;
  longjmp(err->escape, 1);
}

/* libtiff turns libjpeg's warnings (corrupt data, the data ending early,
 * after which the source above inserts a fake EOI) into TIFF warnings,
 * which Pillow silences: decoding goes on. */
static void tj_emit_message(j_common_ptr cinfo, int level) {
  if (level < 0) {
    cinfo->err->num_warnings++;
  }
}

static void tj_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void tj_message(j_common_ptr cinfo, tj_info *info) {
  char buf[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, buf);
  snprintf(info->msg, sizeof info->msg, "%s", buf);
}

tj_state *tj_open(const uint8_t *tables, size_t tlen, int *rc, tj_info *info) {
  memset(info, 0, sizeof *info);
  tj_state *volatile st = (tj_state *)calloc(1, sizeof(tj_state));
  if (st == NULL) {
    snprintf(info->msg, sizeof info->msg, "out of memory");
    *rc = TJ_ERROR;
    return NULL;
  }
  st->cinfo.err = jpeg_std_error(&st->jerr.pub);
  st->jerr.pub.error_exit = tj_error_exit;
  st->jerr.pub.emit_message = tj_emit_message;
  st->jerr.pub.output_message = tj_output_message;
  if (setjmp(st->jerr.escape)) {
    tj_message((j_common_ptr)&st->cinfo, info);
    jpeg_destroy_decompress(&st->cinfo);
    free(st);
    *rc = TJ_ERROR;
    return NULL;
  }
  jpeg_create_decompress(&st->cinfo);
  /* JPEGSetupDecode: the tables alone, "Bogus JPEGTables field" otherwise. */
  if (tables != NULL) {
    tj_source(st, tables, tlen);
    if (jpeg_read_header(&st->cinfo, FALSE) != JPEG_HEADER_TABLES_ONLY) {
      snprintf(info->msg, sizeof info->msg, "bogus JPEGTables field");
      jpeg_destroy_decompress(&st->cinfo);
      free(st);
      *rc = TJ_ERROR;
      return NULL;
    }
  }
  *rc = TJ_OK;
  return st;
}

void tj_close(tj_state *st) {
  if (st != NULL) {
    jpeg_destroy_decompress(&st->cinfo);
    free(st);
  }
}

int tj_chunk(tj_state *st, const uint8_t *data, size_t len, int seg_w,
             int seg_h, int comps, int ycc, int hs, int vs, int last_strip,
             uint8_t *dst, size_t dstlen, tj_info *info) {
  struct jpeg_decompress_struct *cinfo = &st->cinfo;
  memset(info, 0, sizeof *info);
  if ((size_t)seg_w * (size_t)seg_h * (size_t)comps != dstlen) {
    snprintf(info->msg, sizeof info->msg, "destination holds %zu bytes", dstlen);
    return TJ_ERROR;
  }
  /* volatile: read after a longjmp out of jpeg_finish_decompress. */
  volatile int finishing = 0;
  if (setjmp(st->jerr.escape)) {
    jpeg_abort_decompress(cinfo);
    if (finishing) {
      /* JPEGDecode returns output_scanline < output_height ||
       * TIFFjpeg_finish_decompress(sp), and CALLJPEG makes a libjpeg error
       * there -1, which is true: once every row is out, an error in what
       * follows them is ignored. */
      return TJ_OK;
    }
    tj_message((j_common_ptr)cinfo, info);
    return TJ_ERROR;
  }
  /* JPEGPreDecode: reset from the previous strip or tile (the tables
   * stay), then this one's header. */
  jpeg_abort_decompress(cinfo);
  tj_source(st, data, len);
  if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK) {
    snprintf(info->msg, sizeof info->msg, "no image in a JPEG strip or tile");
    jpeg_abort_decompress(cinfo);
    return TJ_ERROR;
  }
  unsigned iw = cinfo->image_width, ih = cinfo->image_height;
  if (iw == (unsigned)seg_w && ih > (unsigned)seg_h && last_strip) {
    /* libtiff reads the top rows of an over-tall last strip. */
  } else if (iw > (unsigned)seg_w || ih > (unsigned)seg_h) {
    snprintf(info->msg, sizeof info->msg,
             "JPEG strip or tile is %ux%u, more than its %dx%d", iw, ih,
             seg_w, seg_h);
    jpeg_abort_decompress(cinfo);
    return TJ_ERROR;
  } else if (iw < (unsigned)seg_w || ih < (unsigned)seg_h) {
    /* libtiff warns and leaves the rest of its buffer as it was. */
    snprintf(info->msg, sizeof info->msg,
             "unsupported TIFF variant: JPEG strip or tile of %ux%u smaller "
             "than its %dx%d",
             iw, ih, seg_w, seg_h);
    jpeg_abort_decompress(cinfo);
    return TJ_UNSUPPORTED;
  }
  if (cinfo->num_components != comps) {
    snprintf(info->msg, sizeof info->msg, "improper JPEG component count");
    jpeg_abort_decompress(cinfo);
    return TJ_ERROR;
  }
  if (cinfo->data_precision != 8) {
    snprintf(info->msg, sizeof info->msg, "improper JPEG data precision");
    jpeg_abort_decompress(cinfo);
    return TJ_ERROR;
  }
  if (cinfo->comp_info[0].h_samp_factor != hs ||
      cinfo->comp_info[0].v_samp_factor != vs) {
    snprintf(info->msg, sizeof info->msg, "improper JPEG sampling factors");
    jpeg_abort_decompress(cinfo);
    return TJ_ERROR;
  }
  for (int ci = 1; ci < cinfo->num_components; ci++) {
    if (cinfo->comp_info[ci].h_samp_factor != 1 ||
        cinfo->comp_info[ci].v_samp_factor != 1) {
      snprintf(info->msg, sizeof info->msg, "improper JPEG sampling factors");
      jpeg_abort_decompress(cinfo);
      return TJ_ERROR;
    }
  }
  /* libtiff's memory guard for multi-scan streams: libjpeg's default
   * max_memory_to_use is 0 (no limit) unless JPEGMEM is set, so it never
   * fires for Pillow. */
  if (ycc) {
    cinfo->jpeg_color_space = JCS_YCbCr;
    cinfo->out_color_space = JCS_RGB;
  } else {
    /* Subsampled non-YCbCr output goes through libtiff's raw-data
     * interface; the caller only asks for 1x1 here. */
    cinfo->jpeg_color_space = JCS_UNKNOWN;
    cinfo->out_color_space = JCS_UNKNOWN;
  }
  cinfo->raw_data_out = FALSE;
  jpeg_start_decompress(cinfo);
  if ((int)cinfo->output_components != comps) {
    snprintf(info->msg, sizeof info->msg, "unexpected JPEG output components");
    jpeg_abort_decompress(cinfo);
    return TJ_ERROR;
  }
  /* JPEGDecode: seg_h rows (no more than the stream has), each of
   * seg_w*comps bytes; then jpeg_finish_decompress when the stream is
   * done, whose errors fail the strip too. */
  size_t stride = (size_t)seg_w * (size_t)comps;
  unsigned nrows = (unsigned)seg_h;
  if (nrows > cinfo->image_height) {
    nrows = cinfo->image_height;
  }
  for (unsigned r = 0; r < nrows; r++) {
    JSAMPROW row = dst + (size_t)r * stride;
    if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
      snprintf(info->msg, sizeof info->msg, "JPEG data stops early");
      jpeg_abort_decompress(cinfo);
      return TJ_ERROR;
    }
  }
  if (cinfo->output_scanline >= cinfo->output_height) {
    finishing = 1;
    jpeg_finish_decompress(cinfo);
  }
  return TJ_OK;
}
