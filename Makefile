# todod: `make` builds build/todod; `make run` sets up and serves;
# `make test` sets up and runs every test; `make fuzz`, `make bench`
# (`make bench BENCH=scale`: the list at 100k tasks per user).
# VARIANT=asan builds under AddressSanitizer + UBSan into build/asan,
# VARIANT=fuzz builds libFuzzer targets with clang into build/fuzz.

VARIANT ?= release
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
LIBS := libmicrohttpd jansson libsodium sqlite3 libpq
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Werror

ifeq ($(VARIANT),asan)
OUT := build/asan
OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else ifeq ($(VARIANT),fuzz)
CC := clang
OUT := build/fuzz
OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -DTODOD_FUZZ
else
OUT := build
OPT := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
PKG_CFLAGS = $(shell pkg-config --cflags $(LIBS))
# libpq is loaded at run time (src/store/pq.h), not linked: only the unit
# test that drives PostgreSQL itself links it.
PKG_LIBS = $(shell pkg-config --libs $(filter-out libpq,$(LIBS))) -ldl
PQ_LIBS = $(shell pkg-config --libs libpq)
CFLAGS ?=
CPPFLAGS += -Isrc -I$(OUT)/gen -D_GNU_SOURCE -DTODOD_VERSION='"$(VERSION)"'
ALL_CFLAGS = -std=c17 $(WARN) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS = $(PKG_LIBS) -lpthread

