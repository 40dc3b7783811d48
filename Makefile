# Two commands do all set-up on a fresh machine:
#   make demo   - the main job
#   make test   - install and run the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Numba's compiled kernels are cached outside the clone so they survive between runs.
export NUMBA_CACHE_DIR ?= $(HOME)/.cache/toposeg/numba

.PHONY: setup setup-real demo test test-all bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	# torch named again so that pip keeps this CPU build (nnU-Net's timm pulls torchvision,
	# whose newest release would otherwise replace torch)
	$(BIN)/pip install --quiet -e ".[test,bench,nnunet,trojan]" torch==2.13.0
	touch $@

demo: setup
	$(BIN)/toposeg demo

test: setup
	$(BIN)/python -m pytest -n 2 -m "not slow" -q

# the optional real-geometry datasets (fill-voids labels, navis neurons, OpenStreetMap roads)
setup-real: setup
	$(BIN)/pip install --quiet -e ".[test,bench,nnunet,trojan,real]" torch==2.13.0

test-all: setup-real
	$(BIN)/python -m pytest -n 2 -q

bench: setup
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build dist src/*.egg-info
