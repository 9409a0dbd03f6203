"""Can this Linux host run the VS Code server, watch the repository, and hold the server?

The server's Node needs glibc >= 2.28 and libstdc++ with GLIBCXX >= 3.4.25 (VS Code's
"Remote Development: Linux prerequisites"). File watching over SSH takes one inotify watch per
watched folder, from a per-user budget (``/proc/sys/fs/inotify/max_user_watches``); folders
matched by ``files.watcherExclude`` are not watched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from foldcheck.repo.doctor.result import Result

GLIBC_MIN = (2, 28)
GLIBCXX_MIN = (3, 4, 25)
WATCHES_FILE = Path("/proc/sys/fs/inotify/max_user_watches")
# VS Code's default files.watcherExclude (merged under the user's own patterns).
DEFAULT_WATCHER_EXCLUDE = ("**/.git/objects/**", "**/.git/subtree-cache/**", "**/.hg/store/**")
LIBSTDCXX_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64")
FREE_WARN = 2 << 30  # a server version plus Pylance is several hundred MB; updates add more
FREE_FAIL = 500 << 20
WATCH_FIX = (
    "raise the limit: echo fs.inotify.max_user_watches=524288 | sudo tee "
    "/etc/sysctl.d/60-inotify.conf && sudo sysctl --system; or add big folders to "
    "files.watcherExclude"
)


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def glibc_row() -> Result:
    try:
        found = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):
        found = ""
    match = re.fullmatch(r"glibc (\d+)\.(\d+)", found.strip())
    if match is None:
        return Result("host-glibc", "info", f"not a glibc system ({found or sys.platform})")
    version = (int(match[1]), int(match[2]))
    if version < GLIBC_MIN:
        return Result(
            "host-glibc",
            "fail",
            f"glibc {_dotted(version)}; the VS Code server needs {_dotted(GLIBC_MIN)} or newer",
            "use a newer OS image, or an older VS Code (1.85 supports glibc 2.17)",
        )
    return Result("host-glibc", "ok", f"glibc {_dotted(version)} (needs {_dotted(GLIBC_MIN)})")


def _libstdcxx_files() -> list[Path]:
    found: list[Path] = []
    try:
        listing = subprocess.run(
            ["ldconfig", "-p"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
        found += [Path(m) for m in re.findall(r"libstdc\+\+\.so\.6 .*=> (\S+)", listing)]
    except (OSError, subprocess.TimeoutExpired):
        pass
    found += [Path(d) / "libstdc++.so.6" for d in LIBSTDCXX_DIRS]
    return [p for p in dict.fromkeys(found) if p.is_file()]


def glibcxx_version(library: Path) -> tuple[int, ...] | None:
    """The newest GLIBCXX symbol version a libstdc++ provides."""
    data = library.read_bytes()
    versions = [
        tuple(map(int, m.split(b"."))) for m in re.findall(rb"GLIBCXX_(3\.4(?:\.\d+)?)", data)
    ]
    return max(versions) if versions else None


def glibcxx_row() -> Result:
    if not sys.platform.startswith("linux"):
        return Result("host-libstdcxx", "info", f"not Linux ({sys.platform})")
    for library in _libstdcxx_files():
        try:
            version = glibcxx_version(library)
        except OSError:
            continue
        if version is None:
            continue
        if version < GLIBCXX_MIN:
            return Result(
                "host-libstdcxx",
                "fail",
                f"{library} provides GLIBCXX {_dotted(version)}; the server needs "
                f"{_dotted(GLIBCXX_MIN)}",
                "install a newer libstdc++ (e.g. from the distribution's toolset packages)",
            )
        return Result(
            "host-libstdcxx",
            "ok",
            f"{library}: GLIBCXX {_dotted(version)} (needs {_dotted(GLIBCXX_MIN)})",
        )
    return Result("host-libstdcxx", "warn", "no libstdc++.so.6 found", "install libstdc++6")


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A VS Code glob (``**``, ``*``, ``?``, ``{a,b}``) as a regex over ``/``-separated paths."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "{":
            end = pattern.find("}", i)
            if end < 0:
                out.append(re.escape(c))
            else:
                out.append("(?:" + "|".join(map(re.escape, pattern[i + 1 : end].split(","))) + ")")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


def excluded_patterns(settings: Mapping[str, object]) -> list[re.Pattern[str]]:
    user = settings.get("files.watcherExclude")
    merged = {p: True for p in DEFAULT_WATCHER_EXCLUDE}
    if isinstance(user, dict):
        merged.update({k: bool(v) for k, v in user.items()})
    return [glob_regex(p.removeprefix("./")) for p, on in merged.items() if on]


def watched_folders(repo: Path, patterns: Iterable[re.Pattern[str]], cap: int) -> int:
    """Folders VS Code would watch in ``repo`` (stops counting past ``cap``)."""
    rules = list(patterns)
    count = 0
    for folder, dirs, _ in os.walk(repo):
        count += 1
        if count > cap:
            break
        rel = os.path.relpath(folder, repo)
        keep = []
        for name in dirs:
            child = name if rel == "." else f"{rel}/{name}"
            # A pattern matching what is inside the folder stops the watcher there.
            if not any(r.fullmatch(child + "/x") or r.fullmatch(child) for r in rules):
                keep.append(name)
        dirs[:] = keep
    return count


def inotify_row(
    repo: Path, settings: Mapping[str, object], limit_file: Path = WATCHES_FILE
) -> Result:
    try:
        limit = int(limit_file.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return Result("host-inotify", "info", f"no {limit_file}: not Linux, nothing to check")
    count = watched_folders(repo, excluded_patterns(settings), limit)
    found = (
        f"{count:,} watched folders in {repo} (after files.watcherExclude) "
        f"against max_user_watches {limit:,} ({limit_file})"
    )
    if count >= limit:
        return Result("host-inotify", "fail", found, WATCH_FIX)
    if count * 2 >= limit:
        return Result(
            "host-inotify",
            "warn",
            found + ": over half, shared with every other watcher",
            WATCH_FIX,
        )
    return Result("host-inotify", "ok", found)


def free_space_row(where: Path, what: str = "the server") -> Result:
    probe = where
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    found = f"{free / (1 << 30):.1f} GiB free for {what} ({probe})"
    fix = "free space there, or install the server elsewhere: remote.SSH.serverInstallPath"
    if free < FREE_FAIL:
        return Result("host-disk", "fail", found, fix)
    if free < FREE_WARN:
        return Result("host-disk", "warn", found, fix)
    return Result("host-disk", "ok", found)
