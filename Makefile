# Set-up is part of every target: the first `make run` or `make test` builds
# .venv and installs the package into it; later calls reuse it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RAW    ?= raw
CLEAN  ?= clean
SHARED ?= ../shared
WORK   := $(CLEAN)/.work

.PHONY: run test bench export report samples extract strip normalize dedup write clean-output distclean help

help:
	@echo "make run     - run every stage on $(RAW)/ into $(CLEAN)/"
	@echo "make test    - run the test suite"
	@echo "make bench   - extraction, dedup, engine and speed benchmarks (needs $(SHARED)/data; BENCH_FULL=1 for the large sizes)"
	@echo "make extract|strip|normalize|dedup|write - one stage at a time, via $(WORK)/"
	@echo "make export  - kept documents of $(CLEAN)/ as $(FORMAT) shards in $(EXPORT)/"
	@echo "make report  - report.html: what the pipeline did to $(CLEAN)/, for a browser"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,ray]'
	touch $(STAMP)

# The five seed articles live in $(SHARED)/seeds; they join the samples when present.
samples:
	@if [ -d $(SHARED)/seeds ]; then mkdir -p $(RAW)/seeds && cp -u $(SHARED)/seeds/*.txt $(RAW)/seeds/; fi

run: $(STAMP) samples
	$(BIN)/pipeline run $(RAW) $(CLEAN)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Export needs the export extra (pyarrow); it is installed once, on first use.
EXPORT ?= export
FORMAT ?= parquet
EXPORT_STAMP := $(VENV)/.installed-export
$(EXPORT_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[export]'
	touch $(EXPORT_STAMP)

export: $(EXPORT_STAMP)
	$(BIN)/pipeline export $(CLEAN) $(EXPORT) --format $(FORMAT)

report: $(STAMP)
	$(BIN)/pipeline report $(CLEAN) -o report.html

# Each benchmark reads $(SHARED)/data and says so and exits 0 when it is absent.
# BENCH_FULL=1: the large sizes (1M dedup, 100k engines, all Reuters, 10k pages on Ray).
BENCH_FULL ?= 0
export BENCH_FULL
ENGINE_DOCS ?= $(if $(filter 1,$(BENCH_FULL)),100000,20000)
bench: $(STAMP)
	$(BIN)/python bench/bench_extraction.py
	$(BIN)/python bench/bench_wcxb.py
	$(BIN)/python bench/bench_dedup.py $(if $(filter 1,$(BENCH_FULL)),--full)
	$(BIN)/python bench/bench_engines.py --docs $(ENGINE_DOCS)
	$(BIN)/python bench/bench_speed.py
	$(BIN)/python bench/bench_export.py --docs $(ENGINE_DOCS)
	$(BIN)/python bench/bench_commit.py

# Stage by stage, each reading the previous stage's records.
extract: $(STAMP) samples
	@mkdir -p $(WORK)
	$(BIN)/pipeline extract $(RAW) -o $(WORK)/extracted.jsonl
strip: $(STAMP)
	$(BIN)/pipeline strip $(WORK)/extracted.jsonl -o $(WORK)/stripped.jsonl
normalize: $(STAMP)
	$(BIN)/pipeline normalize $(WORK)/stripped.jsonl -o $(WORK)/normalized.jsonl
dedup: $(STAMP)
	$(BIN)/pipeline dedup $(WORK)/normalized.jsonl -o $(WORK)/deduped.jsonl --index $(CLEAN)/.state/index.sqlite
write: $(STAMP)
	$(BIN)/pipeline write $(CLEAN) $(WORK)/deduped.jsonl

clean-output:
	find $(CLEAN) -mindepth 1 ! -name .gitkeep -exec rm -rf {} +

distclean: clean-output
	rm -rf $(VENV)
