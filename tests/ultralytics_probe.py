"""Run by the Ultralytics interpreter (not foldcheck's): load each fold YAML with Ultralytics'
own loader and write, as JSON, the images and boxes it would train and validate on.

    python ultralytics_probe.py CONFIG_DIR OUT.json fold0.yaml fold1.yaml ...

The report goes to a file because Ultralytics logs to stdout. CONFIG_DIR becomes Ultralytics'
settings folder, so the user's own settings are not touched; an empty Arial.ttf there stops
``check_det_dataset`` from trying to download the font. No weights are loaded and nothing
reaches the network (YOLO_OFFLINE).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def use_settings(config_dir: str) -> None:
    """Ultralytics' settings in CONFIG_DIR, offline, with a stand-in font (before importing
    ultralytics: it reads them at import)."""
    os.environ["YOLO_CONFIG_DIR"] = config_dir
    os.environ["YOLO_OFFLINE"] = "1"
    fonts = Path(config_dir) / "Ultralytics"
    fonts.mkdir(parents=True, exist_ok=True)
    (fonts / "Arial.ttf").touch()


def main(config_dir: str, out: str, yamls: list[str]) -> int:
    use_settings(config_dir)
    from ultralytics.cfg import get_cfg  # pyright: ignore[reportMissingImports]
    from ultralytics.data.build import build_yolo_dataset  # pyright: ignore[reportMissingImports]
    from ultralytics.data.utils import check_det_dataset  # pyright: ignore[reportMissingImports]

    report: dict[str, dict[str, object]] = {}
    for yaml_path in yamls:
        data = check_det_dataset(yaml_path, autodownload=False)
        sides: dict[str, object] = {"names": data["names"]}
        for split in ("train", "val", "test"):
            if not data.get(split):
                continue
            dataset = build_yolo_dataset(get_cfg(), data[split], 4, data, mode="val")
            sides[split] = [
                [label["im_file"], label["cls"].ravel().tolist(), label["bboxes"].tolist()]
                for label in dataset.labels
            ]
        report[yaml_path] = sides
    Path(out).write_text(json.dumps(report), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
