# The commands a newcomer runs. Everything installs into ./.venv from this project's files.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: venv proto proto-check test demo bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

## regenerate the Python gRPC stubs from proto/ (reproducible: grpcio-tools is pinned)
proto: venv
	$(PY) -m tfprovider.protogen

## fail when the checked-in stubs differ from what proto/ generates
proto-check: venv
	$(PY) -m tfprovider.protogen --check

test: venv
	$(PY) -m pytest -q

demo: venv
	bash scripts/demo.sh

bench: venv
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .demo build dist *.egg-info
