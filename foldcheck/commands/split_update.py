"""``split --update`` (keep the folds while the data changes) and ``split --from FOLDFILES
[--repair]`` (adopt folds made elsewhere): the parts of ``split`` that start from folds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foldcheck.commands.options import progress_off, setting_options

if TYPE_CHECKING:
    import numpy as np

    from foldcheck.config import Settings
    from foldcheck.core.assignment import FoldAssignment, Holdout
    from foldcheck.core.dataset import Dataset
    from foldcheck.core.findings import Finding
    from foldcheck.formats.manifest import Manifest
    from foldcheck.splitter.update import NewHoldout, Updated


def refuse_conflicts(args: argparse.Namespace) -> None:
    """Options that contradict keeping (or adopting) the folds, refused before any read."""
    from foldcheck.errors import InputError

    mode = "--update" if args.update else "--from"
    if args.update and args.from_files:
        raise InputError("--update keeps the folds in --out; --from adopts others: pick one")
    if args.repair and not args.from_files:
        raise InputError("--repair fixes the folds --from names; give --from FOLDFILES")
    for given, option in ((args.holdout, "--holdout"), (args.holdout_from, "--holdout-from")):
        if given is not None:
            what = "keeps the set's held-out set" if args.update else "keeps the files' folds"
            raise InputError(f"{mode} {what}: {option} cannot be used with it")
    if args.update and args.force:
        raise InputError("--update replaces the set it updates: it needs no --force")


def run_update(args: argparse.Namespace) -> int:
    from foldcheck.config import load_config, resolve_settings
    from foldcheck.errors import InputError
    from foldcheck.formats.export_names import MANIFEST_NAME
    from foldcheck.formats.fold_files import existing_exports, manifest_listings
    from foldcheck.formats.manifest import read_manifest
    from foldcheck.io.atomic import recover_folder
    from foldcheck.render.progress import status

    out = Path(args.out)
    manifest_path = out / MANIFEST_NAME
    if out.is_dir():  # a writer into out: an interrupted write there is finished first
        recover_folder(out)
    if not manifest_path.is_file():
        raise InputError(
            f"no {MANIFEST_NAME} to update here; make the folds first: foldcheck split "
            f"{args.dataset} --out {out}",
            out,
        )
    manifest = read_manifest(manifest_path)
    if args.folds is not None and args.folds != manifest.k:
        raise InputError(
            f"--update keeps the set's {manifest.k} folds, -k {args.folds} would reshuffle "
            "them: run foldcheck split --force for a new set",
            manifest_path,
        )
    settings = resolve_settings(setting_options(args), manifest, load_config())
    with status(f"reading {args.dataset}", progress_off(args)):
        dataset = _read(args.dataset)
    if dataset.n_images == 0:
        raise InputError("the dataset has no images to split", dataset.path, json_path="$.images")
    listings, removed = manifest_listings(manifest, dataset)
    if removed and not len(listings[0]):
        print(
            f"warning: none of the {len(removed)} images the folds list is in {args.dataset} "
            "(were its image ids renumbered?): every image is placed anew",
            file=sys.stderr,
        )
    holdout, new_holdout = _recorded_holdout(manifest, dataset)
    near, record = _recorded_near_duplicates(args, manifest, dataset)
    formats = tuple(dict.fromkeys([*existing_exports(out), *_exports(args)]))
    with status(f"updating {dataset.n_images} images' folds", progress_off(args)):
        assignment, updated = _update(dataset, settings, listings, holdout, new_holdout, near)
    _write(args, assignment, settings, record, formats, force=True)
    _report(args, assignment, settings, updated, len(removed), [])
    return 0


def run_adopt(args: argparse.Namespace) -> int:
    from foldcheck.checks.context import build_context
    from foldcheck.checks.runner import check_fold_set
    from foldcheck.config import load_config, resolve_settings
    from foldcheck.errors import InputError
    from foldcheck.formats.foldsets import discover

    source = Path(args.from_files)
    found = discover([source])
    if len(found) > 1:  # a manifest's exports beside it hold the same folds: take them
        found = [fold_set for fold_set in found if fold_set.kind != "manifest"] or found
    if len(found) != 1:
        kinds = ", ".join(str(fold_set.origin) for fold_set in found)
        raise InputError(f"holds {len(found)} fold sets ({kinds}): name one of them", source)
    fold_set = found[0]
    if args.folds is not None and args.folds != fold_set.k:
        raise InputError(
            f"the files hold {fold_set.k} folds; -k {args.folds} cannot adopt them", source
        )
    settings = resolve_settings({**setting_options(args), "k": fold_set.k}, project=load_config())
    dataset = _read(args.dataset)
    ctx = build_context(
        fold_set, dataset, settings.group_by, settings.missing_group, settings.tolerance, None
    )
    findings, _ = check_fold_set(ctx, None, None)
    blocking = [f for f in findings if _blocks_adoption(f)]
    if fold_set.first_fold:
        print(
            f"note: {fold_set.origin} numbers its folds {fold_set.first_fold}.."
            f"{fold_set.k + fold_set.first_fold - 1}: read as folds 0..{fold_set.k - 1}",
            file=sys.stderr,
        )
    if blocking and not args.repair:
        _show_findings(args, findings)
        print(
            f"not adopted: {len(blocking)} leak(s) or coverage hole(s); nothing written. "
            "--repair fixes them with the fewest image moves",
            file=sys.stderr,
        )
        return 1
    listings, unknown = _fold_set_listings(ctx)
    assignment, updated = _update(dataset, settings, listings, None, None, None)
    _write(args, assignment, settings, None, _exports(args), force=args.force)
    _report(
        args, assignment, settings, updated, unknown, [f for f in findings if f not in blocking]
    )
    return 0


def _read(path: str) -> Dataset:
    from foldcheck.formats.datasets import read_dataset

    return read_dataset(path)


def _exports(args: argparse.Namespace) -> tuple[str, ...]:
    from foldcheck.formats.exports import parse_export_formats

    return parse_export_formats(args.export)


def _update(
    dataset: Dataset,
    settings: Settings,
    listings: tuple[np.ndarray, np.ndarray],
    holdout: Holdout | None,
    new_holdout: NewHoldout | None,
    near: tuple[np.ndarray, np.ndarray] | None,
) -> tuple[FoldAssignment, Updated]:
    from foldcheck.api import update_dataset

    return update_dataset(dataset, settings, listings, holdout, new_holdout, near)


def _recorded_holdout(
    manifest: Manifest, dataset: Dataset
) -> tuple[Holdout | None, NewHoldout | None]:
    """The set's held-out set as recorded, and how new groups join it: the same share
    (``--holdout``), or being listed in the file it came from (``--holdout-from``)."""
    import numpy as np

    from foldcheck.core.assignment import Holdout
    from foldcheck.splitter.holdout import listed_rows
    from foldcheck.splitter.update import NewHoldout

    record = manifest.holdout
    if record is None:
        return None, None
    fraction, source = record.get("fraction"), record.get("from")
    empty = np.zeros(dataset.n_images, dtype=bool)
    if source is not None:
        path = manifest.path.parent / source
        listed = empty.copy()
        listed[listed_rows(dataset, path)] = True
        return Holdout(empty, source=str(path)), NewHoldout(listed=listed)
    if fraction is not None:
        return Holdout(empty, fraction=fraction), NewHoldout(fraction=fraction)
    return Holdout(empty), None


def _recorded_near_duplicates(
    args: argparse.Namespace, manifest: Manifest, dataset: Dataset
) -> tuple[tuple[np.ndarray, np.ndarray] | None, dict[str, Any] | None]:
    """The near-duplicate pairs of the changed data, by the set's recorded settings (its
    images folder unless --images-dir names another, its distance)."""
    from foldcheck.commands.split_near import near_duplicates

    record = manifest.near_duplicates
    if not record and not args.group_near_duplicates:
        return None, None
    recorded = argparse.Namespace(**vars(args))
    if record:
        recorded.images_dir = args.images_dir or str(manifest.path.parent / record["images_dir"])
        recorded.near_distance = record["max_distance"]
    return near_duplicates(recorded, dataset)


def _fold_set_listings(ctx: Any) -> tuple[tuple[np.ndarray, np.ndarray], int]:
    """Every listing of an image of the dataset in a validation fold (rows, folds), and how
    many listed images the dataset does not have."""
    import numpy as np

    rows = [side.rows[side.rows >= 0] for side in ctx.val]
    sides = [np.full(len(r), fold, dtype=np.intp) for fold, r in enumerate(rows)]
    unknown = sum(int((side.rows < 0).sum()) for side in ctx.val)
    return (np.concatenate(rows), np.concatenate(sides)), unknown


def _blocks_adoption(finding: Finding) -> bool:
    """Leaks (FC1xx) and coverage holes (FC2xx) that are errors; balance does not block."""
    return finding.severity == "error" and finding.code[:3] in ("FC1", "FC2")


def _write(
    args: argparse.Namespace,
    assignment: FoldAssignment,
    settings: Settings,
    record: dict[str, Any] | None,
    formats: tuple[str, ...],
    force: bool,
) -> None:
    from foldcheck.formats.fold_files import manifest_of, write_fold_files
    from foldcheck.render.progress import status

    manifest = manifest_of(assignment, Path(args.out), settings.tolerance, record)
    with status("writing", progress_off(args)):
        write_fold_files(assignment, manifest.path.parent, formats, force, manifest)


def _show_findings(args: argparse.Namespace, findings: list[Finding]) -> None:
    from foldcheck.core.findings import capped, tally
    from foldcheck.render.findings import render_findings, use_color

    render_findings(
        capped([findings]) if args.format == "text" else findings,  # machines get every one
        args.format,
        sys.stdout,
        color=use_color(args.color, sys.stdout),
        quiet=False,
        fold_sets=1,
        found=tally(findings),
    )


def _report(
    args: argparse.Namespace,
    assignment: FoldAssignment,
    settings: Settings,
    updated: Updated,
    removed: int,
    findings: list[Finding],
) -> None:
    """kept / placed / moved / removed on stderr, every move on its own line when adopting;
    with --format json one document: the counts, the moves and the balance."""
    import json

    from foldcheck.core.assignment import HELD
    from foldcheck.core.balance import compute_balance

    dataset = assignment.dataset
    moved = updated.moved
    rows, sides = updated.rows[moved], updated.sides[moved]
    targets = updated.side[rows]
    # each image's key as the manifest records it: its id, or a YOLO image's path
    every_key = dataset.file_names if dataset.keys_are_names else dataset.image_ids.tolist()
    moves = [
        {
            "image_id": every_key[row],
            "from": -1 if source == HELD else source,
            "to": -1 if target == HELD else target,
        }
        for row, source, target in zip(rows.tolist(), sides.tolist(), targets.tolist(), strict=True)
    ]
    counts = {
        "kept": updated.kept,
        "placed": updated.placed,
        "moved": len(moves),
        "removed": removed,
    }
    if args.format == "json":
        balance = compute_balance(assignment, settings.tolerance).to_dict()
        document = {"counts": counts, "moved": moves, "balance": balance}
        print(json.dumps(document, indent=2))
    else:
        from foldcheck.commands.report import show_balance

        show_balance(args, assignment, settings.tolerance)
    if args.format != "json":
        for finding in findings:
            print(f"{finding.location()}: {finding.code} {finding.message}", file=sys.stderr)
        if args.from_files:
            for move in moves:
                print(
                    f"moved image {move['image_id']!r} from fold {move['from']} to fold "
                    f"{move['to']}",
                    file=sys.stderr,
                )
    print(
        f"{args.out}: kept {counts['kept']}, placed {counts['placed']}, moved "
        f"{counts['moved']}, removed {counts['removed']} image(s)",
        file=sys.stderr,
    )
