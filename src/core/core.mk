# src/core/core.mk
#	  The numeric core's source files, for every build that compiles it:
#	  the extension (Makefile), the fuzzers (test/fuzz/Makefile) and the
#	  benchmark (bench/run.sh, through "make print-core").
#
# The core is layered; a file includes headers of its own layer and of the
# layers before it, never after (test/check_layers.py checks it):
#
#	base	allocation, status codes, sorting, strings, random numbers, BLAS
#	data	turning inputs into rows: tokens, SMILES, windows, sequences,
#			measurement grids, the training corpora
#	net		the network: LSTM, layout, forward and backward, the optimizer
#	learn	what runs a network: training, inference, explanations, metrics
#	model	the model as a whole: file format, options, the fit pipeline,
#			prediction from a model's inputs
#	report	the model report: HTML escaping, SVG plots, the page

CORE_ROOT ?= src/core
CORE_LAYERS = base data net learn model report
CORE_INCLUDES = $(addprefix -I$(CORE_ROOT)/,$(CORE_LAYERS))
CORE_SRCS = $(foreach l,$(CORE_LAYERS),$(sort $(wildcard $(CORE_ROOT)/$(l)/*.c)))
CORE_HDRS = $(foreach l,$(CORE_LAYERS),$(sort $(wildcard $(CORE_ROOT)/$(l)/*.h)))
