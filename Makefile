# confer: build, test, demo.  See README.md.
PKGS    = libetpan libesmtp-1.0 sqlite3 libconfig libsodium
CC     ?= cc
WARN    = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wformat=2 -Wvla -Werror
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
          -pthread $(CFLAGS) -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Debian's libetpan.pc adds a dpkg linker spec that only exists with
# libdpkg-perl; it is harmless to drop, so we filter it.
LIBS    = $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS) 2>/dev/null)) -pthread
# libetpan comes from its static archive when libetpan-dev has one: only
# the parts confer calls (MIME, header fields, Maildir) are linked in,
# instead of a shared object that loads 18 more libraries (GnuTLS, SASL,
# Berkeley DB) into every process, about 4 ms a start -- and `receive`
# starts once per message.  A libetpan security update then needs a
# rebuild of confer.  `make ETPAN_SHARED=1` links the shared library.
ETPAN_A = $(shell pkg-config --variable=libdir libetpan 2>/dev/null)/libetpan.a
# --as-needed keeps the libraries it names for its other parts (TLS
# for IMAP and POP3) out of the program until confer calls those parts.
ifeq ($(ETPAN_SHARED)$(wildcard $(ETPAN_A)),$(ETPAN_A))
LIBS    := $(ETPAN_A) -Wl,--as-needed $(filter-out -letpan,$(LIBS))
endif
SAN     = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRCS    = $(sort $(wildcard src/*/*.c))
OBJS    = $(SRCS:src/%.c=build/%.o)
SANOBJS = $(SRCS:src/%.c=build-san/%.o)
UNITS   = $(basename $(notdir $(wildcard tests/unit/test_*.c)))

PYTHON  = /usr/bin/python3

.PHONY: all deps test unit unit-san e2e e2e-san demo bench clean install
all: confer

confer: build/main.o $(OBJS)
	$(CC) -o $@ $^ $(LIBS)

build/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

build-san/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	@$(CC) $(ALL_CFLAGS) -O1 $(SAN) -c -o $@ $<

build-san/confer: build-san/main.o $(SANOBJS)
	$(CC) $(SAN) -o $@ $^ $(LIBS)

build/unit/%: tests/unit/%.c $(OBJS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(OBJS) $(LIBS) -lcmocka

build-san/unit/%: tests/unit/%.c $(SANOBJS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) -O1 $(SAN) -o $@ $< $(SANOBJS) $(LIBS) -lcmocka

build/tools/%: tests/tools/%.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(OBJS) $(LIBS)

deps:
	@sh contrib/install-deps.sh

unit: $(UNITS:%=build/unit/%)
	@set -e; for t in $^; do echo "== $$t"; $$t; done

unit-san: $(UNITS:%=build-san/unit/%)
	@set -e; for t in $^; do echo "== $$t (sanitizers)"; \
	  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $$t; done

e2e: confer
	CONFER_BIN=$(CURDIR)/confer $(PYTHON) -m pytest -q tests/e2e

e2e-san: build-san/confer
	CONFER_BIN=$(CURDIR)/build-san/confer CONFER_SANITIZED=1 $(PYTHON) -m pytest -q tests/e2e

test: deps
	$(MAKE) all build-san/confer
	$(MAKE) unit unit-san
	$(MAKE) e2e e2e-san

demo: deps
	$(MAKE) all
	sh contrib/demo.sh

bench: deps
	$(MAKE) all
	$(PYTHON) tests/bench/run.py

PREFIX ?= /usr/local
install: confer
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/confer/archive-templates
	install -m 0755 confer $(DESTDIR)$(PREFIX)/bin/confer
	install -m 0644 archive-templates/* $(DESTDIR)$(PREFIX)/share/confer/archive-templates/

clean:
	rm -rf build build-san confer demo
