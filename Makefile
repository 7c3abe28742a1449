# Two commands for a newcomer on Debian 12, as root:
#   make predict   set everything up and classify the shipped test images
#   make test      set everything up and run every test
# Both install what is missing (apt-get, idempotent) first.

SHELL    := /bin/bash
comma    := ,
PYTHON   := /usr/bin/python3
GO       ?= $(shell command -v go || echo /usr/local/go/bin/go)
# CMake prefix of the LibTorch the shim is built against (CMakeLists.txt).
# For CUDA: make build LIBTORCH=$$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
LIBTORCH ?= /usr/lib/x86_64-linux-gnu/cmake

# zlib1g-dev: static libz for the PNG decoder; libdeflate-dev: static
# libdeflate, which Debian's libtiff uses for Deflate TIFF strips;
# libjpeg-turbo-progs: jpegtran for the arithmetic-coded and restart-marker
# files of the test corpus; chromium: the headless browser the server's
# page is tested in.
APT_PACKAGES := libtorch-dev python3-torch python3-torchvision python3-pil python3-numpy \
                libjpeg62-turbo-dev libwebp-dev zlib1g-dev libdeflate-dev libjpeg-turbo-progs \
                cmake g++ make pkg-config chromium

SHIM        := build/libtorchc.so
MODEL       := build/resnet18.pt
TEST_MODEL  := build/resnet18-seed0.pt
TEST_MODELS := build/testmodels/.stamp
# torchvision classifiers with seeded weights and their weights' own
# transforms, for the model-zoo parity test.
ZOO_MODELS  := resnet50 mobilenet_v3_small efficientnet_b0 convnext_tiny regnet_y_400mf vit_b_16 swin_t
ZOO         := build/zoo/.stamp

# binding links libtorchc.so through pkg-config (torchc.pc). The installed
# torchc.pc (make install) records PREFIX/lib as the run path of what links
# it; the uninstalled one in build/pkgconfig, for this tree, records none
# (go's build cache does not notice a change of pkg-config output, so one
# file must serve every build here): bin/predict gets $ORIGIN/../lib and
# the test binaries build/ through -ldflags. The decoders' static
# libraries stay private through decode/local_symbols.so, not flags here.
PC_DEV      := build/pkgconfig/torchc.pc
ABI_VERSION  = $(shell sed -n 's/^#define TORCHC_ABI_VERSION \([0-9]*\)/\1/p' libtorch/torchc.h)
# $(call torchc_pc,PREFIX,LIBDIR,INCLUDEDIR,RUNPATH-FLAG)
torchc_pc = sed -e 's|@PREFIX@|$(1)|' -e 's|@LIBDIR@|$(2)|' -e 's|@INCLUDEDIR@|$(3)|' \
                -e 's|@RUNPATH@|$(4)|' -e 's|@VERSION@|$(ABI_VERSION)|' libtorch/torchc.pc.in
GO_DEV       = PKG_CONFIG_PATH=$(CURDIR)/build/pkgconfig $(GO)
# RUNPATH $ORIGIN/../lib finds the shim next to the binary.
GO_LDFLAGS  := -extldflags "-Wl,-rpath,$$ORIGIN/../lib"
# Test binaries run from go's temporary directories: the shim in build/.
TEST_LDFLAGS = -extldflags "-Wl,-rpath,$(CURDIR)/build"

PREFIX      ?= /usr/local

# Go tools make test and make proto run, pinned; go install puts them in
# $(GOBIN).
STATICCHECK_VERSION        := v0.8.2
GRPCURL_VERSION            := v1.9.4
VERSITYGW_VERSION          := v1.8.0
PROTOC_GEN_GO_VERSION      := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.1
GOBIN       := $(or $(shell $(GO) env GOBIN 2>/dev/null),$(shell $(GO) env GOPATH 2>/dev/null)/bin)
STATICCHECK := $(GOBIN)/staticcheck
GRPCURL     := $(GOBIN)/grpcurl
VERSITYGW   := $(GOBIN)/versitygw

