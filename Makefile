# consentgate — see README.md. Targets work on a fresh Debian machine with Go.
GO      ?= go
BIN     := bin/caddy
DATA    := $(CURDIR)/tmp/data
CHROME  ?= $(shell command -v chromium || command -v chromium-browser || command -v google-chrome || true)

.PHONY: run build test lint deps fuzz bench stress clean

build: $(BIN)

$(BIN): $(shell find . -name '*.go' -not -path './tmp/*') $(shell find banner -type f) go.mod go.sum
	@echo "Building $(BIN) (the first build takes a few minutes)..."
	$(GO) build -o $(BIN) ./cmd/caddy

# Serve the demo council site through the module on http://localhost:8080,
# with Caddy's data (the consent log) under tmp/data. Says where to look:
# the site, the log and the command that reads it, and the DPO console
# when an admin line is on (not commented out) in Caddyfile.example.
run: $(BIN)
	@mkdir -p $(DATA)
	@echo "Open http://localhost:8080 (the demo council site)."
	@echo "Consent log: $(DATA)/caddy/consentgate/consent-log.db"
	@echo "Read it:     $(BIN) consent-log verify --store $(DATA)/caddy/consentgate/consent-log.db"
	@echo "Cookies:     $(BIN) consent-log cookies --store $(DATA)/caddy/consentgate/consent-log.db"
	@if grep -Eq '^[[:space:]]*admin([[:space:]]+[^[:space:]]+[[:space:]]+[^[:space:]]+)?[[:space:]]*$$' Caddyfile.example; then \
		echo "DPO console: http://localhost:8080/_consent/admin/"; \
	else \
		echo "DPO console: off (uncomment the admin line in Caddyfile.example to turn it on)."; \
	fi
	XDG_DATA_HOME=$(DATA) XDG_CONFIG_HOME=$(DATA) $(BIN) run --config Caddyfile.example --adapter caddyfile

# Everything: lint, unit, fuzz seeds, in-process Caddy integration and
# headless-Chromium end-to-end tests.
test: deps lint
	$(GO) test -count=1 -timeout 15m -skip '^TestCorpus$$' ./...
	@mkdir -p tmp
	@echo "go test -run TestCorpus ./e2e (the council corpus in every consent scenario; full log in tmp/corpus.log)"
	@$(GO) test -count=1 -timeout 12m -run '^TestCorpus$$' -v ./e2e > tmp/corpus.log 2>&1; rc=$$?; \
		grep -E '^(    [a-z_]+_test\.go:[0-9]+: |--- FAIL|panic:)' tmp/corpus.log | head -300; \
		grep -E '^corpus: [0-9]+ passed, [0-9]+ failed' tmp/corpus.log | tail -1; \
		tail -1 tmp/corpus.log; exit $$rc

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# Install what the tests run for real when it is missing and we may (root):
# Debian's Chromium (browser tests), PostgreSQL's server binaries (consent
# log tests against a throwaway cluster) and npm (axe-core at test time).
deps:
	@missing=""; \
	[ -n "$(CHROME)" ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing from Debian's packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "missing:$$missing, and cannot install (not root): the tests that need them will fail"; fi; \
	fi

# Every fuzz target for FUZZTIME each (FUZZTIME=10m to change). Go fuzzes one
# target per invocation, hence the loop; new corpus entries that fail land in
# the package's testdata/fuzz/<target>/.
FUZZTIME ?= 2m
FUZZ_TARGETS := ./rewrite:FuzzRewrite ./rewrite:FuzzLexer ./consent:FuzzDecode \
	./cspreport:FuzzCSPReport ./consent:FuzzParseChoice ./consent:FuzzSafeReturn
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "go test $$pkg -fuzz '^$$fn\$$' -fuzztime $(FUZZTIME)"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME); \
	done

# Benchmarks (BENCHMARKS.md says what each figure is): five rounds of the
# Go benchmarks, interleaved so that a ratio compares runs made at the same
# time (full output in tmp/bench.txt), their medians and the rewriter's
# ratio to its floor, then the built binary under load,
# reverse_proxy alone against cookie_consent in front, A/B alternated
# (cmd/loadtest). About 6 minutes on 2 cores.
bench: $(BIN)
	@mkdir -p tmp; : > tmp/bench.txt; for i in 1 2 3 4 5; do \
		echo "round $$i of 5: go test -bench . -benchmem ./rewrite ./caddymodule ./consentlog"; \
		$(GO) test -run '^$$' -bench . -benchmem ./rewrite ./caddymodule ./consentlog > tmp/bench.round 2>&1; \
		rc=$$?; cat tmp/bench.round; cat tmp/bench.round >> tmp/bench.txt; [ $$rc = 0 ] || exit $$rc; \
	done
	$(GO) run ./cmd/loadtest -caddy $(BIN) -gobench tmp/bench.txt

# Scripted fault and load runs of the built binary on loopback (cmd/stress):
# 1,000 connections posting choices for STRESS_DURATION (60s) while the CLI
# reads the log, 500 aborted upstream responses of each kind, and a store
# moved, deleted, unreachable or down at start. One line per scenario; exits
# non-zero if any record was lost or anything leaked. STRESS_CONNS=200 for a
# smaller machine.
stress: $(BIN)
	$(GO) run ./cmd/stress -caddy $(BIN)

clean:
	rm -rf bin tmp
