# make run  — create .venv if needed, install, start the app on the embedded SQLite default
#             (make run WORKERS=2: two app processes behind Debian's nginx, see deploy/workers.py)
# make test — the same set-up plus test tools, then the whole test suite
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
ADDRESS ?= localhost
WORKERS ?= 1

.PHONY: run test bench demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
ifeq ($(WORKERS),1)
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS)
else
	$(BIN)/python deploy/workers.py --workers $(WORKERS) --port $(PORT) --address $(ADDRESS)
endif

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

demo: $(VENV)/.installed-run
	$(BIN)/python -m dxcore demo

bench: $(VENV)/.installed-dev
	@for b in bench/*.py; do grep -q '__main__' $$b || continue; echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
