"""Command-line entry point: parse arguments, dispatch, turn errors into exit codes.

Exit codes: 0 clean, 1 findings, 2 usage or input error, 3 internal error, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM).
Each sub-command lives in ``foldcheck.commands.<name>`` with ``add_arguments`` and ``run``;
those modules import only the standard library at top level, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType

from foldcheck import __version__
from foldcheck.errors import InputError
from foldcheck.io.gcpause import gc_paused

COMMANDS = (
    "split",
    "check",
    "report",
    "export",
    "merge",
    "recover",
    "validate",
    "score",
    "duplicates",
    "init",
    "doctor",
    "demo",
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports it


DESCRIPTION = (
    "Leakage-free, balanced cross-validation folds for object detection datasets (COCO "
    "files and YOLO data.yaml), and the checks that keep them so."
)


def _command(name: str) -> ModuleType:
    return importlib.import_module(f"foldcheck.commands.{name}")


def summary(doc: str) -> str:
    """A command's line in the top ``--help``: its docstring's first sentence, whole (a
    sentence wraps over lines, so a docstring's first line can stop mid-sentence)."""
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    end = paragraph.find(". ")
    return paragraph if end < 0 else paragraph[: end + 1]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="foldcheck",
        description=DESCRIPTION,
        epilog="Exit codes: 0 clean, 1 findings, 2 usage or input error, 3 internal error, "
        "130 interrupted, 143 terminated.",
    )
    parser.add_argument("--version", action="version", version=f"foldcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = _command(name)
        doc = (module.__doc__ or "").strip()
        command = sub.add_parser(
            name,
            help=summary(doc) if doc else None,
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # After parsing: --help exits above without importing signal and threading.
    from foldcheck.io.critical import Terminated, sigterm_raises

    try:
        # gc: a short run over millions of freshly parsed, acyclic objects
        with gc_paused(), sigterm_raises():
            return int(_command(args.command).run(args))
    except InputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("foldcheck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("foldcheck: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        return EXIT_CLEAN
    except OSError as exc:  # a full disk, a read-only folder: the user's to fix, not a bug
        place = f"{exc.filename}: " if exc.filename else ""
        print(f"{place}error: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    except Exception:  # the last resort: report the bug, don't hide it
        traceback.print_exc()
        print(
            f"foldcheck {__version__}: internal error (a bug: please report it with the "
            "traceback above)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def entry() -> None:
    # foldcheck's matrix products are small: OpenBLAS threads only spin on them, and on a
    # shared machine that spinning cost the coco split 5.2 s of assignment instead of 0.43 s.
    # Set before numpy is first imported (commands import it lazily); a user's value wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # numpy asks the kernel for huge pages for its large arrays; on a machine whose memory is
    # full of page cache each one is found by compaction, which cost the Open Images split
    # step 2-3 s of system time (and its read 0.5 s) for no gain a TLB miss would repay.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    raise SystemExit(main())
