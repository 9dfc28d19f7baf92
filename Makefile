# Amplitude: `make run` builds everything and serves the app; `make test` runs every test suite.
# Both install what is missing first (scripts/ensure-deps.sh). See README.md and ARCHITECTURE.md.
SHELL := /bin/bash
.DEFAULT_GOAL := all

HOST ?= 127.0.0.1
PORT ?= 8080
JOBS ?= $(shell nproc)
BUILD_TYPE ?= Release

NATIVE_DIR := build/native
WASM_DIR := build/wasm
GENERATED_WEB := web/src/generated

FUZZ_DIR := build/fuzz
SANITIZE_DIR := build/sanitize
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all deps native wasm web fuzz-build sanitize-build run test bench clean

all: native web

deps:
	@scripts/ensure-deps.sh

# Engine library and tests, server, tools.
native: deps
	@cmake -S . -B $(NATIVE_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(NATIVE_DIR) -j$(JOBS)

# The engine as standalone WebAssembly modules (SIMD128 and scalar), copied where Vite imports them.
wasm: deps
	@emcmake cmake -S . -B $(WASM_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(WASM_DIR) -j$(JOBS)
	@mkdir -p $(GENERATED_WEB)
	@for variant in simd scalar; do \
	  cmp -s $(WASM_DIR)/engine/amplitude-engine-$$variant.wasm $(GENERATED_WEB)/amplitude-engine-$$variant.wasm || \
	  cp $(WASM_DIR)/engine/amplitude-engine-$$variant.wasm $(GENERATED_WEB)/; \
	done

# The web app (generates the TypeScript protocol module, type-checks, bundles into web/dist).
web: wasm
	@cd web && npm run --silent build

# libFuzzer targets, built with clang and sanitizers in their own tree.
fuzz-build: deps
	@cmake -S . -B $(FUZZ_DIR) -DAMPLITUDE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(FUZZ_DIR) -j$(JOBS)

# The native tests again under AddressSanitizer and UndefinedBehaviorSanitizer (vptr checks off:
# the engine is built without RTTI).
sanitize-build: deps
	@cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS=$(SANITIZE_FLAGS)" \
	  "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" >/dev/null
	@cmake --build $(SANITIZE_DIR) -j$(JOBS)

run: all
	$(NATIVE_DIR)/server/amplitude-server --host $(HOST) --port $(PORT) --web-root web/dist

test: all fuzz-build sanitize-build
	@JOBS=$(JOBS) scripts/run-tests.sh

# Benchmarks (not tests): figures side by side as ratios, in one run (bench/README.md; BENCH_*
# variables shorten it). Needs the built app (the bench page) and the native tools.
bench: all
	@mkdir -p build/bench
	@rm -f build/bench/bench-*.bin
	@cd web && npx rolldown src/bench/writeSessions.ts --format esm --platform node -o ../build/bench/write-bench-session.mjs >/dev/null
	@node --experimental-websocket bench/run.mjs

clean:
	rm -rf build web/dist $(GENERATED_WEB)
