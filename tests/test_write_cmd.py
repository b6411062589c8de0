"""The write command and the signals: the run lock, undecided records, Ctrl-C, file modes.

Each of these is a promise of the command line, so the tests start the real
command in a subprocess.
"""
from __future__ import annotations

import json
import re
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from pipeline.batch import STATE_LOCK
from pipeline.lock import FileLock

ROOT = Path(__file__).resolve().parents[1]


def pipeline(*args: str, umask: int | None = None, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, env=env,
                          preexec_fn=preexec, **kwargs)


def record(doc_id: str, status: str, text: str = "") -> str:
    return json.dumps({"id": doc_id, "source": f"{doc_id}.txt", "kind": "text", "content": text,
                       "status": status})


def test_write_waits_for_the_run_lock_and_leaves_the_folder_alone(tmp_path):
    clean = tmp_path / "clean"
    records = tmp_path / "records.jsonl"
    records.write_text(record("a1", "kept", "A kept text.") + "\n")
    lock = FileLock(clean / ".state" / STATE_LOCK)
    lock.acquire()
    try:
        out = pipeline("write", str(clean), str(records))
    finally:
        lock.release()
    assert out.returncode == 4 and "locked" in out.stderr
    assert not (clean / "manifest.jsonl").exists() and not (clean / "a1.txt").exists()
    assert pipeline("write", str(clean), str(records)).returncode == 0
    assert (clean / "a1.txt").read_text() == "A kept text.\n"


def test_write_refuses_records_still_pending_and_writes_nothing(tmp_path):
    clean = tmp_path / "clean"
    records = tmp_path / "records.jsonl"
    records.write_text(record("a1", "kept", "A kept text.") + "\n" + record("b2", "pending", "Not deduplicated.") + "\n")
    out = pipeline("write", str(clean), str(records))
    assert out.returncode == 1
    assert "not decided" in out.stderr and "'pending'" in out.stderr and "Traceback" not in out.stderr
    assert not (clean / "manifest.jsonl").exists() and not (clean / "a1.txt").exists()


def test_outputs_follow_the_umask(tmp_path):
    clean = tmp_path / "clean"
    records = tmp_path / "records.jsonl"
    records.write_text(record("a1", "kept", "A kept text.") + "\n")
    assert pipeline("write", str(clean), str(records), umask=0o022).returncode == 0
    for path in (clean / "a1.txt", clean / "manifest.jsonl"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    other = tmp_path / "private"
    assert pipeline("write", str(other), str(records), umask=0o077).returncode == 0
    assert stat.S_IMODE((other / "manifest.jsonl").stat().st_mode) == 0o600


def test_ctrl_c_exits_130_and_the_run_is_reported_interrupted(tmp_path):
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    page = "<html><body>" + "".join(f"<p>Paragraph {i} of a long story about the quay.</p>" for i in range(200))
    for i in range(400):
        (raw / f"page{i:03d}.html").write_text(page + f"<p>Page {i}.</p></body></html>", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--progress-every", "0.1", "run", str(raw), str(clean)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            # As from a shell: Ctrl-C at its default, whatever this test
                            # process was left with by the tests before it.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    runs = clean / ".state" / "runs"
    # Ctrl-C once documents are going through the worker pool: the first
    # progress line that counts one.
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if re.search(r"[1-9]\d* documents", line):
            break
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=120)
    err = "".join(seen) + rest
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Aborted" not in err and "Traceback" not in err
    (report,) = [json.loads(p.read_text()) for p in runs.glob("*.json")]
    assert report["outcome"] == "interrupted" and report["exit_code"] == 130
    assert not (clean / "manifest.jsonl").exists()
