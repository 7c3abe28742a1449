// jpeg_decode.c — see jpeg_decode.h.
#include "jpeg_decode.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

struct jd_error_mgr {
  struct jpeg_error_mgr pub;
  jmp_buf escape;
  int premature_eof; /* libjpeg hit the end of the data and faked an EOI */
  int stop_at_eof;   /* give up as soon as that happens (jd_decode_rgb) */
};

static void jd_error_exit(j_common_ptr cinfo) {
  struct jd_error_mgr *err = (struct jd_error_mgr *)cinfo->err;
  longjmp(err->escape, 1);
}

/* Pillow installs no message output, so warnings (corrupt-data notes) are
 * silent and decoding goes on; we do the same, remembering only the
 * end-of-data warning. */
static void jd_emit_message(j_common_ptr cinfo, int level) {
  struct jd_error_mgr *err = (struct jd_error_mgr *)cinfo->err;
  if (level < 0) {
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
      err->premature_eof = 1;
      /* Pillow's suspending source stops right here, asks ImageFile.load
       * for more data and raises "image file is truncated" at end of file:
       * whatever libjpeg would do next with its fake EOI (decode every
       * remaining MCU as zeros, run the IDCT over the whole image, or trip
       * over a marker cut in two) cannot change the verdict. Stopping now
       * keeps a tiny truncated file that declares a huge image from
       * costing seconds. */
      if (err->stop_at_eof) {
        longjmp(err->escape, 1);
      }
    }
    cinfo->err->num_warnings++;
  }
}

static void jd_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void jd_message(j_common_ptr cinfo, jd_info *info) {
  char buf[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, buf);
  snprintf(info->msg, sizeof info->msg, "%s", buf);
}

/* Pillow: mode from the SOF component count — 1 → L, 3 → RGB, 4 → CMYK
 * (JpegImagePlugin.SOF); any other count is refused. */
static int jd_check_components(j_decompress_ptr cinfo, jd_info *info) {
  info->width = (int)cinfo->image_width;
  info->height = (int)cinfo->image_height;
  info->components = cinfo->num_components;
  switch (cinfo->num_components) {
    case 1:
    case 3:
    case 4:
      return JD_OK;
  }
  snprintf(info->msg, sizeof info->msg, "cannot handle %d-layer JPEG images",
           cinfo->num_components);
  return JD_UNSUPPORTED;
}

/* jd_init clears *info and installs our error manager on cinfo; the
 * caller then sets its own setjmp point (which cannot live in a helper). */
static void jd_init(struct jpeg_decompress_struct *cinfo,
                    struct jd_error_mgr *jerr, jd_info *info, int stop_at_eof) {
  memset(info, 0, sizeof *info);
  cinfo->err = jpeg_std_error(&jerr->pub);
  jerr->pub.error_exit = jd_error_exit;
  jerr->pub.emit_message = jd_emit_message;
  jerr->pub.output_message = jd_output_message;
  jerr->premature_eof = 0;
  jerr->stop_at_eof = stop_at_eof;
}

int jd_header(const uint8_t *data, size_t len, jd_info *info) {
  struct jpeg_decompress_struct cinfo;
  struct jd_error_mgr jerr;
  jd_init(&cinfo, &jerr, info, 0);
  if (setjmp(jerr.escape)) {
    jd_message((j_common_ptr)&cinfo, info);
    jpeg_destroy_decompress(&cinfo);
    return JD_ERROR;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, (unsigned long)len);
  jpeg_read_header(&cinfo, TRUE);
  int rc = jerr.premature_eof ? JD_TRUNCATED : jd_check_components(&cinfo, info);
  if (rc == JD_TRUNCATED) {
    snprintf(info->msg, sizeof info->msg, "data ends inside the JPEG header");
  }
  jpeg_destroy_decompress(&cinfo);
  return rc;
}

/* Pillow's Convert.c cmyk2rgb on the inverted ("CMYK;I") samples, with
 * ImagingUtils.h MULDIV255: t = a*b + 128; ((t >> 8) + t) >> 8. */
