"""COCO detection files: read into a ``Dataset``, checking every id and reference.

The file is mapped and validated once (``io.jsontext``); the ``images`` and ``annotations``
arrays are then decoded a run of records at a time into the few typed fields split and check
need (``coco.records``), straight into numpy columns, so no Python object per record is kept
and none is made for the fields (polygons, captions) nobody reads. Other image fields are
decoded on demand (``Dataset.image_field``), and exports copy records from the mapped text.

A run whose values do not fit the types falls back to the ordinary parse of that run, whose
checks name the culprit: every structural problem is an ``InputError`` naming the file and the
JSON path (or line and column, for JSON syntax).
"""

from __future__ import annotations

from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
import orjson

from foldcheck.core.dataset import INT64_MAX, Dataset, ImageSource
from foldcheck.errors import InputError
from foldcheck.formats.coco import forked
from foldcheck.formats.coco.records import ArrayRuns, DuplicateKey, Field, Run
from foldcheck.formats.coco.text import TextSource, field_values, text_of
from foldcheck.io import jsontext
from foldcheck.io.excerpt import quoted
from foldcheck.io.growing import GrowingColumn
from foldcheck.io.heap import heap_reused
from foldcheck.io.nesting import nesting_error
from foldcheck.io.structure import scan_records

if TYPE_CHECKING:  # the lint modules load only for validate: check and split start lighter
    from foldcheck.formats.coco.lint import LintBuilder, LintTable

SECTIONS = ("images", "annotations", "categories")
INT64_MIN = np.iinfo(np.int64).min
_NAN = float("nan")
IMAGE_FIELDS = (Field("id", int),)
_ANNOTATION_DTYPES = (np.int64, np.int64, np.float64, np.int64)  # as ANNOTATION_FIELDS
ANNOTATION_FIELDS = (
    Field("image_id", int),
    Field("category_id", int),
    Field("area", float, _NAN),
    Field("id", int, INT64_MIN),  # missing: validate's FC502, not a duplicate
)


def load_dataset(path: str | Path) -> Dataset:
    """Read and validate a COCO file; every structural problem is an InputError."""
    dataset, _ = _read(Path(path), None)
    return dataset


def load_lint_table(path: str | Path) -> LintTable:
    """The file read as ``load_dataset`` reads it, with the lint columns decoded in the same
    pass; repeated annotation ids are left for the lint to report."""
    from foldcheck.formats.coco.lint import LintBuilder, LintTable
    from foldcheck.formats.coco.places import RecordPlaces

    lint = LintBuilder()
    dataset, arrays = _read(Path(path), lint)
    source = text_of(dataset)
    start, end = source.member("categories")
    runs = {**arrays.runs, "categories": ((0, start + 1, end - 1),)}
    has_info = any(key == "info" for key, _, _ in source.members)
    return LintTable(dataset, lint.columns(has_info), RecordPlaces(source.text, runs))


def _read(path: Path, lint: LintBuilder | None) -> tuple[Dataset, _ArrayColumns]:
    text = jsontext.map_file(path)
    try:
        # Each run's copy of its text and its temporaries (a few MB, hundreds of runs in a
        # large file) come from the pages the run before freed, not from fresh maps the
        # kernel zeroes page by page (0.6-0.8 s of CPU over Open Images' 1.9 GB).
        with heap_reused():
            return _read_text(text, path, lint)
    except RecursionError:  # valid JSON nested deeper than a parser goes
        raise nesting_error(text, path) from None


def _read_text(text: Any, path: Path, lint: LintBuilder | None) -> tuple[Dataset, _ArrayColumns]:
    encoding = jsontext.EncodingCheck(text, path, digest=lint is None)  # validate needs none
    try:
        return _decode_text(text, path, lint, encoding)
    except BaseException:
        encoding.raise_found()
        raise


