"""COCO detection files: read into core columns (``reader``), linted (``lint``), edited in place
(``edit``) and written as subsets (``writer``), all over the file's own bytes (``text``)."""
