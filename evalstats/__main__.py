"""``python -m evalstats`` = the ``evalstats`` command."""

import sys

from evalstats.run.cli import main

sys.exit(main())
