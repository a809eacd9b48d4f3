# envseal — see README.md. `make` builds build/envseal; `make check` runs
# every test (and the unit tests again under ASan+UBSan); `make demo` runs
# the main job on the embedded default against a scratch root.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
ASAN_BUILD ?= build-asan
CC ?= cc
PKGS = libsodium yaml-0.1 libseccomp nettle

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN = -std=c11 -Wall -Wextra -Wformat=2 -Wshadow -Werror
DEFS = -D_GNU_SOURCE -I. -DENVSEAL_BINDIR='"$(PREFIX)/bin"'
HARDEN = -O2 -g -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
	-fstack-clash-protection -fcf-protection -fPIE
LDHARDEN = -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
SAN = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

CFLAGS ?=
LDFLAGS ?=
ALL_CFLAGS = $(WARN) $(DEFS) $(HARDEN) $(PKG_CFLAGS) $(CFLAGS)
SAN_CFLAGS = $(WARN) $(DEFS) $(SAN) $(PKG_CFLAGS) $(CFLAGS)

MODULES = common crypto keys vault policy render sandbox fs report provision run verify
LIB_SRCS := $(sort $(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
CMD_SRCS := $(sort $(wildcard cmd/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
# Test helpers: tests/tools/NAME.c -> build/tests/tools/NAME (linked with the
# library), tests/tools/NAME_preload.c -> build/tests/tools/NAME_preload.so.
TOOL_SRCS := $(sort $(filter-out %_preload.c,$(wildcard tests/tools/*.c)))
PRELOAD_SRCS := $(sort $(wildcard tests/tools/*_preload.c))
HDRS := $(wildcard */*.h tests/unit/*.h)

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
SAN_LIB_OBJS := $(LIB_SRCS:%.c=$(ASAN_BUILD)/obj/%.o)
SAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(ASAN_BUILD)/tests/%)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/tools/%)
PRELOAD_LIBS := $(PRELOAD_SRCS:tests/tools/%.c=$(BUILD)/tests/tools/%.so)

.PHONY: check-service
.PHONY: all check demo install uninstall clean deps tests asan-tests fuzz \
	bench format

all: $(BUILD)/envseal

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(ASAN_BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -c -o $@ $<

$(BUILD)/libenvseal.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(ASAN_BUILD)/libenvseal.a: $(SAN_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/envseal: $(CMD_OBJS) $(BUILD)/libenvseal.a
	$(CC) $(ALL_CFLAGS) $(LDHARDEN) $(LDFLAGS) -o $@ $(CMD_OBJS) \
		$(BUILD)/libenvseal.a $(PKG_LIBS)

# The test build of the command: cmd/ compiled with ENVSEAL_TEST_HOOKS
# (options no release binary may have, e.g. vault --test-fixed-salt), for
# the CLI tests that need them. Never installed.
TEST_CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/obj-test/%.o)

$(BUILD)/obj-test/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DENVSEAL_TEST_HOOKS -c -o $@ $<

$(BUILD)/envseal-test: $(TEST_CMD_OBJS) $(BUILD)/libenvseal.a
	$(CC) $(ALL_CFLAGS) $(LDHARDEN) $(LDFLAGS) -o $@ $(TEST_CMD_OBJS) \
		$(BUILD)/libenvseal.a $(PKG_LIBS)

# The sanitizer build of the command, for CLI tests that want it.
$(ASAN_BUILD)/envseal: $(CMD_SRCS:%.c=$(ASAN_BUILD)/obj/%.o) $(ASAN_BUILD)/libenvseal.a
	$(CC) $(SAN_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# test_age inflates the CCTV vectors that ship zlib-compressed.
$(BUILD)/tests/test_age $(ASAN_BUILD)/tests/test_age: PKG_LIBS += -lz

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libenvseal.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDHARDEN) -o $@ $< $(BUILD)/libenvseal.a $(PKG_LIBS)

$(ASAN_BUILD)/tests/%: tests/unit/%.c $(ASAN_BUILD)/libenvseal.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -o $@ $< $(ASAN_BUILD)/libenvseal.a $(PKG_LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libenvseal.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDHARDEN) -o $@ $< $(BUILD)/libenvseal.a $(PKG_LIBS)

$(BUILD)/tests/tools/%_preload.so: tests/tools/%_preload.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) -O2 -fPIC -shared -o $@ $< -ldl

tests: $(BUILD)/envseal $(BUILD)/envseal-test $(UNIT_BINS) $(TOOL_BINS) $(PRELOAD_LIBS)
asan-tests: $(SAN_UNIT_BINS) $(ASAN_BUILD)/envseal

deps:
	@sh scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all tests asan-tests
	@sh tests/run.sh

# The env-file service in a booted systemd (tests/service/run.sh): root,
# systemd-nspawn and mmdebstrap; the rootfs is cached in /var/tmp.
check-service: deps
	@$(MAKE) --no-print-directory all tests
	@sh tests/oracles/build.sh $(BUILD)/tests/sdenv >/dev/null
	@TOP=$(CURDIR) BUILD=$(CURDIR)/$(BUILD) bash tests/service/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh

fuzz: deps
	@sh tests/fuzz/run.sh long

bench: deps all $(BUILD)/bench/limit
	@sh bench/run.sh

# bench/limit: the one-process physical limit of a render (bench/limit.c),
# hardened like build/envseal, linked with only the two libraries it uses.
$(BUILD)/bench/limit: bench/limit.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDHARDEN) $(LDFLAGS) -o $@ $< \
		$(shell pkg-config --libs nettle libsodium)

# What `make install` puts under $(DESTDIR)$(PREFIX), and `make uninstall`
# removes again (those files, then our own directories when empty; shared
# ones such as bin/ or man1/ stay). Unit templates: any provision/*.service
# (.in) in the tree, as templates to copy, never enabled; today there are
# none: provision/unit.c and provision/envunit.c write the service's and
# the env-file service's units from the policy.
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
COMPDIR = $(PREFIX)/share/bash-completion/completions
DOCDIR = $(PREFIX)/share/doc/envseal
UNITDIR = $(PREFIX)/share/envseal/units
DOCS = README.md SECURITY.md ARCHITECTURE.md CHANGELOG.md LICENSE
EXAMPLES := $(sort $(wildcard examples/*.yml))
UNIT_TEMPLATES := $(sort $(wildcard provision/*.service provision/*.service.in))

install: $(BUILD)/envseal
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(COMPDIR) \
		$(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(BUILD)/envseal $(DESTDIR)$(BINDIR)/envseal
	install -m 0644 man/envseal.1 $(DESTDIR)$(MANDIR)/man1/envseal.1
	install -m 0644 man/envseal-policy.5 \
		$(DESTDIR)$(MANDIR)/man5/envseal-policy.5
	install -m 0644 completion/envseal $(DESTDIR)$(COMPDIR)/envseal
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	$(if $(UNIT_TEMPLATES),install -d $(DESTDIR)$(UNITDIR) && \
		install -m 0644 $(UNIT_TEMPLATES) $(DESTDIR)$(UNITDIR)/)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/envseal \
		$(DESTDIR)$(MANDIR)/man1/envseal.1 \
		$(DESTDIR)$(MANDIR)/man5/envseal-policy.5 \
		$(DESTDIR)$(COMPDIR)/envseal \
		$(addprefix $(DESTDIR)$(DOCDIR)/,$(DOCS)) \
		$(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLES))) \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNIT_TEMPLATES)))
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/share/envseal 2>/dev/null

format:
	clang-format -i $(LIB_SRCS) $(CMD_SRCS) $(HDRS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
