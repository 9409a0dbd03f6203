"""Ultralytics YOLO datasets: a ``data.yaml`` (``data_yaml``), its image lists and folders
(``images``), label files (``labels``), read into core columns (``reader``); the fold YAMLs
foldcheck writes (``folds``) and fold sets found on disk (``foldsets``)."""
