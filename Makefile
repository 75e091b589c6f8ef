# ward's build, test and lint entry points. `make test` is what CI runs (.ci/run).
#
# Developer tools (buf, protoc-gen-go, protoc-gen-connect-go, staticcheck) are pinned in a
# separate module, tools/go.mod, so that their dependencies stay out of the main go.mod. They
# are run with `go tool -modfile=tools/go.mod NAME`, from the repository root; the first run
# builds them (a few minutes), later runs come from the Go build cache.

SHELL       := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO          ?= go
# GOFLAGS is passed through to every go command (for example GOFLAGS=-mod=mod).
GOFLAGS     ?=
export GOFLAGS

TOOLS_MODFILE := tools/go.mod
GOTOOL        := $(GO) tool -modfile=$(TOOLS_MODFILE)
BUF           := $(GOTOOL) buf
STATICCHECK   := $(GOTOOL) staticcheck
GOFMT         ?= gofmt

BIN         := bin/ward
TESTFLAGS   ?= -race -count=1 -timeout 25m
BENCH_PKGS  ?= ./...
BENCH_COUNT ?= 5
BENCH_OUT   ?= bench.txt
FUZZTIME    ?= 20s
FUZZ_PKGS   ?= ./...

# The tests start PostgreSQL in Docker containers with testcontainers-go (store/sql/pgtest), from
# images built here (make images). Testcontainers' reaper, Ryuk, is an image that no registry
# can give us: it is turned off, and the tests remove their containers themselves.
export TESTCONTAINERS_RYUK_DISABLED ?= true

.PHONY: all build run test unit-test images generate lint vet staticcheck buf-lint fmt-check \
	check-generated bench fuzz tools clean

all: build

## build: compile the ward binary into bin/ward.
build:
	$(GO) build -o $(BIN) ./cmd/ward

## run: build, then start `ward serve`.
run: build
	./$(BIN) serve

## test: unit tests with the race detector, then the generated-code check and the linters.
test: unit-test check-generated lint

unit-test: images
	WARD_SCREENSHOT_DIR=$(CURDIR)/bin/screenshots $(GO) test $(TESTFLAGS) ./...

## images: build the Docker images that the tests start; does nothing when they are up to date.
images:
	./scripts/build-test-images.sh

## image: build ward's container image, ward:dev (deploy/image/Dockerfile: the static binary on
## an empty base, non-root, with a health check); does nothing when it is up to date.
.PHONY: image
image:
	./scripts/build-image.sh

## chaos-images: build the database image of the chaos harness (ward-chaos-db:1: etcd, or
## PostgreSQL 17 under Patroni); does nothing when it is up to date.
.PHONY: chaos-images
chaos-images:
	./scripts/build-chaos-images.sh

## chaos: build the chaos images, then run every scenario of the multi-region harness, each on a
## fresh three-region cluster in Docker (`ward chaos run all`; JSON results and HTML reports in
## CHAOS_OUT). Fails when a scenario fails its checks. 11–13 minutes on 2 cores (7 scenarios).
CHAOS_OUT       ?= bin/chaos-results
CHAOS_SCENARIOS ?= all
.PHONY: chaos
chaos: build chaos-images
	./$(BIN) chaos run $(CHAOS_SCENARIOS) --out $(CHAOS_OUT)

## generate: regenerate the Go code of the .proto files under proto/.
generate:
	$(BUF) generate

## lint: go vet, staticcheck, buf lint and a gofmt check.
lint: vet staticcheck buf-lint fmt-check

vet:
	$(GO) vet ./...

staticcheck:
	$(STATICCHECK) ./...

buf-lint:
	$(BUF) lint

fmt-check:
	@out="$$($(GOFMT) -l .)"; \
	if [ -n "$$out" ]; then \
		echo "gofmt: these files are not formatted (run: gofmt -w .):" >&2; \
		echo "$$out" >&2; \
		exit 1; \
	fi

## check-generated: regenerate, then fail if proto/ differs from what git has committed.
check-generated: generate
	./scripts/check-generated.sh proto

## bench: run the benchmarks of BENCH_PKGS BENCH_COUNT times (the output goes to BENCH_OUT, for
## benchstat), then the `ward load` profile of loadtest/bench.sh against a memory-store server and
## a PostgreSQL-backed one (results in LOAD_OUT). Fails on request errors or on a ratio to noop
## below the README's floors. BENCH_PROFILE=ci is the short profile (at most 5 minutes).
BENCH_PROFILE ?= full
ifeq ($(BENCH_PROFILE),ci)
BENCH_COUNT   := 2
LOAD_DURATION ?= 6s
endif
LOAD_DURATION ?= 20s
LOAD_OUT      ?= bin/bench-load
bench: build images
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) $(BENCH_PKGS) | tee $(BENCH_OUT)
	LOAD_DURATION=$(LOAD_DURATION) LOAD_OUT=$(LOAD_OUT)/memory ./loadtest/bench.sh $(BIN)
	LOAD_STORE=postgres LOAD_DURATION=$(LOAD_DURATION) LOAD_OUT=$(LOAD_OUT)/postgres ./loadtest/bench.sh $(BIN)

## fuzz: run every Fuzz* target of FUZZ_PKGS for FUZZTIME each.
fuzz:
	GO="$(GO)" ./scripts/fuzz.sh $(FUZZTIME) $(FUZZ_PKGS)

## tools: download and build the pinned tools (done on demand otherwise).
tools:
	cd tools && $(GO) mod download
	$(GOTOOL) -n buf >/dev/null
	$(GOTOOL) -n protoc-gen-go >/dev/null
	$(GOTOOL) -n protoc-gen-connect-go >/dev/null
	$(GOTOOL) -n staticcheck >/dev/null

clean:
	rm -rf bin $(BENCH_OUT)
