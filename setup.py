"""Builds the evmatch Python package with CMake (pyproject.toml has the metadata).

The extension is the CMake target _evmatch, built in setuptools' temporary
directory with the interpreter running pip; the pure-Python files come from
python/evmatch. CMAKE_ARGS in the environment adds configure options.
"""

import os
import pathlib
import shlex
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = pathlib.Path(self.build_temp).resolve() / "cmake"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja",
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython_EXECUTABLE={sys.executable}",
            "-DEVMATCH_BUILD_PYTHON=ON",
            "-DEVMATCH_BUILD_TESTS=OFF",
            "-DEVMATCH_BUILD_EXAMPLES=OFF",
            "-DEVMATCH_BUILD_CLI=OFF",
            "-DEVMATCH_BUILD_FUZZERS=OFF",
            "-DEVMATCH_BUILD_ROUTER=OFF",
            "-DEVMATCH_INSTALL=OFF",
        ] + shlex.split(os.environ.get("CMAKE_ARGS", ""))
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_evmatch"], check=True)
        built = next((build_dir / "python" / "evmatch").glob("_evmatch*.so"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(built), str(target))


setup(
    packages=["evmatch"],
    package_dir={"": "python"},
    package_data={"evmatch": ["*.pyi", "py.typed"]},
    ext_modules=[Extension("evmatch._evmatch", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