.PHONY: all deps shim lib pkgconfig install build predict test lint proto models corpus mutants fuzz gpu-binaries image image-test bench-shards parity-matrix clean

all: build

# Installs only what is missing; apt-get update runs only then.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@test -x "$(GO)" || { echo "Go not found: install Go >= 1.26 (https://go.dev/dl) or set GO=/path/to/go"; exit 1; }

shim: deps lib pkgconfig

pkgconfig: $(PC_DEV)

$(PC_DEV): libtorch/torchc.pc.in libtorch/torchc.h Makefile
	@mkdir -p $(@D)
	$(call torchc_pc,$(CURDIR),$(CURDIR)/build,$(CURDIR)/libtorch,) > $@

# The shim, its headers and torchc.pc under PREFIX (default /usr/local),
# for Go programs outside this repository:
#   make install PREFIX=/opt/torchc
#   PKG_CONFIG_PATH=/opt/torchc/lib/pkgconfig go build ./...
install: shim
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 0755 $(SHIM) $(DESTDIR)$(PREFIX)/lib/libtorchc.so
	install -m 0644 libtorch/torchc.h libtorch/torchc_testing.h $(DESTDIR)$(PREFIX)/include/
	$(call torchc_pc,$(PREFIX),$${prefix}/lib,$${prefix}/include,-Wl$(comma)-rpath$(comma)$${libdir} ) > $(DESTDIR)$(PREFIX)/lib/pkgconfig/torchc.pc

# The shim alone, with no apt and no Go: for a GPU machine that has CMake and
# a CUDA LibTorch but no Go toolchain (the Go binaries are built elsewhere).
lib:
	cmake -S . -B build -DLIBTORCH="$(LIBTORCH)" -DCMAKE_BUILD_TYPE=Release > build.cmake.log 2>&1 || { cat build.cmake.log; exit 1; }
	cmake --build build -j $$(nproc)
	@rm -f build.cmake.log
	mkdir -p lib && cp -f $(SHIM) lib/libtorchc.so

# bin/predict finds lib/libtorchc.so through its RUNPATH ($ORIGIN/../lib):
# no LD_LIBRARY_PATH. Replacing lib/libtorchc.so with one built against a
# CUDA LibTorch switches devices without rebuilding the Go side.
build: shim
	$(GO_DEV) build -o bin/predict -ldflags='$(GO_LDFLAGS)' ./cmd/predict

$(MODEL): scripts/export_resnet18.py
	$(PYTHON) scripts/export_resnet18.py $@ --auto

$(TEST_MODEL): scripts/export_resnet18.py
	$(PYTHON) scripts/export_resnet18.py $@ --seed 0 2>/dev/null

$(TEST_MODELS): scripts/export_test_models.py
	$(PYTHON) scripts/export_test_models.py build/testmodels 2>/dev/null && touch $@

$(ZOO): scripts/export_torchvision.py
	@mkdir -p $(@D)
	for m in $(ZOO_MODELS); do $(PYTHON) scripts/export_torchvision.py $$m build/zoo/$$m.pt --seed 0 2>/dev/null || exit 1; done
	touch $@

models: deps $(TEST_MODEL) $(TEST_MODELS) $(ZOO)

predict: build
	@$(MAKE) --no-print-directory $(MODEL)
	bin/predict --model $(MODEL) --format table testdata/images

