# Set-up is part of every target: the first `make run` or `make test` builds
# .venv and installs the package into it; later calls reuse it. `make run`
# installs the pipeline and what it imports only; `make test` adds the test
# tools and Ray (for the Ray engine's tests; RAY=no leaves it out and those
# tests skip).
PYTHON ?= python3
comma  := ,
VENV   := .venv
BIN    := $(VENV)/bin
CORE   := $(VENV)/.installed
EXTRAS := test$(if $(filter no,$(RAY)),,$(comma)ray)
TESTS  := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
RAW    ?= raw
CLEAN  ?= clean
SHARED ?= ../shared
WORK   := $(CLEAN)/.work

.PHONY: run test bench export report samples extract strip normalize dedup write clean-output distclean help

help:
	@echo "make run     - run every stage on $(RAW)/ into $(CLEAN)/"
	@echo "make test    - run the test suite (RAY=no: without installing Ray; its tests skip)"
	@echo "make bench   - extraction, dedup, engine and speed benchmarks, then one table of the speed figures against the last run (needs $(SHARED)/data; BENCH_FULL=1 for the large sizes)"
	@echo "make extract|strip|normalize|dedup|write - one stage at a time, via $(WORK)/"
	@echo "make export  - kept documents of $(CLEAN)/ as $(FORMAT) shards in $(EXPORT)/"
	@echo "make report  - report.html: what the pipeline did to $(CLEAN)/, for a browser"

$(VENV)/bin/python:
	@echo "== creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)

$(CORE): pyproject.toml | $(VENV)/bin/python
	@echo "== installing pipeline and its dependencies into $(VENV) (trafilatura, numpy, ftfy, click, ...)"
	$(BIN)/pip install --progress-bar off -e .
	@touch $@
	@echo "== $(VENV) ready: $$(du -sh $(VENV) | cut -f1)"

$(TESTS): $(CORE)
	@echo "== adding the test tools [$(EXTRAS)] to $(VENV)"
	$(BIN)/pip install --progress-bar off -e '.[$(EXTRAS)]'
	@touch $@

# The five seed articles live in $(SHARED)/seeds; they join the samples when present.
samples:
	@if [ -d $(SHARED)/seeds ]; then mkdir -p $(RAW)/seeds && cp -u $(SHARED)/seeds/*.txt $(RAW)/seeds/; fi

run: $(CORE) samples
	$(BIN)/pipeline run $(RAW) $(CLEAN)

test: $(TESTS)
	$(BIN)/python -m pytest -q

# Export needs the export extra (pyarrow); it is installed once, on first use.
EXPORT ?= export
FORMAT ?= parquet
EXPORT_STAMP := $(VENV)/.installed-export
$(EXPORT_STAMP): $(CORE)
	@echo "== adding pyarrow (the export extra) to $(VENV)"
	$(BIN)/pip install --progress-bar off -e '.[export]'
	touch $(EXPORT_STAMP)

export: $(EXPORT_STAMP)
	$(BIN)/pipeline export $(CLEAN) $(EXPORT) --format $(FORMAT)

report: $(CORE)
	$(BIN)/pipeline report $(CLEAN) -o report.html

# Each benchmark reads $(SHARED)/data and says so and exits 0 when it is absent.
# BENCH_FULL=1: the large sizes (1M dedup, 100k engines, all Reuters, 10k pages on Ray).
BENCH_FULL ?= 0
export BENCH_FULL
ENGINE_DOCS ?= $(if $(filter 1,$(BENCH_FULL)),100000,10000)
# Repeats of each timed variant of bench_speed.py (medians): one by default,
# to keep `make bench` within a quarter of an hour.
SPEED_REPEATS ?= $(if $(filter 1,$(BENCH_FULL)),3,1)
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(TESTS)
	@echo "== adding the bench extra (inscriptis for text dumps of pages, resiliparse for a speed reference) to $(VENV)"
	$(BIN)/pip install --progress-bar off -e '.[bench]'
	@touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_extraction.py
	$(BIN)/python bench/bench_wcxb.py
	$(if $(filter 1,$(BENCH_FULL)),$(BIN)/python bench/train_blocks.py --no-write)
	$(BIN)/python bench/bench_text.py $(if $(filter 1,$(BENCH_FULL)),,--no-cv)
	$(BIN)/python bench/bench_dedup.py $(if $(filter 1,$(BENCH_FULL)),--full)
	$(BIN)/python bench/bench_engines.py --docs $(ENGINE_DOCS)
	$(BIN)/python bench/bench_speed.py --repeats $(SPEED_REPEATS)
	$(BIN)/python bench/bench_export.py --docs $(ENGINE_DOCS)
	$(BIN)/python bench/bench_commit.py
	$(BIN)/python bench/bench_summary.py

# Stage by stage, each reading the previous stage's records.
extract: $(CORE) samples
	@mkdir -p $(WORK)
	$(BIN)/pipeline extract $(RAW) -o $(WORK)/extracted.jsonl
strip: $(CORE)
	$(BIN)/pipeline strip $(WORK)/extracted.jsonl -o $(WORK)/stripped.jsonl
normalize: $(CORE)
	$(BIN)/pipeline normalize $(WORK)/stripped.jsonl -o $(WORK)/normalized.jsonl
dedup: $(CORE)
	$(BIN)/pipeline dedup $(WORK)/normalized.jsonl -o $(WORK)/deduped.jsonl --index $(CLEAN)/.state/index.sqlite
write: $(CORE)
	$(BIN)/pipeline write $(CLEAN) $(WORK)/deduped.jsonl

clean-output:
	find $(CLEAN) -mindepth 1 ! -name .gitkeep -exec rm -rf {} +

distclean: clean-output
	rm -rf $(VENV)
