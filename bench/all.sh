#!/usr/bin/env bash
# Every benchmark the README reports, one after another in one session (about 35 minutes on
# 2 cores, ~12 GB of RAM at the peak, ~10 GB of data in OUT). Run it on an otherwise idle
# machine; each script's tables land in OUT/results/ with the commit in their headings.
#   bash bench/all.sh [OUT]        (default /tmp/foldcheck-bench; data is made once and reused)
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/foldcheck-bench}
results=$out/results
mkdir -p "$results"
python=${PYTHON:-.venv/bin/python}
failed=0
step() {
    local name=$1
    shift
    echo "== $(date -u +%T) $name: $*"
    if ! "$python" "$@" >"$results/$name.md" 2>"$results/$name.log"; then
        echo "   $name failed: see $results/$name.log"
        failed=1
    fi
}
step small bench/run.py --out "$out"
cp "$out/results.md" "$results/small.results.md"
step large bench/run.py --presets coco-seg,openimages:0.125,openimages:0.25,openimages:0.5,openimages \
    --methods foldcheck,jsonload --out "$out"
cp "$out/results.md" "$results/large.results.md"
step check bench/check_bench.py --presets trash,coco,coco-seg --pairs --out "$out"
step export bench/export_bench.py "$out/coco-seg/foldcheck-cli/folds.json" --out "$out/export"
step parsers bench/parsers.py "$out/openimages:0.125/dataset.json" "$out/coco-seg/dataset.json" \
    --out "$out/parsers"
step validate bench/validate_bench.py --presets coco --runs 5 --out "$out"
step split_step bench/split_step.py --presets trash,coco,lvis,video,oi-columns,openimages:0.125 \
    --baseline 2918d09 --out "$out"
exit $failed