def _decode_text(
    text: Any, path: Path, lint: LintBuilder | None, encoding: jsontext.EncodingCheck
) -> tuple[Dataset, _ArrayColumns]:
    arrays = _ArrayColumns(text, path, lint)
    try:
        try:
            members = jsontext.top_level_members(text, path, arrays.read)
        except jsontext.NotAnObject as other:
            raise InputError(
                f"expected a COCO object at the top level, found {_kind(other.value)}",
                path,
                json_path="$",
            ) from None
        by_key = {m.key: m for m in members}
        for key in SECTIONS:
            _require_array(text, by_key, key, path)
        for member in members:
            if member.key not in arrays.read_keys:
                _check_keys(text, member)
    except DuplicateKey as dup:
        line, col = jsontext.line_col(text, dup.offset)
        raise InputError(
            f"duplicate key {quoted(dup.key)} in one object", path, line=line, col=col
        ) from None
    except msgspec.DecodeError:
        raise jsontext.syntax_error(text, path) from None
    image_ids = arrays.image_ids()
    categories = _loads_at(text, by_key["categories"].start, by_key["categories"].end, path)
    category_ids = _int_column(categories, "categories", "id", path)
    image_row = _index_of(image_ids, "images", path)
    class_row = _index_of(category_ids, "categories", path)
    ann_image_id, ann_category_id, ann_area, ann_id = arrays.annotation_columns()
    ann_image = _lookup(
        ann_image_id, image_ids, image_row, "annotations", "image_id", "image", path
    )
    ann_class = _lookup(
        ann_category_id, category_ids, class_row, "annotations", "category_id", "category", path
    )
    names = tuple(str(c.get("name", c["id"])) for c in categories)
    if lint is None:
        reject_duplicate_annotation_ids(ann_id, path)
    dataset = Dataset(
        path,
        encoding.result(),
        image_ids,
        category_ids,
        names,
        ann_image,
        ann_class,
        ann_area,
        TextSource(
            text,
            tuple((m.key, m.start, m.end) for m in members),
            (len(image_ids), len(ann_image), len(category_ids)),
            arrays.decoded,
        ),
    )
    return dataset, arrays


def dataset_from_columns(
    path: Path,
    image_ids: np.ndarray,
    categories: tuple[np.ndarray, tuple[str, ...]],
    annotations: tuple[np.ndarray, np.ndarray, np.ndarray],
    source: ImageSource,
) -> Dataset:
    """A Dataset of columns gathered elsewhere (the union of fold files): image ids, the
    categories' ids and names, and each annotation's image id, category id and area, checked
    as a file's would be (ids unique, every reference known)."""
    category_ids, names = categories
    ann_image_id, ann_category_id, ann_area = annotations
    image_row = _index_of(image_ids, "images", path)
    class_row = _index_of(category_ids, "categories", path)
    ann_image = _lookup(
        ann_image_id, image_ids, image_row, "annotations", "image_id", "image", path
    )
    ann_class = _lookup(
        ann_category_id, category_ids, class_row, "annotations", "category_id", "category", path
    )
    return Dataset(path, "", image_ids, category_ids, names, ann_image, ann_class, ann_area, source)


# --- the mapped-text reader -------------------------------------------------------------


def _require_array(text: Any, by_key: dict[str, jsontext.Member], key: str, path: Path) -> None:
    if key not in by_key:
        raise InputError(f'missing "{key}": not a COCO detection file', path, json_path="$")
    member = by_key[key]
    if text[member.start : member.start + 1] != b"[":
        value = msgspec.json.decode(text[member.start : member.end])
        raise InputError(f"expected an array, found {_kind(value)}", path, json_path=f"$.{key}")


def _check_keys(text: Any, member: jsontext.Member) -> None:
    """Duplicate keys in a member read whole (categories, info, licenses, ...)."""
    if text[member.start : member.start + 1] not in (b"{", b"["):
        return
    found = scan_records(memoryview(text)[member.start : member.end])
    if found.duplicate_at >= 0:
        raise DuplicateKey(member.start + found.duplicate_at, found.duplicate_key)


