"""``python -m detector.cli``: the ``provenance`` command."""

import sys

from . import main

sys.exit(main())
