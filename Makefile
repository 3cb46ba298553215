# The two commands of README.md, plus bench. Each installs what is missing first.
BUILD    ?= build
# Build output without make's directory lines.
MAKEFLAGS += --no-print-directory
JOBS     ?= $(shell nproc)
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD := build-asan
CMAKE_FLAGS += -DSITEDNS_SANITIZE=ON
endif
ifneq ($(CI),)
CMAKE_FLAGS += -DSITEDNS_WERROR=ON
endif
# libFuzzer targets (tests/fuzz): a clang build of their own; seconds per target for
# `make fuzz`, and for the short run of `make fuzz-smoke`.
FUZZ_BUILD        ?= build-fuzz
FUZZ_SECONDS      ?= 600
FUZZ_TEST_SECONDS ?= 20

.PHONY: deps build run test bench clean deb fuzz fuzz-build fuzz-smoke e2e

deps:
	@./.ci/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@echo "sitedns on 127.0.0.1:5353 with the built-in example; in another shell:"
	@echo "    dig @127.0.0.1 -p 5353 paris.example.local MX"
	@echo "Ctrl-C stops it."
	$(BUILD)/server/sitedns

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

# Every fuzz target for FUZZ_TEST_SECONDS (not yet part of make test: see issue 7's note).
fuzz-smoke: fuzz-build
	./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TEST_SECONDS)

# Only the fuzz targets and the libraries they link are built here.
fuzz-build:
	@./.ci/install-deps clang libclang-rt-14-dev
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DSITEDNS_FUZZ=ON \
	       -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

# Each target for FUZZ_SECONDS on a copy of its seeds: `make fuzz FUZZ_SECONDS=60`.
fuzz: fuzz-build
	./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# End to end (tests/e2e, README "How it routes mail"): three sites in network namespaces,
# each with sitedns and Postfix, and dnsdist in front of two sitedns. Needs root; about
# 20 s once sitedns is built. `make test` runs it too when root (ctest label e2e).
e2e: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target sitedns
	bash ./tests/e2e/e2e_test.sh $(BUILD)/server/sitedns $(CURDIR)

# The benchmark of issue 6 (bench/run.sh): sitedns beside NSD, Knot, Unbound and dnsmasq
# through ../shared/peerbench, one table on stdout and in bench/results/LATEST.md; about
# 20 minutes. A quick look: `make bench BENCH_RUNS=1 BENCH_SECONDS=2`; one scenario:
# `make bench BENCH_SCENARIOS=sites`. Reload time is an extra: bench/reload.sh BIN.
bench: build
	BENCH_JOBS=$(JOBS) ./bench/run.sh $(BUILD)/server/sitedns

# The Debian package (packaging/package.cmake): build/sitedns_<version>_<arch>.deb.
deb: build
	@./.ci/install-deps dpkg-dev
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf build build-asan $(FUZZ_BUILD)
