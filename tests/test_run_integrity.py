"""Issue 8, points 3–5: nothing lost, nothing half-written; reproducible; hostile content inert.

Faults injected, and what must be seen:

* **SIGKILL at every step of a run** (``EVALSTATS_TEST_PAUSE``, see :mod:`evalstats.run.runner`):
the
  published folder is always a whole report — the previous one or the new one, every file
  of its manifest present with its sha256 and nothing else — or, only on systems without
  ``renameat2`` (forced here), briefly absent with the previous report whole beside it.
  What a killed run leaves in ``.staging`` is never verified as a report and is settled by
  the next run, even by a run that then fails.
* **Read-only inputs** all the while (``chmod``; as root, where modes do not stop writes,
  ``chattr +i``, which stops root too): every run — published, killed, refused, failed —
  leaves the input files' hashes unchanged.
* **Two runs of different cycles at once** both publish; a run of the **same pair** meanwhile
  is refused with the lock file and the holder's pid, exit 2.
* **Full disk, read-only output, a file held open by Excel/WPS** (simulated in-process):
  exit 2, one clear line, no traceback, the published report untouched, staging empty.
* **Different ``PYTHONHASHSEED``**: both analyses give byte-identical tables,
  ``summary.json`` and workbook.
* **Hostile comments** through ``evalstats run``: inert in CSV, XLSX and HTML, and the
  manifest counts exactly the cells planted.

The kill and concurrency runs are children of a fork server (``tests/fixtures/
run_server.py``) that imports evalstats once; each child runs ``evalstats.run.cli.main`` as the
console script does and is killed with SIGKILL.  Runs whose notebook does not matter use a
stand-in for the notebook step (no kernel); the failing and the last run of the kill test,
and both concurrent runs, execute the fixture notebook in a real kernel.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from evalstats.present import report as reportmod
from evalstats.present.report.safety import CONTROL_CHARS
from evalstats.run import publish
from evalstats.run import runner as runmod
from evalstats.run.cli import main
from evalstats.run.runner import run as run_step

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE = FIXTURES / "run_fixture.ipynb"
HOSTILE_NB = FIXTURES / "hostile_fixture.ipynb"
DEMO = ROOT / "data" / "raw"
PAUSE = runmod.TEST_PAUSE_ENV

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="fork, SIGKILL and renameat2: Linux"
)

_spec = importlib.util.spec_from_file_location("run_server", FIXTURES / "run_server.py")
run_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_server)


def first_runner_line(log) -> str:
    """The first line the runner wrote to ``log`` (``evalstats: ...``)."""
    lines = log.read_text("utf-8").splitlines()
    return next((ln for ln in lines if ln.startswith("evalstats")), "")


fake_execute = run_server.fake_execute
no_early_kernel = run_server.no_early_kernel
REAL_EXECUTE = run_step.run_notebook


# ---------------------------------------------------------------------- helpers
def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def whole_report(folder: Path) -> str:
    """The run id of ``folder`` after checking it is a whole report: every output of its
    manifest present with its sha256, and no other file."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    listed = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    found = tree_hashes(folder)
    del found["manifest.json"]
    assert found == listed, f"{folder} is not a whole report"
    return manifest["run_id"]


def copy_demo(dest: Path, cycles=("2026H1", "2026A")) -> Path:
    raw = dest / "raw"
    for c in cycles:
        shutil.copytree(DEMO / c, raw / c)
    return raw


