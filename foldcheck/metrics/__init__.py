"""COCO's detection metric, computed the way pycocotools' ``COCOeval`` computes it, from
numpy columns: ``cocoeval`` (matching, precision/recall, the twelve stats) and ``masks``
(segmentation masks as runs, for mask IoU). Nothing here reads files or prints."""
