# consentgate — see README.md. Targets work on a fresh Debian machine with Go.
GO      ?= go
BIN     := bin/caddy
DATA    := $(CURDIR)/tmp/data
CHROME  ?= $(shell command -v chromium || command -v chromium-browser || command -v google-chrome || true)

.PHONY: run build test lint unit chromium fuzz bench stress clean

build: $(BIN)

$(BIN): $(shell find . -name '*.go' -not -path './tmp/*') $(shell find banner -type f) go.mod go.sum
	$(GO) build -o $(BIN) ./cmd/caddy

# Serve the demo council site through the module on http://localhost:8080.
run: $(BIN)
	mkdir -p $(DATA)
	XDG_DATA_HOME=$(DATA) XDG_CONFIG_HOME=$(DATA) $(BIN) run --config Caddyfile.example --adapter caddyfile

# Everything: lint, unit, fuzz seeds, in-process Caddy integration and
# headless-Chromium end-to-end tests.
test: chromium lint
	$(GO) test -count=1 -timeout 12m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# Install Debian's Chromium when it is missing and we may (root).
chromium:
	@if [ -z "$(CHROME)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing chromium from Debian's packages"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium not found and cannot install it (not root): the browser tests will fail"; fi; \
	fi

# Long fuzzing of the rewriter (FUZZTIME=10m to change).
FUZZTIME ?= 5m
fuzz:
	$(GO) test ./rewrite -run '^$$' -fuzz FuzzRewrite -fuzztime $(FUZZTIME)

# Benchmarks: rewriter MB/s and the whole handler, then a load test of the
# built binary with and without the directive.
bench: $(BIN)
	$(GO) test -run '^$$' -bench . -benchmem ./rewrite ./caddymodule
	$(GO) run ./cmd/loadtest -caddy $(BIN)

stress: $(BIN)
	$(GO) run ./cmd/loadtest -caddy $(BIN) -duration 60s -concurrency 64

clean:
	rm -rf bin tmp
