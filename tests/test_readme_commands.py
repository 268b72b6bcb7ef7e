"""Every `mlperf-explorer` command of the README runs as written, in order, in a shell, and
exits 0 (the Python examples run in test_export.py).

Commands that name something only the reader has are pointed at local equivalents, each
listed in SUBSTITUTIONS: GitHub URLs become bare repositories of corpus samples (no network
in CI), `UID`s become uids of the store, `out/resnet-offline` a real loadgen run. The
first screen's set-up command runs too, with `serve` checked to answer and then stopped.
The benchmark and development commands (`python benchmarks/...`) are not product commands
and are left to their own runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from conftest import CORPUS, need, samples

ROOT = Path(__file__).resolve().parent.parent
BIN = str(Path(sys.executable).parent)


def readme_commands() -> list[str]:
    """The `mlperf-explorer ...` lines of the README's bash blocks, comments removed."""
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = re.sub(r"\s{2,}#.*$", "", line).strip()
            if line.startswith("mlperf-explorer "):
                commands.append(line)
    return commands


def first_screen() -> list[str]:
    """The `mlperf-explorer` steps of the first set-up command (`.venv/bin/mlperf-explorer ...`)."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(python3 -m venv .venv && .venv/bin/pip install -e '\.\[web\]'.*?)\n```", text)
    assert block, "the README's first command installs the [web] extra and runs the main job"
    return [step.strip().removeprefix(".venv/bin/") for step in block.group(1).split("&&")
            if step.strip().startswith(".venv/bin/mlperf-explorer")]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=test", *args], cwd=cwd, check=True,
                   capture_output=True)


def bare_repo(tree: Path, bare: Path, branch: str = "main") -> Path:
    work = bare.with_suffix(".work")
    shutil.copytree(tree, work)
    git(work, "init", "-q", "-b", branch)
    git(work, "add", "-A")
    git(work, "commit", "-qm", "results")
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    git(bare, "config", "uploadpack.allowFilter", "true")
    return bare


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    need(CORPUS / "inference" / "v4.1.tar.zst")
    work = tmp_path_factory.mktemp("readme")
    shutil.copytree(samples("inference", "v5.1"), work / "inference_results_v5.1")
    (work / "downloads").mkdir()
    with zipfile.ZipFile(work / "downloads" / "inference_results_v3.0.zip", "w") as z:
        base = samples("inference", "v3.0")
        for p in sorted(base.rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(base).as_posix())
    bare_repo(samples("inference", "v5.1"), work / "repos" / "inference_results_v5.1.git")
    bare_repo(samples("inference", "v6.0"), work / "repos" / "submission-v6.0.git", branch="final")
    from loadgen_runs import run_loadgen

    run_loadgen(work / "out" / "resnet-offline", "Offline")
    system = next(samples("inference", "v4.1").glob("closed/*/systems/*.json"))
    shutil.copy(system, work / "my-system.json")
    return work


def substitutions(work: Path) -> list[tuple[str, str]]:
    return [
        ("https://github.com/mlcommons/inference_results_v5.1", f"file://{work}/repos/inference_results_v5.1.git"),
        ("git@github.com:my-org/submission-v6.0.git", f"file://{work}/repos/submission-v6.0.git"),
        ("../shared/corpus", str(CORPUS)),
    ]


def run_shell(command: str, work: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True, timeout=600)


def test_every_readme_command_runs(workdir, tmp_path):
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "MLPERF_EXPLORER_DB": str(tmp_path / "readme.duckdb"),
           "MLPERF_EXPLORER_CACHE": str(tmp_path / "cache")}
    commands = first_screen()[:1] + readme_commands()  # the first screen's import; its serve below
    assert len(commands) > 25
    uids: list[str] = []
    ran = []
    for command in commands:
        for old, new in substitutions(workdir):
            command = command.replace(old, new)
        if re.search(r"\bUID\b|\b[0-9a-f]{16}\b", command):
            if not uids:
                found = run_shell("mlperf-explorer find --tags v4.1,closed -c uid -f json --limit 2", workdir, env)
                uids = [r["uid"] for r in json.loads(found.stdout)]
            parts = re.split(r"\bUID\b|\b[0-9a-f]{16}\b", command)
            command = "".join(p + (uids[i % len(uids)] if i < len(parts) - 1 else "") for i, p in enumerate(parts))
        proc = run_shell(command, workdir, env)
        assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        assert "Traceback" not in proc.stderr, command
        ran.append(command)
    assert any(c.startswith("mlperf-explorer compare") for c in ran)
    # What the commands wrote is there.
    assert (workdir / "efficient.csv").stat().st_size > 0 and (workdir / "all.csv").stat().st_size > 0
    assert (workdir / "cm-results" / "experiment").is_dir() and (workdir / "team-annotations.jsonl").exists()


def test_the_first_screen_serves_the_playground(workdir, tmp_path):
    """The first command's `serve` answers with the overview of what it imported."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "MLPERF_EXPLORER_DB": str(tmp_path / "first.duckdb")}
    steps = [s.replace("../shared/corpus", str(CORPUS)) for s in first_screen()]
    assert steps[-1] == "mlperf-explorer serve" and steps[0].startswith("mlperf-explorer import")
    imported = run_shell(steps[0] + " --json", workdir, env)
    assert imported.returncode == 0, imported.stderr
    results = json.loads(imported.stdout)[0]["results"]
    port = free_port()
    server = subprocess.Popen(["bash", "-c", f"{steps[-1]} --port {port}"], cwd=workdir, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/overview.json", timeout=5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and server.poll() is None, "serve did not answer"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["results"] == results > 500
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
