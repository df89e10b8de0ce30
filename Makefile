# cxxprof — the only entry point: build, deps, test, bench, demo, install.
#
# Conventions (so adding a file never means editing this):
#   common/*.cc              compiled into both halves; must stay freestanding (no
#                            allocation, no exceptions, no libstdc++ runtime)
#   preload/interpose_*.cc,  the shim of libcxxprof.so: interposers and the constructor.
#   preload/library_init.cc  Never linked into tests (they would interpose the test binary).
#   preload/*.cc (others)    the injected core, also linked into unit tests and benchmarks
#   symbolizer/ tools/ launcher/ (*.cc except *_main.cc)  the host library
#   launcher/cxxprof_run_main.cc, tools/cxxprof_main.cc   the two programs
#   tests/unit/*.cc          one GoogleTest binary, build/tests/unit_tests
#   tests/integration/*.cc   one GoogleTest binary, build/tests/integration_tests
#   tests/fixtures/*.cc      one program each, -O2 -fomit-frame-pointer, build/fixtures/NAME
#   tests/fixtures/lib*.cc   one shared library each, build/fixtures/libNAME.so
#   benchmarks/*_bench.cc    one Google Benchmark binary each, build/bench/NAME

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

PREFIX ?= /usr/local
BUILD  := build
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
CXX    ?= g++
CC     ?= gcc

WARNINGS := -Wall -Wextra -Werror
CXXSTD   := -std=c++20
OPT      ?= -O2 -g
CPPFLAGS := -I. -I$(BUILD)/gen -MMD -MP

# Host side: the launcher, the symbolizer, the report tool, tests.
HOST_CXXFLAGS := $(CXXSTD) $(OPT) $(WARNINGS) -fPIC
HOST_LIBS     := -ldw -lelf -lprotobuf -lz -lpthread

# Injected side: DESIGN.md §2. No exceptions or RTTI (no libstdc++ runtime is linked),
# hidden symbols, initial-exec TLS, unwind tables so cancellation unwinds through us.
# No frame pointers: the wall sampler unwinds a blocked thread from the stack pointer and
# PC the kernel reports (no %rbp), which only CFI-described, rsp-based frames allow.
PRELOAD_CXXFLAGS := $(CXXSTD) $(OPT) $(WARNINGS) -fPIC -fvisibility=hidden \
  -fvisibility-inlines-hidden -fno-exceptions -fno-rtti -ftls-model=initial-exec \
  -fasynchronous-unwind-tables -fomit-frame-pointer -fno-stack-protector \
  -fno-threadsafe-statics
# Link with the C driver: libstdc++ is never pulled in, so using any of its runtime is a
# link error rather than a hidden dependency. -z now: no lazy binding, so our signal
# handler never enters the loader's symbol resolver.
PRELOAD_LDFLAGS := -shared -static-libgcc -Wl,--version-script=$(BUILD)/gen/exports.map \
  -Wl,--exclude-libs,ALL -Wl,-z,now -Wl,-z,relro -Wl,--no-undefined -Wl,--as-needed

# Fixtures: optimized, no frame pointers, so DWARF unwinding is really tested.
FIXTURE_CXXFLAGS := $(CXXSTD) -O2 -g -fomit-frame-pointer $(WARNINGS) -pthread

