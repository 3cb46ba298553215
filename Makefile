# The two commands of README.md, plus bench. Each installs what is missing first.
BUILD    ?= build
# Build output without make's directory lines.
MAKEFLAGS += --no-print-directory
JOBS     ?= $(shell nproc)
ifneq ($(CI),)
CMAKE_FLAGS += -DSITEDNS_WERROR=ON
endif
# After the normal build's whole suite, `make test` runs two sanitizer builds of clang
# (issue 7); QUICK=1 skips them (`make test QUICK=1`), `make test-asan` and
# `make test-tsan` run one alone:
#   ASAN_BUILD  ASan+UBSan: every unit test, the integration tests labelled asan and each
#               libFuzzer target of tests/fuzz for FUZZ_TEST_SECONDS. Its objects also
#               carry libFuzzer's coverage, so the fuzz targets are built there too.
#   TSAN_BUILD  TSan: sitedns and the unit tests of the threaded code (target tsan_tests),
#               the tests labelled tsan (reload under load, TCP, forwarding, ...).
# tests/sanitizers/run.sh runs ctest there and fails on any sanitizer report. Both are
# unoptimised (-O0): they build in a third of -O2's time, which is most of their cost;
# line tables are enough for the reports' stacks.
QUICK             ?= 0
ASAN_BUILD        ?= build-asan
TSAN_BUILD        ?= build-tsan
FUZZ_SECONDS      ?= 600
FUZZ_TEST_SECONDS ?= 15
SANITIZER_CMAKE    = -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only \
                     -DCMAKE_CXX_COMPILER=clang++ $(CMAKE_FLAGS)
ASAN_CONFIGURE     = cmake -S . -B $(ASAN_BUILD) $(SANITIZER_CMAKE) -DSITEDNS_SANITIZE=address \
                     -DSITEDNS_FUZZ=ON -DSITEDNS_FUZZ_TEST_SECONDS=$(FUZZ_TEST_SECONDS) >/dev/null

.PHONY: deps build run test test-asan test-tsan clang-deps asan-build tsan-build bench clean deb fuzz \
        fuzz-build fuzz-smoke e2e

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

# Each stage lists what it skipped (tests/run_ctest.sh); the last step lists them all and,
# under CI=1, fails if anything was skipped (tests/skips.py).
test: build
	@echo "== test: every test of $(BUILD) (gcc)"
	@rm -f $(ASAN_BUILD)/skipped.json $(TSAN_BUILD)/skipped.json
	./tests/run_ctest.sh $(BUILD) gcc --output-on-failure -j $(JOBS) --timeout 300
ifneq ($(QUICK),1)
	@$(MAKE) test-asan
	@$(MAKE) test-tsan
endif
	@python3 tests/skips.py summary $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)

test-asan:
	@echo "== test-asan: unit tests, integration tests labelled asan and each fuzz target for $(FUZZ_TEST_SECONDS) s under ASan+UBSan ($(ASAN_BUILD), clang)"
	@$(MAKE) asan-build
	./tests/sanitizers/run.sh $(ASAN_BUILD) -j $(JOBS) --timeout 300 -L 'unit|asan|fuzz'

test-tsan:
	@echo "== test-tsan: unit tests of net, runtime, upstream and integration tests labelled tsan under TSan ($(TSAN_BUILD), clang)"
	@$(MAKE) tsan-build
	./tests/sanitizers/run.sh $(TSAN_BUILD) -j $(JOBS) --timeout 300 -L tsan

# The deps and clang with its sanitizer and libFuzzer runtimes.
clang-deps:
	@./.ci/install-deps clang libclang-rt-14-dev

asan-build: clang-deps
	@$(ASAN_CONFIGURE)
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

tsan-build: clang-deps
	@cmake -S . -B $(TSAN_BUILD) $(SANITIZER_CMAKE) -DSITEDNS_SANITIZE=thread >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target tsan_tests

# The libFuzzer targets (tests/fuzz) live in the ASan build. `make fuzz-smoke` runs each
# for FUZZ_TEST_SECONDS as `make test` does; `make fuzz FUZZ_SECONDS=60` each for
# FUZZ_SECONDS on a copy of its seeds.
fuzz-smoke: fuzz-build
	./tests/sanitizers/run.sh $(ASAN_BUILD) -j $(JOBS) -L fuzz

fuzz-build: clang-deps
	@$(ASAN_CONFIGURE)
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target fuzz_all

fuzz: fuzz-build
	./tests/fuzz/run.sh $(ASAN_BUILD) $(FUZZ_SECONDS)

# End to end (tests/e2e, README "How it routes mail"): three sites in network namespaces,
# each with sitedns and a Postfix configured by `sitedns export`, dnsdist in front of two
# sitedns, and mail to a signed "Internet" by DANE through sitedns validating DNSSEC.
# Needs root; about 35 s once sitedns is built. `make test` runs it too
# when root (ctest label e2e).
e2e: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target sitedns
	bash ./tests/e2e/e2e_test.sh $(BUILD)/server/sitedns $(CURDIR)

# The benchmark (bench/run.sh, docs/benchmark.md): sitedns beside NSD, Knot, Unbound,
# dnsmasq and an echo floor, all started by bench/ itself with data it generates; one
# table on stdout and in bench/results/LATEST.md; about 20 minutes. A quick look:
# `make bench BENCH_RUNS=1 BENCH_SECONDS=2`; some scenarios:
# `make bench BENCH_SCENARIOS=auth,sites`. Reload time is an extra: bench/reload.sh BIN.
# It builds only what it runs, sitedns and bench_core, not the tests.
bench: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target sitedns bench_core
	BENCH_JOBS=$(JOBS) ./bench/run.sh $(BUILD)/server/sitedns

# The Debian package (packaging/package.cmake): build/sitedns_<version>_<arch>.deb.
deb: build
	@./.ci/install-deps dpkg-dev
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
