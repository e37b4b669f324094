"""`newsflow eval ...`: score pipeline stages against labelled data (see pipeline/cli.py)."""
