"""`newsflow places`: JSON Lines in, one JSON line out per text, the pipeline's own tagger."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import cli
from pipeline.cli import places
from pipeline.places import TAGGER_VERSION


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: str,
         *args: str) -> tuple[int, list[dict], str]:  # fmt: skip
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["places", *args])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_places_output_shape_and_order(capsys, monkeypatch) -> None:
    lines = [
        {"id": "a", "title": "Floods in Kenya", "text": "Rescuers in Nairobi worked overnight."},
        {"id": 7, "text": "Nice weather is expected this weekend."},
        {"id": "c", "text": "Drones struck Kharkiv and the Kherson region, Ukraine said."},
    ]
    code, out, _ = _run(capsys, monkeypatch, "\n".join(json.dumps(x) for x in lines) + "\n\n")
    assert code == 0
    assert [o["id"] for o in out] == ["a", 7, "c"]  # same order, blank line skipped
    assert out[0]["primary"]["country_code"] == "KE"
    assert out[1] == {"id": 7, "tagger_version": TAGGER_VERSION, "primary": None, "places": []}
    primary = out[2]["primary"]
    assert (primary["country_code"], primary["admin1_code"], primary["name"]) == (
        "UA", "UA-63", "Kharkiv",
    )  # fmt: skip
    text = lines[2]["text"]
    for p in out[2]["places"]:
        assert set(p) >= {"name", "start", "end", "country_code", "admin1_code", "geonameid",
                          "confidence"}  # fmt: skip
        assert text[p["start"] : p["end"]] == p["name"]
    assert [p["name"] for p in out[2]["places"]] == ["Kharkiv", "Kherson region", "Ukraine"]
    title_places = [p for p in out[0]["places"] if p["field"] == "title"]
    assert [(p["name"], p["start"], p["end"]) for p in title_places] == [("Kenya", 10, 15)]


def test_places_publisher_country_breaks_ties(capsys, monkeypatch) -> None:
    line = json.dumps({"id": 1, "text": "The storm hit Hyderabad."}) + "\n"
    _, out, _ = _run(capsys, monkeypatch, line, "--publisher-country", "pk")
    assert out[0]["primary"]["country_code"] == "PK"
    line = json.dumps({"id": 1, "text": "The storm hit Hyderabad.", "publisher_country": "IN"})
    _, out, _ = _run(capsys, monkeypatch, line + "\n", "--publisher-country", "PK")
    assert out[0]["primary"]["country_code"] == "IN"  # the line's own value wins


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ('{"id": 1, "text": "ok"}\nnot json\n', "<stdin>:2: not valid JSON"),
        ('{"id": 1}\n', "<stdin>:1: expected an object with a string 'text'"),
        ('["text"]\n', "<stdin>:1: expected an object"),
        ('{"text": "a", "title": 3}\n', "<stdin>:1: 'title' must be a string or null"),
    ],
)
def test_places_bad_input_is_one_line_error(capsys, monkeypatch, stdin, message) -> None:
    code, _, err = _run(capsys, monkeypatch, stdin)
    assert code == 1
    assert err.startswith("newsflow: error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_places_reads_a_file_and_reports_a_missing_one(tmp_path: Path, capsys) -> None:
    f = tmp_path / "in.jsonl"
    f.write_text(json.dumps({"id": "x", "text": "Protests in Lagos, Nigeria."}) + "\n")
    assert cli.main(["places", str(f)]) == 0
    assert json.loads(capsys.readouterr().out)["primary"]["admin1_code"] == "NG-LA"
    assert cli.main(["places", str(tmp_path / "missing.jsonl")]) == 1
    assert "cannot read" in capsys.readouterr().err
    f.write_bytes(b'{"id": 1, "text": "\xff"}\n')
    assert cli.main(["places", str(f)]) == 1
    assert "not UTF-8" in capsys.readouterr().err


def test_tag_stream_counts_and_matches_the_pipeline_tagger() -> None:
    from pipeline.places import tag_places

    text = "Shelling hit Zaporozhye overnight, officials in Ukraine said."
    out = io.StringIO()
    assert places.tag_stream([json.dumps({"id": 1, "text": text})], out) == 1
    got = json.loads(out.getvalue())
    tags = tag_places(text)
    assert got["primary"]["geonameid"] == tags[0].geonameid
    assert {p["canonical_name"] for p in got["places"]} == {t.canonical_name for t in tags}


def test_places_console_script_end_to_end(tmp_path: Path) -> None:
    """The installed entry point, as a user runs it (one subprocess: a real start)."""
    exe = Path(sys.executable).with_name("newsflow")
    items = [{"id": i, "text": f"Police in Nairobi arrested {i} people, Kenyan officials said."}
             for i in range(200)]  # fmt: skip
    proc = subprocess.run(
        [str(exe), "places", "-"],
        input="".join(json.dumps(x) + "\n" for x in items),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == 200
    assert all(o["primary"]["admin1_code"] == "KE-30" for o in out)


def test_home_prior_per_line_and_by_flag(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """A local paper's home (issue 11): per line or for the whole call; each place says why."""
    text = "Hundreds turned out for the fish fry in Paris this week, organizers said."
    f = tmp_path / "in.jsonl"
    f.write_text(
        json.dumps({"id": 1, "text": text}) + "\n"
        + json.dumps({"id": 2, "text": text, "publisher_country": "US", "home_admin1": "US-TN"})
        + "\n"
    )  # fmt: skip
    assert cli.main(["places", str(f)]) == 0
    first, second = (json.loads(x) for x in capsys.readouterr().out.splitlines())
    assert first["primary"]["country_code"] == "FR"
    assert (second["primary"]["admin1_code"], second["primary"]["how"]) == ("US-TN", "home_prior")
    assert second["places"][0]["how"] == "home_prior"
    assert cli.main(["places", "--publisher-country", "us", "--home-admin1", "us-tn", str(f)]) == 0
    outs = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["primary"]["admin1_code"] for o in outs] == ["US-TN", "US-TN"]


def test_bad_home_admin1_is_a_clear_error(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    f = tmp_path / "in.jsonl"
    f.write_text(json.dumps({"id": 1, "text": "x", "home_admin1": "Tennessee"}) + "\n")
    assert cli.main(["places", str(f)]) == 1
    assert "ISO 3166-2" in capsys.readouterr().err
    f.write_text(json.dumps({"id": 1, "text": "x", "located": 5}) + "\n")
    assert cli.main(["places", str(f)]) == 1
    assert "'located' must be a string" in capsys.readouterr().err
    assert cli.main(["places", "--home-admin1", "TN", str(f)]) == 1
    assert "--home-admin1" in capsys.readouterr().err


def test_world_regions_are_listed_with_no_country(capsys, monkeypatch) -> None:
    line = {"id": 1, "text": "Cases rose across West Africa, officials in Nairobi said."}
    code, out, _ = _run(capsys, monkeypatch, json.dumps(line) + "\n")
    assert code == 0 and out[0]["primary"]["country_code"] == "KE"
    region = next(p for p in out[0]["places"] if p["kind"] == "world_region")
    assert (region["name"], region["country_code"]) == ("West Africa", "")
