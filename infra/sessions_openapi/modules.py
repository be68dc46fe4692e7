"""Loading a function's handler module by its file, under a name of its own.

Every function's module is ``app.py``; loading them by file under distinct names lets several
live in one process without shadowing each other.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_module(name: str, file: Path) -> ModuleType:
    """The module in ``file`` as ``name`` (loaded once); an import that fails leaves no trace."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
