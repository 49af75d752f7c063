# The two commands of README.md: `make demo` and `make test`. Both install what is missing first.
PORT ?= 8080
CMAKE ?= cmake

.PHONY: demo test deps release install package ci asan bench fuzz format tidy clean

deps:
	@scripts/install-deps.sh

release: deps
	@$(CMAKE) --preset release >/dev/null
	@$(CMAKE) --build build/release --target parkguide

# The release binary, unit and docs under PREFIX (default /usr/local; sudo for a system path).
PREFIX ?= /usr/local
install: release
	@$(CMAKE) --install build/release --prefix $(PREFIX)

# The Debian package build/release/parkguide_VERSION_ARCH.deb (binary, systemd unit, docs).
package: release
	@cd build/release && cpack -G DEB

# The demo city with live simulated feeds; dashboard and API on http://localhost:$(PORT)/
demo: release
	./build/release/parkguide demo --port $(PORT)

# Every test, built as CI builds it (-Werror).
test: deps
	@$(CMAKE) --preset ci >/dev/null
	@$(CMAKE) --build build/ci
	ctest --preset ci

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer, built with clang (a second
# compiler's warnings, also -Werror); only what they run is built.
asan: deps
	@$(CMAKE) --preset asan-ubsan >/dev/null
	@$(CMAKE) --build build/asan-ubsan --target unit_tests
	ctest --preset asan-ubsan

# Every parser fuzzed (libFuzzer, clang, ASan + UBSan) for FUZZ_SECONDS each, after replaying
# the crashes found so far; seeds from ../shared/data first (docs/fuzzing.md).
FUZZ_SECONDS ?= 300
fuzz: deps
	@$(CMAKE) --preset fuzz >/dev/null
	@$(CMAKE) --build --preset fuzz
	@fuzz/make_corpus.sh
	fuzz/run.sh $(FUZZ_SECONDS)

bench: deps
	@$(CMAKE) --preset bench >/dev/null
	@$(CMAKE) --build build/bench

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

# clang-tidy on the sources changed in the last ten commits (tools/tidy_changed.py BASE for others).
tidy:
	@tools/tidy_changed.py $(BASE)

clean:
	rm -rf build
