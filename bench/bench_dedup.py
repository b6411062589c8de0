"""Benchmark of the dedup stage: quality, signature speed, scale.

    python bench/bench_dedup.py                      # quality + speed + 10k/100k
    python bench/bench_dedup.py --full               # also 1M, and the 100k -> 1M time ratio
    python bench/bench_dedup.py --scale 1000000      # sizes of your own
    python bench/bench_dedup.py --only quality       # one part

Parts:
* judged: pairs of reuters21578 documents read and labelled by hand
  (bench/judged/reuters_pairs.tsv: ids, TRUE/FALSE, a one-line reason; the
  texts stay in ../shared): precision and recall of the stage's groups on
  them by word-2-gram Jaccard band, with each rule turned off in turn.
* quality: reuters_neardup_synth (exact ground truth): ARI, pairwise P/R/F1,
  recall by edit type and by word-5-gram Jaccard to the source; the same for
  other shingle settings (shingle kind/size comparison); the five seeds;
  natural near-duplicate groups in reuters21578.
* speed: signature throughput on reuters21578 (NORM + UNPROC texts), ours
  against datasketch ``MinHash.bulk`` (and rensa if installed), in this run,
  best of three timings each.
* scale: the whole stage (with an index file) on generated short documents,
  each size in its own process: wall time and peak RSS.

Data is read from ../shared (or $PIPELINE_SHARED) and never copied; without
it the benchmark prints a message and exits 0. Results are also written to
bench/out/.
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PIPELINE_SHARED", REPO.parent / "shared"))
SYNTH = SHARED / "data" / "reuters_neardup_synth" / "docs.jsonl"
REUTERS = SHARED / "data" / "reuters21578" / "docs.jsonl"
SEEDS = SHARED / "seeds"
CLOUGH = SHARED / "data" / "clough_stevenson" / "docs.jsonl"
JUDGED = Path(__file__).resolve().parent / "judged" / "reuters_pairs.tsv"
OUT = REPO / "bench" / "out"
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from pipeline.dedup import Dedup, DedupConfig  # noqa: E402
from pipeline.dedup.minhash import minhash_csr, signatures  # noqa: E402
from pipeline.dedup.shingles import shingle_batch, tokens  # noqa: E402
from pipeline.document import Document  # noqa: E402

# Settings compared with the default (each with its own Jaccard threshold).
ALTERNATIVES = {
    "word5 J0.3": dict(shingle_size=5, jaccard_threshold=0.3),
    "word3 J0.35": dict(shingle_size=3, jaccard_threshold=0.35),
    "char5 J0.5": dict(shingle="char", shingle_size=5, jaccard_threshold=0.5),
    "word2 J0.4 b32r4": dict(num_perm=128, bands=32, rows=4),
}
# Each rule of the stage turned off (or back to its earlier setting) in turn,
# measured on the judged newswire pairs and on the labelled clusters.
RULE_EFFECTS = {
    "template guard off": dict(template_guard=False),
    "forecast words off": dict(template_stages=False),
    "period words off": dict(template_periods=False),
    "first-version rule off": dict(first_version_containment=0.0),
    "rewrite rule off": dict(rewrite_containment=0.0),
    "same-day inside rule off": dict(rewrite_inside=1.0),
    "corrected tables off": dict(template_corrected_tables=False),
    "composite rule off": dict(composite_overlap=0.0),
    "number check off": dict(numbers_threshold=0.0),
    "lead bands off": dict(lead_bands=0),
    "anchors off": dict(anchor_count=0),
    "plain anchors not last": dict(anchor_plain=False),
    "dates off": dict(max_days_apart=0),
    "char check 0.5 on": dict(char_jaccard_threshold=0.5),
    "containment 0.95, 20 shingles": dict(containment_threshold=0.95, min_containment_shingles=20),
    "all of these (earlier stage)": dict(template_guard=False, first_version_containment=0.0, rewrite_containment=0.0,
                                         lead_bands=0,
                                         anchor_count=0, max_days_apart=0,
                                         containment_threshold=0.95, min_containment_shingles=20),
}
JACCARD_BANDS = [(1.0, 1.01), (0.8, 1.0), (0.6, 0.8), (0.4, 0.6), (0.2, 0.4), (0.0, 0.2)]


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


# -- quality -------------------------------------------------------------
def pair_counts(labels: list) -> int:
    return sum(math.comb(c, 2) for c in collections.Counter(labels).values())


def adjusted_rand(truth: list, pred: list) -> float:
    both = pair_counts(list(zip(truth, pred)))
    a, b, n = pair_counts(truth), pair_counts(pred), math.comb(len(truth), 2)
    expected = a * b / n
    return (both - expected) / ((a + b) / 2 - expected)


def unique_ids(docs: list[Document]) -> list[Document]:
    """The documents, after checking that no id repeats: the stage answers a
    repeated id from its first occurrence, which would inflate every score."""
    counts = collections.Counter(d.id for d in docs)
    repeated = [i for i, c in counts.items() if c > 1]
    if repeated:
        raise SystemExit(f"benchmark input has {len(repeated)} repeated ids, e.g. {repeated[:3]}")
    return docs


def dedup_labels(texts: list[str], config: DedupConfig) -> tuple[list[str], float]:
    docs = unique_ids([Document(id=str(i), source="bench", content=t) for i, t in enumerate(texts)])
    start = time.perf_counter()
    out = list(Dedup(config)(docs))
    return [d.duplicate_of or d.id for d in out], time.perf_counter() - start


def score(rows: list[dict], pred: list[str]) -> dict:
    truth = [r["cluster"] for r in rows]
    both = pair_counts(list(zip(truth, pred)))
    p_pairs, t_pairs = pair_counts(pred), pair_counts(truth)
    precision, recall = both / max(p_pairs, 1), both / t_pairs
    by_edit, by_j = collections.defaultdict(list), collections.defaultdict(list)
    source_of = {r["cluster"]: i for i, r in enumerate(rows) if r["role"] == "source"}
    for i, r in enumerate(rows):
        if r["role"] != "variant":
            continue
        found = pred[i] == pred[source_of[r["cluster"]]]
        for edit in r["edits"]:
            by_edit[edit].append(found)
        by_j[min(int(r["j_to_source"] * 5), 4) / 5].append(found)
    return {
        "ari": round(adjusted_rand(truth, pred), 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4),
        "recall_by_edit": {k: round(float(np.mean(v)), 3) for k, v in sorted(by_edit.items())},
        "recall_by_j5_to_source": {f"{k:.1f}-{k + 0.2:.1f}": round(float(np.mean(v)), 3) for k, v in sorted(by_j.items())},
    }


def same_story_rows(rows: list[dict]) -> tuple[list[dict], int]:
    """The labelled clusters, two of them joined where the judged newswire
    pairs (bench/judged) say their Reuters-21578 articles are one story:
    the set was built assuming its distractors and sources are distinct
    stories, and some are the same story written twice (read, with reasons,
    in the judged file). Returns the rows and how many joins were made."""
    with JUDGED.open(encoding="utf-8") as fh:
        same = [line.split("\t")[:2] for line in fh if line.split("\t")[2:3] == ["TRUE"]]
    cluster_of: dict[str, str] = {}
    for r in rows:
        cluster_of.setdefault(r["source_id"], r["cluster"])
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    joins = 0
    for a, b in same:
        if a in cluster_of and b in cluster_of and find(cluster_of[a]) != find(cluster_of[b]):
            parent[find(cluster_of[a])] = find(cluster_of[b])
            joins += 1
    return [r | {"cluster": find(r["cluster"])} for r in rows], joins


def quality() -> dict:
    rows = read_jsonl(SYNTH)
    texts = [r["text"] for r in rows]
    joined, joins = same_story_rows(rows)
    results = {}
    for name, overrides in [("default", {})] + list(ALTERNATIVES.items()) + list(RULE_EFFECTS.items()):
        pred, seconds = dedup_labels(texts, DedupConfig(**overrides))
        results[name] = score(rows, pred) | {"seconds": round(seconds, 2)}
        r = results[name]
        j = results[name]["same_stories_joined"] = {k: v for k, v in score(joined, pred).items()
                                                    if k in ("ari", "precision", "recall")}
        print(f"  {name:18s} ARI {r['ari']:.4f}  P {r['precision']:.4f}  R {r['recall']:.4f}  F1 {r['f1']:.4f}"
              f"   (same stories joined: ARI {j['ari']:.4f}  P {j['precision']:.4f}  R {j['recall']:.4f})")
    print(f"  (same stories joined: {joins} pairs of clusters whose articles the judged newswire pairs call one story)")
    # The same documents in two runs against one index (later copies meet
    # the earlier run's kept documents, which cannot be replaced).
    with tempfile.TemporaryDirectory() as tmp:
        docs = unique_ids([Document(id=str(i), source="bench", content=t) for i, t in enumerate(texts)])
        half = len(docs) // 2
        index = Path(tmp) / "index.sqlite"
        out = list(Dedup(DedupConfig(), index_path=index)(docs[:half]))
        out += list(Dedup(DedupConfig(), index_path=index)(docs[half:]))
    results["default, two runs"] = score(rows, [d.duplicate_of or d.id for d in out])
    r = results["default, two runs"]
    print(f"  {'default, two runs':18s} ARI {r['ari']:.4f}  P {r['precision']:.4f}  R {r['recall']:.4f}  F1 {r['f1']:.4f}")
    print("  recall by edit (default):", results["default"]["recall_by_edit"])
    print("  recall by word-5 J to source (default):", results["default"]["recall_by_j5_to_source"])
    print("  recall by edit (default, two runs):", r["recall_by_edit"])
    return results


def clough() -> dict:
    """Short answers that reuse a long source: text reuse, not copies."""
    rows = read_jsonl(CLOUGH)
    pred, _ = dedup_labels([r["text"] for r in rows], DedupConfig())
    source = {r["task"]: i for i, r in enumerate(rows) if r["reuse"] == "source"}
    joined = collections.Counter(r["reuse"] for i, r in enumerate(rows)
                                 if r["reuse"] != "source" and pred[i] == pred[source[r["task"]]])
    out = {"ari_strict": round(adjusted_rand([r["cluster"] for r in rows], pred), 4),
           "joined_to_source": dict(joined), "answers": dict(collections.Counter(r["reuse"] for r in rows))}
    print(f"  clough_stevenson: ARI {out['ari_strict']:.3f} (strict clusters); answers joined to their "
          f"source by reuse kind: {out['joined_to_source']} of {out['answers']}")
    return out


def seeds() -> dict:
    files = sorted(SEEDS.glob("*.txt"))
    docs = [Document(id=f.stem, source=f.name, content=f.read_text(encoding="utf-8")) for f in files]
    kept = sum(d.status == "kept" for d in Dedup()(docs))
    print(f"  seeds: {len(files)} articles -> {kept} kept")
    return {"articles": len(files), "kept": kept}


def reuters_texts() -> list[str]:
    return [r["text"] for r in read_jsonl(REUTERS) if r.get("type") in ("NORM", "UNPROC")]


def cleaned(docs: list[Document]) -> list[Document]:
    """``docs`` through the strip and normalize stages, as a run cleans them."""
    from pipeline.normalize import Normalize
    from pipeline.strip import Strip

    return list(Normalize()(Strip()(docs)))


def judged() -> dict:
    """Precision and recall on the hand-labelled newswire pairs, by Jaccard band.

    A pair counts as merged when the stage puts both documents in one group
    (one is the other's duplicate, or both are duplicates of one kept copy),
    run over every document of reuters21578 (its BRIEF flashes too, as the
    pipeline reads the file), each with the
    date its record gives (as ``meta["date"]``, what the pipeline reads from
    that JSONL). The sample was
    drawn by band from pairs the stage merged and pairs it nearly merged, so
    the figures are per band; the totals weigh the bands as drawn. The
    "whole pipeline" rows clean the texts first, as a run does: the strip
    stage takes each headline out of the text, and dedup compares the
    headline and the text; once with the titles the JSONL gives, once
    without (the strip stage then finds the headlines itself).
    """
    from pipeline.dedup import shingle_set, overlap

    rows = [r for r in read_jsonl(REUTERS) if r.get("text")]
    texts = {r["id"]: r["text"] for r in rows}
    with JUDGED.open(encoding="utf-8") as fh:
        labels = [line.rstrip("\n").split("\t") for line in fh][1:]
    band_of = {}
    for a, b, _, _ in labels:
        j = overlap(shingle_set(texts[a], "word", 2), shingle_set(texts[b], "word", 2))[0]
        band_of[a, b] = next(k for k, (lo, hi) in enumerate(JACCARD_BANDS) if lo <= j < hi)
    # Each story with its date, as the pipeline reads it from this JSONL (``meta["date"]``).
    docs = unique_ids([Document(id=r["id"], source="bench", content=r["text"], meta={"date": r["date"]})
                       for r in rows])
    out = {}
    runs = [(name, lambda o=overrides: Dedup(DedupConfig(**o))(docs))
            for name, overrides in [("default", {})] + list(RULE_EFFECTS.items())]
    # What a run of the pipeline does with this file: each story with the
    # title and date its record gives, through strip (which takes the
    # headline out of the text) and normalize, then dedup; and the same
    # texts given without their titles, the strip stage finding each headline.
    titled = [d.with_meta(title=r["title"]) if r.get("title") else d for d, r in zip(docs, rows)]
    runs[1:1] = [("whole pipeline (strip first)", lambda: Dedup()(cleaned(titled))),
                 ("whole pipeline, no titles given", lambda: Dedup()(cleaned(docs)))]
    for name, dedup in runs:
        group = {d.id: d.duplicate_of or d.id for d in dedup()}
        counts = collections.Counter()
        halves = collections.Counter()
        for line, (a, b, label, _) in enumerate(labels, start=2):
            counts[band_of[a, b], label == "TRUE", group[a] == group[b]] += 1
            halves[line % 2, label == "TRUE", group[a] == group[b]] += 1
        bands = {}
        for k, (lo, hi) in enumerate(JACCARD_BANDS + [(0.0, 1.01)]):
            every = k == len(JACCARD_BANDS)
            c = collections.Counter()
            for (band, t, m), n in counts.items():
                if every or band == k:
                    c[t, m] += n
            tp, fp, fn, tn = c[True, True], c[False, True], c[True, False], c[False, False]
            bands["all" if every else f"J {lo:.1f}-{min(hi, 1.0):.1f}"] = {
                "pairs": tp + fp + fn + tn, "true": tp + fn, "tp": tp, "fp": fp, "fn": fn,
                "precision": round(tp / (tp + fp), 3) if tp + fp else None,
                "recall": round(tp / (tp + fn), 3) if tp + fn else None}
        # The file's even and odd lines: two halves drawn alike. The rules were
        # worked out reading the misses and false merges of both, so this only
        # shows how much the figures move from one sample to another.
        for parity, half in ((0, "even lines"), (1, "odd lines")):
            tp, fp, fn = (halves[parity, True, True], halves[parity, False, True], halves[parity, True, False])
            bands[half] = {"pairs": sum(n for (p, _, _), n in halves.items() if p == parity), "true": tp + fn,
                           "tp": tp, "fp": fp, "fn": fn, "precision": round(tp / (tp + fp), 3) if tp + fp else None,
                           "recall": round(tp / (tp + fn), 3) if tp + fn else None}
        out[name] = bands
        a = bands["all"]
        print(f"  {name:30s} precision {a['precision']:.3f}  recall {a['recall']:.3f}  "
              f"(TP {a['tp']}, FP {a['fp']}, FN {a['fn']} of {a['pairs']} pairs)")
    print(f"  by band (default): {'band':>10s} {'pairs':>5s} {'true':>4s} {'precision':>9s} {'recall':>6s}")
    for band, b in out["default"].items():
        fmt = lambda x: "  -  " if x is None else f"{x:.3f}"  # noqa: E731
        print(f"  {'':18s} {band:>10s} {b['pairs']:5d} {b['true']:4d} {fmt(b['precision']):>9s} {fmt(b['recall']):>6s}")
    return out


def reuters_groups(texts: list[str], overrides: dict | None = None) -> dict:
    pred, seconds = dedup_labels(texts, DedupConfig(**(overrides or {})))
    sizes = [c for c in collections.Counter(pred).values() if c > 1]
    out = {"docs": len(texts), "groups": len(sizes), "docs_in_groups": sum(sizes),
           "duplicates": sum(sizes) - len(sizes), "largest": max(sizes, default=0), "seconds": round(seconds, 2)}
    label = f" ({', '.join(f'{k}={v}' for k, v in overrides.items())})" if overrides else ""
    print(f"  reuters21578{label}: {out['groups']} near-duplicate groups, {out['docs_in_groups']} docs "
          f"({out['duplicates']} marked duplicate), largest {out['largest']}")
    return out


# -- speed ---------------------------------------------------------------
def best_of(times: int, fn) -> float:
    """Shortest of a few timings (the machine may be shared)."""
    best = math.inf
    for _ in range(times):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def speed(texts: list[str], sample_size: int = 3000) -> dict:
    """Docs/s of ours, datasketch and rensa on the same texts and shingles.

    Every library gets the same ``sample_size`` texts and the same word
    2-shingles (``tokens`` pairs): "shingles given" times the MinHash step
    alone, "text -> signature" adds making the shingles. All in one run, so
    the ratios hold even on a busy machine.
    """
    config = DedupConfig()
    sample = texts[:sample_size]
    signatures(sample[:500], config)  # warm up
    ours_all = len(texts) / best_of(3, lambda: signatures(texts, config))
    ours = len(sample) / best_of(3, lambda: signatures(sample, config))
    flat, offsets = shingle_batch(sample, config.shingle, config.shingle_size)
    ours_given = len(sample) / best_of(3, lambda: minhash_csr(flat, offsets, config.num_perm, config.seed))
    out = {"docs": len(sample), "num_perm": config.num_perm, "ours_all_reuters_docs_per_s": round(ours_all),
           "ours_docs_per_s": round(ours), "ours_shingles_given_docs_per_s": round(ours_given)}

    def make_shingles() -> list[list[str]]:
        return [[" ".join(p) for p in zip(t, t[1:])] for t in (tokens(x) for x in sample)]

    make = best_of(3, make_shingles)
    as_str = make_shingles()
    as_bytes = [[s.encode() for s in doc] for doc in as_str]
    print(f"  {len(sample):,} reuters21578 texts, {config.num_perm} permutations, word 2-shingles "
          f"(making them as strings: {make / len(sample) * 1e6:.0f} us/doc)")
    print(f"  {'':34s} {'shingles given':>15s} {'text -> signature':>18s}")
    rows = [("ours (numpy)", ours_given, ours)]
    from datasketch import MinHash

    rate = len(sample) / best_of(3, lambda: MinHash.bulk(as_bytes, num_perm=config.num_perm))
    out["datasketch_bulk_docs_per_s"] = round(rate)
    rows.append(("datasketch MinHash.bulk", rate, len(sample) / (len(sample) / rate + make)))
    try:
        import rensa
    except ImportError:
        rensa = None
        print("  rensa not installed: skipped")
    if rensa is not None:
        probe = rensa.RMinHash(num_perm=config.num_perm, seed=config.seed)
        probe.update(as_str[0])
        assert len(probe.digest()) == config.num_perm

        def run_rensa() -> None:
            for doc in as_str:
                m = rensa.RMinHash(num_perm=config.num_perm, seed=config.seed)
                m.update(doc)
                m.digest()

        rate = len(sample) / best_of(3, run_rensa)
        out["rensa_docs_per_s"] = round(rate)
        rows.append(("rensa RMinHash", rate, len(sample) / (len(sample) / rate + make)))
    for name, given, whole in rows:
        print(f"  {name:34s} {given:>13,.0f}/s {whole:>16,.0f}/s")
    print(f"  ours on all {len(texts):,} texts: {ours_all:,.0f} docs/s (text -> signature)")
    base = out["datasketch_bulk_docs_per_s"]
    out["ratios_to_datasketch_bulk"] = {name: round(given / base, 2) for name, given, _ in rows}
    print("  shingles given, relative to datasketch bulk: "
          + ", ".join(f"{name} {given / base:.1f}x" for name, given, _ in rows))
    return out


# -- scale ---------------------------------------------------------------
def generate(n: int, base: list[str], seed: int = 7) -> list[Document]:
    """Short documents (40-100 words), a third of them edited copies of earlier ones.

    An original is three fragments of three random newswire texts, so that
    originals rarely overlap; a copy is truncated, has words replaced, is
    wrapped in a byline/footer, or is upper-cased, with curly apostrophes.
    """
    rng = random.Random(seed)
    words = [t.split() for t in base if len(t.split()) >= 30]
    wrap = ["Read more at our partner site.", "(c) Wire Service. All rights reserved.", "UPDATE 1 -", "Share this story"]
    docs: list[str] = []
    for _ in range(n):
        if docs and rng.random() < 0.33:
            copy = docs[rng.randrange(len(docs))].split()
            kind = rng.random()
            if kind < 0.3:
                copy = copy[: max(5, int(len(copy) * rng.uniform(0.6, 0.95)))]
            elif kind < 0.6:
                for _ in range(max(1, len(copy) // 25)):
                    copy[rng.randrange(len(copy))] = rng.choice(rng.choice(words))
            elif kind < 0.8:
                copy = [rng.choice(wrap)] + copy + [rng.choice(wrap)]
            text = " ".join(copy).replace("'", "\u2019")
            docs.append(text.upper() if rng.random() < 0.1 else text)
        else:
            parts = []
            for _ in range(3):
                w = rng.choice(words)
                size = rng.randint(13, 33)
                start = rng.randrange(max(1, len(w) - size))
                parts.extend(w[start : start + size])
            docs.append(" ".join(parts))
    return [Document(id=f"g{i}", source="gen", content=t) for i, t in enumerate(docs)]


def peak_rss_gib() -> float:
    """High-water RSS of this process image: each size runs in its own child
    process, and VmHWM starts afresh at exec (getrusage's ru_maxrss would
    carry over the forking parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def scale_child(n: int, workers: int) -> None:
    start = time.perf_counter()
    docs = unique_ids(generate(n, reuters_texts()))
    made = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), _cpu_seconds()
        out = Dedup(DedupConfig(), index_path=Path(tmp) / "index.sqlite", workers=workers)(docs)
        counts = collections.Counter(d.status for d in out)
        seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
        index_mb = (Path(tmp) / "index.sqlite").stat().st_size / 2**20
    peak = peak_rss_gib()
    # Workers are forked from this process: much of their RSS is shared pages.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    print(json.dumps({"docs": n, "workers": workers, "generate_s": round(made, 1), "dedup_s": round(seconds, 1),
                      "dedup_cpu_s": round(cpu, 1),
                      "peak_rss_gib": round(peak, 2), "worker_peak_rss_gib": round(children, 2),
                      "kept": counts["kept"], "duplicate": counts["duplicate"], "index_mib": round(index_mb)}))


