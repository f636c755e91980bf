"""``python -m detector.demo``: regenerate (or ``--check``) the committed demo corpus."""

import sys

from .generate import main

sys.exit(main())
