"""``newsflow places`` (owned by the places work) until it joins the other subcommands in
``pipeline/cli/``; :mod:`pipeline.cli.parser` offers it when present."""
