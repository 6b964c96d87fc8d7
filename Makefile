# postbode — `make run` starts a development daemon, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
# Sign with the system libcrypto when its headers are there (much faster RSA);
# the pure-Go build passes every test too: make test TAGS=
TAGS ?= $(shell test -f /usr/include/openssl/evp.h && echo openssl)
BIN := bin/postbode
ENV := source .data/env &&
# postbode version and postbode_build_info show these (git describe, else "dev").
VERSION ?= $(shell git describe --tags --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell c=$$(git rev-parse --short=12 HEAD 2>/dev/null) && { git diff --quiet HEAD 2>/dev/null && echo $$c || echo $$c-dirty; })
LDFLAGS := -X github.com/postbode/postbode/internal/buildinfo.Version=$(VERSION) -X github.com/postbode/postbode/internal/buildinfo.Commit=$(COMMIT)

.PHONY: build run stop test test-tools test-short test-faults test-pgbouncer scale soak bench screenshots services sweep vet fmt clean

build:
	$(GO) build -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/postbode

services:
	@deploy/dev/services.sh up

test-tools:
	@deploy/dev/services.sh tools

# run builds, brings up Postgres and Redis, migrates, replaces the make-run
# admin token and serves in the foreground (deploy/dev/run.sh says each step).
run:
	@GO=$(GO) TAGS='$(TAGS)' LDFLAGS='$(LDFLAGS)' BIN=$(BIN) deploy/dev/run.sh start

# stop stops the postbode make run started in this checkout (pid file) and
# the private Postgres and Redis services.sh started, nothing else.
stop:
	@BIN=$(BIN) deploy/dev/run.sh stop
	@deploy/dev/services.sh down

# sweep drops this checkout's test databases (POSTBODE_TEST_DB_PREFIX).
sweep:
	@deploy/dev/services.sh sweep

# make test runs every test, then the fault tests (a few minutes; the
# two-node throughput comparison runs only in make test-faults). Test
# databases left by an earlier killed run are dropped first, and this run's
# when it ends, pass or fail. A tool test-tools installs (chromium, the
# DKIM verifier, ...) that is still missing fails the tests needing it
# (POSTBODE_TEST_TOOLS=required; run by themselves they skip).
test: services test-tools sweep
	@$(ENV) export POSTBODE_TEST_TOOLS=required; st=0; $(GO) test -tags '$(TAGS)' -count=1 -timeout 15m ./... || st=$$?; \
	  [ $$st != 0 ] || $(GO) test -tags '$(TAGS) faults' -count=1 -timeout 15m -run 'Fault' ./cmd/postbode/ || st=$$?; \
	  deploy/dev/services.sh sweep; exit $$st

# test-short runs the tests of some packages only: make test-short PKGS=./campaigns/...
PKGS ?= ./...
test-short: services
	@$(ENV) $(GO) test -tags '$(TAGS)' -count=1 -timeout 10m $(PKGS)

# test-faults also runs the failover tests (TestHA*: Redis Sentinel and
# Cluster, PgBouncer, a promoted Postgres replica), which start their own
# servers on loopback ports (services.sh tools-ha installs them).
test-faults: services
	@deploy/dev/services.sh tools-ha
	@set -o pipefail; $(ENV) $(GO) test -tags '$(TAGS) faults' -count=1 -timeout 30m -run 'Fault|Scale|HA' -v ./cmd/postbode/ | grep -v '^        {'

# test-pgbouncer runs every test with the test databases reached through
# PgBouncer in transaction pooling mode (deploy/dev/pgbouncer.sh).
test-pgbouncer: services test-tools sweep
	@deploy/dev/services.sh tools-ha
	@pooler=$$(deploy/dev/pgbouncer.sh up) && $(ENV) export POSTBODE_TEST_TOOLS=required; st=0; \
	  POSTBODE_TEST_POOLER_URL="$$pooler" $(GO) test -tags '$(TAGS)' -count=1 -timeout 20m ./... || st=$$?; \
	  deploy/dev/pgbouncer.sh down; deploy/dev/services.sh sweep; exit $$st

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
