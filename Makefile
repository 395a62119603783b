# The two commands a new user needs: `make run` and `make test`.
# Everything builds with CMake; this file only strings the steps together.

BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SKRED = $(BUILD)/skred

.PHONY: all deps build build-clang run test check test-asan test-external services-start services-stop demo demo-ui fuzz bench clean checksrc format test-containers
.PHONY: install deb

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Fetch the current window (7 days back, 2 ahead) from varsom.no and print
# today's danger level for every A region.
run: build
	$(SKRED) run
	$(SKRED) show

# What CI runs: the suite plainly, again under ASan+UBSan, then the
# scenarios against real Kafka and Cassandra servers started from Maven jars.
test: deps
	@scripts/install-deps.sh --test
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory build-clang
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-external

# Warnings are errors with clang too (make fuzz builds with it).
build-clang:
	@CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-clang -j $(JOBS) >/dev/null && echo "clang build: no warnings"

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE external

# Without label lint: scripts/checksrc runs no skred code (clang-format,
# shellcheck, nm over the library: the same sources and symbols `make check`
# has just checked), so sanitizers have nothing to find there.
test-asan:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSKRED_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -LE 'external|lint'

# Real servers on 127.0.0.1 (scripts/kafka.sh, scripts/cassandra.sh,
# scripts/postgres.sh);
# stopped again afterwards. Tests on disjoint servers run in parallel (one
# test per server at a time: RESOURCE_LOCK in cmake/tests.cmake).
EXTERNAL_JOBS ?= 2
test-external: build
	@scripts/kafka.sh start
	@scripts/registry.sh start
	@scripts/cassandra.sh start
	@scripts/postgres.sh start
	@cd $(BUILD) && ctest --output-on-failure -j $(EXTERNAL_JOBS) -L external; rc=$$?; \
	  cd .. && scripts/kafka.sh stop --clean >/dev/null; \
	  scripts/registry.sh stop >/dev/null; \
	  scripts/cassandra.sh stop --clean >/dev/null; \
	  scripts/postgres.sh stop --clean >/dev/null; exit $$rc

# The images and the compose stack, for real with podman (as root): builds
# the Debian base (debootstrap, cached), the images, runs compose.yaml with
# the simulator as the API; removes its containers, network and volumes.
test-containers: build
	@scripts/install-deps.sh --test
	@tests/containers/test_containers.sh

services-start:
	scripts/kafka.sh start
	scripts/registry.sh start
	scripts/cassandra.sh start
	scripts/postgres.sh start

services-stop:
	scripts/kafka.sh stop
	scripts/registry.sh stop
	scripts/cassandra.sh stop
	scripts/postgres.sh stop

# The same pipeline offline, against the varsom simulator.
demo: build
	@scripts/demo.sh $(BUILD)

# The demo, then the daemon with its web UI on http://127.0.0.1:8080/.
demo-ui: build
	@scripts/demo.sh $(BUILD) --serve

# libFuzzer builds of the fuzz targets (clang).
fuzz: deps
	@scripts/install-deps.sh --test
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DSKRED_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@echo "fuzz targets in build-fuzz/: run e.g. build-fuzz/fuzz_warning tests/fuzz/corpus/warning"

bench: build
	@bench/run.sh $(BUILD)

# The written rules (also CTest's lint.checksrc, so `make check` runs it).
checksrc: build
	@scripts/checksrc --build $(BUILD)

# Lay out src/ tools/ tests/ with clang-format (.clang-format), in place.
format:
	@scripts/checksrc --format

# Install skred, skred(1), the bash completion, the example configuration
# (kept when there), skred.service and the docs under PREFIX (DESTDIR for
# a staging root): make install PREFIX=/usr DESTDIR=/tmp/root
PREFIX ?= /usr/local
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# The Debian package, $(BUILD)/skred_<version>_<arch>.deb (cmake/deb.cmake).
deb: build
	@cd $(BUILD) && cpack -G DEB >/dev/null
	@ls $(BUILD)/skred_*.deb

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz build-clang
