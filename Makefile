# Vigilo — developer and CI entry points. `make test` is THE test command.

GO        ?= go
GOPATH    := $(shell $(GO) env GOPATH)
# Tools that `make tools` installs live here; tests look for them here too.
export PATH := $(GOPATH)/bin:$(PATH)

VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)

# Extra flags for `go test`, e.g. make test TESTFLAGS='-count=1 -run TestX'.
TESTFLAGS ?=
# Two packages at a time: the machines have two cores, and UI tests each run
# a Chromium.
TESTPKGS  ?= ./...

MAILPIT_VERSION ?= v1.33.1
VERSITYGW_VERSION ?= v1.8.0
PEBBLE_VERSION ?= v2.10.3
POSTGRES_DSN    ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable

.PHONY: cluster run build agent test test-postgres bench tools screenshots clean

## run: build bin/vigilo (saying so: the first build downloads modules and
## takes a minute or two) and start it on SQLite in $VIGILO_DATA_DIR (default ./data).
## A local trial: cameras may use loopback and private addresses
## (VIGILO_CAMERA_ALLOW; set it, even empty, to choose otherwise). `vigilo serve`
## alone is strict.
TRIAL_CAMERA_ALLOW := 127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7
run:
	@echo "building vigilo ($(VERSION)) into bin/vigilo: the first build downloads Go modules and takes a minute or two..."
	@$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/vigilo ./cmd/vigilo
	@echo "built; starting vigilo serve"
	VIGILO_DATA_DIR="$${VIGILO_DATA_DIR:-./data}" VIGILO_CAMERA_ALLOW="$${VIGILO_CAMERA_ALLOW-$(TRIAL_CAMERA_ALLOW)}" ./bin/vigilo serve

## cluster: a real local cluster on loopback — the local PostgreSQL, NATS,
## an S3 server, 2 api nodes and 3 recorders (scripts/cluster.sh; docs/CLUSTER.md)
cluster:
	./scripts/cluster.sh

## build: build bin/vigilo with the version from git describe
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/vigilo ./cmd/vigilo

## agent: cross-build the binary for the P&P agent's usual hosts (a PC, a
## small Linux box, a camera running Linux): bin/vigilo-linux-{amd64,arm64,armv7}.
## The agent is `vigilo agent` of the same static binary (CGO off).
agent:
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/vigilo-linux-amd64 ./cmd/vigilo
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/vigilo-linux-arm64 ./cmd/vigilo
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/vigilo-linux-armv7 ./cmd/vigilo

## test: vet and run every test. Tests that need mailpit, ffmpeg or chromium
## skip when the tool is missing (and fail when CI=true); PostgreSQL tests run
## only when VIGILO_TEST_POSTGRES is set (see test-postgres).
test:
	$(GO) vet $(TESTPKGS)
	$(GO) test -p 2 -timeout 30m $(TESTFLAGS) $(TESTPKGS)

## test-postgres: `make test` with the PostgreSQL tests on the local server
## ($(POSTGRES_DSN)); each test gets a fresh database that it drops after.
test-postgres:
	VIGILO_TEST_POSTGRES='$(POSTGRES_DSN)' $(MAKE) test

## bench: run the benchmarks once, briefly, one package at a time
bench:
	$(GO) test -p 1 -run '^$$' -bench . -benchmem -benchtime 200ms $(TESTPKGS)

## tools: install mailpit (the SMTP server with an HTTP API the mail tests use),
## versitygw (the S3 server of the video-in-S3 tests) and pebble (the ACME
## server of the custom-domain TLS tests);
## ffmpeg and chromium come from the OS: apt-get install ffmpeg chromium
tools:
	$(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION)
	$(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)
	$(GO) install github.com/letsencrypt/pebble/v2/cmd/pebble@$(PEBBLE_VERSION)

## screenshots: copy the UI tests' screenshots (artifacts/screenshots, ignored
## by git) to docs/screenshots, the README gallery that is committed
screenshots:
	@ls artifacts/screenshots/*.png >/dev/null 2>&1 || { echo "no screenshots in artifacts/screenshots: run make test first (needs chromium)"; exit 1; }
	mkdir -p docs/screenshots
	cp artifacts/screenshots/*.png docs/screenshots/

## clean: remove build output and test artifacts (never ./data)
clean:
	rm -rf bin artifacts
