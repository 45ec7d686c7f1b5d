"""``python -m evalstats`` = the ``evalstats`` command."""

import sys

from .cli import main

sys.exit(main())
