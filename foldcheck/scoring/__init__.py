"""``foldcheck score``: each fold's predictions scored against its validation images with
COCO's metric (``foldcheck.metrics``), the spread over folds, the pooled out-of-fold score,
and the prediction lint rules (``checks.rules.predictions``). ``truth`` reads the ground
truth, ``matching`` ties predictions to images and classes, ``run`` does the rest."""