class _ArrayColumns:
    """Columns of the ``images`` and ``annotations`` arrays, decoded as the walk of the top
    level reaches them (whichever comes first in the file); with ``lint``, its columns too,
    and where each run of records lies (``runs``)."""

    def __init__(self, text: Any, path: Path, lint: LintBuilder | None) -> None:
        self.text, self.path, self.lint = text, path, lint
        self.read_keys: set[str] = set()
        self.runs: dict[str, tuple[tuple[int, int, int], ...]] = {}
        self.decoded: dict[str, list[Any]] = {}  # image fields decoded ahead: the file names
        self._images_at: tuple[int, int] | None = None  # the images array's span, once read
        self._images: list[np.ndarray] = []
        # image_id, category_id, area, id: a run at a time, into the final columns.
        self._annotations = tuple(GrowingColumn(dtype) for dtype in _ANNOTATION_DTYPES)

    def read(self, key: str, start: int) -> int | None:
        if key not in ("images", "annotations") or key in self.read_keys:
            return None
        self.read_keys.add(key)
        fields: tuple[Field, ...] = IMAGE_FIELDS if key == "images" else ANNOTATION_FIELDS
        if self.lint is not None:
            fields += self.lint.fields(key)
        name = key.title()
        rest = None
        if key == "annotations" and self.lint is None:
            rest = forked.start_rest(self.text, start, fields, name, _typed_annotation_columns)
        try:
            runs = ArrayRuns(self.text, start, fields, name, stop_at=rest.stop_at if rest else -1)
            places = self._read_runs(key, runs)
            end = runs.end
            if rest is not None and runs.rest is not None:  # the child read the rest
                self._decode_names_ahead()
                end = self._collect(rest, runs.rest[1], places)
                if end < 0:  # it gave up: read here, for the error a whole read finds
                    runs = ArrayRuns(self.text, start, fields, name, resume=runs.rest)
                    places += self._read_runs(key, runs)
                    end = runs.end
        finally:
            if rest is not None:
                rest.close()
        self.runs[key] = tuple(places)
        if key == "images":
            self._images_at = (start, end)
        return end

    def _decode_names_ahead(self) -> None:
        """The images' file names (split's folds.csv and notes, check's rules read them),
        decoded while the child still decodes its half of the annotations: this process
        would otherwise wait for it, and decode them after the split, alone."""
        if self._images_at is not None:
            self.decoded["file_name"] = field_values(self.text, *self._images_at, "file_name")

    def _read_runs(self, key: str, runs: ArrayRuns) -> list[tuple[int, int, int]]:
        places = []
        for run in runs:
            places.append((run.first, run.start, run.end))
            if key == "images":
                self._images.append(self._image_run(run))
            else:
                columns = _annotation_run(run, self.text, self.path, self.lint)
                for column, values in zip(self._annotations, columns, strict=True):
                    column.extend(values)
        return places

    def _collect(self, rest: forked.Rest, first: int, places: list[tuple[int, int, int]]) -> int:
        """The child's columns appended, its runs to ``places`` (its records from index
        ``first``); the array's end, or -1 if it gave up."""
        got = rest.collect(_ANNOTATION_DTYPES)
        if got is None:
            return -1
        columns, runs, end = got
        for column, values in zip(self._annotations, columns, strict=True):
            column.extend(values)
        places += [(first + int(index), int(s), int(e)) for index, s, e in runs.tolist()]
        return end

    def _image_run(self, run: Run) -> np.ndarray:
        if run.records is not None:
            try:
                ids = _ints(run.records, "id")
            except (OverflowError, ValueError):
                pass
            else:
                if self.lint is None or self.lint.typed_images(run.records):
                    return ids
        records = _parsed(run, self.text, self.path)
        ids = _int_column(records, "images", "id", self.path, run.first)
        if self.lint is not None:
            self.lint.parsed_images(records)
        return ids

    def image_ids(self) -> np.ndarray:
        return np.concatenate(self._images) if self._images else np.zeros(0, np.int64)

    def annotation_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """image_id, category_id, area and id (INT64_MIN where not an integer) per annotation."""
        image_id, category_id, area, ids = (column.finish() for column in self._annotations)
        return image_id, category_id, area, ids


def _annotation_run(
    run: Run, text: Any, path: Path, lint: LintBuilder | None
) -> tuple[np.ndarray, ...]:
    if run.records is not None:
        columns = _typed_annotation_columns(run.records, lint)
        if columns is not None:
            return columns
    records = _parsed(run, text, path)
    columns = (
        _int_column(records, "annotations", "image_id", path, run.first),
        _int_column(records, "annotations", "category_id", path, run.first),
        _areas(records),
        _optional_ids(records),
    )
    if lint is not None:
        lint.parsed_annotations(records)
    return columns