@contextlib.contextmanager
def read_only(folder: Path, *, required: bool = True):
    """Make ``folder`` and everything in it read-only for the duration; yield whether the
    operating system enforces it.

    Modes (``chmod``) stop a normal user; root ignores them, so as root the files and
    folders are also made immutable (``chattr +i``), which stops root from writing,
    creating, renaming or deleting there.  When neither holds (root without ``chattr``),
    the test is skipped if ``required``, else it goes on with the modes only.
    """
    paths = [*sorted(folder.rglob("*"), reverse=True), folder]
    for p in paths:
        p.chmod(0o555 if p.is_dir() else 0o444)
    immutable = False
    enforced = os.geteuid() != 0
    try:
        if not enforced:
            chattr = shutil.which("chattr")
            done = chattr and subprocess.run([chattr, "+i", *map(str, paths)], capture_output=True)
            immutable = enforced = bool(done) and done.returncode == 0
        if not enforced and required:
            pytest.skip("as root, a read-only folder needs chattr +i, unavailable here")
        if enforced:  # the proof that it is read-only
            with pytest.raises(OSError):
                (folder / "probe.txt").write_text("x")
            with pytest.raises(OSError), open(next(p for p in paths if p.is_file()), "ab"):
                pass
        yield enforced
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
        for p in paths:
            p.chmod(0o755 if p.is_dir() else 0o644)


