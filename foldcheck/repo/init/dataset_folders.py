"""The folders of a repository that hold the dataset (images, labels, annotation files) and
the folds, from the paths foldcheck knows: what ``init --editor`` keeps out of Pylance's
enumeration, the file watcher and search. A detection repository holds tens of thousands of
these files and no Python source among them.

- the fold set's folder (the manifest's, or where ``split`` will write);
- a COCO file's folder (Roboflow exports keep the images beside it), or the folder above
  it when it is an ``annotations/`` folder or one split of several (``train/``, ``valid/``,
  ``test/``), and ``--images-dir``;
- a YOLO dataset's root (``path:`` or the YAML's folder), or, when that root is the
  repository itself, the ``images/`` and ``labels/`` folders of its splits.

Never the repository's top level, nothing outside it, and only the outermost of nested folders.
"""

from __future__ import annotations

from pathlib import Path

from foldcheck.errors import InputError
from foldcheck.repo.init.pyproject import Settings

# A COCO file in one of these stands for the dataset folder above it.
PART_FOLDERS = frozenset(
    {"annotations", "annotation", "labels", "train", "val", "valid", "validation", "test"}
)


def dataset_folders(root: Path, settings: Settings, images_dir: Path | None = None) -> list[str]:
    """Folders relative to ``root`` (forward slashes), the outermost of nested ones, sorted."""
    found = [_folds_folder(root, settings.folds)]
    if settings.dataset is not None:
        dataset = root / settings.dataset
        if dataset.suffix.lower() in (".yaml", ".yml"):
            found += _yolo_folders(root, dataset)
        else:
            found += _coco_folders(root, dataset)
    if images_dir is not None:
        found.append(images_dir)
    inside = sorted(
        {
            p.relative_to(root)
            for p in map(Path.resolve, found)
            if p != root and p.is_relative_to(root)
        }
    )
    outermost = [p for p in inside if not any(p != q and p.is_relative_to(q) for q in inside)]
    return [p.as_posix() for p in outermost]


def _folds_folder(root: Path, folds: str) -> Path:
    path = root / folds
    return path.parent if path.suffix.lower() == ".json" else path


def _coco_folders(root: Path, dataset: Path) -> list[Path]:
    folder = dataset.parent
    if folder.name.lower() not in PART_FOLDERS:
        return [folder]
    if folder.parent.resolve() != root:
        return [folder.parent]
    # An export unzipped into the top level: each part that holds a file of the same name.
    return [
        p for p in root.iterdir() if p.name.lower() in PART_FOLDERS and (p / dataset.name).is_file()
    ]


def _yolo_folders(root: Path, data_yaml: Path) -> list[Path]:
    from foldcheck.formats.yolo.data_yaml import read_data_yaml

    try:
        data = read_data_yaml(data_yaml)
    except (InputError, OSError):
        return [data_yaml.parent]  # validate reports what is wrong with it
    if data.root.resolve() != root:
        return [data.root]
    folders: list[Path] = []
    for sources in data.sources.values():
        for source in sources:
            folder = source if source.is_dir() else source.parent
            parts = folder.resolve().relative_to(root).parts if folder.is_relative_to(root) else ()
            if "images" in parts:
                top = root.joinpath(*parts[: parts.index("images")])
                folders += [top / "images", top / "labels"]
            elif parts:
                folders.append(folder)
    return folders
