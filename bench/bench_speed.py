"""Speed: worker processes, HTML per core against trafilatura, text runs, Ray.

    python bench/bench_speed.py [--full] [--repeats 3] [--only runs,per_core,ray]
                                [--out bench/out/speed.json]

Everything is measured side by side in one run of this script, alternating
the variants and taking medians, and reported as ratios: on a shared
machine absolute times drift, ratios much less. CPU seconds are those of the
whole process tree (a run, its worker server and workers), collected by
making this script the subreaper of the runs it starts.

* runs: ``pipeline run`` with ``--workers 1`` and ``--workers 2`` on the 181
  scrapinghub_aeb pages and on Reuters-21578 texts (3,000 by default, all
  21,577 with ``--full``), each into a fresh clean folder; and, on the same
  pages, a script calling ``trafilatura.extract`` with metadata, for the
  whole-process CPU per page.
* per_core: in this process, CPU seconds per page of the pipeline's
  per-document stages (extract, strip, normalize) against
  ``trafilatura.extract`` (defaults; with metadata; ``fast=True`` with
  metadata) and Resiliparse when installed.
* ray: ``--engine ray`` (2 CPUs) against the local engine, one and two
  workers, on copies of the pages (400 by default, 10,000 with ``--full``),
  and at two sizes, the size below which local is quicker; and each Ray
  run's phases (planning, identities, stages, dedup, write, commit) as its
  run report gives them.

The table is printed and written as JSON (``--out``); the figures of the
previous run (that file, or else bench/speed_results.json, committed with
the code) are shown beside the new ones. Data comes
from ../shared/data; without it the script says so and exits 0.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
PAGES = DATA / "scrapinghub_aeb" / "html"
REUTERS = DATA / "reuters21578" / "docs.jsonl"
PIPELINE = Path(sys.executable).with_name("pipeline")
COMMITTED = ROOT / "bench" / "speed_results.json"
TRAFILATURA_SCRIPT = """
import sys, trafilatura
for name in sys.argv[1:]:
    with open(name, "rb") as fh:
        trafilatura.extract(fh.read().decode("utf-8", "replace"), with_metadata=True)
"""


# -- measuring a process tree ----------------------------------------------------

def become_subreaper() -> bool:
    """Orphans of the runs (the worker server, its workers) become our
    children, so their CPU time reaches RUSAGE_CHILDREN once reaped."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap(deadline: float = 10.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def measure(cmd: list[str], env: dict | None = None) -> dict:
    """Wall and CPU seconds of a command and everything it started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, own = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        _reap()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in (0, 3):
            err.seek(0)
            raise SystemExit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}): {err.read().decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # The first process alone (reading, dedup, writing): on idle cores, a run
    # takes at least that long, and at least its total CPU over the cores.
    main = own.ru_utime + own.ru_stime
    return {"wall": wall, "cpu": cpu, "main_cpu": main}


def alternate(variants: dict, repeats: int) -> dict[str, dict]:
    """Run each variant ``repeats`` times, interleaved; medians of wall and CPU."""
    got: dict[str, list] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            got[name].append(fn())
    return {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]} | {"runs": len(runs)}
            for name, runs in got.items()}


def idle_speedup(one: dict, two: dict, cores: int = 2) -> float:
    """What two workers would gain on idle cores, from CPU times: one worker
    takes its CPU time; two take the longer of the first process's CPU and
    the total CPU spread over the cores. On a loaded machine the wall-clock
    ratio measures the scheduler's shares as much as the pool."""
    return one["cpu"] / max(two["main_cpu"], two["cpu"] / cores)


def pipeline_run(raw: Path, work: Path, *args: str):
    """A run into a clean folder of its own. Folders are deleted only once a
    section is done: on ext4 without a journal (as here), files created
    just after thousands were deleted wait while the kernel skips the
    inodes freed in the last half minute (``recently_deleted``; 40,000 files
    created took 16 s of system time instead of 1 s), which would charge one
    run for the clean-up of the one before."""
    def once() -> dict:
        clean = Path(tempfile.mkdtemp(prefix="clean_", dir=work)) / "clean"
        return measure([str(PIPELINE), "-q", "run", *args, str(raw), str(clean)]) | laps(clean)
    return once


