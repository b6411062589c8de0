#!/usr/bin/env python3
"""Text-input benchmark: strip + normalize on text dumps of pages and on plain newswire.

    .venv/bin/python bench/bench_text.py [--limit N] [--no-cv] [--folds K] [--json OUT]

* wcxb_dev text dumps (rendered with ../shared/bench/render_text.py, cached
  under bench/out/): mean bag-of-words F1 per page (score_wcxb.py's metric),
  per page type, with/without snippet rates, and exact-match rates of the
  title, author and date the strip stage puts into the metadata.
* scrapinghub_aeb text dumps: the Scrapinghub word 4-gram F1.
* reuters21578 as text input: share of documents left empty, and share of
  their words kept (in the text or, for the headline, in the title).

Each dataset is scored with the shipped line model, with the rules alone and
keeping everything. The shipped model is trained on pages of both dump
sets, so those rows say little about unseen pages: the "grouped CV" rows
do. Pages are put in folds by domain over wcxb_dev + scrapinghub_aeb; each
fold is scored by a model trained on the other folds only, and the "train on
the other dataset" rows train without any page of the scored dataset's
domains. Reuters was never used for training or tuning.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import strip_data as sd  # noqa: E402
import text_data as td  # noqa: E402
from pipeline.document import EMPTY, Document  # noqa: E402
from pipeline.normalize import Normalize  # noqa: E402
from pipeline.strip import Strip, StripConfig  # noqa: E402
from pipeline.strip.score import corpus_score  # noqa: E402

_TOK = re.compile(r"\w+")


def run_text(strip: Strip, texts: dict[str, str]) -> dict[str, Document]:
    """Text input through strip and normalize, as `pipeline run` treats a .txt file."""
    norm = Normalize()
    out = {}
    for pid, text in texts.items():
        doc = Document(id=pid, source=f"{pid}.txt", content=text)
        out[pid] = norm.safe_process(strip.safe_process(doc))
    return out


# -- wcxb_dev ----------------------------------------------------------------
def toks(text) -> list[str]:
    return _TOK.findall((text or "").lower())


def meta_match(key: str, got, gold) -> bool:
    if key == "date":
        return (got or "")[:10] == str(gold)[:10]
    return toks(got) == toks(gold)


def score_wcxb(gold: dict, docs: dict[str, Document], scorer) -> dict:
    rows = []
    meta = Counter()
    for pid, doc in docs.items():
        g = gold[pid]
        text = doc.text
        p, r, f = scorer.f1(text, g.get("text") or "")
        rows.append({"type": g["page_type"], "p": p, "r": r, "f1": f,
                     "w": scorer.snip(text, g.get("with")), "wo": scorer.snip(text, g.get("without")),
                     "empty": doc.status == EMPTY})
        for key in ("title", "author", "date"):
            if g.get(key):
                meta[key + "_n"] += 1
                meta[key + "_ok"] += meta_match(key, doc.meta.get(key), g[key])
            elif doc.meta.get(key):
                meta[key + "_spurious"] += 1

    def agg(rs):
        n = len(rs) or 1
        ws = [x["w"] for x in rs if x["w"] is not None]
        wos = [x["wo"] for x in rs if x["wo"] is not None]
        return {"n": len(rs), "f1": sum(x["f1"] for x in rs) / n, "p": sum(x["p"] for x in rs) / n,
                "r": sum(x["r"] for x in rs) / n, "with": sum(ws) / max(1, len(ws)),
                "without": sum(wos) / max(1, len(wos)), "empty": sum(x["empty"] for x in rs)}

    by_type = defaultdict(list)
    for x in rows:
        by_type[x["type"]].append(x)
    out = {"all": agg(rows), "types": {t: agg(rs) for t, rs in sorted(by_type.items())}}
    out["meta"] = {k: meta[k + "_ok"] / meta[k + "_n"] for k in ("title", "author", "date") if meta[k + "_n"]}
    out["meta_spurious"] = {k: meta[k + "_spurious"] for k in ("title", "author", "date")}
    return out


# -- scrapinghub ---------------------------------------------------------------
def score_sh(gold: dict, docs: dict[str, Document]) -> dict:
    s = corpus_score((gold[pid]["text"], d.text) for pid, d in docs.items())
    s["empty"] = sum(d.status == EMPTY for d in docs.values())
    return s


# -- reuters -------------------------------------------------------------------
_SIGNOFF = re.compile(r"\s*\bReuter\s*$")


def reuters_words(text: str) -> Counter:
    return Counter(toks(_SIGNOFF.sub("", text)))


def score_reuters(docs: list[dict], out: dict[str, Document]) -> dict:
    empty = kept_words = total_words = body_kept = body_total = 0
    short_docs = 0
    title_n = title_ok = 0
    reasons = Counter()
    for d in docs:
        doc = out[d["id"]]
        if doc.status == EMPTY:
            empty += 1
            reasons[doc.reason] += 1
            continue
        src = reuters_words(d["text"])
        got = Counter(toks(doc.text)) + Counter(toks(doc.meta.get("title")))
        k = sum((src & got).values())
        n = sum(src.values())
        kept_words += k
        total_words += n
        short_docs += n and k / n < 0.99
        body = d["text"].split("\n\n", 1)[1] if d.get("title") and "\n\n" in d["text"] else d["text"]
        bsrc = reuters_words(body)
        body_kept += sum((bsrc & Counter(toks(doc.text))).values())
        body_total += sum(bsrc.values())
        if d.get("title") and d["type"] == "NORM":
            title_n += 1
            title_ok += toks(doc.meta.get("title")) == toks(d["title"])
    n = len(docs)
    return {"n": n, "empty": empty, "empty_share": empty / n if n else 0.0,
            "words_kept": kept_words / total_words if total_words else 0.0,
            "body_words_kept": body_kept / body_total if body_total else 0.0,
            "docs_under_99": short_docs, "title_exact": title_ok / title_n if title_n else 0.0,
            "empty_reasons": dict(reasons)}


# -- grouped cross-validation ---------------------------------------------------
def cv_rows(data: dict, folds: int, trees: int, cap: int, rate: float = 0.0, other: bool = True,
            balance: bool = False) -> dict:
    """Scores of pages never seen in training, by domain folds and by dataset.

    Each page is cut into units and its features computed once; every fold
    trains on the other folds' pages and scores its own through the stage's
    own decision code (``Strip.decide``), then normalize."""
    import train_meta as tm
    import train_strip as ts
    from pipeline.strip.stage import TEXT_META

    if rate:
        ts.TREE_OPTIONS["rate"] = rate
    cap = cap or ts.CAP
    strip = Strip()
    norm = Normalize()
    pages = {}  # (dataset, page id) -> (domain, units, inputs, training row)
    for name in ("wcxb", "sh", "sh_other"):
        if name not in data:
            continue
        d = data[name] if name != "sh_other" else {"texts": data["sh_other"], **{
            k: data["sh"][k] for k in ("gold", "domain")}}
        for pid, text in d["texts"].items():
            page = ts.dump_page(strip, text, d["gold"][pid]["text"] or "", cap=cap, seed=len(pages))
            if page is None:
                continue
            page[2]["metric"] = ts.METRIC[name]
            page[2]["set"] = "sh" if name == "sh_other" else name
            pages[(name, pid)] = (d["domain"][pid], *page)

    def rankers_for(model, keys):
        """Metadata rankers trained on the wcxb_dev pages among ``keys``, judged
        by ``model`` (scrapinghub_aeb has no gold metadata: none without them)."""
        train = [k for k in keys if k[0] == "wcxb"]
        if not train:
            return {}
        cands = [tm.page_candidates(strip, pages[k][1], model, pages[k][2]) for k in train]
        gold = data["wcxb"]["gold"]
        return tm.fit_rankers([(c, gold[k[1]]) for c, k in zip(cands, train)], [pages[k][0] for k in train],
                              log=lambda *a: None)

    def score_with(model, keys, rankers):
        judge = Strip(model=model, rankers=rankers)
        out = {}
        for key in keys:
            _, units, inputs, _ = pages[key]
            kept, removed, meta = judge.decide(units, judge.model_scores(units, model, inputs), want_meta=TEXT_META)
            doc = Document(id=key[1], source=f"{key[1]}.txt", content=kept, removed=removed).with_meta(**meta)
            out[key] = norm.safe_process(doc if kept.strip() else doc.mark_empty("no main text"))
        return out

    def train(keys):
        return ts.train_rows([pages[k][3] for k in keys], [pages[k][0] for k in keys], trees=trees,
                             balance=balance)

    scored = [k for k in pages if k[0] in ("wcxb", "sh")]
    results, cv_out = {}, {}
    t0 = time.perf_counter()
    for f in range(folds):
        test = [k for k in scored if td.fold_of(pages[k][0], folds) == f]
        test_domains = {pages[k][0] for k in test}
        keys = [k for k in pages if pages[k][0] not in test_domains]
        model = train(keys)
        cv_out.update(score_with(model, test, rankers_for(model, keys)))
        print(f"  fold {f + 1}/{folds} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    for name in ("wcxb", "sh"):
        if name not in data:
            continue
        results[(name, f"grouped CV, {folds} folds by domain")] = {
            pid: doc for (ds, pid), doc in cv_out.items() if ds == name}
        mine = [k for k in scored if k[0] == name]
        domains = {pages[k][0] for k in mine}
        others = [k for k in pages if not k[0].startswith(name) and pages[k][0] not in domains]
        if others and other:
            model = train(others)
            out = score_with(model, mine, rankers_for(model, others))
            results[(name, "trained on the other dataset only")] = {pid: d for (ds, pid), d in out.items()}
            print(f"  {name} scored by a model of the other dataset ({time.perf_counter() - t0:.0f} s)",
                  file=sys.stderr)
    return results


def trafilatura_reference(texts: dict) -> dict[str, Document]:
    """trafilatura.extract (defaults, with metadata) on the same pages' HTML,
    as bench_wcxb.py caches it: the reference for the metadata columns."""
    try:
        import bench_wcxb as bw
    except ImportError:
        return {}
    rows = [{"id": pid} for pid in texts]
    got = bw.trafilatura_outputs(bw.WCXB, rows, "defaults")
    return {pid: Document(id=pid, source="", content=v.get("text") or "").with_meta(
        **{k: v[k] for k in ("title", "author", "date") if v.get(k)}) for pid, v in got.items()}


# -- report ------------------------------------------------------------------------
def fmt_wcxb(label: str, s: dict) -> list[str]:
    a = s["all"]
    m = s["meta"]
    lines = [f"| {label} | {a['f1']:.3f} | {a['p']:.3f} | {a['r']:.3f} | {a['with']:.3f} | "
             f"{a['without']:.3f} | {a['empty']} | {m.get('title', 0):.3f} | {m.get('author', 0):.3f} | "
             f"{m.get('date', 0):.3f} | "
             + " | ".join(f"{s['types'][t]['f1']:.3f}" for t in sorted(s["types"])) + " |"]
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="first N pages/documents of each set (quick runs)")
    ap.add_argument("--no-cv", action="store_true", help="skip the grouped cross-validation rows")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--trees", type=int, default=0, help="trees per model in CV (default: as shipped)")
    ap.add_argument("--rate", type=float, default=0.0, help="learning rate of the trees in CV (default: as shipped)")
    ap.add_argument("--cap", type=int, default=0, help="units of a page used for training, at most (default: as shipped)")
    ap.add_argument("--unbalanced", action="store_true",
                    help="CV: train with every page weighing the same (by default, every dataset does, as shipped)")
    ap.add_argument("--cv-only", action="store_true", help="only the grouped CV rows (no shipped-model rows)")
    ap.add_argument("--folds-only", action="store_true", help="CV: the domain folds only, not the other-dataset rows")
    ap.add_argument("--sets", default="wcxb,sh,reuters")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    sets = set(args.sets.split(","))
    data: dict = {}
    texts = td.wcxb_dumps() if "wcxb" in sets and td.wcxb_available() else {}
    if texts:
        gold = td.wcxb_gold()
        if args.limit:
            texts = dict(list(texts.items())[:args.limit])
        data["wcxb"] = {"gold": gold, "texts": texts,
                        "domain": {pid: gold[pid].get("domain") or td.domain_of(gold[pid]["url"]) for pid in texts}}
    if "sh" in sets and sd.available():
        gold = td.sh_gold()
        texts = sd.text_dumps()
        if args.limit:
            texts = dict(list(texts.items())[:args.limit])
        data["sh"] = {"gold": gold, "texts": texts, "domain": {pid: td.domain_of(gold[pid]["url"]) for pid in texts}}
        other = sd.other_style_dumps()
        data["sh_other"] = {pid: t for pid, t in other.items() if pid in texts}
    reuters = td.reuters_docs() if "reuters" in sets else []
    if args.limit:
        reuters = reuters[:args.limit * 10]
    if not data and not reuters:
        print(f"benchmark data not found under {sd.DATA}; skipping")
        return 0

    variants = {} if args.cv_only else {"shipped model": Strip(), "rules alone": Strip(StripConfig(use_model=False))}
    results: dict = {}
    timing = {}
    for name in ("wcxb", "sh"):
        if name not in data:
            continue
        d = data[name]
        if args.cv_only:
            continue
        results[(name, "keep everything")] = {pid: Document(id=pid, source="", content=t) for pid, t in d["texts"].items()}
        for label, strip in variants.items():
            t0 = time.perf_counter()
            results[(name, label)] = run_text(strip, d["texts"])
            timing[(name, label)] = len(d["texts"]) / (time.perf_counter() - t0)
    if "wcxb" in data and not args.cv_only:
        reference = trafilatura_reference(data["wcxb"]["texts"])
        if reference:
            results[("wcxb", "trafilatura on the HTML pages (reference)")] = reference
    # With one set only, its folds train on that set alone.
    if not args.no_cv and ("wcxb" in data or "sh" in data):
        results.update(cv_rows(data, args.folds, args.trees, args.cap, args.rate, not args.folds_only,
                               balance=not args.unbalanced))

    report: dict = {}
    if "wcxb" in data:
        scorer = td.wcxb_scorer()
        types = sorted({g["page_type"] for g in data["wcxb"]["gold"].values()})
        print(f"\nwcxb_dev text dumps ({len(data['wcxb']['texts'])} pages): mean bag-of-words F1 per page; "
              "metadata exact match")
        print("| method | F1 | P | R | with | without | empty | title | author | date | "
              + " | ".join(types) + " |")
        print("|---" * (10 + len(types)) + "|")
        for (name, label), docs in results.items():
            if name == "wcxb":
                s = score_wcxb(data["wcxb"]["gold"], docs, scorer)
                report[f"wcxb/{label}"] = s
                print("\n".join(fmt_wcxb(label, s)))
    if "sh" in data:
        print(f"\nscrapinghub_aeb text dumps ({len(data['sh']['texts'])} pages): word 4-gram F1")
        print("| method | F1 | P | R | empty |")
        print("|---|---|---|---|---|")
        for (name, label), docs in results.items():
            if name == "sh":
                s = score_sh(data["sh"]["gold"], docs)
                report[f"sh/{label}"] = s
                print(f"| {label} | {s['f1']:.3f} | {s['precision']:.3f} | {s['recall']:.3f} | {s['empty']} |")
    if reuters:
        print(f"\nreuters21578 as text input ({len(reuters)} documents; never used for training or tuning)")
        print("| method | empty | empty share | words kept (text + title) | body words kept in text | "
              "docs under 99% | headline = title |")
        print("|---|---|---|---|---|---|---|")
        texts = {d["id"]: d["text"] for d in reuters}
        for label, strip in variants.items():
            t0 = time.perf_counter()
            out = run_text(strip, texts)
            timing[("reuters", label)] = len(texts) / (time.perf_counter() - t0)
            s = score_reuters(reuters, out)
            report[f"reuters/{label}"] = s
            print(f"| {label} | {s['empty']} | {s['empty_share']:.2%} | {s['words_kept']:.2%} | "
                  f"{s['body_words_kept']:.2%} | {s['docs_under_99']} | {s['title_exact']:.3f} |")
    print("\n| set | method | documents/s (strip + normalize) |")
    print("|---|---|---|")
    for (name, label), v in timing.items():
        print(f"| {name} | {label} | {v:.0f} |")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
