"""``python -m outcomes_qual`` runs the CLI."""

import sys

from .cli import main

sys.exit(main())
