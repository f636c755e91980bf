"""``python -m detector``: the ``provenance`` command."""

import sys

from .cli import main

sys.exit(main())
