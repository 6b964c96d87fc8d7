# postbode — `make run` starts a development daemon, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
# Sign with the system libcrypto when its headers are there (much faster RSA);
# the pure-Go build passes every test too: make test TAGS=
TAGS ?= $(shell test -f /usr/include/openssl/evp.h && echo openssl)
BIN := bin/postbode
ENV := source .data/env &&

.PHONY: build run stop test test-tools test-short test-faults scale soak bench screenshots services vet fmt clean

build:
	$(GO) build -tags '$(TAGS)' -o $(BIN) ./cmd/postbode

services:
	@deploy/dev/services.sh up

test-tools:
	@deploy/dev/services.sh tools

run: build services
	@mkdir -p .data/outbox
	@$(ENV) POSTBODE_CONFIG=deploy/dev/postbode.dev.toml $(BIN) migrate >/dev/null
	@$(ENV) tok=$$(POSTBODE_CONFIG=deploy/dev/postbode.dev.toml $(BIN) token create --role admin --name make-run) && \
	  echo "" && \
	  echo "postbode is starting:" && \
	  echo "  admin API   http://127.0.0.1:8080/api/v1   (OpenAPI: /api/v1/openapi.json, metrics: /metrics)" && \
	  echo "  public      http://localhost:8081" && \
	  echo "  inbound     smtp://127.0.0.1:2525" && \
	  echo "  outbox      ./.data/outbox (every sent message as .eml)" && \
	  echo "  admin token $$tok" && \
	  echo "  try:        export TOKEN=$$tok; curl -H \"Authorization: Bearer \$$TOKEN\" http://127.0.0.1:8080/api/v1/lists" && \
	  echo ""
	@$(ENV) POSTBODE_CONFIG=deploy/dev/postbode.dev.toml exec $(BIN) serve

stop:
	@-pkill -f '$(BIN) serve' || true
	@deploy/dev/services.sh down

# make test runs every test, then the fault tests (a few minutes; the
# two-node throughput comparison runs only in make test-faults).
test: services test-tools
	@$(ENV) $(GO) test -tags '$(TAGS)' -count=1 -timeout 15m ./...
	@$(ENV) $(GO) test -tags '$(TAGS) faults' -count=1 -timeout 15m -run 'Fault' ./cmd/postbode/

# test-short runs the tests of some packages only: make test-short PKGS=./campaigns/...
PKGS ?= ./...
test-short: services
	@$(ENV) $(GO) test -tags '$(TAGS)' -count=1 -timeout 10m $(PKGS)

test-faults: services
	@set -o pipefail; $(ENV) $(GO) test -tags '$(TAGS) faults' -count=1 -timeout 30m -run 'Fault|Scale' -v ./cmd/postbode/ | grep -v '^        {'

# scale sends one campaign to SCALE_N recipients through SCALE_SENDERS
# sender nodes and reports throughput and peak memory: make scale SCALE_N=1000000 SCALE_SENDERS=2
SCALE_N ?= 1000000
SCALE_SENDERS ?= 1
scale: services
	@set -o pipefail; $(ENV) POSTBODE_SCALE_RECIPIENTS=$(SCALE_N) POSTBODE_SCALE_SENDERS=$(SCALE_SENDERS) $(GO) test -tags '$(TAGS) faults' -count=1 -timeout 90m -run TestScaleLargeCampaign -v ./cmd/postbode/ | grep -v '^        {'

# soak runs one node under steady sending, bounces and page traffic and
# watches memory and goroutines: make soak SOAK=10m
SOAK ?= 10m
soak: services
	@set -o pipefail; $(ENV) POSTBODE_SOAK_DURATION=$(SOAK) $(GO) test -tags '$(TAGS) faults soak' -count=1 -timeout 60m -run TestSoak -v ./cmd/postbode/ | grep -v '^        {'

bench: services
	@$(ENV) $(GO) test -tags '$(TAGS)' -run '^$$' -bench . -benchtime 1x -timeout 60m ./... | tee .data/bench.txt

# screenshots renews the console screenshots of the README (docs/screenshots).
screenshots: services test-tools
	@$(ENV) POSTBODE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -tags '$(TAGS)' -count=1 -run TestConsoleBrowser ./cmd/postbode/

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
