"""Subcommands of `newsflow` that live in their own modules (see pipeline/cli.py)."""
