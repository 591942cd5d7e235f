# triode: the two commands a newcomer needs are `make run` and `make test`.
#
#   make deps    install missing Debian packages (scripts/deps.sh, as root)
#   make build   configure and build into build/
#   make run     deps + build + start a single node on ./triode-data
#   make test    deps + build + unit tests (also under ASan+UBSan) + integration
#   make bench   benchmark against PostgreSQL 15 (see bench/)
#   make bench-translate   translation cost per statement, cache hit/miss
#   make format  clang-format every C file

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps build build-asan run test unit integration bench bench-translate format clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTR_SANITIZE=ON $(CMAKE_ARGS)

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

run: build
	./$(BUILD)/server/triode serve

# Unit tests run twice: plain, and under AddressSanitizer +
# UndefinedBehaviorSanitizer.  Integration tests drive real clients against
# real triode processes.
test: build build-asan
	cd $(ASAN_BUILD) && ctest -L unit --output-on-failure
	cd $(BUILD) && ctest --output-on-failure

unit: build
	cd $(BUILD) && ctest -L unit --output-on-failure

integration: build
	cd $(BUILD) && ctest -L integration --output-on-failure

bench: build
	/usr/bin/python3 bench/run.py

bench-translate: build
	./$(BUILD)/bench/bench_translate

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