def laps(clean: Path) -> dict[str, float]:
    """The wall seconds of each phase, as the run's report gives them
    (``lap_<phase>``; the Ray engine reports them, the local one does not)."""
    from pipeline.batch import default_state_dir
    from pipeline.report import load_reports

    reports = load_reports(default_state_dir(clean), last=1)
    seconds = (reports[0].get("stage_seconds") or {}) if reports else {}
    return {f"lap_{name[len('wall_'):]}": value for name, value in seconds.items() if name.startswith("wall_")}


# -- the sections ----------------------------------------------------------------

def _fresh(work: Path, name: str) -> Path:
    """A folder for one section; those of the sections before are deleted
    here, and the next runs wait out the kernel's half minute (see
    ``pipeline_run``)."""
    earlier = [p for p in work.iterdir() if p.is_dir()]
    for path in earlier:
        shutil.rmtree(path)
    if earlier:
        time.sleep(35)
    folder = work / name
    folder.mkdir()
    return folder


def section_runs(work: Path, repeats: int, full: bool) -> dict:
    out = {}
    html_raw = work / "html_raw"
    shutil.copytree(PAGES, html_raw)
    pages = sorted(str(p) for p in html_raw.iterdir())
    trafilatura_script = [sys.executable, "-c", TRAFILATURA_SCRIPT, *pages]
    html = alternate({
        "workers_1": pipeline_run(html_raw, work, "--workers", "1"),
        "workers_2": pipeline_run(html_raw, work, "--workers", "2"),
        "trafilatura_script": lambda: measure(trafilatura_script),
    }, repeats)
    n = len(pages)
    out["html"] = {
        "pages": n, "medians": html,
        "workers_2_speedup": html["workers_1"]["wall"] / html["workers_2"]["wall"],
        "workers_2_idle_speedup": idle_speedup(html["workers_1"], html["workers_2"]),
        "pipeline_pages_per_cpu_s": n / html["workers_1"]["cpu"],
        "trafilatura_pages_per_cpu_s": n / html["trafilatura_script"]["cpu"],
        "per_core_vs_trafilatura": html["trafilatura_script"]["cpu"] / html["workers_1"]["cpu"],
        "workers_2_cpu_overhead": html["workers_2"]["cpu"] / html["workers_1"]["cpu"],
    }
    texts_raw = work / "texts_raw"
    texts_raw.mkdir()
    count = None if full else 3000
    with open(REUTERS, encoding="utf-8") as src, open(texts_raw / "reuters.jsonl", "w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if count is not None and i >= count:
                break
            dst.write(line)
    docs = i + 1 if count is None else count
    texts = alternate({
        "workers_1": pipeline_run(texts_raw, work, "--workers", "1"),
        "workers_2": pipeline_run(texts_raw, work, "--workers", "2"),
    }, repeats)
    out["texts"] = {
        "docs": docs, "medians": texts,
        "workers_2_speedup": texts["workers_1"]["wall"] / texts["workers_2"]["wall"],
        "workers_2_idle_speedup": idle_speedup(texts["workers_1"], texts["workers_2"]),
        "workers_2_idle_docs_per_s": docs / max(texts["workers_2"]["main_cpu"], texts["workers_2"]["cpu"] / 2),
        "workers_2_docs_per_s": docs / texts["workers_2"]["wall"],
        "workers_2_docs_per_cpu_s": docs / texts["workers_2"]["cpu"],
        "workers_2_cpu_overhead": texts["workers_2"]["cpu"] / texts["workers_1"]["cpu"],
    }
    return out


def section_per_core(repeats: int) -> dict:
    import trafilatura

    from pipeline.config import PipelineConfig
    from pipeline.document import HTML, Document
    from pipeline.runner import per_document

    pages = [p.read_bytes().decode("utf-8", "replace") for p in sorted(PAGES.iterdir())]
    chain = per_document(PipelineConfig())
    docs = [Document(id=str(i), source=f"{i}.html", kind=HTML, content=page) for i, page in enumerate(pages)]
    variants = {
        "pipeline": lambda: [chain.finish(doc) for doc in docs],
        "trafilatura_defaults": lambda: [trafilatura.extract(page) for page in pages],
        "trafilatura_metadata": lambda: [trafilatura.extract(page, with_metadata=True) for page in pages],
        "trafilatura_fast_metadata": lambda: [trafilatura.extract(page, with_metadata=True, fast=True)
                                              for page in pages],
    }
    try:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        variants["resiliparse"] = lambda: [extract_plain_text(HTMLTree.parse(page), main_content=True)
                                           for page in pages]
    except ImportError:
        print("resiliparse not installed: left out (pip install resiliparse)", file=sys.stderr)
    variants["pipeline"]()  # warm up: imports, models, caches
    seconds: dict[str, list] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            start = time.process_time()
            fn()
            seconds[name].append(time.process_time() - start)
    rate = {name: len(pages) / statistics.median(values) for name, values in seconds.items()}
    return {"pages": len(pages), "pages_per_cpu_s": rate,
            "pipeline_vs_trafilatura_metadata": rate["pipeline"] / rate["trafilatura_metadata"]}


def section_ray(work: Path, full: bool) -> dict:
    try:
        import ray  # noqa: F401
    except ImportError:
        return {"skipped": "ray not installed"}
    sizes = [181, 10_000] if full else [181, 400]
    out = {"sizes": {}}
    sources = sorted(PAGES.iterdir())
    for size in sizes:
        raw = work / f"ray_raw_{size}"
        raw.mkdir()
        for k in range(size):
            page = sources[k % len(sources)].read_bytes()
            # Distinct bytes, so every copy is read and extracted.
            (raw / f"{k:05d}.html").write_bytes(page + f"\n<!-- copy {k} -->\n".encode())
        got = alternate({
            "local_1": pipeline_run(raw, work, "--workers", "1"),
            "local_2": pipeline_run(raw, work, "--workers", "2"),
            "ray_2cpus": pipeline_run(raw, work, "--engine", "ray"),
        }, 1)
        out["sizes"][size] = {
            "medians": got,
            "ray_vs_local_1": got["local_1"]["wall"] / got["ray_2cpus"]["wall"],
            "ray_vs_local_2": got["local_2"]["wall"] / got["ray_2cpus"]["wall"],
        }
        shutil.rmtree(raw)
    # wall = fixed + size * per_page, for each engine; where they cross.
    (small, large) = sizes
    def line(name):
        a, b = (out["sizes"][s]["medians"][name]["wall"] for s in sizes)
        per = (b - a) / (large - small)
        return a - per * small, per
    local_fixed, local_per = line("local_1")
    ray_fixed, ray_per = line("ray_2cpus")
    if local_per > ray_per:
        out["local_faster_below_pages"] = round((ray_fixed - local_fixed) / (local_per - ray_per))
    return out


# -- the table --------------------------------------------------------------------

def rows(results: dict) -> list[tuple[str, float | None, str]]:
    """(what, value, target) of each headline figure."""
    out = []
    runs = results.get("runs", {})
    if "html" in runs:
        h = runs["html"]
        out += [(f"HTML {h['pages']} pages: --workers 2 vs 1, wall", h["workers_2_speedup"], ">= 1.8x"),
                ("HTML: --workers 2 vs 1 on idle cores, from CPU times", h["workers_2_idle_speedup"], ">= 1.8x"),
                ("HTML: pipeline run vs trafilatura.extract+metadata script, CPU per page",
                 h["per_core_vs_trafilatura"], ">= 1.0x"),
                ("HTML: pipeline run pages per CPU second", h["pipeline_pages_per_cpu_s"], ""),
                ("HTML: trafilatura script pages per CPU second", h["trafilatura_pages_per_cpu_s"], ""),
                ("HTML: CPU of --workers 2 / --workers 1", h["workers_2_cpu_overhead"], "")]
    if "texts" in runs:
        t = runs["texts"]
        out += [(f"texts {t['docs']} Reuters: --workers 2 vs 1, wall", t["workers_2_speedup"], ">= 1.8x"),
                ("texts: --workers 2 vs 1 on idle cores, from CPU times", t["workers_2_idle_speedup"], ">= 1.8x"),
                ("texts: --workers 2 docs/s, whole run (wall)", t["workers_2_docs_per_s"], ">= 2000"),
                ("texts: --workers 2 docs/s on idle cores, from CPU times", t["workers_2_idle_docs_per_s"], ">= 2000"),
                ("texts: docs per CPU second, --workers 2", t["workers_2_docs_per_cpu_s"], ""),
                ("texts: CPU of --workers 2 / --workers 1", t["workers_2_cpu_overhead"], "")]
    per_core = results.get("per_core")
    if per_core:
        for name, rate in per_core["pages_per_cpu_s"].items():
            out.append((f"per core, in process: {name}, pages/CPU s", rate, ""))
        out.append(("per core: pipeline stages vs trafilatura.extract+metadata",
                    per_core["pipeline_vs_trafilatura_metadata"], ">= 1.0x"))
    ray = results.get("ray", {})
    for size, got in ray.get("sizes", {}).items():
        out.append((f"Ray 2 CPUs vs local --workers 1, {size} pages, wall", got["ray_vs_local_1"], ">= 1.6x at 10k"))
        out.append((f"Ray 2 CPUs vs local --workers 2, {size} pages, wall", got["ray_vs_local_2"], ""))
        ray_run = got["medians"]["ray_2cpus"]
        for name in sorted(key for key in ray_run if key.startswith("lap_")):
            out.append((f"Ray {size} pages: {name[len('lap_'):]} phase, s", ray_run[name], ""))
    if "local_faster_below_pages" in ray:
        out.append(("local (1 worker) quicker than Ray below, pages", ray["local_faster_below_pages"], ""))
    return out


def print_table(results: dict, previous: dict | None) -> None:
    before = {what: value for what, value, _ in rows(previous)} if previous else {}
    print(f"{'what':78s} {'now':>9s} {'before':>9s}  target")
    for what, value, target in rows(results):
        old = before.get(what)
        old_text = f"{old:9.2f}" if isinstance(old, (int, float)) else f"{'':9s}"
        print(f"{what:78s} {value:9.2f} {old_text}  {target}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", default=os.environ.get("BENCH_FULL") == "1",
                        help="all Reuters texts and 10,000 pages for Ray (also BENCH_FULL=1)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="runs,per_core,ray", help="sections, comma-separated")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "speed.json")
    args = parser.parse_args()
    if not PAGES.is_dir() or not REUTERS.is_file():
        print(f"bench_speed: no benchmark data under {DATA}; skipped")
        return 0
    if not become_subreaper():
        print("bench_speed: cannot collect the CPU time of worker processes here; CPU figures are low",
              file=sys.stderr)
    only = set(args.only.split(","))
    results: dict = {"machine_cores": os.cpu_count(), "full": args.full, "repeats": args.repeats,
                     "load_average_at_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="bench_speed_") as tmp:
        work = Path(tmp)
        if "runs" in only:
            results["runs"] = section_runs(_fresh(work, "runs"), args.repeats, args.full)
        if "per_core" in only:
            results["per_core"] = section_per_core(max(args.repeats - 1, 1))
        if "ray" in only:
            results["ray"] = section_ray(_fresh(work, "ray"), args.full)
    results["load_average_at_end"] = os.getloadavg()[0]
    # The last run here, or else the figures committed with the code.
    earlier = args.out if args.out.is_file() else COMMITTED
    previous = json.loads(earlier.read_text()) if earlier.is_file() else None
    print_table(results, previous)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
