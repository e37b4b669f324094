"""The feeds registry and settings: bad config must fail once, early, naming the bad entry."""

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.settings import load_settings


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "FEEDS.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_valid_registry_with_settings_block(tmp_path):
    p = write(
        tmp_path,
        """
feeds:
  - id: afp-world
    url: https://example.org/world.xml
    name: Example wire, World desk
    country: fr
  - id: ledger
    url: http://ledger.example.com/rss
    enabled: false
settings:
  per_host_delay: 2.5
""",
    )
    s = load_settings(p, environ={})
    assert [f.id for f in s.feeds] == ["afp-world", "ledger"]
    assert s.feeds[0].country == "FR"
    assert s.feed_ids() == ["afp-world"]
    assert s.per_host_delay == 2.5
    assert s.allow_private_hosts is False


def test_env_and_overrides_precedence(tmp_path):
    p = write(tmp_path, "feeds: []\nsettings:\n  per_host_delay: 2\n  extract_workers: 3\n")
    env = {"NEWSFLOW_PER_HOST_DELAY": "4", "NEWSFLOW_ALLOW_PRIVATE_HOSTS": "true"}
    s = load_settings(p, environ=env, extract_workers=1)
    assert s.per_host_delay == 4.0
    assert s.allow_private_hosts is True
    assert s.extract_workers == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "feeds:\n  - id: Bad Id\n    url: https://x.org/f\n",
            "feed #1 ('Bad Id') id: must be a lowercase slug",
        ),
        (
            "feeds:\n  - id: a\n    url: ftp://x.org/f\n",
            "feed #1 ('a') url: must be an absolute http(s) URL",
        ),
        (
            "feeds:\n  - id: a\n    url: https://x.org/f\n    country: XX\n",
            "feed #1 ('a') country: 'XX' is not an ISO 3166-1",
        ),
        (
            "feeds:\n  - id: a\n    url: https://x.org/f\n  - id: b\n",
            "feed #2 ('b') url: Field required",
        ),
        (
            "feeds:\n  - id: a\n    url: https://x.org/f\n    colour: red\n",
            "feed #1 ('a') colour: unknown key",
        ),
        (
            "feeds:\n  - id: a\n    url: https://x.org/f\n  - id: a\n    url: https://y.org/f\n",
            "feed #2 ('a'): duplicate id",
        ),
        ("feeds: [\n", "not valid YAML at line"),
        ("- just a list\n", "expected a mapping"),
        ("feedz: []\n", "unknown top-level key(s): feedz"),
        (
            "feeds: []\nsettings:\n  per_host_delay: -1\n",
            "per_host_delay: Input should be greater than or equal to 0",
        ),
        (
            "feeds:\n  - id: a\n    url: https://x.org/f\n    timezone: Mars/Olympus\n",
            "'Mars/Olympus' is not an IANA time zone",
        ),
    ],
)
def test_bad_config_names_the_entry(tmp_path, text, message):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_settings(p, environ={})
    assert message in str(exc.value)
    assert str(p) in str(exc.value)
    assert "\n" not in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="feeds file not found"):
        load_settings(tmp_path / "nope.yaml", environ={})


def test_unknown_feed_lookup(tmp_path):
    s = load_settings(write(tmp_path, "feeds:\n  - id: a\n    url: https://x.org/f\n"), environ={})
    with pytest.raises(ConfigError, match="unknown feed id 'b'; known: a"):
        s.feed("b")


def test_bad_env_value_is_a_config_error(tmp_path):
    p = write(tmp_path, "feeds: []\n")
    with pytest.raises(ConfigError, match="extract_workers"):
        load_settings(p, environ={"NEWSFLOW_EXTRACT_WORKERS": "many"})


@pytest.mark.parametrize("raw", ['{"a.test": "127.0.0.1"}', "a.test=127.0.0.1"])
def test_resolve_map_from_env(tmp_path, raw):
    s = load_settings(write(tmp_path, "feeds: []\n"), environ={"NEWSFLOW_RESOLVE": raw})
    assert s.resolve == {"a.test": "127.0.0.1"}
