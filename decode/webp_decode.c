// webp_decode.c — see webp_decode.h.
#include "webp_decode.h"

#include <webp/decode.h>
#include <webp/demux.h>

int wd_canvas(const uint8_t *data, size_t len, int *width, int *height) {
  WebPData in = {data, len};
  WebPDemuxer *demux = WebPDemux(&in);
  if (demux == NULL) {
    return WD_ERROR;
  }
  *width = (int)WebPDemuxGetI(demux, WEBP_FF_CANVAS_WIDTH);
  *height = (int)WebPDemuxGetI(demux, WEBP_FF_CANVAS_HEIGHT);
  WebPDemuxDelete(demux);
  return WD_OK;
}

/* Pillow _webp.c _anim_decoder_new + _anim_decoder_get_next: the decoder is
 * created with the default options (MODE_RGBA), frame 0 is the first
 * WebPAnimDecoderGetNext canvas (outside the frame: transparent black). */
int wd_decode_rgb(const uint8_t *data, size_t len, uint8_t *dst, size_t dstlen) {
  WebPData in = {data, len};
  WebPAnimDecoderOptions opts;
  if (!WebPAnimDecoderOptionsInit(&opts)) {
    return WD_ERROR;
  }
  opts.color_mode = MODE_RGBA;
  WebPAnimDecoder *dec = WebPAnimDecoderNew(&in, &opts);
  if (dec == NULL) {
    return WD_ERROR;
  }
  WebPAnimInfo info;
  if (!WebPAnimDecoderGetInfo(dec, &info)) {
    WebPAnimDecoderDelete(dec);
    return WD_ERROR;
  }
  size_t n = (size_t)info.canvas_width * (size_t)info.canvas_height;
  if (n * 3 != dstlen) {
    WebPAnimDecoderDelete(dec);
    return WD_SHORT_BUFFER;
  }
  uint8_t *buf = NULL;
  int ts = 0;
  if (!WebPAnimDecoderGetNext(dec, &buf, &ts)) {
    WebPAnimDecoderDelete(dec);
    return WD_ERROR;
  }
  for (size_t i = 0; i < n; i++) {
    dst[3 * i] = buf[4 * i];
    dst[3 * i + 1] = buf[4 * i + 1];
    dst[3 * i + 2] = buf[4 * i + 2];
  }
  WebPAnimDecoderDelete(dec);
  return WD_OK;
}