def _typed_annotation_columns(
    records: list[Any], lint: LintBuilder | None = None
) -> tuple[np.ndarray, ...] | None:
    """image_id, category_id, area and id of typed records; None where they must be read the
    slow way (an id beyond what the checks allow, an area missing)."""
    try:
        columns = (
            _ints(records, "image_id"),
            _ints(records, "category_id"),
            np.fromiter(map(attrgetter("area"), records), np.float64, len(records)),
            np.fromiter(map(attrgetter("id"), records), np.int64, len(records)),
        )
    except (OverflowError, ValueError):
        return None
    # Areas missing (or not numbers): the boxes decide, read the slow way.
    if np.isnan(columns[2]).any() or (
        lint is not None and not lint.typed_annotations(records, columns[3], columns[2])
    ):
        return None
    return columns


def _parsed(run: Run, text: Any, path: Path) -> list[Any]:
    """The run's records parsed whole, the slow way (its text is "[" + the run + "]")."""
    records: list[Any] = _loads_at(run.text, 0, len(run.text), path, text, run.start - 1)
    return records


def _loads_at(
    piece: Any, start: int, end: int, path: Path, text: Any = None, offset: int = 0
) -> Any:
    """``piece[start:end]`` parsed. It is valid JSON (a decoder read it), so what orjson
    refuses is a value it cannot hold, such as a number beyond any double, or nesting deeper
    than it goes: an InputError at that place in ``text`` (``piece`` starts at its
    ``offset``)."""
    try:
        return orjson.loads(piece[start:end])
    except orjson.JSONDecodeError as error:
        text = piece if text is None else text
        if error.msg.startswith("recursion limit"):
            raise nesting_error(text, path) from None
        taken = bytes(piece[start:end]).decode("utf-8")[: error.pos].encode("utf-8")  # chars
        line, col = jsontext.line_col(text, offset + start + len(taken))
        raise InputError(f"cannot read this value: {error.msg}", path, line=line, col=col) from None


def _optional_ids(records: list[dict[str, Any]]) -> np.ndarray:
    """Each record's integer "id" (INT64_MIN where it has none, or one of another type)."""
    ids = [r.get("id") if isinstance(r, dict) else None for r in records]
    return np.array(
        [i if type(i) is int and -INT64_MAX <= i <= INT64_MAX else INT64_MIN for i in ids],
        np.int64,
    ).reshape(len(ids))


def reject_duplicate_annotation_ids(ids: np.ndarray, path: Path) -> None:
    """pycocotools' COCO() indexes annotations by id and keeps one of a repeated id: what
    split balances and check counts would not be what is evaluated. (``validate`` reports
    them as FC501 instead, with every place; ids that are not integers are its FC502.)"""
    present = ids != INT64_MIN
    column = ids if present.all() else ids[present]
    if _rising(column):  # as most files number them: no sort (seconds at Open Images size)
        return
    rows = np.flatnonzero(present)
    column = ids[rows]
    order = np.argsort(column, kind="stable")
    repeated = np.flatnonzero(column[order][1:] == column[order][:-1])
    if len(repeated):
        first, second = (int(rows[order[repeated[0] + k]]) for k in (0, 1))
        raise InputError(
            f"duplicate annotation id {int(column[order[repeated[0]]])} (first at"
            f" $.annotations[{first}]); pycocotools' COCO() keeps only one of them:"
            " foldcheck validate --fix renumbers them",
            path,
            json_path=f"$.annotations[{second}].id",
        )


def _ints(records: list[Any], name: str) -> np.ndarray:
    """An int field of typed records; ValueError if one is beyond what the checks allow."""
    values = np.fromiter(map(attrgetter(name), records), np.int64, len(records))
    if len(values) and values.min() == INT64_MIN:
        raise ValueError(name)
    return values


# --- checks shared by the reader and dataset_from_columns -----------------------------------


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }.get(type(value), "a value")


