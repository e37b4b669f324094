"""`python -m pipeline` is the same as the `newsflow` console script."""

from pipeline.cli import main

raise SystemExit(main())
