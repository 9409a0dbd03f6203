"""Run by the Ultralytics interpreter (not foldcheck's): train a tiny model per fold YAML and
write each fold model's validation predictions, as ``model.val(save_json=True)`` writes them.

    python ultralytics_train_probe.py CONFIG_DIR OUT_DIR fold0.yaml fold1.yaml ...

OUT_DIR/fold{i}.json is fold i's predictions.json. The model is built from ``yolov8n.yaml``
(no weights are loaded: nothing is downloaded), 1 epoch at imgsz 64 on the CPU, seed 0.
CONFIG_DIR becomes Ultralytics' settings folder (an empty Arial.ttf there stops the font
download), so the user's own settings are not touched.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ultralytics_probe import use_settings  # its folder is first on sys.path


def main(config_dir: str, out: str, yamls: list[str]) -> int:
    use_settings(config_dir)

    from ultralytics import YOLO  # pyright: ignore[reportMissingImports]

    runs = Path(out) / "runs"
    for index, data in enumerate(yamls):
        model = YOLO("yolov8n.yaml")
        common = {"imgsz": 64, "device": "cpu", "workers": 0, "plots": False, "project": str(runs)}
        model.train(
            data=data,
            epochs=1,
            val=False,
            amp=False,
            seed=0,
            deterministic=True,
            name=f"train{index}",
            exist_ok=True,
            **common,
        )
        metrics = model.val(
            data=data, split="val", save_json=True, name=f"val{index}", exist_ok=True, **common
        )
        shutil.copy(Path(metrics.save_dir) / "predictions.json", Path(out) / f"fold{index}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
