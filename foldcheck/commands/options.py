"""Options shared by several commands (standard library only: imported for --help)."""

from __future__ import annotations

import argparse

from foldcheck.choices import MISSING_GROUP_MODES
from foldcheck.images import DEFAULT_MAX_DISTANCE
from foldcheck.render import formats

GROUP_BY_HELP = (
    "what keeps images together in one fold: 'image' (default); a preset: 'roboflow' "
    "(a labelling service's copies <stem>_jpg.rf.<hash>.jpg of one photo, any case), "
    "'sahi' (tiles <stem>_<x0>_<y0>_<x1>_<y1>.jpg of one image), 'folder' (the image's "
    "parent folder: one video or sequence per folder); an image field such as video_id; "
    "or 're:PATTERN' whose first capture group in file_name is the key"
)


def add_group_by(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument("--group-by", metavar="KEY", default=default, help=GROUP_BY_HELP)
    parser.add_argument(
        "--missing-group",
        choices=MISSING_GROUP_MODES,
        default=None,
        help="images without the key: an error (default), or each its own group",
    )


def setting_options(args: argparse.Namespace) -> dict[str, object]:
    """The settings split's options give (None where not given), for ``resolve_settings``."""
    return {
        "k": args.folds,
        "group_by": args.group_by,
        "missing_group": args.missing_group,
        "stratify": args.stratify,
        "seed": args.seed,
        "tolerance": args.tolerance,
    }


def add_color(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the output (auto: when a terminal; NO_COLOR is honoured)",
    )


def add_balance_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=formats.BALANCE,
        default="text",
        help="balance table as a rich table (default), JSON or Markdown",
    )
    parser.add_argument("--svg", metavar="FILE", help="also save the table as an SVG picture")
    add_color(parser)
    parser.add_argument(
        "--tolerance",
        type=float,
        metavar="T",
        help="relative deviation tolerated per fold (default: the manifest's, "
        "else [tool.foldcheck], else 0.1)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print no table")


def add_near_distance(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    default: int | None = DEFAULT_MAX_DISTANCE,
) -> None:
    """``default`` None: the caller picks (report: the distance the split recorded, else 8)."""
    parser.add_argument(
        "--near-distance",
        type=_distance,
        default=default,
        metavar="BITS",
        help="most bits two images' 64-bit perceptual hashes may differ in to count as "
        "near-duplicates (default "
        + ("8" if default is not None else "the split's, else 8")
        + ", measured: docs/duplicates.md)",
    )


def _distance(text: str) -> int:
    value = int(text)  # argparse reports a ValueError as an invalid value
    if not 0 <= value <= 16:
        raise argparse.ArgumentTypeError("must be between 0 and 16 bits")
    return value


def add_rule_selection(parser: argparse.ArgumentParser, example: str) -> None:
    parser.add_argument(
        "--select",
        metavar="CODES",
        default="",
        help=f"only these rules (comma-separated codes or prefixes: {example})",
    )
    parser.add_argument("--ignore", metavar="CODES", default="", help="skip these rules")


def add_findings_output(parser: argparse.ArgumentParser, per: str) -> None:
    """--format, --color, --list-rules and -q/-v of a command that reports findings; the text
    shows at most 20 findings per rule and ``per`` unless -v (``shown_per_rule``)."""
    parser.add_argument(
        "--format",
        choices=formats.FINDINGS,
        default="text",
        help="how findings are printed (default: text)",
    )
    add_color(parser)
    parser.add_argument("--list-rules", action="store_true", help="print the rules and exit")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    verbosity.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help=f"every finding (default: text shows at most 20 per rule and {per}; the other "
        "formats carry every finding)",
    )


def shown_per_rule(args: argparse.Namespace) -> int | None:
    """How many findings per rule the output shows: a cap is a courtesy to a reader of the
    text; a machine format (and -v) carries every finding, or CI would miss them."""
    from foldcheck.core.findings import MOST_PER_RULE

    return MOST_PER_RULE if args.format == "text" and not args.verbose else None


def rule_selection(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The codes or prefixes of ``add_rule_selection``'s --select and --ignore."""
    return _rule_codes(args.select), _rule_codes(args.ignore)


def _rule_codes(text: str) -> list[str]:
    """A comma-separated list of codes or prefixes, upper-cased."""
    return [code.strip().upper() for code in text.split(",") if code.strip()]


def progress_off(args: argparse.Namespace) -> bool:
    """No progress line: with -q, or beside machine output (a --format other than text)."""
    return bool(getattr(args, "quiet", False)) or getattr(args, "format", "text") != "text"
