"""Split a COCO dataset or a YOLO data.yaml into K leakage-free, class-balanced folds.

Writes OUT/folds.json (the manifest: validation images per fold), and with --export the
per-fold COCO files OUT/train_fold{i}.json, OUT/val_fold{i}.json and OUT/folds.csv; prints
the per-fold balance. A YOLO data.yaml (the images of its train: and val:) always gets
OUT/fold{i}.yaml with OUT/fold{i}_train.txt and OUT/fold{i}_val.txt, which Ultralytics trains
from directly, from any folder and with no image copied:
    for i in range(k): YOLO("yolo11n.pt").train(data=f"OUT/fold{i}.yaml")
--holdout sets a group-respecting, class-balanced test set aside first (OUT/test.json with
--export coco, OUT/test.txt and test: in every fold YAML for YOLO). Every group sits wholly
in one fold. Same input and seed, same bytes.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from foldcheck.choices import STRATIFY_MODES, export_help
from foldcheck.commands.options import (
    add_balance_output,
    add_group_by,
    add_near_distance,
    progress_off,
    setting_options,
)
from foldcheck.io.excerpt import quoted

if TYPE_CHECKING:
    import numpy as np

    from foldcheck.core.assignment import FoldAssignment
    from foldcheck.core.balance import Balance


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dataset", metavar="DATASET", help="a COCO annotation file, or a YOLO data.yaml"
    )
    parser.add_argument(
        "-k", "--folds", type=int, default=None, metavar="K", help="number of folds (default 5)"
    )
    add_group_by(parser, default=None)
    parser.add_argument(
        "--stratify",
        choices=STRATIFY_MODES,
        default=None,
        help="balance annotation counts and image presence per class (both, default), or "
        "favour one",
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    parser.add_argument(
        "--out", default="folds", metavar="DIR", help="output folder (default: folds)"
    )
    parser.add_argument(
        "--export",
        default="",
        metavar="FORMATS",
        help=export_help("also write"),
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    held = parser.add_mutually_exclusive_group()
    held.add_argument(
        "--holdout",
        type=float,
        metavar="FRACTION",
        help="first set this fraction (e.g. 0.1) aside as a group-respecting, class-balanced "
        "test set, kept out of every fold",
    )
    held.add_argument(
        "--holdout-from",
        metavar="FILE",
        help="hold out the images a file lists (ids, file names or YOLO image paths, one per "
        "line, or a COCO file), with the rest of their groups",
    )
    parser.add_argument(
        "--group-near-duplicates",
        action="store_true",
        help="also keep near-duplicate images (the same photo re-encoded, resized, cropped "
        "...: perceptual hashes of the files under --images-dir) in one fold; needs Pillow",
    )
    parser.add_argument(
        "--images-dir",
        metavar="DIR",
        help="the folder the dataset's file_names are under (for --group-near-duplicates; "
        "default for a YOLO data.yaml: its root)",
    )
    add_near_distance(parser)
    evolving = parser.add_argument_group("folds that outlive the data (docs/evolving-folds.md)")
    evolving.add_argument(
        "--update",
        action="store_true",
        help="update the folds in --out to the changed dataset: every surviving image keeps "
        "its fold, new images and groups are placed for balance, a group a change joined "
        "moves its smaller side; the set's settings, held-out set and exports are kept",
    )
    evolving.add_argument(
        "--from",
        dest="from_files",
        metavar="FOLDFILES",
        help="adopt folds made elsewhere (a fold CSV, COCO train/val pairs, an Ultralytics "
        "K-fold guide folder or YOLO fold YAMLs) as the manifest in --out, same assignment; "
        "leaks and coverage holes refuse it (exit 1)",
    )
    evolving.add_argument(
        "--repair",
        action="store_true",
        help="with --from: fix leaks and holes by the fewest image moves (a split group goes "
        "whole to the fold holding most of it), each move listed",
    )
    add_balance_output(parser)
    parser.add_argument(
        "--html",
        metavar="FILE",
        help="also write the report's page of the new folds (what `foldcheck report OUT "
        "--html FILE` writes), from the dataset and manifest split holds, neither read again "
        "(docs/report.md)",
    )


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from foldcheck.api import split_dataset
    from foldcheck.commands.report import show_balance
    from foldcheck.commands.split_near import near_duplicates
    from foldcheck.config import load_config, resolve_settings
    from foldcheck.core.balance import compute_balance
    from foldcheck.formats.datasets import read_dataset
    from foldcheck.formats.exports import parse_export_formats
    from foldcheck.formats.fold_files import manifest_of, write_fold_files
    from foldcheck.render.progress import status

    if args.html:
        from foldcheck.commands.split_page import refuse_page_path

        refuse_page_path(args)
    if args.update or args.from_files or args.repair:
        from foldcheck.commands.split_update import refuse_conflicts, run_adopt, run_update

        refuse_conflicts(args)
        return run_update(args) if args.update else run_adopt(args)
    settings = resolve_settings(setting_options(args), project=load_config())
    formats = parse_export_formats(args.export)
    quiet = progress_off(args)
    with status(f"reading {args.dataset}", quiet):
        dataset = read_dataset(args.dataset)
    near, record = near_duplicates(args, dataset) if args.group_near_duplicates else (None, None)
    with status(f"splitting {dataset.n_images} images", quiet):
        assignment = split_dataset(dataset, settings, args.holdout, args.holdout_from, near)
    manifest = manifest_of(assignment, Path(args.out), settings.tolerance, record)
    with status("writing", quiet):
        written = write_fold_files(assignment, manifest.path.parent, formats, args.force, manifest)
    for note in sparse_class_notes(assignment.sparse_classes, assignment.k):
        print(f"note: {note}", file=sys.stderr)
    for note in dataset_notes(assignment):
        print(note, file=sys.stderr)
    balance = compute_balance(assignment, settings.tolerance)
    for note in tolerance_notes(balance, assignment.groups_per_class):
        print(note, file=sys.stderr)
    show_balance(args, assignment, settings.tolerance, balance)
    if args.html:
        from foldcheck.commands.split_page import write_page

        with status("checking the folds for the page", quiet):
            written.insert(1, write_page(args, manifest, dataset))  # beside the manifest
    shown = ", ".join(str(path) for path in written[:3])
    more = f" and {len(written) - 3} more" if len(written) > 3 else ""
    print(f"wrote {shown}{more}", file=sys.stderr)
    return 0


def dataset_notes(assignment: FoldAssignment) -> list[str]:
    """Warnings and notes about the data that the split itself cannot fix."""
    import numpy as np

    from foldcheck.core.group_presets import preset_hint

    dataset, notes = assignment.dataset, []
    if assignment.groups.key.is_image:
        hint = preset_hint(dataset.file_names)
        if hint is not None:
            notes.append(f"warning: {hint}")
    yolo = getattr(dataset, "yolo", None)
    if yolo is not None:
        if yolo.rejected:
            notes.append(
                f"warning: {yolo.rejected} image(s) have box values outside [0, 1], which "
                "Ultralytics rejects (it drops those images): foldcheck validate names them"
            )
        unsized = int(np.isnan(dataset.ann_area).sum())
        if unsized:
            notes.append(
                f"note: {unsized} box(es) are on images whose header gave no size: they are "
                "left out of the box-size balance"
            )
        if yolo.test_keys:
            notes.append(
                f"note: the {len(yolo.test_keys)} images of the YAML's test: are not split; "
                "every fold YAML keeps them in its test:"
            )
    held = assignment.holdout
    if held is not None:
        pulled = f", {held.pulled_in} of them for sharing a group with a listed one"
        notes.append(
            f"note: held out {int(held.mask.sum())} images ({held.mask.mean():.1%}) as the "
            f"test set{pulled if held.pulled_in else ''}"
        )
        notes += untested_class_notes(assignment)
    return notes


def untested_class_notes(assignment: FoldAssignment, most: int = 5) -> list[str]:
    """Classes the dataset annotates but the held-out test set has no box of: their test
    metrics will be empty (or undefined), which a user should know before training."""
    import numpy as np

    dataset, held = assignment.dataset, assignment.holdout
    assert held is not None
    everywhere = np.bincount(dataset.ann_class, minlength=dataset.n_classes)
    tested = np.bincount(
        dataset.ann_class[held.mask[dataset.ann_image]], minlength=dataset.n_classes
    )
    missing = np.flatnonzero((everywhere > 0) & (tested == 0)).tolist()
    names = [f"{dataset.category_names[c]!r} ({int(everywhere[c])} boxes)" for c in missing]
    if not names:
        return []
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return [
        f"note: the held-out test set has no box of class {', '.join(names[:most])}{more}: "
        "its test metrics will be empty; hold out more (--holdout) or pick the test images "
        "(--holdout-from)"
    ]


def tolerance_notes(balance: Balance, groups_per_class: np.ndarray, most: int = 5) -> list[str]:
    """A warning when ``check`` with the same tolerance will refuse cells of the folds just
    written (``groups_per_class``: the groups of the folds holding each class, for FC403):
    the search met no better split, and the floor in each line says what no group-respecting
    split can beat."""
    from foldcheck.checks.rules.balance import balance_refusals

    refused = list(balance_refusals(balance, groups_per_class))
    if not refused:
        return []
    lines = [
        f"warning: foldcheck check at tolerance ±{balance.tolerance:.0%} will refuse "
        f"{len(refused)} cell{'s' * (len(refused) > 1)} of these folds: the split found none "
        "closer to an equal share with these groups (each line's floor is what no split "
        "keeping the groups whole can beat)"
    ]
    lines += [f"  {rule.code} {message}" for _, rule, message in refused[:most]]
    if len(refused) > most:
        lines.append(f"  ... and {len(refused) - most} more (foldcheck check lists them all)")
    return lines


def sparse_class_notes(sparse: dict[str, int], k: int, most: int = 5) -> list[str]:
    """One line per class that some folds must lack, or a summary when there are many."""
    if len(sparse) <= most:
        return [
            f"class {quoted(name)} has no annotations: it is in no fold"
            if count == 0
            else f"class {quoted(name)} is in {count} group{'s' * (count > 1)}, fewer than {k} "
            f"folds: {k - count} validation fold{'s' * (k - count > 1)} lack it"
            for name, count in sparse.items()
        ]
    rarest = sorted(sparse.items(), key=lambda item: item[1])[:most]
    named = ", ".join(f"{quoted(name)} ({count})" for name, count in rarest)
    return [
        f"{len(sparse)} classes are in fewer groups than the {k} folds, so some validation "
        f"folds lack them; the rarest (groups): {named}"
    ]
