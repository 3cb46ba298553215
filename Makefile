# The two commands of README.md, plus bench. Each installs what is missing first.
BUILD    ?= build
JOBS     ?= $(shell nproc)
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD := build-asan
CMAKE_FLAGS += -DSITEDNS_SANITIZE=ON
endif
ifneq ($(CI),)
CMAKE_FLAGS += -DSITEDNS_WERROR=ON
endif

.PHONY: deps build run test bench clean deb

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

bench: build
	./bench/run.sh $(BUILD)/server/sitedns
	./bench/sites.sh $(BUILD)/server/sitedns
	./bench/reload.sh $(BUILD)/server/sitedns

# The Debian package (packaging/package.cmake): build/sitedns_<version>_<arch>.deb.
deb: build
	@./.ci/install-deps dpkg-dev
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf build build-asan
