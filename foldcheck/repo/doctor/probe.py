"""Ask an interpreter what it has: its version, prefix, search path, and which of the project's
distributions and modules it can find. Runs it in the repository with the editor's
environment; never imports anything into this process."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PROBE_TIMEOUT = 60.0  # importing numpy from a cold network home can take seconds

# `-c` puts "" (the working directory) first on sys.path; dropping it keeps the checkout's own
# package folder from passing for an installed package, while an install's own entry stays.
_SCRIPT = """\
import importlib, importlib.metadata as md, json, site, sys
if sys.path and sys.path[0] == "":
    del sys.path[0]
ask = json.loads(sys.argv[1])
missing, dists = {}, []
for name in ask["modules"]:
    try:
        importlib.import_module(name)
    except Exception as exc:
        missing[name] = f"{type(exc).__name__}: {exc}"
for name in ask["dists"]:
    try:
        md.distribution(name)
    except md.PackageNotFoundError:
        dists.append(name)
files = {n: getattr(sys.modules.get(n), "__file__", None) for n in ask["modules"]}
sites = list(getattr(site, "getsitepackages", lambda: [])())
print(json.dumps({"version": sys.version.split()[0], "prefix": sys.prefix,
                  "missing": missing, "missing_dists": dists, "files": files,
                  "sites": sites, "path": sys.path}))
"""


@dataclass(frozen=True)
class Probe:
    version: str
    prefix: str
    missing: dict[str, str]  # module -> why it did not import
    missing_dists: tuple[str, ...]
    files: dict[str, str | None]  # module -> its __file__
    sites: tuple[str, ...]  # site-packages folders
    path: tuple[str, ...]  # sys.path


def probe(
    interpreter: Path,
    cwd: Path,
    environ: Mapping[str, str],
    modules: Sequence[str] = (),
    dists: Sequence[str] = (),
) -> Probe | str:
    """What ``interpreter`` has; a string says why it could not be asked."""
    ask = json.dumps({"modules": list(modules), "dists": list(dists)})
    try:
        done = subprocess.run(
            [str(interpreter), "-c", _SCRIPT, ask],
            capture_output=True,
            text=True,
            env=dict(environ),
            cwd=cwd,
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"{interpreter} did not answer within {PROBE_TIMEOUT:.0f} s"
    except OSError as exc:
        return f"{interpreter} cannot run: {exc.strerror}"
    try:
        data = json.loads(done.stdout.strip().splitlines()[-1])
        return Probe(
            str(data["version"]),
            str(data["prefix"]),
            dict(data["missing"]),
            tuple(data["missing_dists"]),
            dict(data["files"]),
            tuple(data["sites"]),
            tuple(data["path"]),
        )
    except (IndexError, ValueError, KeyError, TypeError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"{interpreter} is not a working Python ({tail})"