class Server:
    """Client of the fork server (see ``tests/fixtures/run_server.py``)."""

    def __init__(self):
        env = dict(os.environ)
        env.pop(PAUSE, None)
        self.proc = subprocess.Popen(
            [sys.executable, str(FIXTURES / "run_server.py")],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.running: set[int] = set()
        assert "ready" in self._reply()

    def _reply(self) -> dict:
        line = self.proc.stdout.readline()
        assert line, "the fork server died"
        return json.loads(line)

    def _send(self, **req) -> dict:
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        return self._reply()

    def start(self, argv, log: Path, *, env=None, fake=False, no_exchange=False) -> int:
        req = {"op": "run", "argv": argv, "log": str(log), "env": env or {}, "fake": fake}
        pid = self._send(**req, no_exchange=no_exchange)["pid"]
        self.running.add(pid)
        return pid

    def wait(self, pid: int) -> int:
        code = self._send(op="wait", pid=pid)["code"]
        self.running.discard(pid)
        return code

    def run(self, argv, log: Path, **kw) -> int:
        return self.wait(self.start(argv, log, **kw))

    def close(self):
        for pid in self.running:  # runs left paused by a failed test
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def wait_for(log: Path, text: str, pid: int, *, timeout: float = 60.0) -> None:
    """Wait until ``text`` appears in ``log`` (the child ``pid`` must still be alive)."""
    deadline = time.monotonic() + timeout
    while True:
        if log.exists() and text in log.read_text("utf-8", errors="replace"):
            return
        state = Path(f"/proc/{pid}/stat")
        alive = state.exists() and state.read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
        assert alive, f"the run ended before {text!r}:\n{log.read_text('utf-8')[-2000:]}"
        assert time.monotonic() < deadline, f"no {text!r} in {timeout} s"
        time.sleep(0.02)


def verify_exit(folder: Path, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["verify", str(folder)])
    got = capsys.readouterr()
    return code, got.out, got.err


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Both demo cycles in a read-only (as root: immutable) folder, and their hashes."""
    raw = copy_demo(tmp_path_factory.mktemp("ro"))
    hashes = tree_hashes(raw)
    with read_only(raw, required=False):  # the kill and concurrency tests run regardless
        yield raw, hashes
    assert tree_hashes(raw) == hashes


def argv_for(data: Path, out: Path, cycle: str = "2026H1", *extra: str) -> list[str]:
    return [
        "run",
        "half-year",
        "--cycle",
        cycle,
        "--data",
        str(data),
        "--out",
        str(out),
        "--notebook",
        str(FIXTURE),
        "--no-progress",
        *extra,
    ]


# ---------------------------------------------------------------------- the kill test
BEFORE_SWAP = ("locked", "staged", "executed", "rendered", "manifest", "marked")
"""Kill points at which the published report is still the previous one."""
AFTER_SWAP = ("exchanged", "published")
"""Kill points at which the new report is published."""


def test_killed_at_every_step_a_whole_report_and_the_next_run_cleans_up(
    server, data, tmp_path, capsys
):
    raw, inputs = data
    out = tmp_path / "reports"
    target = out / "2026H1" / "half-year"
    staging = out / ".staging"
    argv = argv_for(raw, out)

    # a first report
    log = tmp_path / "first.log"
    assert server.run(argv, log, fake=True) == 0, log.read_text("utf-8")
    current = whole_report(target)
    published = [current]
    leftovers = {}
    for step in (*BEFORE_SWAP, *AFTER_SWAP):
        log = tmp_path / f"{step}.log"
        pid = server.start(argv, log, env={PAUSE: step}, fake=True)
        wait_for(log, f"evalstats-test: paused at {step}", pid)
        os.kill(pid, signal.SIGKILL)
        assert server.wait(pid) == -signal.SIGKILL
        # the published folder is a whole report: the previous one, or the new one
        now = whole_report(target)
        if step in AFTER_SWAP:
            assert now not in published
            published.append(now)
            current = now
        else:
            assert now == current, step
        entries = sorted(staging.iterdir())
        leftovers[step] = [("marker" if p.suffix == ".publish" else "folder") for p in entries]
        for p in entries:
            # earlier leftovers were settled by this run before it was killed
            assert p.name.removesuffix(".publish").startswith("2026H1-half-year-")
            if p.is_dir():  # never taken for a report, even a whole one
                code, _, err = verify_exit(p, capsys)
                assert code == 2 and "is a staging folder of a run that has not published" in err
        if step == "exchanged":  # the old report, swapped out whole, waits in staging
            folder = next(p for p in entries if p.is_dir())
            assert whole_report(folder) == published[-2]
    assert leftovers == {
        "locked": [],
        "staged": ["folder"],
        "executed": ["folder"],
        "rendered": ["folder"],
        "manifest": ["folder"],
        "marked": ["folder", "marker"],
        "exchanged": ["folder", "marker"],
        "published": ["marker"],
    }

    # without renameat2 (Windows, macOS): killed between the two renames
    log = tmp_path / "between.log"
    pid = server.start(argv, log, env={PAUSE: "between-renames"}, fake=True, no_exchange=True)
    wait_for(log, "evalstats-test: paused at between-renames", pid)
    os.kill(pid, signal.SIGKILL)
    assert server.wait(pid) == -signal.SIGKILL
    assert not target.exists()  # the documented window of the two renames
    kept = sorted(target.parent.glob("half-year.previous-*"), key=lambda p: p.stat().st_mtime)
    assert whole_report(kept[-1]) == current
    [staged] = [p for p in staging.iterdir() if p.is_dir()]
    assert staged.with_name(staged.name + ".publish").exists()
    unpublished = whole_report(staged)

    # a usage error changes nothing (it stops before the lock)
    log = tmp_path / "usage.log"
    # (the kernel started before the plan may print on a fresh machine, e.g. matplotlib
    # building its font cache: the runner's own first line is the error)
    assert server.run([*argv, "-p", "colour=red", "--lang", "en"], log) == 2
    assert first_runner_line(log).startswith(
        "evalstats: run_fixture.ipynb does not declare the parameter(s) 'colour'"
    )
    assert server.run([*argv, "-p", "colour=red"], log) == 2
    assert first_runner_line(log).startswith("evalstats: run_fixture.ipynb 没有声明参数 'colour'")
    assert "Traceback" not in log.read_text("utf-8")
    assert not target.exists()

    # a failing notebook (real kernel): it first finishes the interrupted publication,
    # then fails and leaves that report as it is
    log = tmp_path / "failed.log"
    assert server.run([*argv, "-p", "fail=true"], log) == 3
    assert "RuntimeError: fixture failure requested" in log.read_text("utf-8")
    assert whole_report(target) == unpublished
    published.append(unpublished)
    assert len(list((out / "_failed").glob("2026H1-half-year-*.ipynb"))) == 1

    # the last run (real kernel) publishes; nothing is left in staging
    assert server.run(argv, tmp_path / "last.log") == 0
    last = whole_report(target)
    published.append(last)
    assert list(staging.iterdir()) == []
    kept = sorted(target.parent.glob("half-year.previous-*"))
    assert sorted(whole_report(p) for p in kept) == sorted(published[:-1])
    for folder in [target, *kept]:
        code, stdout, err = verify_exit(folder, capsys)
        assert (code, err) == (0, ""), stdout
        assert stdout.splitlines()[-1].startswith("一致：")
    assert tree_hashes(raw) == inputs  # read-only all along, and unchanged


# ---------------------------------------------------------------------- concurrency
def test_two_cycles_at_once_and_the_same_pair_refused(server, data, tmp_path, capsys):
    raw, _ = data
    out = tmp_path / "reports"
    go = tmp_path / "go"
    logs = {k: tmp_path / f"{k}.log" for k in ("h1", "a", "again", "again-zh")}
    env = {PAUSE: f"staged:{go}"}
    h1 = server.start(argv_for(raw, out, "2026H1"), logs["h1"], env=env)
    a = server.start(argv_for(raw, out, "2026A"), logs["a"], env=env)
    try:
        # both hold their cycle's lock and have a staging folder at the same moment
        wait_for(logs["h1"], "paused at staged", h1)
        wait_for(logs["a"], "paused at staged", a)
        refused = server.run(argv_for(raw, out, "2026H1", "--lang", "en"), logs["again"])
        refused_zh = server.run(argv_for(raw, out, "2026H1"), logs["again-zh"])
    finally:
        go.touch()
    assert refused == 2
    lock = out / ".locks" / "2026H1-half-year.lock"
    message = logs["again"].read_text("utf-8")
    assert re.fullmatch(
        re.escape(f"evalstats: another run of 2026H1 half-year is in progress (lock {lock}; ")
        + rf"pid {h1} since \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d\)\n",
        message,
    ), message
    # the same refusal in Chinese (the default), naming the lock and its holder
    zh = logs["again-zh"].read_text("utf-8")
    assert refused_zh == 2
    assert zh.startswith(
        f"evalstats: 2026H1 half-year 已有另一个运行正在进行（锁文件 {lock}; pid {h1} "
    )
    assert zh.endswith("）；请等它结束后再运行\n")
    assert server.wait(h1) == 0, logs["h1"].read_text("utf-8")
    assert server.wait(a) == 0, logs["a"].read_text("utf-8")
    for cycle in ("2026H1", "2026A"):
        whole_report(out / cycle / "half-year")
        assert verify_exit(out / cycle / "half-year", capsys)[0] == 0
    assert list((out / ".staging").iterdir()) == []


# ---------------------------------------------------------------------- output faults
@pytest.fixture
def published(tmp_path, monkeypatch):
    """A cycle folder and a report published over it without a kernel; runs stay kernel-less."""
    raw = copy_demo(tmp_path, cycles=("2026H1",))
    out = tmp_path / "reports"
    monkeypatch.setattr(run_step, "run_notebook", fake_execute)
    monkeypatch.setattr(run_step, "start_kernel", no_early_kernel)
    assert main([*argv_for(raw, out)]) == 0
    target = out / "2026H1" / "half-year"
    return raw, out, target, tree_hashes(target), tree_hashes(raw)


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def fail_workbook(monkeypatch, out):
    monkeypatch.setattr(reportmod, "write_workbook", enospc)


def fail_manifest(monkeypatch, out):
    real = reportmod.write_json

    def write_json(obj, path):
        if Path(path).name == "manifest.json":
            enospc()
        return real(obj, path)

    monkeypatch.setattr(reportmod, "write_json", write_json)


def fail_notebook_file(monkeypatch, out):
    # papermill saving the executed notebook as it goes
    import papermill

    monkeypatch.setattr(run_step, "run_notebook", REAL_EXECUTE)
    monkeypatch.setattr(papermill, "execute_notebook", enospc)


def fail_in_kernel(monkeypatch, out):
    # the notebook's own write_tables hits the full disk
    import papermill

    def execute(*args, **kwargs):
        raise papermill.PapermillExecutionError(
            cell_index=3,
            exec_count=2,
            source="write_tables(tables, out)",
            ename="OSError",
            evalue=f"[Errno {errno.ENOSPC}] No space left on device: 'tables/scores.csv'",
            traceback=[],
        )

    monkeypatch.setattr(run_step, "run_notebook", REAL_EXECUTE)
    monkeypatch.setattr(papermill, "execute_notebook", execute)


def fail_publish(monkeypatch, out):
    monkeypatch.setattr(publish, "publish_folder", enospc)


FULL = "evalstats: cannot write to {out}/: no space left on device"


@pytest.mark.parametrize(
    ("inject", "message"),
    [
        (fail_workbook, FULL + "\n"),
        (fail_manifest, FULL + "\n"),
        (fail_notebook_file, FULL + "\n"),
        (
            fail_in_kernel,
            FULL + " (while run_fixture.ipynb wrote its outputs: OSError: [Errno 28] No "
            "space left on device: 'tables/scores.csv')\n",
        ),
        (fail_publish, FULL + "\n"),
    ],
    ids=["workbook", "manifest", "notebook-file", "in-kernel", "publish"],
)
def test_full_disk_is_a_clear_message(published, monkeypatch, capsys, inject, message):
    raw, out, target, before, inputs = published
    inject(monkeypatch, out)
    capsys.readouterr()
    assert main(argv_for(raw, out)) == 2
    got = capsys.readouterr()
    assert got.err == message.format(out=out)
    assert "Traceback" not in got.out + got.err
    assert tree_hashes(target) == before
    assert list((out / ".staging").iterdir()) == []
    assert tree_hashes(raw) == inputs


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_report_held_open_by_excel(published, monkeypatch, capsys, exchange):
    raw, out, target, before, _ = published
    real_rename = os.rename

    if exchange:  # Linux: the swap itself is refused

        def swap(a, b):
            raise PermissionError(errno.EACCES, "Permission denied", str(b))

        monkeypatch.setattr(publish, "exchange", swap)
    else:  # Windows: moving the published folder fails while a file in it is open

        def rename(a, b):
            if Path(a) == target:
                raise PermissionError(errno.EACCES, "Access is denied", str(a))
            return real_rename(a, b)

        monkeypatch.setattr(publish, "exchange", lambda a, b: False)
        monkeypatch.setattr(os, "rename", rename)
    capsys.readouterr()
    assert main(argv_for(raw, out)) == 2
    got = capsys.readouterr()
    assert got.err == (
        f"evalstats: cannot replace {target}: permission denied. If a file of the report is "
        "open in another program (Excel, WPS), close it and run again; otherwise check that "
        f"you may write to {target.parent}\n"
    )
    assert tree_hashes(target) == before
    assert list((out / ".staging").iterdir()) == []
    # beside the report only its log (<out>/<cycle>/<analysis>.log)
    assert sorted(p.name for p in target.parent.iterdir()) == ["half-year", "half-year.log"]


def test_read_only_output_location(published, capsys):
    raw, out, target, before, _ = published
    # the whole reports folder read-only: refused before any work
    with read_only(out):
        capsys.readouterr()
        assert main(argv_for(raw, out)) == 2
        got = capsys.readouterr()
    assert got.err == f"evalstats: cannot write to {out}/: permission denied\n"
    assert tree_hashes(target) == before
    # only the cycle's folder read-only: the run gets to the publication and stops there
    with read_only(out / "2026H1"):
        assert main(argv_for(raw, out)) == 2
        got = capsys.readouterr()
    assert got.err.startswith(f"evalstats: cannot replace {target}: permission denied.")
    assert "Traceback" not in got.out + got.err
    assert tree_hashes(target) == before
    assert list((out / ".staging").iterdir()) == []


def test_inputs_unchanged_by_refused_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(run_step, "run_notebook", fake_execute)
    monkeypatch.setattr(run_step, "start_kernel", no_early_kernel)
    raw = copy_demo(tmp_path, cycles=("2026A",))
    units = raw / "2026A" / "units.csv"
    text = units.read_bytes().decode("utf-8-sig")
    units.write_text(text.replace("行政管理", "不存在的序列", 1), encoding="utf-8")
    hashes = tree_hashes(raw)
    out = tmp_path / "reports"
    with read_only(raw):
        assert main(argv_for(raw, out, "2026A")) == 1  # invalid data
        assert main([*argv_for(raw, out, "2026A"), "-p", "seed=x"]) == 2  # usage error
        assert main([*argv_for(raw, out, "2026A"), "--scheme", str(tmp_path / "no.toml")]) == 2
    assert tree_hashes(raw) == hashes
    # nothing but the run's log: the invalid-data run wrote why it stopped
    assert [p.name for p in (out / "2026A").iterdir()] == ["half-year.log"]
    assert not (out / "_failed").exists()
    assert not out.exists() or list((out / ".staging").iterdir()) == []
    err = capsys.readouterr().err
    assert "数据有错：没有写出或改动任何报告。" in err and "Traceback" not in err


# ---------------------------------------------------------------------- reproducible
HASH_SEED_RUN = """
import sys
from pathlib import Path

from evalstats.analyses import cycle as analysis
from evalstats.present import report
from evalstats.present.export import write_analysis
from evalstats.run.runner import read_table

raw, out = Path(sys.argv[1]), Path(sys.argv[2])
for kind, a in (
    ("half-year", analysis.half_year("2026H1", data_dir=raw, n_resamples=50, seed=7)),
    ("annual", analysis.annual("2026A", data_dir=raw, n_resamples=50, seed=7)),
):
    folder = out / kind
    write_analysis(a, folder)
    # the workbook as the runner writes it: from the tables read back
    tables = sorted((folder / "tables").glob("*.csv"))
    report.write_workbook(
        {p.stem: read_table(p) for p in tables}, folder / "report.xlsx", scheme=a.scheme
    )
"""


def test_byte_identical_across_hash_seeds(tmp_path):
    """Both analyses, in two processes at once under PYTHONHASHSEED 0 and 12345.

    What the notebooks compute and the runner exports: every ``tables/*.csv``,
    ``summary.json`` and the workbook.  (Kernel start-up and figures are left out to keep
    the suite fast; a full ``evalstats run`` of both analyses under the two seeds was
    compared by hand: only ``manifest.json`` and ``notebook.ipynb`` differ, as they record
    the run itself.)
    """
    raw = copy_demo(tmp_path)
    procs = []
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        cmd = [sys.executable, "-c", HASH_SEED_RUN, str(raw), str(tmp_path / seed)]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True))
    for p in procs:
        _, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr[-3000:]
    a, b = tree_hashes(tmp_path / "0"), tree_hashes(tmp_path / "12345")
    assert {"half-year/tables/scores.csv", "annual/tables/comparison.csv"} <= set(a)
    assert {"half-year/summary.json", "annual/report.xlsx"} <= set(a)
    assert a == b


# ---------------------------------------------------------------------- hostile content
HOSTILE = [
    # formulas: = + - @ and their full-width forms; a leading tab, CR or space is trimmed
    # on input, which leaves the formula
    '=HYPERLINK("http://evil.example","点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+2",
    "\r=3+4",
    " =5",
    "＝1+2",
    "＋86 138 0000 0000",
    "－1",
    "＠A1",
    # control characters: removed; a tab or CR inside the text: a space / a line break
    "控制\x01字符\x07",
    "\x7f删除\x1b[31m",
    "双向\u202e覆盖",
    "a\tb",
    "行1\r行2",
]
INERT = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "长" * 100_000,
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    cycle = tmp / "raw" / "2026X"
    shutil.copytree(DEMO / "2026A", cycle)
    for name in ("incidents.csv", "exclusions.csv"):
        (cycle / name).unlink()
    df = pd.read_csv(cycle / "responses.csv", encoding="gb18030", dtype=str)
    df["意见建议"] = None
    planted = HOSTILE + INERT
    df.loc[: len(planted) - 1, "意见建议"] = planted
    df.to_csv(cycle / "responses.csv", index=False, encoding="utf-8", quoting=csv.QUOTE_ALL)
    result = runmod.run_analysis(
        "half-year",
        cycle="2026X",
        data=cycle,
        out=tmp / "reports",
        notebook=HOSTILE_NB,
        progress=False,
    )
    return result


def test_hostile_comments_counted_in_manifest_and_html(hostile):
    manifest = json.loads(hostile.manifest.read_text("utf-8"))
    assert manifest["neutralised_cells"] == {"comments": len(HOSTILE)}
    summary = json.loads((hostile.report_dir / "summary.json").read_text("utf-8"))
    assert summary["neutralised_cells"] == {"comments": len(HOSTILE)}
    page = hostile.html.read_text("utf-8")
    assert f"安全处理：表格中共有 {len(HOSTILE)} 个文本单元格（意见建议 {len(HOSTILE)}）" in page
    assert '<footer class="evalstats-note">' in page


def test_hostile_comments_inert_in_csv(hostile):
    table = pd.read_csv(
        hostile.report_dir / "tables" / "comments.csv",
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    comments = list(table["comment"])
    expected = [
        '\'=HYPERLINK("http://evil.example","点我")',
        "'+1+1",
        "'-2+3",
        "'@SUM(A1:A2)",
        "'=1+2",
        "'=3+4",
        "'=5",
        "'＝1+2",
        "'＋86 138 0000 0000",
        "'－1",
        "'＠A1",
        "控制字符",
        "删除[31m",
        "双向覆盖",
        "a b",
        "行1\n行2",
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(2)">',
        "长" * 100_000,  # kept whole in the CSV
    ]
    assert sorted(comments) == sorted(expected)
    for text in comments:
        assert text[:1] not in "=+-@＝＋－＠\t\r"
        assert not re.search(CONTROL_CHARS, text)


def test_hostile_comments_inert_in_the_workbook(hostile):
    from openpyxl import load_workbook

    wb = load_workbook(hostile.workbook)
    values = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in "=+-@＝＋－＠\t\r", (ws.title, cell.coordinate)
                    assert not re.search(CONTROL_CHARS, cell.value)
                    values.append(cell.value)
    long = [v for v in values if v.startswith("长长长")]
    assert len(long) == 1 and len(long[0]) == reportmod.EXCEL_MAX_CHARS
    assert long[0].endswith("…（超出 Excel 单元格上限，全文见 CSV）")
    about = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(values_only=True) if r[0]}
    assert about["安全处理"] == runmod.safety_note({"comments": len(HOSTILE)}, page=False)
    assert about["安全处理"].startswith(f"表格中共有 {len(HOSTILE)} 个文本单元格")
    assert about["截断"].startswith("共 1 个单元格超过 Excel 单元格上限")


def test_hostile_comments_inert_in_the_html(hostile):
    from bs4 import BeautifulSoup

    page = hostile.html.read_text("utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, escaped
    soup = BeautifulSoup(page, "html.parser")
    assert not soup.find_all("script") and not soup.find_all("img", src="x")
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag.name
    assert not re.search(CONTROL_CHARS, page)
    assert "双向覆盖" in page
