# medrnn: LSTM classifiers trained and run inside PostgreSQL (PGXS build)

EXTENSION = medrnn
EXTVERSION = 0.4
MODULE_big = medrnn

# The numeric core (no PostgreSQL headers, layered: see src/core/core.mk)
# and the server glue.
include $(dir $(lastword $(MAKEFILE_LIST)))src/core/core.mk
CORE_OBJS = $(CORE_SRCS:.c=.o)

PG_OBJS = \
	src/pg/medrnn.o \
	src/pg/glue.o \
	src/pg/options.o \
	src/pg/read_rows.o \
	src/pg/labels.o \
	src/pg/input.o \
	src/pg/train.o \
	src/pg/train_parallel.o \
	src/pg/model_cache.o \
	src/pg/predict.o \
	src/pg/evaluate_targets.o \
	src/pg/info.o \
	src/pg/evaluate.o \
	src/pg/explain.o \
	src/pg/seq_type.o \
	src/pg/seq_agg.o \
	src/pg/progress.o \
	src/pg/registry.o \
	src/pg/report.o

OBJS = $(CORE_OBJS) $(PG_OBJS)

DATA = $(wildcard medrnn--*.sql)
PGFILEDESC = "medrnn - LSTM classifiers for clinical data"

# pg_regress: every sql/NAME.sql is a test; expected/NAME.out is its output.
TESTS = $(sort $(wildcard sql/*.sql))
REGRESS = $(patsubst sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --load-extension=$(EXTENSION)

# To compile for portability, run: make OPTFLAGS=""
OPTFLAGS = -march=native
# The same floating-point contraction (FMA) in the server build, the unit
# tests and the benchmarks, so all three compute bit-identical models.
FPFLAGS = -ffp-contract=fast
# The core's loops (gates, Adam) are written to be vectorized at -O3; errno is
# never read, and without -fno-math-errno sqrtf cannot be vectorized.
CORE_OPT = -O3 -fno-math-errno
PG_CPPFLAGS = $(CORE_INCLUDES) -DMEDRNN_CBLAS
PG_CFLAGS = $(OPTFLAGS) $(FPFLAGS) -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
SHLIB_LINK = -lopenblas -lm -pthread

EXTRA_CLEAN = test/c/run_core_tests tools/options_table

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(CORE_OBJS): CFLAGS += $(CORE_OPT)

# PGXS tracks no header dependencies: rebuild everything when a header changes
$(OBJS): $(CORE_HDRS) $(wildcard src/pg/*.h)

# C unit tests of the numeric core: no server, plain cc, TAP output.
CORE_TEST_SRCS = $(sort $(wildcard test/c/*.c))
CORE_TEST_CFLAGS = -std=c99 -D_POSIX_C_SOURCE=200809L $(CORE_OPT) -g $(OPTFLAGS) $(FPFLAGS) \
	-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror \
	$(CORE_INCLUDES) -DMEDRNN_CBLAS

test/c/run_core_tests: $(CORE_SRCS) $(CORE_TEST_SRCS) $(CORE_HDRS) $(wildcard test/c/*.h)
	$(CC) $(CORE_TEST_CFLAGS) -o $@ $(CORE_SRCS) $(CORE_TEST_SRCS) -lopenblas -lm -pthread

.PHONY: check-core
check-core: test/c/run_core_tests
	test/c/run_core_tests

# The README's options table, printed from the options' declarations
tools/options_table: tools/options_table.c $(CORE_SRCS) $(CORE_HDRS)
	$(CC) $(CORE_TEST_CFLAGS) -o $@ tools/options_table.c $(CORE_SRCS) -lopenblas -lm -pthread

.PHONY: options-table
options-table: tools/options_table
	@tools/options_table

# The core's sources and compiler flags, for builds outside this Makefile
# (bench/run.sh): "make -s print-core"
.PHONY: print-core
print-core:
	@echo "CORE_SRCS='$(CORE_SRCS)'"
	@echo "CORE_CFLAGS='$(CORE_OPT) $(OPTFLAGS) $(FPFLAGS) $(CORE_INCLUDES) -DMEDRNN_CBLAS'"
