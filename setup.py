"""Builds the Python package `yanxiu` with the project's one build, CMake:

    .venv/bin/python -m pip install --no-build-isolation .

setup.py is a thin setuptools command (scikit-build-core is not in Debian 12):
it configures CMake with YANXIU_BUILD_PYTHON=ON in build/python (or in
YANXIU_CMAKE_BUILD_DIR, e.g. an existing build/ to reuse its objects), builds
the target yanxiu_python_core, and puts the extension it makes next to the
pure-Python package from bindings/python/yanxiu.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def version() -> str:
    """The one version, from include/yanxiu/version.hpp (as CMakeLists.txt reads it)."""
    text = (ROOT / "include" / "yanxiu" / "version.hpp").read_text(encoding="utf-8")
    match = re.search(r'YANXIU_VERSION_STRING "([0-9]+\.[0-9]+\.[0-9]+)"', text)
    if not match:
        raise RuntimeError("include/yanxiu/version.hpp: YANXIU_VERSION_STRING not found")
    return match.group(1)


class CMakeBuild(build_ext):
    """Builds yanxiu._core with CMake instead of setuptools' compiler."""

    def build_extension(self, ext: Extension) -> None:
        build_dir = Path(os.environ.get("YANXIU_CMAKE_BUILD_DIR", ROOT / "build" / "python")).resolve()
        configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                     "-DYANXIU_BUILD_PYTHON=ON", f"-DPython_EXECUTABLE={sys.executable}"]
        if "YANXIU_CMAKE_BUILD_DIR" not in os.environ:
            # A build of the extension alone: none of the project's other targets.
            configure += ["-DYANXIU_BUILD_TESTS=OFF", "-DYANXIU_BUILD_CLI=OFF", "-DYANXIU_BUILD_EXAMPLES=OFF",
                          "-DYANXIU_INSTALL=OFF"]
        subprocess.run(configure, check=True, stdout=subprocess.DEVNULL)
        jobs = os.environ.get("YANXIU_BUILD_JOBS", str(os.cpu_count() or 2))
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "yanxiu_python_core", "-j", jobs],
                       check=True)
        built = sorted((build_dir / "python" / "yanxiu").glob("_core*.so"))
        if not built:
            raise RuntimeError(f"CMake built no _core*.so in {build_dir / 'python' / 'yanxiu'}")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[-1], target)


os.chdir(ROOT)  # setuptools resolves the relative paths below from here
setup(
    version=version(),
    packages=["yanxiu"],
    package_dir={"": "bindings/python"},
    package_data={"yanxiu": ["py.typed", "*.pyi"]},
    zip_safe=False,
    ext_modules=[Extension("yanxiu._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": "build/python-setuptools"}},
)
