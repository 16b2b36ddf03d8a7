"""A pytest plugin loaded first (pyproject: `addopts = -p tests.pycache`), before Django is set
up: where the environment forbids writing bytecode (PYTHONDONTWRITEBYTECODE), the test process
and the ~40 Python subprocesses the suite starts (the CLI, `jianhui demo`, migration scripts)
compiled Django, the project and their libraries from source on every run, ~1,200 modules and
~2 s of CPU apiece. Instead they share one bytecode cache outside the source tree, which
Python checks against each source file.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    os.environ.setdefault("PYTHONPYCACHEPREFIX",
                          str(Path(tempfile.gettempdir()) / f"jianhui-pycache-{os.getuid()}"))
    sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"]
    sys.dont_write_bytecode = False
