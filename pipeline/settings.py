"""One typed settings object for the whole pipeline, read from FEEDS.yaml plus environment.

Why one object: every stage (CLI, DAG tasks, tests) needs the same limits and paths, and a bad
value must be rejected once, at start-up, with a message that names the offending entry, not
half-way through a run. Precedence: explicit overrides (CLI flags) > environment
(``NEWSFLOW_*``) > the ``settings:`` block of the feeds file > defaults.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pipeline import __version__
from pipeline.errors import ConfigError

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_ENV_PREFIX = "NEWSFLOW_"


class FeedConfig(BaseModel):
    """One entry of the feeds registry."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str
    url: str
    name: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 of the publisher")
    language: str | None = Field(default=None, description="expected language (ISO 639-1)")
    agency: str | None = Field(
        default=None, description="agency hint: every item is this wire's copy"
    )
    timezone: str | None = Field(default=None, description="IANA zone for dates without an offset")
    home_admin1: str | None = Field(
        default=None,
        description="a local paper's home region (ISO 3166-2, e.g. US-LA): where ambiguous place "
        "names resolve unless the text says otherwise",
    )
    headers: dict[str, str] = Field(default_factory=dict)
    enabled: bool = True
    format: str | None = Field(
        default=None,
        description="wire item format (ninjs, newsml-g2, nitf, newsml-1, atom): the feed "
        "delivers items, not pages; auto-detected for dir:// drop folders",
    )
    validate_items: Literal["strict", "warn"] = Field(
        default="strict",
        alias="validate",
        description="ninjs items failing IPTC's JSON Schema: rejected (strict) or kept (warn)",
    )
    full_content: bool = Field(
        default=False,
        description="take the article text from the feed (content:encoded / Atom content) "
        "instead of fetching the page",
    )
    min_interval: float | None = Field(
        default=None, gt=0, description="seconds: poll this feed at most this often"
    )
    max_interval: float | None = Field(
        default=None, gt=0, description="seconds: poll this feed at least this often"
    )

    @property
    def is_drop_folder(self) -> bool:
        return self.url.startswith("dir:")

    @property
    def is_wire(self) -> bool:
        """Delivers wire items (a drop folder, or an endpoint with a ``format``), not pages."""
        return self.is_drop_folder or self.format is not None

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError("must be a lowercase slug (a-z, 0-9, '-', '_'), e.g. 'afp-world'")
        return v

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        from urllib.parse import urlsplit

        v = v.strip()
        if v.startswith("dir:"):
            from pipeline.wire.dropfolder import parse_dir_url

            try:
                parse_dir_url(v)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
            return v
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"must be an absolute http(s) URL or a dir:///absolute/path drop folder, got {v!r}"
            )
        return v

    @field_validator("format")
    @classmethod
    def _format(cls, v: str | None) -> str | None:
        from pipeline.wire.detect import normalise_format

        return normalise_format(v)

    @field_validator("home_admin1")
    @classmethod
    def _admin1(cls, v: str | None) -> str | None:
        if v is None:
            return v
        import pycountry

        code = v.strip().upper()
        if pycountry.subdivisions.get(code=code) is None:
            raise ValueError(f"{v!r} is not an ISO 3166-2 subdivision code (e.g. US-LA, GB-ENG)")
        return code

    @model_validator(mode="after")
    def _home_in_country(self) -> FeedConfig:
        if self.home_admin1 and self.country and not self.home_admin1.startswith(self.country):
            raise ValueError(f"home_admin1 {self.home_admin1} is not in country {self.country}")
        return self

    @field_validator("country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        if v is None:
            return v
        import pycountry

        if pycountry.countries.get(alpha_2=v.upper()) is None:
            raise ValueError(f"{v!r} is not an ISO 3166-1 alpha-2 country code")
        return v.upper()

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not an IANA time zone") from None
        return v


class Settings(BaseModel):
    """Everything a run needs. Limits default to values that keep one bad host or page harmless."""

    model_config = ConfigDict(extra="forbid")

    feeds: list[FeedConfig] = Field(default_factory=list)
    db_path: Path = Path("data/newsflow.duckdb")
    data_dir: Path | None = Field(
        default=None, description="staging, state and snapshots; default: next to the DB file"
    )
    allow_private_hosts: bool | list[str] = Field(
        default=False,
        description="private addresses fetches may reach: true for all (demo, tests), or a list "
        "of hosts, host:port and CIDRs, e.g. 127.0.0.1:8080,10.0.0.0/24,feeds.internal",
    )
    resolve: dict[str, str] = Field(
        default_factory=dict,
        description="host -> IP overrides, like curl --resolve; used by the offline demo",
    )
    user_agent: str = f"newsflow/{__version__} (+https://github.com/newsflow/newsflow; news ETL)"
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=15.0, gt=0)
    request_deadline: float = Field(default=30.0, gt=0, description="wall clock per request")
    max_feed_bytes: int = Field(default=5_000_000, gt=0)
    max_page_bytes: int = Field(default=5_000_000, gt=0)
    max_redirects: int = Field(default=5, ge=0)
    max_retries: int = Field(default=2, ge=0, description="extra attempts on 5xx/429/network")
    backoff_base: float = Field(default=0.5, ge=0)
    per_host_delay: float = Field(default=1.0, ge=0, description="seconds between hits to a host")
    respect_robots: bool = True
    feed_parse_timeout: float = Field(default=10.0, gt=0)
    extract_timeout: float = Field(default=20.0, gt=0, description="wall clock per page")
    extract_workers: int = Field(default=2, ge=1, le=64)
    fetch_concurrency: int = Field(
        default=16,
        ge=1,
        le=64,
        description="requests in flight at once across hosts (one host: one at a time)",
    )
    batch_size: int = Field(default=50, ge=1, description="articles per staged batch")
    max_items_per_feed: int = Field(
        default=1000, ge=1, description="entries kept per poll (the newest); the rest are counted"
    )
    max_attempts_per_url: int = Field(default=3, ge=1, description="before a URL is given up")
    schedule: str = "*/15 * * * *"
    host_max_timeouts: int = Field(
        default=3, ge=1, description="timeouts after which a host's URLs wait for the next run"
    )
    host_failure_budget: float = Field(
        default=60.0, gt=0, description="seconds of timeouts/errors per host per run"
    )
    host_max_throttles: int = Field(
        default=2, ge=1, description="429/503 answers (after waiting) before a host is left alone"
    )
    min_poll_interval: float = Field(
        default=300.0, gt=0, description="seconds: adaptive polling's lower bound (5 min)"
    )
    max_poll_interval: float = Field(
        default=86400.0, gt=0, description="seconds: adaptive polling's upper bound (24 h)"
    )
    ninjs_schema_dir: Path | None = Field(
        default=None,
        description="IPTC's ninjs JSON Schemas (ninjs-schema_*.json) for item validation",
    )
    max_item_bytes: int = Field(
        default=20_000_000, gt=0, description="largest wire delivery (file or response) read"
    )
    shards: int = Field(
        default=8, ge=1, le=64, description="Airflow poll/fetch tasks per run (by host hash)"
    )
    story_window_days: int = Field(default=7, ge=1)
    retention_days: float = Field(
        default=14.0,
        gt=0,
        description="days loaded batches kept for audit, dbt's rotated logs and 'not modified' "
        "poll rows are kept before the sweep after each load removes them",
    )

    @property
    def state_dir(self) -> Path:
        return (self.data_dir or self.db_path.parent) / "state"

    @property
    def staging_dir(self) -> Path:
        return (self.data_dir or self.db_path.parent) / "staging"

    @field_validator("allow_private_hosts", mode="before")
    @classmethod
    def _allowlist(cls, v: object) -> bool | list[str]:
        from pipeline.acquire.guard import normalise_allowlist

        return normalise_allowlist(v)

    def feed(self, feed_id: str) -> FeedConfig:
        for f in self.feeds:
            if f.id == feed_id:
                return f
        raise ConfigError(f"unknown feed id {feed_id!r}; known: {', '.join(self.feed_ids())}")

    def feed_ids(self) -> list[str]:
        return [f.id for f in self.feeds if f.enabled]


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    """NEWSFLOW_<FIELD> for every scalar field, e.g. NEWSFLOW_ALLOW_PRIVATE_HOSTS=1."""
    out: dict[str, Any] = {}
    for name in Settings.model_fields:
        if name == "feeds":
            continue
        raw = environ.get(_ENV_PREFIX + name.upper())
        if raw is None or raw == "":
            continue
        if name == "resolve":
            # a mapping from the environment: JSON ({"host": "ip"}) or "host=ip,host2=ip2"
            try:
                out[name] = json.loads(raw)
            except ValueError:
                pairs = [p.split("=", 1) for p in raw.split(",") if p.strip()]
                if not all(len(p) == 2 for p in pairs):
                    raise ConfigError(
                        f"{_ENV_PREFIX}RESOLVE: expected JSON or host=ip,host=ip; got {raw!r}"
                    ) from None
                out[name] = {h.strip(): ip.strip() for h, ip in pairs}
        else:
            out[name] = raw
    return out