def _int_column(
    records: list[dict[str, Any]], key: str, name: str, path: Path, first: int = 0
) -> np.ndarray:
    """One integer field of every record, as int64; the slow scan runs only to name a culprit.
    ``first`` is the index of ``records[0]`` in the file's array (for the JSON path)."""
    try:
        values = [record[name] for record in records]
        # numpy would quietly take True for 1 and 2.0 for 2: only true ints pass.
        if set(map(type, values)) <= {int}:
            return np.array(values, dtype=np.int64) if values else np.zeros(0, np.int64)
    except (KeyError, TypeError, OverflowError):
        pass
    for index, record in enumerate(records, first):
        where = f"$.{key}[{index}]"
        if not isinstance(record, dict):
            raise InputError(f"expected an object, found {_kind(record)}", path, json_path=where)
        if name not in record:
            raise InputError(f'missing "{name}"', path, json_path=where)
        value = record[name]
        if isinstance(value, float) and value.is_integer() and abs(value) > INT64_MAX:
            # A JSON integer beyond 64 bits, which the parser could only read as a float.
            raise InputError("id is out of the 64-bit range", path, json_path=f"{where}.{name}")
        if type(value) is not int:
            raise InputError(
                f"expected an integer, found {_kind(value)} {value!r:.40}",
                path,
                json_path=f"{where}.{name}",
            )
        if not -INT64_MAX <= value <= INT64_MAX:
            raise InputError(
                f"id {value} is out of the 64-bit range", path, json_path=f"{where}.{name}"
            )
    raise InputError(f'unreadable "{name}" values', path, json_path=f"$.{key}")


def _index_of(ids: np.ndarray, key: str, path: Path) -> np.ndarray:
    """Rows of ``ids`` in sorted-id order (for searchsorted lookups); rejects duplicates."""
    if _rising(ids):
        return np.arange(len(ids))
    order = np.argsort(ids, kind="stable")
    repeats = np.flatnonzero(ids[order][1:] == ids[order][:-1])
    if len(repeats):
        first, second = sorted((int(order[repeats[0]]), int(order[repeats[0] + 1])))
        raise InputError(
            f"duplicate id {int(ids[second])} (first at $.{key}[{first}])",
            path,
            json_path=f"$.{key}[{second}].id",
        )
    return order


def _rising(ids: np.ndarray) -> bool:
    """Whether every id is greater than the one before (so none repeats)."""
    return bool((ids[1:] > ids[:-1]).all())


def _lookup(
    values: np.ndarray,
    ids: np.ndarray,
    order: np.ndarray,
    key: str,
    name: str,
    noun: str,
    path: Path,
) -> np.ndarray:
    """Rows of ``ids`` holding each of ``values``; an unknown value is an error."""
    if len(ids) == 0:
        if len(values):
            raise InputError(
                f"{noun} id {int(values[0])} is not in the file's {noun} list",
                path,
                json_path=f"$.{key}[0].{name}",
            )
        return np.zeros(0, np.intp)
    rows = _dense_lookup(values, ids)
    if rows is not None:
        unknown = np.flatnonzero(rows < 0)
        if not len(unknown):
            return rows
    sorted_ids = ids[order]
    position = np.minimum(np.searchsorted(sorted_ids, values), len(ids) - 1)
    unknown = np.flatnonzero(sorted_ids[position] != values)
    if len(unknown):
        index = int(unknown[0])
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise InputError(
            f"{noun} id {int(values[index])} is not in the file's {noun} list{more}",
            path,
            json_path=f"$.{key}[{index}].{name}",
        )
    return order[position].astype(np.intp, copy=False)


def _dense_lookup(values: np.ndarray, ids: np.ndarray) -> np.ndarray | None:
    """Rows by a table indexed by id, when ids are dense (COCO's usually run 1..n): a gather
    instead of a binary search per value. -1 for a value that is no id; None if not dense."""
    low, high = int(ids.min()), int(ids.max())
    if high - low > 4 * len(ids) + 1024:
        return None
    # Ids from near 0 (as most files number them) index a table from 0: no shifted copy of
    # ``values`` (millions of annotations) is needed.
    low = min(low, 0) if low <= len(ids) + 1024 else low
    table = np.full(high - low + 1, -1, np.intp)
    table[ids - low] = np.arange(len(ids))
    if len(values) and int(values.min()) >= low and int(values.max()) <= high:
        found: np.ndarray = table[values - low if low else values]  # one gather, no masks
        return found
    inside = (values >= low) & (values <= high)
    rows = np.full(len(values), -1, np.intp)
    rows[inside] = table[values[inside] - low]
    return rows


def _areas(annotations: list[dict[str, Any]]) -> np.ndarray:
    def area(record: dict[str, Any]) -> float:
        value = record.get("area")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        box = record.get("bbox")
        if (
            isinstance(box, list)
            and len(box) == 4
            and all(isinstance(v, (int, float)) for v in box)
        ):
            return float(box[2] * box[3])
        return float("nan")

    return np.fromiter(map(area, annotations), np.float64, len(annotations))