COMMON_SRCS       := $(wildcard common/*.cc)
PRELOAD_SHIM_SRCS := $(wildcard preload/interpose_*.cc) $(wildcard preload/library_init.cc)
PRELOAD_CORE_SRCS := $(filter-out $(PRELOAD_SHIM_SRCS),$(wildcard preload/*.cc))
HOST_SRCS         := $(filter-out %_main.cc,$(wildcard symbolizer/*.cc tools/*.cc launcher/*.cc))
PROTO_SRCS        := $(wildcard proto/*.proto)
PROTO_GEN_CC      := $(patsubst %.proto,$(BUILD)/gen/%.pb.cc,$(PROTO_SRCS))
PROTO_GEN_H       := $(PROTO_GEN_CC:.cc=.h)

PRELOAD_OBJS      := $(patsubst %.cc,$(BUILD)/obj/preload/%.o,$(COMMON_SRCS) $(PRELOAD_CORE_SRCS) $(PRELOAD_SHIM_SRCS))
PRELOAD_CORE_OBJS := $(patsubst %.cc,$(BUILD)/obj/preload/%.o,$(COMMON_SRCS) $(PRELOAD_CORE_SRCS))
HOST_OBJS         := $(patsubst %.cc,$(BUILD)/obj/host/%.o,$(COMMON_SRCS) $(HOST_SRCS)) \
                     $(patsubst %.cc,$(BUILD)/obj/host/%.o,$(PROTO_GEN_CC))

LIB_PRELOAD  := $(BUILD)/lib/libcxxprof.so
LIB_HOST     := $(BUILD)/lib/libcxxprof_host.a
LIB_CORE     := $(BUILD)/lib/libcxxprof_core.a
BIN_RUN      := $(BUILD)/bin/cxxprof-run
BIN_TOOL     := $(BUILD)/bin/cxxprof

UNIT_SRCS        := $(wildcard tests/unit/*.cc)
INTEGRATION_SRCS := $(wildcard tests/integration/*.cc)
FIXTURE_PROGRAMS := $(patsubst tests/fixtures/%.cc,$(BUILD)/fixtures/%,$(filter-out tests/fixtures/lib%,$(wildcard tests/fixtures/*.cc)))
FIXTURE_LIBS     := $(patsubst tests/fixtures/%.cc,$(BUILD)/fixtures/%.so,$(wildcard tests/fixtures/lib*.cc))
BENCH_PROGRAMS   := $(patsubst benchmarks/%.cc,$(BUILD)/bench/%,$(wildcard benchmarks/*_bench.cc))

.PHONY: all deps test unit-test integration-test bench demo install clean fixtures check-deps \
  fuzz fuzz-build fuzz-smoke

all: $(LIB_PRELOAD) $(BIN_RUN) $(BIN_TOOL)

# ---------------------------------------------------------------------------- deps
# Debian packages the build and the tests need; only missing ones are installed.
DEB_PACKAGES := g++ make pkg-config binutils libdw-dev libelf-dev protobuf-compiler \
  libprotobuf-dev zlib1g-dev libgtest-dev libbenchmark-dev golang-go sqlite3 python3 procps \
  libc6-dbg clang libclang-rt-14-dev redis-server redis-tools \
  libgoogle-perftools-dev libjemalloc-dev time gzip xz-utils coreutils
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "make deps: all Debian packages present"; fi

# ---------------------------------------------------------------------------- build rules
$(BUILD)/gen/%.pb.cc $(BUILD)/gen/%.pb.h: %.proto
	@mkdir -p $(BUILD)/gen
	protoc -I. --cpp_out=$(BUILD)/gen $<

$(BUILD)/obj/preload/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(PRELOAD_CXXFLAGS) -c $< -o $@

# Generated protobuf code is not ours to keep warning-free.
$(BUILD)/obj/host/$(BUILD)/gen/%.o: $(BUILD)/gen/%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXSTD) $(OPT) -fPIC -w -c $< -o $@

$(BUILD)/obj/host/%.o: %.cc | $(PROTO_GEN_H)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(HOST_CXXFLAGS) -c $< -o $@

# The version script: preload/exports.map with the names of every preload/*.exports
# (one per line, # comments) in place of its marker line.
EXPORT_FRAGMENTS := $(sort $(wildcard preload/*.exports))
# Regenerated on every make (a removed fragment must remove its names too) but replaced
# only when its text changes, so the library is relinked only then.
$(BUILD)/gen/exports.map: preload/exports.map $(EXPORT_FRAGMENTS) FORCE
	@mkdir -p $(dir $@)
	@{ sed '/@INTERPOSERS@/,$$d' preload/exports.map; \
	  cat /dev/null $(EXPORT_FRAGMENTS) | sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$$/d' -e 's/.*/    &;/'; \
	  sed '1,/@INTERPOSERS@/d' preload/exports.map; } > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi

.PHONY: FORCE
FORCE:

$(LIB_PRELOAD): $(PRELOAD_OBJS) $(BUILD)/gen/exports.map
	@mkdir -p $(dir $@)
	$(CC) $(PRELOAD_LDFLAGS) -o $@ $(PRELOAD_OBJS)

$(LIB_CORE): $(PRELOAD_CORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_HOST): $(HOST_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN_RUN): $(BUILD)/obj/host/launcher/cxxprof_run_main.o $(LIB_HOST)
	@mkdir -p $(dir $@)
	$(CXX) -o $@ $^ $(HOST_LIBS)

$(BIN_TOOL): $(BUILD)/obj/host/tools/cxxprof_main.o $(LIB_HOST)
	@mkdir -p $(dir $@)
	$(CXX) -o $@ $^ $(HOST_LIBS)

# ---------------------------------------------------------------------------- fixtures
$(BUILD)/fixtures/lib%.so: tests/fixtures/lib%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(FIXTURE_CXXFLAGS) $(FIXTURE_LIB_FLAGS_lib$*) -fPIC -shared -o $@ $<

# Fixture programs may link fixture libraries: FIXTURE_LINK_<name> lists them.
$(BUILD)/fixtures/%: tests/fixtures/%.cc $(FIXTURE_LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(FIXTURE_CXXFLAGS) $(FIXTURE_FLAGS_$*) -o $@ $< $(FIXTURE_LINK_$*)

-include tests/fixtures/fixtures.mk

fixtures: $(FIXTURE_PROGRAMS) $(FIXTURE_LIBS)

# ---------------------------------------------------------------------------- tests
GTEST_LIBS := -lgtest -lgtest_main -lpthread

$(BUILD)/tests/unit_tests: $(patsubst %.cc,$(BUILD)/obj/host/%.o,$(UNIT_SRCS)) $(LIB_HOST) $(LIB_CORE) $(FIXTURE_PROGRAMS) $(FIXTURE_LIBS)
	@mkdir -p $(dir $@)
	$(CXX) -o $@ $(filter %.o %.a,$^) $(LIB_CORE) $(GTEST_LIBS) $(HOST_LIBS)

$(BUILD)/tests/integration_tests: $(patsubst %.cc,$(BUILD)/obj/host/%.o,$(INTEGRATION_SRCS)) $(LIB_HOST)
	@mkdir -p $(dir $@)
	$(CXX) -o $@ $(filter %.o %.a,$^) $(GTEST_LIBS) $(HOST_LIBS)

unit-test: deps
	$(MAKE) -j$(JOBS) $(BUILD)/tests/unit_tests
	$(BUILD)/tests/unit_tests --gtest_brief=1

integration-test: deps
	$(MAKE) -j$(JOBS) all fixtures $(BUILD)/tests/integration_tests
	$(BUILD)/tests/integration_tests --gtest_brief=1

# The closing "N passed, N failed" line is the summary CI reads.
test: deps
	$(MAKE) -j$(JOBS) all fixtures $(BUILD)/tests/unit_tests $(BUILD)/tests/integration_tests
	$(MAKE) -j$(JOBS) fuzz-smoke
	@bash tests/run_all.sh $(BUILD)

# ---------------------------------------------------------------------------- fuzz
# libFuzzer targets for the two readers of untrusted input (raw data, profiles), built with
# clang, ASan and UBSan over the sources they exercise. `make fuzz` runs each for
# FUZZ_SECONDS; `make test` runs a short smoke of each (FUZZ_SMOKE_SECONDS).
FUZZ_SECONDS       ?= 120
FUZZ_SMOKE_SECONDS ?= 15
FUZZ_CXX      := clang++
FUZZ_FLAGS    := $(CXXSTD) -O1 -g -I. -I$(BUILD)/gen -fsanitize=fuzzer-no-link,address,undefined \
                 -fno-sanitize-recover=undefined
FUZZ_SOURCES  := symbolizer/raw_reader.cc symbolizer/byte_source.cc symbolizer/profile_model.cc \
                 symbolizer/profile_encoder.cc symbolizer/gzip.cc symbolizer/utf8.cc \
                 symbolizer/file_io.cc $(BUILD)/gen/proto/profile.pb.cc
FUZZ_OBJS     := $(patsubst %.cc,$(BUILD)/obj/fuzz/%.o,$(FUZZ_SOURCES))
FUZZERS       := $(BUILD)/fuzz/raw_reader_fuzzer $(BUILD)/fuzz/profile_decoder_fuzzer

$(BUILD)/obj/fuzz/%.o: %.cc | $(PROTO_GEN_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -w -c $< -o $@

$(BUILD)/fuzz/%_fuzzer: $(BUILD)/obj/fuzz/tests/fuzz/%_fuzzer.o $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) -fsanitize=fuzzer,address,undefined -o $@ $^ -lprotobuf -lz -lpthread

$(BUILD)/fuzz/make_seeds: tests/fuzz/make_seeds.cc $(LIB_HOST)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(HOST_CXXFLAGS) -o $@ $< $(LIB_HOST) $(HOST_LIBS)

fuzz-build: $(FUZZERS) $(BUILD)/fuzz/make_seeds

# Runs every fuzzer for $(1) seconds from the seeds plus what earlier runs found.
define run_fuzzers
	@mkdir -p $(BUILD)/fuzz/corpus/raw_reader $(BUILD)/fuzz/corpus/profile_decoder
	@$(BUILD)/fuzz/make_seeds $(BUILD)/fuzz/corpus/raw_reader $(BUILD)/fuzz/corpus/profile_decoder
	@for f in raw_reader profile_decoder; do \
	  echo "fuzz: $$f for $(1) s"; \
	  $(BUILD)/fuzz/$${f}_fuzzer -max_total_time=$(1) -max_len=65536 -print_final_stats=0 \
	    -artifact_prefix=$(BUILD)/fuzz/$$f- $(BUILD)/fuzz/corpus/$$f >$(BUILD)/fuzz/$$f.log 2>&1 \
	    || { tail -40 $(BUILD)/fuzz/$$f.log; echo "fuzz: $$f FAILED (log: $(BUILD)/fuzz/$$f.log)"; exit 1; }; \
	  grep -h -E '^Done [0-9]+ runs' $(BUILD)/fuzz/$$f.log | sed "s/^/fuzz: $$f /"; \
	done
endef

fuzz: deps
	$(MAKE) -j$(JOBS) fuzz-build
	$(call run_fuzzers,$(FUZZ_SECONDS))

fuzz-smoke: fuzz-build
	$(call run_fuzzers,$(FUZZ_SMOKE_SECONDS))

# ---------------------------------------------------------------------------- bench
$(BUILD)/bench/%: benchmarks/%.cc $(LIB_CORE) $(LIB_HOST)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(HOST_CXXFLAGS) -o $@ $< $(LIB_CORE) $(LIB_HOST) -lbenchmark -lpthread $(HOST_LIBS)

bench: deps
	$(MAKE) -j$(JOBS) all fixtures $(BENCH_PROGRAMS)
	@for b in $(BENCH_PROGRAMS); do echo "== $$b"; $$b || exit 1; done
	@bash benchmarks/overhead.sh $(BUILD)
	@bash benchmarks/lock_overhead.sh $(BUILD)
	@bash benchmarks/io_overhead.sh $(BUILD)
	@bash benchmarks/heap_overhead.sh $(BUILD)
	@bash benchmarks/wall_overhead.sh $(BUILD)

# ---------------------------------------------------------------------------- demo
$(BUILD)/examples/demo: examples/demo.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXSTD) -O2 -g -fomit-frame-pointer $(WARNINGS) -pthread -o $@ $<

demo: deps
	$(MAKE) -j$(JOBS) all $(BUILD)/examples/demo
	@rm -rf $(BUILD)/demo-profile
	$(BIN_RUN) --cpu --wall -o $(BUILD)/demo-profile -- $(BUILD)/examples/demo
	@echo
	@echo "Open it: go tool pprof -http=: $(BUILD)/demo-profile/cpu.pb.gz"

# ---------------------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/cxxprof $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 0755 $(BIN_RUN) $(BIN_TOOL) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(LIB_PRELOAD) $(DESTDIR)$(PREFIX)/lib/cxxprof/
	for m in man/*.1; do [ -e "$$m" ] && install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/; done; true
	for m in man/*.7; do [ -e "$$m" ] && install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man7/; done; true

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