SRCS := $(shell find src -name '*.c' | sort)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
MIGRATIONS := $(sort $(wildcard src/store/migrations/sqlite/*.sql))
PG_MIGRATIONS := $(sort $(wildcard src/store/migrations/postgres/*.sql))
# The web app: its files, then swagger-ui's and the OpenAPI document, all
# compiled in (scripts/embed_web.sh). swagger-ui comes from npm (npm ci); its
# CSS's inline images become files (scripts/swagger_css.mjs) for the CSP.
SWAGGER := node_modules/swagger-ui-dist
WEB_FILES := $(sort $(wildcard web/*.html web/*.css web/*.js web/*.svg)) \
	$(SWAGGER)/swagger-ui-bundle.js docs/openapi.json
GEN_SRCS := $(OUT)/gen/migrations_sqlite.c $(OUT)/gen/migrations_postgres.c $(OUT)/gen/web_assets.c
LIB_OBJS := $(LIB_SRCS:src/%.c=$(OUT)/obj/%.o) $(GEN_SRCS:.c=.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 60

.PHONY: all run test unit api browser docs-lint fuzz fuzz-build fuzz-replay bench clean setup-run setup-test asan \
	setup check-deps test-pg
.DEFAULT_GOAL := all

all: $(OUT)/todod

$(OUT)/todod: $(OUT)/obj/main.o $(OUT)/libtodod.a
	@echo "  LINK $@"
	$(Q)$(CC) $(OPT) -o $@ $^ $(LDLIBS)

$(OUT)/libtodod.a: $(LIB_OBJS)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

# Every compile waits for check-deps: a missing library is named, with the
# Debian package to install, before any compiler error about its header.
check-deps:
	@sh scripts/check_deps.sh $(LIBS)

$(OUT)/obj/%.o: src/%.c | check-deps
	@mkdir -p $(dir $@)
	@echo "  CC   $<"
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(OUT)/gen/migrations_sqlite.c: $(MIGRATIONS) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)sh scripts/embed.sh migrations_sqlite $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(OUT)/gen/migrations_postgres.c: $(PG_MIGRATIONS) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)sh scripts/embed.sh migrations_postgres $(PG_MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(OUT)/gen/web_assets.c: $(WEB_FILES) $(OUT)/gen/swagger/swagger-ui.css scripts/embed_web.sh
	@mkdir -p $(dir $@)
	@echo "  WEB  $@"
	$(Q)sh scripts/embed_web.sh $(OUT)/gen/web $(WEB_FILES) $(OUT)/gen/swagger/* > $@.tmp && mv $@.tmp $@

$(OUT)/gen/swagger/swagger-ui.css: node_modules/.package-lock.json scripts/swagger_css.mjs
	$(Q)node scripts/swagger_css.mjs $(SWAGGER)/swagger-ui.css $(dir $@)

# npm writes node_modules/.package-lock.json on every install (the packages'
# own files carry fixed old dates).
$(SWAGGER)/swagger-ui-bundle.js: node_modules/.package-lock.json
	@:
node_modules/.package-lock.json: package-lock.json
	@sh scripts/setup.sh npm

$(OUT)/gen/%.o: $(OUT)/gen/%.c | check-deps
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(OUT)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(OUT)/libtodod.a
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(OUT)/libtodod.a $(LDLIBS) $(if $(filter %/test_store_pg,$@),$(PQ_LIBS)) -lcmocka

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libtodod.a
	@echo "  FUZZ $@"
	$(Q)clang $(CPPFLAGS) -std=c17 $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -o $@ $^ $(LDLIBS)

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)

# ---- entry points -------------------------------------------------------

setup-run:
	@sh scripts/setup.sh run

# Installs what `make` and `make run` need (Debian packages, npm packages).
setup: setup-run

setup-test:
	@sh scripts/setup.sh test

run: setup-run
	@$(MAKE) --no-print-directory all
	./build/todod serve

asan:
	@$(MAKE) --no-print-directory VARIANT=asan build/asan/todod $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)

# test_store_pg needs the throw-away PostgreSQL of scripts/pg-test.sh: make
# test-pg runs it there.
unit: asan
	@set -e; for t in $(filter-out build/asan/tests/test_store_pg,$(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)); do echo "== $$t"; $$t; done

api: all asan
	TODOD_BIN=build/todod node --test --test-concurrency=2 tests/api/
	TODOD_BIN=build/asan/todod TODOD_ASAN=1 node --test --test-concurrency=2 tests/api/

# The PostgreSQL store's unit tests (sanitizer build), the API suite against
# PostgreSQL, directly and through PgBouncer in transaction mode, then two
# instances on one database, migrate, copy and haproxy (tests/pg/), all on
# throw-away servers started and stopped by scripts/pg-test.sh. The SQLite
# locking test has no PostgreSQL meaning and is left out.
PG_API_TESTS := $(filter-out tests/api/database.test.mjs,$(sort $(wildcard tests/api/*.test.mjs)))
test-pg: all asan
	sh scripts/pg-test.sh sh -c '\
	  build/asan/tests/test_store_pg && \
	  TODOD_BIN=build/todod TODOD_TEST_DATABASE_URL="$$TODOD_PG_URL" node --test --test-concurrency=2 $(PG_API_TESTS) && \
	  TODOD_BIN=build/todod TODOD_TEST_DATABASE_URL="$$TODOD_PG_BOUNCER_URL" node --test --test-concurrency=2 $(PG_API_TESTS) && \
	  TODOD_BIN=build/todod node --test --test-concurrency=1 tests/pg/'

# Browser journeys: playwright-core driving Debian's /usr/bin/chromium
# headless against the release build; screenshots land in build/screenshots.
browser: all
	TODOD_BIN=build/todod node --test --test-concurrency=1 tests/browser/

docs-lint: node_modules/.package-lock.json
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true node_modules/.bin/redocly lint \
		--config redocly.yaml docs/openapi.json

fuzz-build:
	@$(MAKE) --no-print-directory VARIANT=fuzz $(FUZZ_BINS)

fuzz-replay: fuzz-build
	@set -e; for f in $(FUZZ_BINS); do \
		name=$$(basename $$f); mkdir -p tests/fuzz/corpus/$$name; \
		echo "== replay $$name"; $$f -runs=0 tests/fuzz/corpus/$$name; done

fuzz: fuzz-build
	@set -e; for f in $(FUZZ_BINS); do \
		name=$$(basename $$f); mkdir -p tests/fuzz/corpus/$$name build/fuzz/found/$$name; \
		echo "== fuzz $$name for $(FUZZ_SECONDS)s (new inputs in build/fuzz/found/$$name)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/found/$$name tests/fuzz/corpus/$$name; done

test: setup-test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-replay
	@$(MAKE) --no-print-directory docs-lint
	@$(MAKE) --no-print-directory api
	@$(MAKE) --no-print-directory test-pg
	@$(MAKE) --no-print-directory browser

# BENCH=pg: list and create on PostgreSQL, one and two instances (haproxy),
# beside SQLite and nginx (bench/pg.sh, on a throw-away PostgreSQL).
bench:
	@sh scripts/setup.sh bench
	@$(MAKE) --no-print-directory all
	$(if $(filter pg,$(BENCH)),sh scripts/pg-test.sh bash bench/pg.sh,sh bench/$(if $(filter scale,$(BENCH)),scale,run).sh)

clean:
	rm -rf build