def _format_error(err: ValidationError, raw_feeds: list[Any], source: str) -> str:
    """Turn pydantic's error list into one line that names the feed (by id) and the field."""
    first = err.errors()[0]
    loc = list(first["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "feeds" and isinstance(loc[1], int):
        idx = loc[1]
        entry = raw_feeds[idx] if idx < len(raw_feeds) else None
        fid = entry.get("id") if isinstance(entry, dict) else None
        where = f"feed #{idx + 1}" + (f" ({fid!r})" if fid else "")
        loc = loc[2:]
    field = ".".join(str(p) for p in loc)
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    parts = [p for p in (where, field) if p]
    return f"{source}: {' '.join(parts)}: {msg}" if parts else f"{source}: {msg}"


def load_settings(
    feeds_path: str | os.PathLike[str] | None = None,
    *,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Read FEEDS.yaml (feeds plus an optional ``settings:`` block), apply env and overrides.

    Raises ConfigError with a one-line, specific reason; never a traceback for a user mistake.
    """
    environ = dict(os.environ if environ is None else environ)
    if feeds_path is None:
        feeds_path = environ.get(_ENV_PREFIX + "FEEDS") or None
    doc: dict[str, Any] = {}
    source = "settings"
    if feeds_path is not None:
        path = Path(feeds_path)
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: feeds file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read feeds file ({exc})") from None
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise ConfigError(f"{path}: not valid YAML{where}") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping with a 'feeds:' list at the top level")
        unknown = set(loaded) - {"feeds", "settings"}
        if unknown:
            raise ConfigError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")
        doc = loaded
    raw_feeds = doc.get("feeds") or []
    if not isinstance(raw_feeds, list):
        raise ConfigError(f"{source}: 'feeds' must be a list of feed entries")
    block = doc.get("settings") or {}
    if not isinstance(block, dict):
        raise ConfigError(f"{source}: 'settings' must be a mapping")
    merged: dict[str, Any] = {**block, **_env_overrides(environ)}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    merged["feeds"] = raw_feeds
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, raw_feeds, source)) from None
    seen: set[str] = set()
    for i, f in enumerate(settings.feeds):
        if f.id in seen:
            raise ConfigError(f"{source}: feed #{i + 1} ({f.id!r}): duplicate id")
        seen.add(f.id)
    return settings
