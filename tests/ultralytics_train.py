"""Run by the Ultralytics interpreter (not foldcheck's): train one epoch from a fold YAML, as a
user would, and write, as JSON, the images the trainer and its validator loaded.

    python ultralytics_train.py CONFIG_DIR OUT.json fold0.yaml

CONFIG_DIR becomes Ultralytics' settings folder (see ``ultralytics_probe.py``). The model is
built from ``yolov8n.yaml`` (no weights are downloaded), at 64 pixels, on the CPU, without
plots (they need a real font).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ultralytics_probe import use_settings  # its folder is first on sys.path


def main(config_dir: str, out: str, data: str) -> int:
    use_settings(config_dir)

    from ultralytics import YOLO  # pyright: ignore[reportMissingImports]

    model = YOLO("yolov8n.yaml")
    model.train(
        data=data,
        epochs=1,
        imgsz=64,
        batch=8,
        device="cpu",
        workers=0,
        plots=False,
        amp=False,
        project=str(Path(config_dir) / "runs"),
        name="fold",
        exist_ok=True,
        verbose=False,
    )
    trainer = model.trainer
    report = {
        "train": sorted(trainer.train_loader.dataset.im_files),
        "val": sorted(trainer.test_loader.dataset.im_files),
        "epochs_done": trainer.epoch + 1,
    }
    Path(out).write_text(json.dumps(report), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2], sys.argv[3]))
