# Two set-up commands, each self-contained on a fresh machine:
#   make demo   -> create .venv (CPU build of torch on machines without a GPU), install, run the demo
#   make test   -> create .venv the same way, run the test suite
# Checks of the code (CI runs all three: .ci/run): make lint (ruff), make typecheck (mypy).
# Everything runs offline after installation (the embedding model ships in a PyPI package).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# On a machine without an NVIDIA GPU take the CPU build of torch (a plain install pulls
# several GB of CUDA libraries). Set TORCH_INDEX= to use your default index instead.
TORCH_VERSION ?= 2.13.0
TORCH_INDEX ?= $(if $(shell command -v nvidia-smi 2>/dev/null),,https://download.pytorch.org/whl/cpu)

.PHONY: demo test faults install lint typecheck clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --no-deps "torch==$(TORCH_VERSION)" $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install -e ".[dev]"
	touch $@

install: $(BIN)/.installed

demo: $(BIN)/.installed
	HF_HUB_OFFLINE=1 $(BIN)/provenance demo

test: $(BIN)/.installed
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

faults: $(BIN)/.installed
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m faults -q

lint: $(BIN)/.installed
	$(BIN)/ruff check detector tests benchmarks && $(BIN)/ruff format --check detector tests benchmarks

typecheck: $(BIN)/.installed
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info
