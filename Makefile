# SPDX-License-Identifier: GPL-2.0
# sluice: eBPF traffic shaper. `make help` lists the targets.

OUTPUT  := .output
CLANG   ?= clang
BPFTOOL ?= bpftool
CC      ?= gcc
PREFIX  ?= /usr/local
DESTDIR ?=

MULTIARCH := $(shell $(CC) -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
PKGS      := libbpf json-c zlib libisal libxxhash libnl-route-3.0 libmicrohttpd

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror
CPPFLAGS := -Iinclude -Iuser -I$(OUTPUT) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -ljson-c -lz -lisal -lxxhash -lnl-route-3 -lnl-3 -lmicrohttpd) -lelf -lm -pthread
DEPFLAGS  = -MMD -MP
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 $(WARN) -Iinclude -I/usr/include/$(MULTIARCH)
ASAN     := -fsanitize=address,undefined -fno-omit-frame-pointer

BPF_SRCS  := bpf/sluice.bpf.c
BPF_OBJ   := $(OUTPUT)/sluice.bpf.o
SKEL      := $(OUTPUT)/sluice.skel.h

# The commit built, for `sluice -V` and sluice_build_info ("unknown" outside
# git): $(OUTPUT)/build.h, rewritten only when it changes.
SLUICE_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
BUILD_LINE    := \#define SLUICE_COMMIT "$(SLUICE_COMMIT)"
$(shell mkdir -p $(OUTPUT) && (echo '$(BUILD_LINE)' | cmp -s - $(OUTPUT)/build.h || \
	echo '$(BUILD_LINE)' >$(OUTPUT)/build.h))
# The feed parsers, also built alone for the fuzzer.
FEED_SRCS := user/util.c user/diag.c user/parse.c user/prefix.c user/feed.c
# The core: no printing, errors returned with their messages (diag.c).
CORE_SRCS := $(FEED_SRCS) user/names.c user/frame.c user/state.c user/table_build.c \
             user/journal.c user/table.c user/source.c user/pipeline.c user/classes.c user/shape.c user/attach.c \
             user/probe.c user/flows.c user/metrics.c user/config.c user/netns.c
# The commands: arguments in, results out through the printer (print.c).
CMD_SRCS  := user/print.c user/cmd_attach.c user/cmd_class.c user/cmd_feed.c \
             user/cmd_lookup.c user/cmd_exporter.c user/cmd_top.c user/cmd_apply.c \
             user/cmd_flows.c
# The CLI minus main(): linked into the binary and into the tests.
LIB_SRCS  := $(CORE_SRCS) $(CMD_SRCS)
LIB_OBJS  := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS))
ASAN_OBJS := $(patsubst user/%.c,$(OUTPUT)/asan/%.o,$(LIB_SRCS))
BIN       := $(OUTPUT)/sluice
BENCH_SKEL := $(OUTPUT)/bench.skel.h
# The bench and test harness (tests/lib): linked into the bench and the tests.
TESTLIB_SRCS := tests/lib/bm.c
TESTLIB_OBJS := $(patsubst tests/lib/%.c,$(OUTPUT)/tests/lib/%.o,$(TESTLIB_SRCS))
TESTLIB_ASAN := $(patsubst tests/lib/%.c,$(OUTPUT)/asan/lib/%.o,$(TESTLIB_SRCS))

UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
DP_TEST    := $(OUTPUT)/tests/dp_test
DIFF_TEST  := $(OUTPUT)/tests/diff_test
FEED_TEST  := $(OUTPUT)/tests/feed_test
FLOW_TEST  := $(OUTPUT)/tests/flow_test



# A recipe that fails leaves no half-written target behind.
.DELETE_ON_ERROR:

.PHONY: fuzz bench verifier-stats bench-feeds bench-rates all deps test test-all demo-run test-unit test-datapath test-e2e demo install uninstall clean help \
        check-format

all: $(BIN)

help:
	@echo 'sluice make targets:'
	@echo '  all (default)  build $(BIN) with the BPF object embedded'
	@echo '  deps           install the Debian packages needed (idempotent)'
	@echo '  test           run every test: unit, datapath, end to end (root)'
	@echo '  test-unit      cmocka unit tests, under AddressSanitizer'
	@echo '  test-datapath  BPF_PROG_TEST_RUN tests of the real programs (root)'
	@echo '  test-e2e       namespaces, veth pairs and iperf3 (root)'
	@echo '  demo           client-gateway-server demo with a policed flow (root)'
	@echo '  bench          lookup benchmark: sluice classifier against the LPM trie (root)'
	@echo '  verifier-stats instructions the verifier processed per BPF program (root)'
	@echo '  bench-feeds    1M-entry feed load against ipset restore + swap (root)'
	@echo '  bench-rates    iperf3 goodput: police, shape, tc HTB, nftables (root)'
	@echo '  fuzz           libFuzzer over the feed parsers (FUZZ_TIME=60 seconds)'
	@echo '  install        install to $$(DESTDIR)$$(PREFIX) (default /usr/local)'
	@echo '  clean          remove $(OUTPUT)'
	@echo 'V=1 shows the full commands.'

