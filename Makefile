# Thin wrapper around CMake/CTest.  The two commands the README promises:
#   make run    install deps, build, run Zvonok in the foreground on etc/
#   make test   install deps, build, run every unit, fuzz-replay and
#               integration test
# More: make asan-test (ASan+UBSan build and tests), make fuzz (libFuzzer,
# FUZZ_RUNS executions per target), make bench, make clean.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_RUNS  ?= 1000000
FUZZ_SECONDS ?= 240
JOBS       ?= $(shell nproc)

.PHONY: all deps build run test asan-test fuzz bench clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/zvonok -f -vvv -C etc

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan-test: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DZV_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

fuzz: deps
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DZV_FUZZ=ON -DZV_SANITIZE=ON >/dev/null
	@scripts/run-fuzzers $(FUZZ_BUILD) $(FUZZ_RUNS) $(FUZZ_SECONDS)

bench: build
	bash bench/dialplan.sh $(BUILD)
	bash bench/register.sh $(abspath $(BUILD))/zvonok
	bash bench/calls.sh $(abspath $(BUILD))/zvonok
	bash bench/media.sh $(abspath $(BUILD))/zvonok
	bash bench/overload.sh $(abspath $(BUILD))/zvonok

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
