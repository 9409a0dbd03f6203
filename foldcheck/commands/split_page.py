"""``split --html FILE``: the report's page of the folds just made, from the split's own
dataset and manifest (neither is read again), byte for byte what ``foldcheck report
OUT/folds.json --html FILE`` writes afterwards. Exports split wrote beside the manifest
(``--export``, a YOLO set's fold YAMLs and lists) are checked as report checks them, read by
check's readers: their findings are on the page too."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from foldcheck.core.dataset import Dataset
    from foldcheck.formats.manifest import Manifest


def refuse_page_path(args: argparse.Namespace) -> None:
    """Before anything is read or written: a page that cannot be written, that would replace
    the dataset or a file of the set split writes in --out, or an existing one without
    --force, is refused."""
    from foldcheck.commands.report_html import refuse_page_over
    from foldcheck.errors import InputError
    from foldcheck.io.atomic import refuse_overwrite

    page, out = Path(args.html), Path(args.out)
    if args.update or args.from_files:
        raise InputError(
            "--html goes with a new split; after --update or --from, run "
            f"`foldcheck report {out} --html {page}`"
        )
    refuse_page_over(
        page, out, f"split writes in {out}", [(Path(args.dataset), "the dataset being split")]
    )
    refuse_overwrite([page], args.force)


def write_page(args: argparse.Namespace, manifest: Manifest, dataset: Dataset) -> Path:
    """The page of the set just written, whole or not at all (``report --html``'s writer):
    check's rules over the manifest in memory, against the dataset split read."""
    from foldcheck.commands.report import page_arguments
    from foldcheck.commands.report_html import report_page
    from foldcheck.formats.foldsets import manifest_fold_set
    from foldcheck.io.atomic import write_atomic

    page = report_page(
        page_arguments(manifest.path, args.html, args.quiet),
        manifest.path,
        {dataset.path.resolve(): dataset},
        manifest_fold_set(manifest, manifest.to_bytes()),
    )
    write_atomic(Path(args.html), page.encode("utf-8"))
    return Path(args.html)
