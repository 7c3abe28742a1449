#!/usr/bin/env bash
# Re-create testdata/images and testdata/bad from their upstream sources.
#
# Usage:
#     scripts/make_testdata.sh [TESTDATA_DIR]      (default: testdata next to scripts/)
#
# Sources (see testdata/README.md for the per-file table and licenses):
#   * Go's standard library test images, $(go env GOROOT)/src/image/testdata and
#     .../image/png/testdata/pngsuite                         (BSD-3-Clause / PngSuite)
#   * scikit-image sample data from the Debian package python3-skimage 0.19.3-8,
#     /usr/lib/python3/dist-packages/skimage/data             (BSD-3-Clause / CC0 / PD)
#     If that directory is missing, the .deb is fetched with `apt-get download`
#     and unpacked with `dpkg -x` into a temporary directory (nothing is installed).
#   * retina-640x480.jpg is a LOSSLESS crop (jpegtran -crop, DCT coefficients
#     copied, no re-encoding) of skimage's retina.jpg; needs jpegtran
#     (Debian package libjpeg-turbo-progs).
#
# Every file is a byte copy of its source except retina-640x480.jpg (jpegtran
# output; decodes to the same pixels as the crop of the original whatever the
# jpegtran version, bytes may differ across versions) and the synthetic bad
# files, which are written here byte for byte.  Existing files are overwritten.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../testdata}"
images="$out/images"
bad="$out/bad"
mkdir -p "$images" "$bad"

goroot="$(go env GOROOT)"
gotd="$goroot/src/image/testdata"
pngsuite="$goroot/src/image/png/testdata/pngsuite"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"  # lets apt-get download drop privileges to _apt

skdata=/usr/lib/python3/dist-packages/skimage/data
if [[ ! -f "$skdata/rocket.jpg" ]]; then
    echo "make_testdata: $skdata missing; unpacking python3-skimage .deb" >&2
    (cd "$tmp" && apt-get download python3-skimage >/dev/null)
    dpkg -x "$tmp"/python3-skimage_*.deb "$tmp/x"
    skdata="$tmp/x/usr/lib/python3/dist-packages/skimage/data"
fi
command -v jpegtran >/dev/null || {
    echo "make_testdata: jpegtran not found (apt-get install libjpeg-turbo-progs)" >&2
    exit 1
}

# --- good images -----------------------------------------------------------
for f in video-001.jpeg video-001.q50.420.jpeg video-001.q50.422.jpeg \
         video-001.q50.440.jpeg video-001.progressive.jpeg \
         video-001.progressive.truncated.jpeg video-001.cmyk.jpeg \
         video-005.gray.jpeg video-001.png; do
    cp "$gotd/$f" "$images/$f"
done
cp "$pngsuite/basn6a08.png" "$images/basn6a08.png"
for f in rocket.jpg chelsea.png horse.png green_palette.png; do
    cp "$skdata/$f" "$images/$f"
done
# 1411x1411 4:2:0 -> 640x480 at an iMCU-aligned (16 px) offset near the centre.
jpegtran -copy none -crop 640x480+384+464 "$skdata/retina.jpg" > "$images/retina-640x480.jpg"

# --- files Pillow must reject -----------------------------------------------
: > "$bad/empty.jpg"
printf 'this is not an image, just some text\n' > "$bad/not-an-image.jpg"
# First 150 bytes of a baseline JPEG: SOI, APP0, DQT ... cut before SOS.
head -c 150 "$gotd/video-001.jpeg" > "$bad/header-only.jpg"
# Baseline JPEG cut in the middle of the entropy-coded scan: libjpeg alone
# would pad it and return an image, but Pillow raises "image file is truncated".
head -c 10729 "$gotd/video-001.jpeg" > "$bad/truncated-scan.jpg"

echo "make_testdata: wrote $(ls "$images" | wc -l) images to $images and $(ls "$bad" | wc -l) bad files to $bad" >&2