# PREDICT_REQUIRE_ORACLE=1 turns "oracle or model missing" skips into
# failures: here everything is prepared, so nothing may be skipped.
test: build models lint $(GRPCURL) $(VERSITYGW)
	PATH=$(GOBIN):$$PATH PREDICT_REQUIRE_ORACLE=1 $(GO_DEV) test -race -count=1 -timeout 30m -ldflags='$(TEST_LDFLAGS)' ./...
	cd deploy && $(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=20000x

# go vet and staticcheck, which must find nothing.
lint: shim $(STATICCHECK)
	$(GO_DEV) vet ./...
	PATH=$(dir $(GO)):$$PATH PKG_CONFIG_PATH=$(CURDIR)/build/pkgconfig $(STATICCHECK) ./...

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(GRPCURL):
	$(GO) install github.com/fullstorydev/grpcurl/cmd/grpcurl@$(GRPCURL_VERSION)

# A real S3 server for the object storage tests, on loopback.
$(VERSITYGW):
	$(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

# The Go code of proto/open_inference_grpc.proto (committed): Debian's
# protoc and the pinned Go plugins.
proto:
	@dpkg-query -W -f='$${Status}\n' protobuf-compiler 2>/dev/null | grep -q '^install ok installed' || \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends protobuf-compiler; }
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	$(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
	PATH=$(GOBIN):$$PATH protoc -I proto --go_out=. --go_opt=module=github.com/torchgo/predict \
	  --go-grpc_out=. --go-grpc_opt=module=github.com/torchgo/predict proto/open_inference_grpc.proto

# What scripts/gpu-check.sh needs carried to a GPU machine without Go:
# bin/predict and the test binaries (found via RUNPATH $ORIGIN/../../lib).
GPU_TEST_LDFLAGS := -extldflags "-Wl,-rpath,$$ORIGIN/../../lib"
gpu-binaries: build
	mkdir -p build/gpu
	for p in binding predictor cmd/predict; do \
	  $(GO_DEV) test -c -o build/gpu/$$(basename $$p).test -ldflags='$(GPU_TEST_LDFLAGS)' ./$$p || exit 1; done

# The container image (Containerfile), built without a registry by
# scripts/image.sh: a debootstrapped Debian 12 as the local debian:12-slim,
# buildah with vfs storage and chroot isolation. Minutes, so not part of
# make test; docs/BENCHMARKS.md has its size and build time.
image: build
	@for p in debootstrap buildah; do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; fi
	scripts/image.sh build

# predict --version and one prediction inside the image, the same as
# bin/predict's.
image-test: image models
	scripts/image.sh test

# N local shards (--threads 1 each) over a generated image set, merged:
# the merge must equal the single run; wall time per N.
bench-shards: build models
	scripts/bench_shards.sh

# Debian 13 (Pillow 11.1, LibTorch 2.6) in a debootstrapped chroot: the shim
# built there, predict --pillow debian13 against its reference.py over
# testdata/ and the corpus (docs/PARITY.md). Minutes; not part of make test.
parity-matrix: build
	scripts/parity-matrix.sh

# The decode test corpus (the corpus test also makes its own in a temp dir).
corpus: deps
	$(PYTHON) scripts/make_corpus.py build/corpus

# Differential check on ~3,000 deterministic mutants of the corpus (cut,
# header bytes, bit flips): Pillow's pixels or Pillow's refusal, file by
# file. Not part of make test (a few minutes); see docs/PARITY.md.
mutants: corpus
	$(PYTHON) scripts/mutate_corpus.py build/corpus build/mutants
	PREDICT_REQUIRE_ORACLE=1 PREDICT_CORPUS=$(CURDIR)/build/mutants $(GO_DEV) test -ldflags='$(TEST_LDFLAGS)' ./decode -count=1 -run '^TestCorpusMatchesPillow$$' -v

# Every fuzz target of decode (go test -list) for FUZZTIME. make test runs
# a fixed count of inputs rather than a duration: Go 1.26's fuzzer can
# report a spurious "context deadline exceeded" when a -fuzztime duration
# ends mid-shrink.
FUZZTIME ?= 10s
fuzz: shim
	targets=$$($(GO_DEV) test -ldflags='$(TEST_LDFLAGS)' ./decode -list '^Fuzz' | grep '^Fuzz') || exit 1; \
	for f in $$targets; do \
	  $(GO_DEV) test -ldflags='$(TEST_LDFLAGS)' ./decode -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) || exit 1; done

clean:
	rm -rf build bin lib
