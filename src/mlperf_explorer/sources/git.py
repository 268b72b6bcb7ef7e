"""Git sources: a blob-less partial clone with a sparse checkout of only what results need.

A results repository is mostly code, documentation and calibration files; a round's
`results/`, `systems/`, `measurements/` and `compliance/` folders are a small part of it.
`git clone --filter=blob:none --no-checkout` fetches history without file contents, then a
non-cone sparse checkout materialises only those folders (their blobs are fetched on
checkout). Clones live in a cache folder the user can list and remove.

git is always run as an argument list (never through a shell), with the user's own
credentials (ssh keys, credential helpers), never with a prompt, and a URL that could be
read as an option (`-...`) or names a remote helper (`ext::...`) is refused.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

# What an import reads, as gitignore-style patterns (non-cone sparse checkout):
# inference DIVISION/SUBMITTER/{results,systems,measurements,compliance,audit}, its
# model_mapping.json; training and HPC SUBMITTER/{results,systems}; training v0.5's
# v0.5.0/ORG/SUBMISSION/.../results; the top-level README (round detection) and summaries.
SPARSE_PATTERNS = (
    "/*.md", "/*.csv", "/*.json",
    "/*/*/results/", "/*/*/systems/", "/*/*/measurements/", "/*/*/compliance/", "/*/*/audit/",
    "/*/*/model_mapping.json",
    "/*/results/", "/*/systems/",
    "/v0.5.0/**/results/", "/v0.5.0/**/submission.json",
)

_SCP_LIKE = re.compile(r"^[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:(?!//)")
_URL = re.compile(r"^(https?|ssh|git|file)://", re.I)
ENV_CACHE = "MLPERF_EXPLORER_CACHE"


class GitError(Exception):
    """A git operation failed; the message is one line for the user."""


@dataclass
class Checkout:
    url: str
    path: str  # the working tree
    ref: str  # what the user asked for ("HEAD" when nothing)
    commit: str  # what is checked out


def cache_root() -> str:
    base = os.environ.get(ENV_CACHE) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache"), "mlperf-explorer")
    return os.path.join(os.path.expanduser(base), "sources")


def is_git_source(source: str) -> bool:
    """A URL git understands, or a local bare repository (a folder with HEAD, objects/ and
    refs/ but no working tree)."""
    if _URL.match(source) or _SCP_LIKE.match(source):
        return True
    path = os.path.expanduser(source)
    return (os.path.isdir(path) and os.path.isfile(os.path.join(path, "HEAD"))
            and os.path.isdir(os.path.join(path, "objects")) and os.path.isdir(os.path.join(path, "refs")))


def check_url(url: str) -> str:
    """Refuse what could make git do something other than fetch: option-like text and
    remote helpers such as `ext::` (which runs a command)."""
    if not url or url.startswith("-"):
        raise GitError(f"{url!r}: not a repository URL")
    if "::" in url.split("/", 1)[0] or url.lower().startswith("ext::"):
        raise GitError(f"{url!r}: remote helpers (transport::address) are not allowed")
    if any(c in url for c in "\n\r\0"):
        raise GitError("repository URL holds control characters")
    if os.path.isdir(os.path.expanduser(url)) and not _URL.match(url):
        return os.path.abspath(os.path.expanduser(url))
    return url


def redact(url: str) -> str:
    """A URL as it may be shown or stored: without a user:password@ part."""
    return re.sub(r"^([a-z+]+://)[^/@]+@", r"\1", url, flags=re.I)


def clone_dir(url: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", redact(url).rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"))[:60] or "repo"
    return os.path.join(cache_root(), f"{name}-{hashlib.sha1(redact(url).encode()).hexdigest()[:10]}")


def _git(args: list[str], cwd: str | None = None, quiet_errors: bool = False) -> str:
    env = dict(os.environ)
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
                "GIT_SSH_COMMAND": env.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes"),
                "LC_ALL": "C"})
    cmd = ["git", "-c", "protocol.ext.allow=never", "-c", "advice.detachedHead=false", *args]
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise GitError("git is not installed (needed for git sources)") from exc
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))] or lines or [f"git {args[0]} failed"]
        raise GitError(redact(fatal[-1].removeprefix("fatal: ").removeprefix("error: ")))
    return proc.stdout


def _resolve(path: str, ref: str) -> str:
    """The commit `ref` names in a clone: a remote branch, a tag or a commit id."""
    for candidate in (f"refs/remotes/origin/{ref}", f"refs/tags/{ref}", ref):
        try:
            return _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{candidate}^{{commit}}"], cwd=path).strip()
        except GitError:
            continue
    raise GitError(f"no branch, tag or commit named {ref!r} in the repository")


def checkout(url: str, ref: str | None = None, fetch: bool = True,
             progress: Callable[[str], None] | None = None) -> Checkout:
    """Clone (or reuse and fetch) `url` into the cache and check out `ref` sparsely."""
    url = check_url(url)
    path = clone_dir(url)
    if ref is not None and (ref.startswith("-") or not ref.strip()):
        raise GitError(f"{ref!r}: not a branch, tag or commit")
    if not os.path.isdir(os.path.join(path, ".git")):
        if progress:
            progress(f"cloning {redact(url)} (results folders only)")
        tmp = path + ".partial"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            _git(["clone", "--quiet", "--filter=blob:none", "--no-checkout", "--", url, tmp])
            # A credential written into the URL is used for this clone only, never kept in
            # the clone's config (later fetches use the user's credential helper or keys).
            if redact(url) != url:
                _git(["remote", "set-url", "origin", redact(url)], cwd=tmp)
            _git(["sparse-checkout", "set", "--no-cone", "--", *SPARSE_PATTERNS], cwd=tmp)
        except GitError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        os.replace(tmp, path)
    elif fetch:
        if progress:
            progress(f"fetching {redact(url)}")
        _git(["fetch", "--quiet", "--tags", "--force", "--prune", "origin"], cwd=path)
    wanted = ref or _default_branch(path)
    commit = _resolve(path, wanted)
    if progress:
        progress(f"checking out {wanted} ({commit[:12]})")
    _git(["checkout", "--quiet", "--force", "--detach", commit], cwd=path)
    return Checkout(redact(url), path, wanted, commit)


def _default_branch(path: str) -> str:
    try:
        head = _git(["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"], cwd=path).strip()
        return head.removeprefix("refs/remotes/origin/")
    except GitError:
        branches = _git(["for-each-ref", "--format=%(refname:strip=3)", "refs/remotes/origin"], cwd=path).split()
        branches = [b for b in branches if b != "HEAD"]
        for name in ("main", "master"):
            if name in branches:
                return name
        if branches:
            return branches[0]
        raise GitError("the repository has no branches") from None


def changed_paths(path: str, old: str, new: str) -> list[str] | None:
    """Repository-relative paths that differ between two commits (both sides of a rename),
    or None when `old` is not in the clone any more (history rewritten)."""
    try:
        out = _git(["diff", "--name-only", "--no-renames", "-z", old, new, "--"], cwd=path)
    except GitError:
        return None
    return [p for p in out.split("\0") if p]


def list_clones() -> list[dict]:
    root = cache_root()
    out: list[dict] = []
    if not os.path.isdir(root):
        return out
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if not os.path.isdir(os.path.join(path, ".git")):
            continue
        try:
            url = _git(["config", "--get", "remote.origin.url"], cwd=path).strip()
            commit = _git(["rev-parse", "HEAD"], cwd=path).strip()
        except GitError:
            url, commit = "?", "?"
        size = 0
        for dirpath, _, files in os.walk(path):
            for f in files:
                try:
                    size += os.lstat(os.path.join(dirpath, f)).st_size
                except OSError:
                    pass
        out.append({"name": name, "path": path, "url": redact(url), "commit": commit, "bytes": size})
    return out


def remove_clone(name_or_url: str) -> list[str]:
    """Remove cached clones matching a cache folder name or a URL; returns what went."""
    removed = []
    for clone in list_clones():
        if name_or_url in (clone["name"], clone["path"], clone["url"]) or (
                not _URL.match(name_or_url) and clone_dir(name_or_url) == clone["path"]):
            shutil.rmtree(clone["path"])
            removed.append(clone["path"])
    return removed
