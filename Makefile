# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# One Makefile, everything into build/. Sources are found by directory:
#   bpf/*.bpf.c          -> build/<name>.bpf.o -> build/<name>.skel.h (embedded)
#   user/lib/*.c         -> build/libxlb.a       (map I/O, load/attach, Maglev)
#   user/policy/*.c      -> build/libxlbpolicy.a (pure C scaling policies, no BPF)
#   user/lbctl/*.c       -> build/lbctl
#   user/xlbd/*.c        -> build/xlbd
#   tools/xlb-sim/*.c    -> build/xlb-sim
#   tools/bench/*.c      -> build/bench/<name>   (one tool per file)
#   tools/bench/*.bpf.c  -> build/<name>.skel.h  (benchmark-only BPF: floors, wrappers)
#   tests/unit/test_*.c  -> build/tests/test_<name> (one binary per file)
#   tests/pkt/*.c        -> build/tests/pkt_test
#   tests/lib/*.c        -> linked into every test binary

CLANG		?= clang-19
BPFTOOL		?= bpftool
CC		?= gcc
BUILD		:= build
PREFIX		?= /usr/local
ARCH_INC	:= /usr/include/$(shell $(CC) -dumpmachine)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_CFLAGS	:= --target=bpf -O2 -g -Wall -Werror -Iinclude -Ibpf -I$(ARCH_INC) -MMD -MP
CFLAGS		?= -O2 -g
XCFLAGS		:= $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		   -Iinclude -Iuser/lib -Iuser/policy -Itests/lib -I$(BUILD) -MMD -MP
PKGS		:= libbpf libxdp libconfig jansson libmicrohttpd
LDLIBS		:= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz -lm

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BENCH_BPF_SRCS	:= $(wildcard tools/bench/*.bpf.c)
SKELS		:= $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS)) \
		   $(patsubst tools/bench/%.bpf.c,$(BUILD)/%.skel.h,$(BENCH_BPF_SRCS))

objs		= $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJS	:= $(call objs,$(wildcard user/lib/*.c))
POLICY_OBJS	:= $(call objs,$(wildcard user/policy/*.c))
LBCTL_OBJS	:= $(call objs,$(wildcard user/lbctl/*.c))
XLBD_OBJS	:= $(call objs,$(wildcard user/xlbd/*.c))
SIM_OBJS	:= $(call objs,$(wildcard tools/xlb-sim/*.c))
TLIB_OBJS	:= $(call objs,$(wildcard tests/lib/*.c))
PKT_OBJS	:= $(call objs,$(wildcard tests/pkt/*.c))
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
BENCH_BINS	:= $(patsubst tools/bench/%.c,$(BUILD)/bench/%,$(filter-out %.bpf.c,$(wildcard tools/bench/*.c)))

# Front ends minus main(), so unit tests link the real code.
LBCTL_CORE	:= $(filter-out %/main.o,$(LBCTL_OBJS))
XLBD_CORE	:= $(filter-out %/main.o,$(XLBD_OBJS))

LIBXLB		:= $(BUILD)/libxlb.a
LIBPOLICY	:= $(BUILD)/libxlbpolicy.a
BINS		:= $(if $(LBCTL_OBJS),$(BUILD)/lbctl) $(if $(XLBD_OBJS),$(BUILD)/xlbd) \
		   $(if $(SIM_OBJS),$(BUILD)/xlb-sim)
TEST_BINS	:= $(UNIT_BINS) $(if $(PKT_OBJS),$(BUILD)/tests/pkt_test)

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps check check-unit tests demo format install clean

all: $(SKELS) $(LIBXLB) $(LIBPOLICY) $(BINS) $(BENCH_BINS)

# ---- dependencies (Debian 12) -----------------------------------------------
# Build: pinned clang-19 (smaller BPF than clang 14), libbpf/libxdp, bpftool,
# libconfig (config files), jansson (JSON output), libmicrohttpd (/metrics).
# Tests and demo: iproute2, ethtool, nginx, curl, wrk, iperf3, socat, gnuplot,
# python3-scapy, jq, tcpdump, ping; bzip2 for the NASA trace; groff-base and
# man-db to check the man pages render; bash-completion to test lbctl's.
DEB_PKGS := clang-19 llvm-19 gcc make pkg-config libbpf-dev libxdp-dev xdp-tools bpftool \
	libelf-dev zlib1g-dev libconfig-dev libjansson-dev libmicrohttpd-dev \
	iproute2 ethtool tcpdump iputils-ping nginx-light curl wrk iperf3 socat \
	gnuplot-nox python3-scapy jq procps psmisc bzip2 util-linux coreutils groff-base man-db \
	bash-completion

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "Error: deps: need root to apt-get install:" $$missing >&2; exit 1; fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends $$missing >/dev/null || \
		{ apt-get update -q >/dev/null && apt-get install -y --no-install-recommends $$missing >/dev/null; } || exit 1; \
	fi

# ---- BPF ------------------------------------------------------------------------
$(BUILD)/%.tmp.o: bpf/%.bpf.c | $(BUILD)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(BUILD)/$*.bpf.d -MT $@ -c $< -o $@

# Benchmark-only programs (floors, wrappers): same pipeline, never shipped.
$(BUILD)/%.tmp.o: tools/bench/%.bpf.c | $(BUILD)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(BUILD)/$*.bpf.d -MT $@ -c $< -o $@

$(BUILD)/%.bpf.o: $(BUILD)/%.tmp.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# ---- user space ---------------------------------------------------------------
$(BUILD)/obj/%.o: %.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(XCFLAGS) -c $< -o $@

$(LIBXLB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^

$(LIBPOLICY): $(POLICY_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^

$(BUILD)/lbctl: $(LBCTL_OBJS) $(LIBXLB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/xlbd: $(XLBD_OBJS) $(LIBXLB) $(LIBPOLICY)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/xlb-sim: $(SIM_OBJS) $(LIBPOLICY)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(XCFLAGS) $^ -lm -o $@

$(BUILD)/bench/%: $(BUILD)/obj/tools/bench/%.o $(TLIB_OBJS) $(LIBXLB)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(XCFLAGS) $^ $(LDLIBS) -lpthread -o $@

# ---- tests --------------------------------------------------------------------
$(BUILD)/liblbctl.a: $(LBCTL_CORE)
	$(call msg,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^

$(BUILD)/libxlbd.a: $(XLBD_CORE)
	$(call msg,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(TLIB_OBJS) $(BUILD)/liblbctl.a \
		$(BUILD)/libxlbd.a $(LIBXLB) $(LIBPOLICY)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(XCFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/pkt_test: $(PKT_OBJS) $(TLIB_OBJS) $(LIBXLB)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(XCFLAGS) $^ $(LDLIBS) -o $@

tests: all $(TEST_BINS)

check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)tests/run

check-unit:
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)tests/run unit

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo/run

format:
	clang-format -i $(wildcard bpf/*.[ch] include/xlb/*.h user/*/*.[ch] tests/*/*.[ch] tools/*/*.[ch])

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/doc/xlb \
		$(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 user/xlbd/xlbd.conf.example README.md LICENSE $(DESTDIR)$(PREFIX)/share/doc/xlb/
	install -m 0644 user/xlbd/xlbd.service $(DESTDIR)$(PREFIX)/lib/systemd/system/
	install -m 0644 user/lbctl/lbctl.8 user/xlbd/xlbd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 user/lbctl/lbctl.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/lbctl

$(BUILD):
	$(Q)mkdir -p $@

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*.d $(BUILD)/obj/*/*.d $(BUILD)/obj/*/*/*.d)