def scale(sizes: list[int], workers: int) -> list[dict]:
    results = []
    for n in sizes:
        proc = subprocess.run([sys.executable, __file__, "--scale-child", str(n), "--workers", str(workers)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"  {n:>9,} docs: failed\n{proc.stderr[-2000:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"  {n:>9,} docs: dedup {r['dedup_s']:.1f} s, {r['dedup_cpu_s']:.1f} CPU s with the workers "
              f"(generation {r['generate_s']:.1f} s), peak RSS "
              f"{r['peak_rss_gib']:.2f} GiB (workers {r['worker_peak_rss_gib']:.2f} GiB), "
              f"{r['duplicate']:,} duplicates, index {r['index_mib']} MiB")
    return results


def growth(results: list[dict]) -> list[dict]:
    """Time ratio between consecutive sizes against n log n, flagged when worse."""
    out = []
    for small, large in zip(results, results[1:]):
        ratio = large["dedup_s"] / max(small["dedup_s"], 1e-9)
        n0, n1 = small["docs"], large["docs"]
        bound = n1 * math.log(n1) / (n0 * math.log(n0))
        out.append({"from": n0, "to": n1, "time_ratio": round(ratio, 2), "n_log_n_ratio": round(bound, 2),
                    "worse_than_n_log_n": ratio > bound})
        flag = "  WORSE THAN LINEAR-TIMES-LOG" if ratio > bound else ""
        print(f"  {n0:,} -> {n1:,} docs: time x{ratio:.2f} (n log n: x{bound:.2f}){flag}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["judged", "quality", "speed", "scale"])
    parser.add_argument("--scale", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--full", action="store_true", help="also the 1M run and the 100k -> 1M time ratio")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not (SYNTH.exists() and REUTERS.exists()):
        print(f"benchmark data not found under {SHARED}: skipped")
        return
    if args.scale_child:
        scale_child(args.scale_child, args.workers)
        return
    report: dict = {"config": DedupConfig().fingerprint}
    if args.only in (None, "judged") and JUDGED.exists():
        print("judged newswire pairs (reuters21578, bench/judged/reuters_pairs.tsv):")
        report["judged"] = judged()
    if args.only in (None, "quality"):
        print("quality (reuters_neardup_synth):")
        report["quality"] = quality()
        report["seeds"] = seeds()
        if CLOUGH.exists():
            report["clough_stevenson"] = clough()
        texts = reuters_texts()
        report["reuters_groups"] = reuters_groups(texts)
        # The character check on natural newswire: what it adds is mostly
        # reports written on one template (inspected by hand), hence off by default.
        report["reuters_groups_char_check"] = reuters_groups(texts, {"char_jaccard_threshold": 0.5})
    if "judged" in report and "quality" in report:
        j, q = report["judged"]["default"], report["quality"]["default"]
        print("summary (default settings):")
        print(f"  newswire judged pairs: precision {j['all']['precision']:.3f}, recall {j['all']['recall']:.3f} "
              f"(even lines {j['even lines']['precision']:.3f} / {j['even lines']['recall']:.3f}, "
              f"odd lines {j['odd lines']['precision']:.3f} / {j['odd lines']['recall']:.3f}); by band: "
              + ", ".join(f"{k} {b['precision'] if b['precision'] is not None else '-'}/{b['recall']}"
                          for k, b in j.items() if k.startswith("J ")))
        sj = q["same_stories_joined"]
        print(f"  synthetic clusters: ARI {q['ari']:.4f}, pair precision {q['precision']:.4f}, "
              f"pair recall {q['recall']:.4f} (same stories joined: {sj['ari']:.4f}, {sj['precision']:.4f}, "
              f"{sj['recall']:.4f}); seeds {report['seeds']['articles']} -> {report['seeds']['kept']} kept")
    if args.only in (None, "speed"):
        print("signature speed (reuters21578 NORM+UNPROC, one core):")
        report["speed"] = speed(reuters_texts())
    if args.only in (None, "scale"):
        sizes = sorted(set(args.scale + ([100_000, 1_000_000] if args.full else [])))
        print(f"whole stage on generated short documents ({args.workers} workers for signatures):")
        report["scale"] = scale(sizes, args.workers)
        report["scale_growth"] = growth(report["scale"])
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"dedup-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"written {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
