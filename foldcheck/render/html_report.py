"""The fold set as one self-contained HTML page (``foldcheck report --html``).

Hand-written HTML and CSS, no library: nothing to install, nothing fetched. The page's
Content-Security-Policy is ``default-src 'none'`` with the one style sheet and the one script
allowed by their SHA-256, so a browser refuses any request the page might make, and no inline
style or script a hostile name could smuggle in would run. Every string from the dataset or
the manifest goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from foldcheck.core.balance import Balance, Table
from foldcheck.core.findings import MOST_PER_RULE, Finding
from foldcheck.core.overview import OVERVIEW_ROWS, Overview
from foldcheck.formats.manifest import Manifest
from foldcheck.render.balance import signed_percent

if TYPE_CHECKING:
    from foldcheck.images.thumbnails import Sheet
    from foldcheck.scoring.result import ScoreResult

SHADES = 4  # colour steps each way; a step is half an allowance of deviation

_STYLE = (
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}"
    "table{border-collapse:collapse}th,td{padding:2px 6px;border:1px solid #ddd}"
    "td{text-align:right;font-variant-numeric:tabular-nums}th{text-align:left;background:#f5f5f5}"
    "table.heat th[data-key]{cursor:pointer}table.heat th[data-key]:hover{background:#e0e8f0}"
    "tr.at>th{background:#e3f4e3}td.floor{color:#555}"
    "td.held{color:#666;background:#fafafa}td.out{font-weight:bold;outline:2px solid #222}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dd{margin:0}"
    "code,.finding{font-family:ui-monospace,monospace;overflow-wrap:anywhere}"
    ".legend td{width:3em;text-align:center}"
    "table.score tr.mean td,table.score tr.out-of-fold td{font-weight:bold}"
    "table.classap tr.varied th{font-weight:bold;color:#a00}"
    "section.cluster{margin:.6em 0;padding:4px;border:1px solid #ddd}"
    "section.cluster.across{border:2px solid #b00}section.cluster h3{font-size:1em;margin:0 0 4px}"
    "figure{display:inline-block;margin:0 6px 0 0;vertical-align:top;width:100px;font-size:11px}"
    "figure img{display:block;max-width:96px;max-height:96px}"
    ".nothumb{width:96px;height:64px;background:#eee;color:#666;text-align:center}"
    + "".join(
        f"td.h{step if step >= 0 else 'm' + str(-step)}{{background:"
        f"hsl({0 if step > 0 else 215},75%,{97 - 11 * abs(step)}%)}}"
        for step in range(-SHADES, SHADES + 1)
    )
)

# Sorts a heatmap by the header clicked: class name, frequency, or a fold's deviation.
_SCRIPT = """
function sortKey(row, key) {
  if (key === "name") return row.dataset.name;
  if (key === "total") return -Number(row.dataset.total);
  if (key === "gap") return -Number(row.dataset.gap);
  return -Math.abs(Number(row.cells[Number(key) + 2].dataset.r));
}
document.querySelectorAll("table.heat").forEach(function (table) {
  var body = table.tBodies[0];
  table.querySelectorAll("th[data-key]").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.dataset.key;
      Array.prototype.slice.call(body.rows).sort(function (a, b) {
        var x = sortKey(a, key), y = sortKey(b, key);
        return x < y ? -1 : x > y ? 1 : 0;
      }).forEach(function (row) { body.appendChild(row); });
    });
  });
});
document.documentElement.dataset.ready = "1";
"""


def _digest(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def html_report(
    manifest: Manifest,
    balance: Balance,
    findings: list[Finding],
    version: str,
    *,
    score: ScoreResult | None = None,
    clusters: Sheet | None = None,
) -> str:
    """The page, deterministic: the same fold set, findings, predictions and images give
    the same bytes."""
    # Thumbnails are inline data: images; nothing else may load, from anywhere.
    images = " img-src data:;" if clusters is not None else ""
    policy = (
        f"default-src 'none';{images} style-src '{_digest(_STYLE)}'; "
        f"script-src '{_digest(_SCRIPT)}'"
    )
    title = f"foldcheck report: {manifest.dataset_path}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        _settings(manifest, balance, version),
        _overview(balance.overview, balance.k),
        _findings(findings),
    ]
    if score is not None:
        from foldcheck.render.html_score import score_section

        parts += [score_section(score), _findings(score.findings, "score")]
    parts += [
        _legend(),
        _heatmap("boxes per class", balance.annotations, balance.overview.held_boxes),
        _heatmap("images per class", balance.images, balance.overview.held_images),
        _conflicts(balance),
    ]
    if clusters is not None:
        from foldcheck.render.html_clusters import clusters_section

        parts.append(clusters_section(clusters))
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts) + "\n"


def _settings(manifest: Manifest, balance: Balance, version: str) -> str:
    holdout = manifest.holdout or {}
    rows = [
        ("dataset", manifest.dataset_path),
        ("dataset sha256", manifest.dataset_sha256),
        ("images, annotations", f"{manifest.dataset_images}, {manifest.dataset_annotations}"),
        ("folds (k)", str(manifest.k)),
        ("seed", str(manifest.seed)),
        ("group by", f"{manifest.group_by} (no group: {manifest.missing_group})"),
        ("stratify", manifest.stratify),
        ("tolerance", f"±{balance.tolerance:.0%}"),
        ("held out", _holdout_text(holdout)),
        ("made by", f"foldcheck {version}"),
    ]
    items = "".join(f"<dt>{escape(name)}</dt><dd><code>{escape(v)}</code></dd>" for name, v in rows)
    return f"<h2>Settings</h2><dl>{items}</dl>"


def _holdout_text(holdout: dict[str, object]) -> str:
    if not holdout:
        return "none"
    images = holdout.get("images")
    count = len(images) if isinstance(images, list) else 0
    how = (
        f"from {holdout['from']}" if holdout.get("from") else f"fraction {holdout.get('fraction')}"
    )
    return f"{count} images ({how})"


def _overview(overview: Overview, k: int) -> str:
    head = "".join(f"<th>fold {fold}</th>" for fold in range(k)) + "<th>held out</th>"
    body = "".join(
        f"<tr><th>{name}</th>"
        + "".join(
            f"<td{' class=held' if col == k else ''}>{int(v)}</td>" for col, v in enumerate(values)
        )
        + "</tr>"
        for name, values in zip(OVERVIEW_ROWS, overview.sizes, strict=True)
    )
    return (
        "<h2>Folds</h2><p>Each fold's validation images; the held-out test set is in no fold.</p>"
        f'<table class="sizes"><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


_PASSES = {"check": "the fold set passes every check", "score": "the predictions are as scored"}


def _findings(findings: list[Finding], of: str = "check") -> str:
    """Each finding, the first ``MOST_PER_RULE`` of each rule (FC106 alone can be one per
    pair of near-duplicates: tens of thousands), the rest counted."""
    if not findings:
        return f"<h2>Findings of {of}</h2><p>none: {_PASSES[of]}.</p>"
    by_code: dict[str, list[Finding]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    items = []
    for code, same in by_code.items():
        items += [
            f'<li class="finding">{escape(f.location())}: <b>{escape(f.code)}</b> '
            f"{escape(f.message)}</li>"
            for f in same[:MOST_PER_RULE]
        ]
        if len(same) > MOST_PER_RULE:
            items.append(
                f"<li>... and {len(same) - MOST_PER_RULE} more {escape(code)} findings "
                f"(foldcheck {of} --format json lists them all)</li>"
            )
    return f"<h2>Findings of {of} ({len(findings)})</h2><ul>{''.join(items)}</ul>"


def _legend() -> str:
    cells = "".join(
        f'<td class="{_shade_class(step)}">{step / 2:+.1f}</td>'
        for step in range(-SHADES, SHADES + 1)
    )
    return (
        "<p>Each cell: a class's deviation in one validation fold from an equal share, "
        "in allowances (the deviation tolerated: the tolerance, or one group's worth when "
        "a group holds more); outlined cells are beyond it. Worst: the class's largest "
        "deviation over the folds; floor: the least worst deviation any split keeping the "
        "groups whole can reach (rounding, or its largest group); a class at its floor "
        "(marked =, its row in green) is as even as it can be. Hover for the counts; click a "
        "header to sort (by name, frequency, a fold's deviation, or worst above floor).</p>"
        f'<table class="legend"><tr>{cells}</tr></table>'
    )


def _shade_class(step: int) -> str:
    return f"h{step}" if step >= 0 else f"hm{-step}"


def _heatmap(title: str, table: Table, held: np.ndarray) -> str:
    k = table.counts.shape[1]
    # Each derived column computed once (they are properties), then read as Python values.
    totals, expected, allowed = table.totals, table.expected, table.allowed
    offset = np.divide(
        table.counts - expected[:, None],
        allowed[:, None],
        out=np.zeros_like(table.counts),
        where=allowed[:, None] > 0,
    )
    steps = np.clip(np.rint(offset * 2), -SHADES, SHADES).astype(int)
    beyond = table.out_of_tolerance
    # Python values, not numpy scalars: formatting thousands of cells is the page's cost.
    counts, total_of, held_of = (
        table.counts.astype(np.int64).tolist(),
        totals.tolist(),
        held.tolist(),
    )
    cell_class = [
        [
            f"cell {_shade_class(step)}{' out' if out else ''}"
            for step, out in zip(s, b, strict=True)
        ]
        for s, b in zip(steps.tolist(), beyond.tolist(), strict=True)
    ]
    offsets, deviations = offset.tolist(), table.deviation.tolist()
    expected_of, allowed_of = expected.tolist(), allowed.tolist()
    worst_of, floor_of, at_of = table.worst.tolist(), table.floor.tolist(), table.at_floor.tolist()
    # Most frequent first, ties by name, so the order is the same on every run.
    order = sorted(range(len(table.rows)), key=lambda r: (-total_of[r], table.rows[r]))
    head = "".join(f'<th data-key="{fold}">fold {fold}</th>' for fold in range(k))
    rows = []
    for r in order:
        name = escape(table.rows[r])
        hint = f"(expected {expected_of[r]:.1f}, allowed ±{allowed_of[r]:.1f})"
        cells = "".join(
            f'<td class="{cell_class[r][fold]}" data-r="{offsets[r][fold]:.3f}" '
            f'title="{name}, fold {fold}: {counts[r][fold]} {hint}">'
            f"{signed_percent(deviations[r][fold])}</td>"
            for fold in range(k)
        )
        at = at_of[r]
        rows.append(
            f'<tr data-name="{name}" data-total="{int(total_of[r])}" '
            f'data-gap="{worst_of[r] - floor_of[r]:.4f}"{" class=at" if at else ""}><th>{name}</th>'
            f"<td>{int(total_of[r])}</td>{cells}"
            f'<td class="worst" data-v="{round(worst_of[r], 4)!r}">{worst_of[r]:.0%}</td>'
            f'<td class="floor" data-v="{round(floor_of[r], 4)!r}" title="{name}: no split '
            f'keeping the groups whole does better than {floor_of[r]:.1%}">'
            f"{floor_of[r]:.0%}{' =' if at else ''}</td>"
            f'<td class="held" title="{name}, held out: {held_of[r]}">{held_of[r]}</td></tr>'
        )
    flagged, at_floor = int(beyond.sum()), sum(at_of)
    return (
        f"<h2>{escape(title)}: {flagged} cell{'s' if flagged != 1 else ''} beyond the allowance;"
        f" {at_floor} of {len(order)} classes at their floor</h2>"
        f'<table class="heat"><thead><tr><th data-key="name">class</th>'
        f'<th data-key="total">total</th>{head}<th data-key="gap">worst</th><th>floor</th>'
        f"<th>held out</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _conflicts(balance: Balance) -> str:
    """The classes whose boxes and images no split can balance both (core.floor)."""
    conflicts = balance.conflicts()
    if not conflicts:
        return ""
    items = "".join(
        f"<li><b>{escape(c.name)}</b>: neither kind under {c.joint_floor:.1%} at once; this "
        f"split gave way on {c.gave_way} (boxes {c.annotations[0]:.1%}, floor "
        f"{c.annotations[1]:.1%}; images {c.images[0]:.1%}, floor {c.images[1]:.1%})</li>"
        for c in conflicts
    )
    return (
        f"<h2>Boxes against images: {len(conflicts)} class{'es' if len(conflicts) != 1 else ''}"
        "</h2><p>One group packs many of these classes' boxes into few images, so no split "
        "keeping the groups whole brings both their box and their image deviation to their "
        f"own floors.</p><ul>{items}</ul>"
    )
