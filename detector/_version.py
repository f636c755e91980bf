"""The package version, in a module of its own so that any module can read it.

``from .. import __version__`` would import the package ``__init__`` (the
public entry points) from inside the package; this module imports nothing.
``tests/test_cli_help.py`` checks it against ``pyproject.toml``.
"""

__version__ = "0.1.0"
