# provenant: every target works on a fresh clone with Go and the module proxy.
export GOTOOLCHAIN := local

GO        ?= go
BIN       ?= bin/provenant
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS   := -s -w -X main.version=$(VERSION)
FUZZTIME  ?= 10s
BENCHTIME ?= 1s
ACTIONLINT_VERSION ?= v1.7.12
STATICCHECK_VERSION ?= v0.8.2
ERRCHECK_VERSION ?= v1.9.0

.PHONY: all build test cross demo bench fuzz lint fmt clean interop actionlint action-test build-kms test-kms release release-check action-pin

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/provenant

test: cross
	$(GO) vet ./...
	@echo '$(GO) test -count=1 -timeout 30m ./...'
	@bash testdata/vector-skips.sh $(GO) test -count=1 -timeout 30m ./...

# Builds and vets (tests included) for the other systems provenant runs on.
cross:
	GOOS=windows GOARCH=amd64 $(GO) vet ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...

demo: build
	@PROVENANT=$(CURDIR)/$(BIN) bash testdata/demo.sh

# Go benchmarks, then the CLI against openssl, sha256sum and cosign
# (docs/performance.md). QUICK=1 uses small inputs; BENCH_DIR moves them.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...
	bash testdata/bench/cli.sh
	bash testdata/bench/run-vs-sha256sum.sh
	bash testdata/bench/vsa-cache.sh

# Runs every fuzz target for FUZZTIME each (go test allows one -fuzz per run).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

# gofmt, go vet, staticcheck and errcheck (at fixed versions, built from
# their modules). make test vets for windows and darwin too (cross).
lint: actionlint
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	$(GO) run github.com/kisielk/errcheck@$(ERRCHECK_VERSION) ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin .demo

# Installs cosign v2.6.2 and slsa-verifier v2.7.1 (peers, for
# interoperability tests only) and runs them: the cosign matrix of
# docs/interop.md (TestCosignInteropMatrix) and slsa-verifier verify-vsa
# on provenant's VSAs. The tests also find slsa-verifier in .ci/run's cache
# when go install cannot build it; without it they skip.
interop:
	$(GO) install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.2
	-$(GO) install github.com/slsa-framework/slsa-verifier/v2/cli/slsa-verifier@v2.7.1
	$(GO) test -count=1 -run 'Cosign|SLSAVerifier' -v ./cmd/provenant

# Lints every workflow (and, through them, action.yml's inputs) with
# actionlint at a fixed version; it runs shellcheck on run: scripts when
# shellcheck is installed, and skips that otherwise.
actionlint:
	$(GO) run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

# Runs the GitHub Action's steps with a simulated runner (no GitHub needed)
# and checks outputs, job summary, annotations and secret handling; see
# docs/ci.md. ACTION_TEST_FLAGS: e.g. -v, -run verify, -ref HEAD.
action-test:
	bash testdata/action/action-test.sh $(ACTION_TEST_FLAGS)

# provenant's own release (docs/ci.md, "Our own release"): linux, darwin
# and windows for amd64 and arm64, reproducibly, into RELEASE_DIR with
# SHA256SUMS; release-check builds linux/amd64 twice (another directory, a
# cold build cache) and compares the bytes; action-pin pins the checksums
# and the source digest in .github/provenant-action/ for the action.
RELEASE_DIR ?= bin/release
release:
	bash .ci/release.sh build $(RELEASE_DIR) $(VERSION)
release-check:
	bash .ci/release.sh check $(RELEASE_DIR)/repro
action-pin:
	bash .ci/release.sh pin $(RELEASE_DIR) $(VERSION)

# The KMS signers (awskms://, gcpkms://, azurekms://, hashivault://) are
# built only with -tags kms: they add ~16 MB and 466 packages. See docs/keys.md.
build-kms:
	$(GO) build -tags kms -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/provenant

test-kms:
	$(GO) test -count=1 -tags kms ./attest/kms ./cmd/provenant
