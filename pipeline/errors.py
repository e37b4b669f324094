"""Exceptions that carry a user-facing, one-line reason.

The CLI prints ``str(exc)`` of these and exits non-zero; anything else is a bug and keeps its
traceback.
"""


class NewsflowError(Exception):
    """Base for errors that are the user's or the environment's, not the code's."""


class ConfigError(NewsflowError):
    """Bad feeds file, bad setting, unknown feed id."""


class DatabaseError(NewsflowError):
    """The DuckDB file cannot be opened, is locked, or is not ours."""


class ModelsError(NewsflowError):
    """dbt build failed."""
