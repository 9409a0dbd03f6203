"""Render the benchmark's results (plain JSON-able dicts) as markdown tables.

A row is ``{"method", "load_s", "split_s", "whole_s", "peak_rss_mb", "beyond_parse_mb",
"scores", "error"}``; absent or None values print as a dash.
"""

from __future__ import annotations

from typing import Any

DASH = "—"

COLUMNS = (
    "method",
    "load",
    "split",
    "whole command",
    "peak RSS",
    "beyond parse",
    "ann",
    "img",
    "leaked groups",
    "dropped images",
    "size spread img / ann",
)


def seconds(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s" if value < 100 else f"{value:.0f} s"


def megabytes(value: float | None) -> str:
    return DASH if value is None else f"{value:,.0f} MB"


def percent(value: float | None) -> str:
    return DASH if value is None or value != value else f"{100 * value:.1f}%"  # NaN: no class


def times(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}x" if value < 10 else f"{value:.0f}x"


def _table(header: tuple[str, ...], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _cells(row: dict[str, Any]) -> list[str]:
    if row.get("error"):
        return [row["method"], f"failed: {row['error']}"] + [DASH] * (len(COLUMNS) - 2)
    scores = row.get("scores") or {}
    spread = (
        f"{percent(scores['image_spread'])} / {percent(scores['ann_spread'])}" if scores else DASH
    )
    return [
        row["method"],
        seconds(row.get("load_s")),
        seconds(row.get("split_s")),
        seconds(row.get("whole_s")),
        megabytes(row.get("peak_rss_mb")),
        megabytes(row.get("beyond_parse_mb")),
        percent(scores.get("ann")),
        percent(scores.get("img")),
        str(scores.get("leaked_groups", DASH)),
        str(scores.get("dropped_images", DASH)),
        spread,
    ]


def preset_section(name: str, preset: dict[str, Any]) -> str:
    floor = preset["floor"]
    floor_row = (
        ["floor (lower bound)"]
        + [DASH] * 5
        + [percent(floor["ann"]), percent(floor["img"])]
        + [DASH] * 3
    )
    rows = [_cells(row) for row in preset["rows"]] + [floor_row]
    if floor["conflict"]:
        rows.append(  # a class whose boxes and images cannot both reach their own floors
            ["conflict floor (worst class)"]
            + [DASH] * 5
            + [percent(floor["conflict"])] * 2
            + [DASH] * 3
        )
    heading = (
        f"### {name}: {preset['images']:,} images, {preset['annotations']:,} annotations, "
        f"{preset['classes']} classes, {preset['groups']:,} groups by "
        f"{preset['group_by']}, {preset['file_mb']:.0f} MB"
    )
    return heading + "\n\n" + _table(COLUMNS, rows)


def ratios_section(ratios: dict[str, dict[str, float | None]]) -> str:
    header = (
        "preset",
        "split speedup vs SGKF",
        "ann foldcheck / SGKF",
        "img foldcheck / SGKF",
        "foldcheck whole command / json.load",
        "foldcheck beyond parse",
    )
    rows = [
        [
            name,
            times(r["split_speedup"]),
            times(r["ann_ratio"]),
            times(r["img_ratio"]),
            times(r["command_vs_json_load"]),
            megabytes(r["beyond_parse_mb"]),
        ]
        for name, r in ratios.items()
    ]
    return "### foldcheck against the others\n\n" + _table(header, rows)


def render(results: dict[str, Any]) -> str:
    head = (
        f"## foldcheck benchmark at {results['commit']}\n\n"
        f"K={results['k']}, seed {results['seed']}; {results['machine']}; "
        f"wall-clock seconds of one run each, every number from this run."
    )
    sections = [head] + [
        preset_section(name, preset) for name, preset in results["presets"].items()
    ]
    if results["ratios"]:
        sections.append(ratios_section(results["ratios"]))
    return "\n\n".join(sections) + "\n"


def render_worst_seed(results: dict[str, Any]) -> str:
    """The worst seed of each preset: foldcheck's balance over the floor (each class against
    the kind's floor, or its own conflict floor where that is higher: scoring.py) and over
    SGKF's (lower is better; 1.00 over the floor is optimal), and the smallest split
    speedup."""
    lines = [
        "",
        "### Worst seed per preset",
        "",
        "| preset | seeds | ann / floor | img / floor | ann / SGKF | img / SGKF | split speedup |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]

    def cell(entry: dict[str, Any], key: str) -> str:
        found = entry.get(key)
        return "-" if found is None else f"{found[0]:.2f} ({found[1]})"

    for name, entry in results.get("worst_seed", {}).items():
        keys = ("ann_over_floor", "img_over_floor", "ann_ratio_sgkf", "img_ratio_sgkf")
        lines.append(
            f"| {name} | {len(entry['seeds'])} | "
            + " | ".join(cell(entry, key) for key in keys)
            + f" | {cell(entry, 'split_speedup')} |"
        )
    return "\n".join(lines) + "\n"