static uint8_t cmyk_channel(uint8_t inv, int nk) {
  int t = inv * nk + 128;
  int v = nk - (((t >> 8) + t) >> 8);
  return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

int jd_decode_rgb(const uint8_t *data, size_t len, uint8_t *dst, size_t dstlen,
                  const int *stop, jd_info *info) {
  struct jpeg_decompress_struct cinfo;
  struct jd_error_mgr jerr;
  JSAMPLE *volatile row = NULL;
  jd_init(&cinfo, &jerr, info, 1);
  if (setjmp(jerr.escape)) {
    int eof = jerr.premature_eof;
    if (eof) {
      snprintf(info->msg, sizeof info->msg, "data ends before the end of the image");
    } else {
      jd_message((j_common_ptr)&cinfo, info);
    }
    jpeg_destroy_decompress(&cinfo);
    free(row);
    return eof ? JD_TRUNCATED : JD_ERROR;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, (unsigned long)len);
  jpeg_read_header(&cinfo, TRUE);
  int rc = jd_check_components(&cinfo, info);
  if (rc != JD_OK) {
    jpeg_destroy_decompress(&cinfo);
    return rc;
  }
  if ((size_t)info->width * (size_t)info->height * 3 != dstlen) {
    snprintf(info->msg, sizeof info->msg, "destination holds %zu bytes", dstlen);
    jpeg_destroy_decompress(&cinfo);
    return JD_SHORT_BUFFER;
  }

  /* Only out_color_space is set, from Pillow's rawmode; DCT method, fancy
   * upsampling, block smoothing and scaling keep libjpeg's defaults exactly
   * as ImagingJpegDecode leaves them (docs/parity-spec.md §1.1). */
  switch (cinfo.num_components) {
    case 1:
      cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case 3:
      cinfo.out_color_space = JCS_RGB;
      break;
    default:
      cinfo.out_color_space = JCS_CMYK;
      break;
  }
  jpeg_start_decompress(&cinfo);

  const int w = (int)cinfo.output_width;
  const int comps = cinfo.output_components;
  uint8_t *out = dst;
  if (comps != 3) {
    row = (JSAMPLE *)malloc((size_t)w * (size_t)comps);
    if (row == NULL) {
      snprintf(info->msg, sizeof info->msg, "out of memory");
      jpeg_destroy_decompress(&cinfo);
      return JD_ERROR;
    }
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    if (stop != NULL && __atomic_load_n(stop, __ATOMIC_RELAXED)) {
      jpeg_destroy_decompress(&cinfo);
      free(row);
      return JD_STOPPED;
    }
    JSAMPROW rows[1] = {comps == 3 ? out : row};
    if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) {
      break;
    }
    if (comps == 1) { /* l2rgb */
      for (int x = 0; x < w; x++) {
        out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = row[x];
      }
    } else if (comps == 4) { /* CMYK;I then cmyk2rgb */
      for (int x = 0; x < w; x++) {
        const JSAMPLE *p = row + 4 * x;
        int nk = p[3]; /* 255 - K' where K' = 255 - k */
        out[3 * x] = cmyk_channel((uint8_t)(255 - p[0]), nk);
        out[3 * x + 1] = cmyk_channel((uint8_t)(255 - p[1]), nk);
        out[3 * x + 2] = cmyk_channel((uint8_t)(255 - p[2]), nk);
      }
    }
    out += (size_t)w * 3;
  }
  /* The data running out before the last scanline is out is what Pillow
   * 9.4 reports as "image file is truncated": its suspending source stops
   * wherever libjpeg's mem source would fake an EOI, and ImageFile.load
   * raises at end of file. A file cut just before its EOI is one of them:
   * the Huffman decoder reads ahead past the last MCU and suspends there
   * (gen-jpeg-no-eoi.jpg; a progressive file suspends in
   * jpeg_start_decompress). Once every scanline is out, JpegDecode.c's
   * state 4 takes jpeg_finish_decompress suspending for want of data as
   * done: a file whose corrupt data ended the scan early at a stray
   * marker, and whose EOI is missing, is read. */
  int truncated = jerr.premature_eof || cinfo.output_scanline < cinfo.output_height;
  if (!truncated) {
    jerr.stop_at_eof = 0;
    jpeg_finish_decompress(&cinfo);
  }
  jpeg_destroy_decompress(&cinfo);
  free(row);
  if (truncated) {
    snprintf(info->msg, sizeof info->msg,
             "data ends before the last scanline");
    return JD_TRUNCATED;
  }
  return JD_OK;
}
