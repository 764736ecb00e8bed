#!/usr/bin/env bash
# pip_install.sh SOURCE_DIR PYTHON: `pip install --no-build-isolation .` from a
# copy of the sources into a fresh virtual environment that sees Debian's
# packages (setuptools, wheel, pybind11), offline; then the package is
# imported from elsewhere and used. The copy keeps pip's build files out of
# the source tree.
set -euo pipefail
source_dir=$1
python=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/src"
for item in CMakeLists.txt CMakePresets.json pyproject.toml setup.py README.md LICENSE \
            cmake include src python; do
  cp -r "$source_dir/$item" "$work/src/"
done
"$python" -m venv --system-site-packages "$work/venv"
# Debug and a unity build: the check is that the package builds and works,
# not its speed.
CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Debug -DCMAKE_UNITY_BUILD=ON" PIP_NO_INDEX=1 \
  "$work/venv/bin/pip" install --no-build-isolation --quiet "$work/src"

cd "$work"
"$work/venv/bin/python" - <<'PY'
import evmatch, evmatch.s3, evmatch.integrity
assert "/venv/" in evmatch.__file__, evmatch.__file__
m = evmatch.Matcher({"stopped": {"detail": {"state": ["stopped"]}}})
assert m.match(b'{"detail": {"state": "stopped"}}') == ["stopped"]
assert evmatch.integrity.checksum(b"data", "crc32")["ChecksumCRC32"] == "rfPzYw=="
print("pip-installed evmatch works:", evmatch.__file__)
PY
