#!/usr/bin/env bash
# The C number reader (foldcheck/io/_numbers.c) built with AddressSanitizer and UBSan, and its
# property tests (tests/test_numbers.py: Hypothesis against json.loads) run against that build.
# An overflow, a use after free or undefined behaviour stops the run with a report. A copy of
# the package is used, so the checkout's own build is never replaced.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
case $python in /*) ;; *) python="$PWD/$python" ;; esac  # the run below is in another folder
cc=${CC:-gcc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r foldcheck "$work/foldcheck"
mkdir "$work/tests"
cp tests/__init__.py tests/conftest.py tests/test_numbers.py "$work/tests/"
# More examples than the suite's 100: this run is what the sanitizers are for.
cat >> "$work/tests/conftest.py" <<PY

from hypothesis import settings as _settings

_settings.register_profile("sanitize", max_examples=${SANITIZE_EXAMPLES:-3000}, deadline=None)
PY
find "$work/foldcheck" -name '_numbers*.so' -delete
include=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
suffix=$("$python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
source=${SANITIZE_SOURCE:-foldcheck/io/_numbers.c}  # another source: to see a planted bug caught
"$cc" -shared -fPIC -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
    -fno-sanitize-recover=all -I"$include" "$source" \
    -o "$work/foldcheck/io/_numbers$suffix"

# The interpreter is not built with ASan: its runtime is loaded first; Python's own arenas
# are left to the leak checker's silence (they live until exit by design). --capture=sys: a
# report goes to the real stderr (fd 2), not into a capture that an abort would lose.
asan=$("$cc" -print-file-name=libasan.so)
export LD_PRELOAD="$asan" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$work"
"$python" -c '
import foldcheck.io._numbers as built, foldcheck.io.numbers as numbers
assert built.__file__.startswith("'"$work"'"), built.__file__
assert numbers.fill_arrays_compiled is not None
'
"$python" -m pytest -q -p no:cacheprovider -o addopts="" --capture=sys --rootdir "$work" \
    --hypothesis-profile=sanitize --hypothesis-seed="${HYPOTHESIS_SEED:-0}" \
    tests/test_numbers.py "$@"