deps:
	$(Q)scripts/deps.sh

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/asan $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(BPF_OBJ): bpf/sluice.bpf.c $(wildcard bpf/*.h) include/sluice.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name sluice_bpf > $@.tmp && mv $@.tmp $@

$(OUTPUT)/bench.bpf.o: bpf/bench.bpf.c $(wildcard bpf/*.h) include/sluice.h include/sluice_bench.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_SKEL): $(OUTPUT)/bench.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_bpf > $@.tmp && mv $@.tmp $@

$(OUTPUT)/bench/%.o: bench/%.c | $(BENCH_SKEL) $(SKEL)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) $(CPPFLAGS) -Itests/lib -c $< -o $@

$(OUTPUT)/tests/lib/%.o: tests/lib/%.c | $(BENCH_SKEL) $(SKEL)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) $(CPPFLAGS) -Itests/lib -c $< -o $@

$(OUTPUT)/bench/lookup: $(OUTPUT)/bench/lookup.o $(TESTLIB_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/bench/flows: $(OUTPUT)/bench/flows.o $(TESTLIB_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# The verifier's count of each program, against its limit of a million.
$(OUTPUT)/bench/verifier: bench/verifier.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) $< -lbpf -o $@

verifier-stats: $(OUTPUT)/bench/verifier $(BPF_OBJ) $(OUTPUT)/bench.bpf.o
	$(Q)$(OUTPUT)/bench/verifier $(BPF_OBJ) $(OUTPUT)/bench.bpf.o

bench: $(OUTPUT)/bench/lookup $(OUTPUT)/bench/flows verifier-stats
	$(Q)$(OUTPUT)/bench/lookup
	$(Q)$(OUTPUT)/bench/flows

$(OUTPUT)/bench/genfeed: bench/genfeed.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) $< -o $@

# libFuzzer over the feed parsers (clang); FUZZ_TIME seconds, corpus in tests/fuzz.
FUZZ_TIME ?= 60
FUZZ_FLAGS := -g -O1 $(WARN) -Iinclude -Iuser
FUZZ_OBJS := $(patsubst user/%.c,$(OUTPUT)/fuzz/%.o,$(FEED_SRCS))
$(OUTPUT)/fuzz/%.o: user/%.c
	@mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined $(DEPFLAGS) \
		-c $< -o $@

$(OUTPUT)/fuzz_feed: tests/fuzz/fuzz_feed.c $(FUZZ_OBJS) | $(OUTPUT)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined $(DEPFLAGS) \
		-MF $(OUTPUT)/fuzz/fuzz_feed.d $< $(FUZZ_OBJS) -lisal -ljson-c -lm -o $@

fuzz: $(OUTPUT)/fuzz_feed
	$(Q)mkdir -p $(OUTPUT)/fuzz-corpus
	$(Q)$(OUTPUT)/fuzz_feed -max_total_time=$(FUZZ_TIME) -max_len=65536 -timeout=10 \
		$(OUTPUT)/fuzz-corpus tests/fuzz/corpus

bench-feeds: $(BIN) $(OUTPUT)/bench/genfeed
	$(Q)scripts/bench-feeds.sh

bench-rates: $(BIN)
	$(Q)scripts/bench-rates.sh

# The skeletons are order-only: the -MMD dependency files record which
# objects include them, so a BPF edit rebuilds only those.
$(OUTPUT)/user/%.o: user/%.c | $(SKEL) $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) $(CPPFLAGS) -c $< -o $@

$(OUTPUT)/asan/%.o: user/%.c | $(SKEL) $(OUTPUT)/asan
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN) $(WARN) $(DEPFLAGS) $(CPPFLAGS) -c $< -o $@

$(BIN): $(LIB_OBJS) $(OUTPUT)/user/main.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(ASAN_OBJS) | $(OUTPUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN) $(WARN) $(DEPFLAGS) $(CPPFLAGS) $< $(ASAN_OBJS) \
		$(LDLIBS) -lcmocka -o $@

$(DP_TEST): tests/datapath/dp_test.c $(ASAN_OBJS) | $(OUTPUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN) $(WARN) $(DEPFLAGS) $(CPPFLAGS) $< $(ASAN_OBJS) \
		$(LDLIBS) -lcmocka -o $@

$(OUTPUT)/asan/lib/%.o: tests/lib/%.c | $(BENCH_SKEL) $(SKEL)
	@mkdir -p $(@D)
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN) $(WARN) $(DEPFLAGS) $(CPPFLAGS) -Itests/lib -c $< -o $@

$(DIFF_TEST): tests/datapath/diff_test.c $(TESTLIB_ASAN) $(ASAN_OBJS) | $(OUTPUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN) $(WARN) $(DEPFLAGS) $(CPPFLAGS) -Itests/lib $< \
		$(TESTLIB_ASAN) $(ASAN_OBJS) $(LDLIBS) -lcmocka -o $@

$(FLOW_TEST): tests/datapath/flow_test.c $(ASAN_OBJS) | $(OUTPUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN) $(WARN) $(DEPFLAGS) $(CPPFLAGS) $< $(ASAN_OBJS) \
		$(LDLIBS) -lcmocka -lpthread -o $@

$(FEED_TEST): tests/datapath/feed_test.c $(ASAN_OBJS) | $(OUTPUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(ASAN) $(WARN) $(DEPFLAGS) $(CPPFLAGS) $< $(ASAN_OBJS) \
		$(LDLIBS) -lcmocka -lpthread -o $@

# `make test` and `make demo` first install what they need (scripts/deps.sh).
test:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory test-all

test-all: $(BIN) $(UNIT_TESTS) $(DP_TEST) $(DIFF_TEST) $(FEED_TEST) $(FLOW_TEST) $(OUTPUT)/fuzz_feed
	$(Q)tests/run.sh all

test-unit: $(UNIT_TESTS)
	$(Q)tests/run.sh unit

test-datapath: $(BIN) $(DP_TEST) $(DIFF_TEST) $(FEED_TEST) $(FLOW_TEST)
	$(Q)tests/run.sh datapath

test-e2e: $(BIN)
	$(Q)tests/run.sh e2e

demo:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory demo-run

demo-run: $(BIN)
	$(Q)scripts/demo.sh

# The systemd units and the cron file get $(PREFIX)/sbin in their commands.
# /etc/default/sluice and /etc/cron.d/sluice are installed only when absent;
# uninstall leaves /etc/default/sluice and /etc/sluice alone, and removes
# /etc/cron.d/sluice only when it is still the installed file, unedited.
CRON_SED := sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|g' contrib/cron.d/sluice
install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/sluice
	install -D -m 0755 contrib/sluice-fetch-feeds $(DESTDIR)$(PREFIX)/sbin/sluice-fetch-feeds
	install -D -m 0644 docs/sluice.8 $(DESTDIR)$(PREFIX)/share/man/man8/sluice.8
	install -D -m 0644 docs/sluice.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/sluice.conf.5
	install -D -m 0644 contrib/bash-completion/sluice \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/sluice
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	for u in contrib/systemd/*.service contrib/systemd/*.timer; do \
		sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|g' $$u >$(DESTDIR)$(PREFIX)/lib/systemd/system/$${u##*/} && \
		chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/$${u##*/} || exit 1; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/doc/sluice/contrib
	cp -R contrib/. $(DESTDIR)$(PREFIX)/share/doc/sluice/contrib/
	install -D -m 0644 contrib/sluice.conf.example $(DESTDIR)/etc/sluice/sluice.conf.example
	install -D -m 0644 contrib/feeds.list.example $(DESTDIR)/etc/sluice/feeds.list.example
	[ -e $(DESTDIR)/etc/cron.d/sluice ] || { install -d $(DESTDIR)/etc/cron.d && \
		$(CRON_SED) >$(DESTDIR)/etc/cron.d/sluice && chmod 0644 $(DESTDIR)/etc/cron.d/sluice; }
	[ -e $(DESTDIR)/etc/default/sluice ] || \
		install -D -m 0644 contrib/default/sluice $(DESTDIR)/etc/default/sluice

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/sluice $(DESTDIR)$(PREFIX)/share/man/man8/sluice.8
	rm -f $(DESTDIR)$(PREFIX)/sbin/sluice-fetch-feeds $(DESTDIR)$(PREFIX)/share/man/man5/sluice.conf.5
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sluice
	for u in contrib/systemd/*.service contrib/systemd/*.timer; do \
		rm -f $(DESTDIR)$(PREFIX)/lib/systemd/system/$${u##*/}; \
	done
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/sluice
	rm -f $(DESTDIR)/etc/sluice/sluice.conf.example $(DESTDIR)/etc/sluice/feeds.list.example
	! $(CRON_SED) | cmp -s - $(DESTDIR)/etc/cron.d/sluice || rm -f $(DESTDIR)/etc/cron.d/sluice

check-format:
	$(Q)clang-format --dry-run --Werror bpf/*.c bpf/*.h user/*.c user/*.h include/*.h

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/bench/*.d $(OUTPUT)/user/*.d $(OUTPUT)/asan/*.d $(OUTPUT)/tests/*.d \
	$(OUTPUT)/tests/lib/*.d $(OUTPUT)/asan/lib/*.d $(OUTPUT)/fuzz/*.d)
