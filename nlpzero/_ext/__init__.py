"""nlpzero's compiled kernels (Cython).

Importing a kernel that was never built (nlpzero imported from a source
checkout) raises an ImportError that says how to build it.
"""

import importlib

_BUILD_HINT = ("nlpzero's compiled extensions are not built in {where}: install the package "
               "(`pip install nlpzero-kit`), or in a source checkout run `pip install -e .`")


def __getattr__(name):
    # reached only when `from nlpzero._ext import NAME` finds no compiled module NAME
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        import os
        raise ImportError(_BUILD_HINT.format(where=os.path.dirname(os.path.abspath(__file__)))) from None
