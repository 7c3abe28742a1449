#!/usr/bin/env bash
# The container image without a registry (make image, make image-test).
#
#   scripts/image.sh build   debian:12-slim from a debootstrapped Debian 12
#                            minbase root filesystem (cached in build/image/),
#                            golang:1.26-bookworm as that plus this machine's
#                            Go, both under local names; then buildah bud
#                            --pull=never of the Containerfile
#   scripts/image.sh test    predict --version and a prediction inside the
#                            image (buildah run), compared with bin/predict's
#
# buildah runs with vfs storage and chroot isolation, which need no
# overlay filesystem and no user namespaces. Figures (size, build time) go
# to build/image/figures.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${IMAGE:-localhost/predict:latest}
base=localhost/debian:12-slim
goimg=localhost/golang:1.26-bookworm
dir=build/image
rootfs=$dir/debian-12-minbase.tar
buildah=(buildah --storage-driver vfs)
mkdir -p "$dir"

have_image() { "${buildah[@]}" inspect --type image "$1" >/dev/null 2>&1; }

# from_tar NAME TAR [GOROOT]: an image of the root filesystem TAR, plus a
# Go toolchain at /usr/local/go when GOROOT is given.
from_tar() {
  local ctr
  ctr=$("${buildah[@]}" from scratch)
  "${buildah[@]}" add "$ctr" "$2" /
  if [ -n "${3:-}" ]; then
    "${buildah[@]}" add "$ctr" "$3" /usr/local/go
    # The official golang image has ca-certificates; this one trusts what
    # this machine trusts, so that the module download works wherever
    # this machine's does.
    "${buildah[@]}" add "$ctr" /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
    "${buildah[@]}" config --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      --env GOPATH=/go --env GOTOOLCHAIN=local "$ctr"
  fi
  "${buildah[@]}" config --cmd /bin/bash "$ctr"
  "${buildah[@]}" commit --rm "$ctr" "$1" >/dev/null
}

build() {
  if [ ! -s "$rootfs" ]; then
    local t0=$SECONDS
    rm -rf "$dir/rootfs"
    debootstrap --variant=minbase bookworm "$dir/rootfs" http://deb.debian.org/debian >"$dir/debootstrap.log" 2>&1 ||
      { tail -20 "$dir/debootstrap.log"; exit 1; }
    rm -rf "$dir"/rootfs/var/cache/apt/archives/*.deb "$dir"/rootfs/var/lib/apt/lists/*
    tar -C "$dir/rootfs" -cf "$rootfs.tmp" . && mv "$rootfs.tmp" "$rootfs"
    rm -rf "$dir/rootfs"
    echo "debootstrap: $((SECONDS - t0)) s" >"$dir/debootstrap.time"
  fi
  have_image $base || from_tar $base "$rootfs"
  have_image $goimg || from_tar $goimg "$rootfs" "$(go env GOROOT)"
  local t0=$SECONDS
  "${buildah[@]}" bud --pull=never --isolation chroot --layers \
    --build-arg GO_IMAGE=$goimg --build-arg BASE_IMAGE=$base \
    --build-arg GOPROXY="$(go env GOPROXY)" \
    -f Containerfile -t "$image" . >"$dir/bud.log" 2>&1 || { tail -40 "$dir/bud.log"; exit 1; }
  local secs=$((SECONDS - t0))
  local size
  size=$("${buildah[@]}" inspect --type image --format '{{.Docker.Size}}' "$image" 2>/dev/null || echo "?")
  {
    echo "date: $(date -u +%F)"
    echo "machine: $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GiB"
    cat "$dir/debootstrap.time" 2>/dev/null || true
    echo "buildah bud: $secs s"
    echo "image: $image"
    "${buildah[@]}" images --format '{{.Name}}:{{.Tag}} {{.Size}}' | grep -E 'predict|debian|golang' || true
  } | tee "$dir/figures.txt"
}

test_image() {
  have_image "$image" || { echo "no image $image: make image"; exit 1; }
  local model=build/resnet18-seed0.pt
  ctr=$("${buildah[@]}" from --pull=never "$image")
  trap '"${buildah[@]}" rm "$ctr" >/dev/null' EXIT
  local run=("${buildah[@]}" run --isolation chroot -v "$PWD/build:/mnt/models:ro" -v "$PWD/testdata:/data:ro" --workingdir /data "$ctr" --)
  "${run[@]}" /opt/predict/bin/predict --version
  [ "$("${run[@]}" id -u)" = 10001 ] || { echo "the image does not run as its non-root user"; exit 1; }
  local args=(--model /mnt/models/$(basename $model) --format jsonl --logits --threads 1 images/rocket.jpg images/chelsea.png bad/empty.jpg)
  local inside host
  inside=$("${run[@]}" /opt/predict/bin/predict "${args[@]}" 2>/dev/null || true)
  host=$(cd testdata && ../bin/predict "${args[@]/\/mnt\/models/../build}" 2>/dev/null || true)
  [ -n "$inside" ] && [ "$inside" = "$host" ] || { echo "inside the image:"; echo "$inside" | cut -c1-200; echo "bin/predict:"; echo "$host" | cut -c1-200; exit 1; }
  echo "image-test: predict in $image prints the same $(echo "$inside" | wc -l) results as bin/predict"
}

case "${1:-}" in
  build) build ;;
  test) test_image ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
