"""Quality gates of the place tagger: our labelled sets always, the shared GeoVirus set in CI.

The targets are the issues': primary-country accuracy >= 0.95, admin-1 accuracy >= 0.85 where
gold has one, mention precision >= 0.9 on the template set; on the hand-written local-news set
(issue 11) >= 0.95 with the publisher given. Figures are printed by `newsflow eval geo`.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pycountry
import pytest
from helpers import load_script

from pipeline import cli, paths
from pipeline.evaluation import geo as ev

SETS = Path(__file__).resolve().parent / "data" / "geo"
SHARED_GEO = paths.shared_path("eval", "geo", "geo_dev.json") or Path("../shared/absent")


def _generator(name: str) -> ModuleType:
    """A set's generator script (tests/data/geo is data, not a package)."""
    return load_script(SETS / f"{name}.py")


@pytest.fixture(scope="module")
def labelled() -> ev.Scores:
    return ev.score_labelled(ev.load_set(SETS / "labelled.jsonl"))


def test_labelled_set_is_the_generated_one() -> None:
    """The committed file is exactly what the generator writes (no hand edits, no drift)."""
    gen = _generator("make_labelled")
    committed = (SETS / "labelled.jsonl").read_text(encoding="utf-8")
    assert committed == gen.dumps(gen.build())


def test_labelled_set_size_and_gold_are_well_formed() -> None:
    items = ev.load_set(SETS / "labelled.jsonl")
    assert len(items) >= 200
    assert len({it["id"] for it in items}) == len(items)
    negatives = [it for it in items if it["gold"]["primary_country"] is None]
    assert len(negatives) >= 30  # hard negatives
    for it in items:
        gold = it["gold"]
        if gold["primary_admin1"]:
            sub = pycountry.subdivisions.get(code=gold["primary_admin1"])
            assert sub is not None and sub.country_code == gold["primary_country"], it["id"]
        for m in gold["mentions"]:
            src = it["text"] if m["field"] == "text" else it["title"]
            assert src[m["start"] : m["end"]] == m["name"], it["id"]
            assert pycountry.countries.get(alpha_2=m["country_code"]), m
        assert gold["countries"] == sorted({m["country_code"] for m in gold["mentions"]})
    # varied spellings are really in there
    texts = " ".join(it["text"] for it in items)
    for variant in ("Kersen", "Gershon", "Kharkov", "Zaporozhye", "Bombay", "Sao Paulo", "Köln"):
        assert variant in texts


def test_labelled_primary_country_accuracy(labelled: ev.Scores) -> None:
    assert labelled.primary_accuracy >= ev.TARGET_PRIMARY, labelled.errors


def test_labelled_admin1_accuracy(labelled: ev.Scores) -> None:
    assert labelled.admin1_n >= 150
    assert labelled.admin1_accuracy >= ev.TARGET_ADMIN1, labelled.errors


def test_labelled_mention_precision_and_recall(labelled: ev.Scores) -> None:
    assert labelled.precision >= ev.TARGET_PRECISION, labelled.errors
    assert labelled.recall >= 0.9, labelled.errors


def test_match_rule_needs_overlap_and_same_place() -> None:
    same_cc = lambda a, b: a["country_code"] == b["country_code"]  # noqa: E731
    gold = [
        {"start": 0, "end": 4, "country_code": "UA"},
        {"start": 10, "end": 14, "country_code": "UA"},
    ]
    pred = [
        {"start": 0, "end": 4, "country_code": "UA"},  # exact
        {"start": 9, "end": 12, "country_code": "RU"},  # overlaps, wrong country
        {"start": 20, "end": 24, "country_code": "UA"},  # no overlap
    ]
    assert ev.match_mentions(pred, gold, same_cc) == [(0, 0)]
    # one to one: a second prediction on the same gold span does not match again
    assert ev.match_mentions([pred[0], pred[0]], gold, same_cc) == [(0, 0)]


def test_reverse_geocoder_gives_country_and_iso_unit() -> None:
    rg = ev.reverse_geocoder()
    assert rg.lookup(46.64, 32.61) == ("UA", "UA-65")  # Kherson
    assert rg.lookup(48.14, 11.58) == ("DE", "DE-BY")  # Munich
    assert rg.lookup(-1.29, 36.82)[0] == "KE"  # Nairobi


def test_geovirus_format_scored_from_a_small_file(tmp_path: Path) -> None:
    """The GeoVirus loader and scorer on a two-text file in its format (always runs)."""
    text = "Cases rose in Kherson and in Nairobi, officials in Kenya said."
    items = [
        {"id": "g1", "text": text, "places": [
            {"name": "Kherson", "start": 14, "end": 21, "lat": 46.63, "lon": 32.62},
            {"name": "Nairobi", "start": 29, "end": 36, "lat": -1.28, "lon": 36.82},
            {"name": "Kenya", "start": 51, "end": 56, "lat": 0.1, "lon": 37.9},
        ]},
        {"id": "g2", "text": "Nothing here.", "places": []},
    ]  # fmt: skip
    path = tmp_path / "geo_dev.json"
    path.write_text(json.dumps(items))
    loaded = ev.load_geovirus(path)
    assert [m["country_code"] for m in loaded[0]["gold"]["mentions"]] == ["UA", "KE", "KE"]
    assert loaded[0]["gold"]["primary_country"] == "KE"  # most gold mentions
    assert loaded[1]["gold"]["primary_country"] is None
    s = ev.score_geovirus(loaded)
    assert (s.matched, s.predicted, s.gold) == (3, 3, 3)
    assert s.primary_accuracy == 1.0
    assert s.city_admin1_n == 2 and s.city_admin1_agreement == 1.0


def _gold(name: str, cc: str, page: str = "") -> dict[str, object]:
    return {"name": name, "country_code": cc, "wikipedia": f"https://en.wikipedia.org/wiki/{page}"}


def test_gold_primary_leaves_out_places_in_no_country_and_keeps_ties() -> None:
    """World regions and seas are in no country; a tie names every tied country (any is
    right), strict takes the first mentioned, the first derivation counts everything."""
    mentions = [
        _gold("Europe", "PL", "Europe"),
        _gold("Europe", "PL", "Europe"),
        _gold("Greece", "GR", "Greece"),
        _gold("Bulgaria", "BG", "Bulgaria"),
        _gold("Black Sea", "UA", "Black_Sea"),
        _gold("the Mediterranean", "IT", "Mediterranean_Sea"),
        _gold("Western Europe", "DE", "Western_Europe"),
    ]
    gold = ev.gold_primary(mentions)
    assert gold["primary_countries"] == ["GR", "BG"]
    assert gold["primary_country"] == "GR"
    assert gold["primary_country_all"] == "PL"
    assert ev.gold_primary([_gold("Africa", "CF", "Africa")])["primary_countries"] == []
    # a page's words decide, not a bare name: the state of Ocean City is in a country
    assert not ev.in_no_country(_gold("Ocean City", "US", "Ocean_City,_Maryland"), {})
    assert ev.in_no_country(_gold("Pacific", "KI", "Pacific_Ocean"), {})
    assert ev.in_no_country(_gold("Mideast", "SA", "Middle_East"), {"Middle East": "x"})


def test_gold_country_named_by_words_and_page_beats_a_border_point(tmp_path: Path) -> None:
    """A centroid near a border lands on the neighbour's town; when the mention and its page
    both name the country, the country wins. A page alone (the annotators' link) does not."""
    items = [{"id": "k", "text": "Troops in Kuwait and the DRC.", "places": [
        {"name": "Kuwait", "start": 10, "end": 16, "lat": 29.5, "lon": 45.75,
         "wikipedia": "https://en.wikipedia.org/wiki/Kuwait"},
        {"name": "DRC", "start": 25, "end": 28, "lat": -2.88, "lon": 23.65,
         "wikipedia": "https://en.wikipedia.org/wiki/Republic_of_the_Congo"},
        {"name": "Georgia", "start": 0, "end": 0, "lat": 43.05, "lon": 44.65,
         "wikipedia": "https://en.wikipedia.org/wiki/Georgia_(country)"},
    ]}]  # fmt: skip
    path = tmp_path / "geo_dev.json"
    path.write_text(json.dumps(items))
    rg = ev.reverse_geocoder()  # the points alone: Saudi Arabia, Russia
    assert (rg.lookup(29.5, 45.75)[0], rg.lookup(43.05, 44.65)[0]) == ("SA", "RU")
    gold = ev.load_geovirus(path)[0]["gold"]
    assert [m["country_code"] for m in gold["mentions"]] == ["KW", "CD", "GE"]


def test_eval_geo_command_prints_figures(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "geo_dev.json"
    path.write_text(json.dumps([{"id": "g", "text": "Floods in Kenya.", "places": [
        {"name": "Kenya", "start": 10, "end": 15, "lat": 0.1, "lon": 37.9}]}]))  # fmt: skip
    assert cli.main(["eval", "geo", "--geovirus", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["set"] for o in out] == [
        "labelled",
        "labelled+publisher",
        "local",
        "local+publisher",
        "geovirus",
    ]
    assert out[0]["articles"] >= 200 and out[0]["primary_country_accuracy"] >= ev.TARGET_PRIMARY
    assert out[-1]["mention_precision"] == 1.0
    assert cli.main(["eval", "geo", "--geovirus", str(tmp_path / "nope.json")]) == 1
    assert "no such file" in capsys.readouterr().err


# --- the hand-written local-news set (issue 11) -----------------------------------------------


def test_local_set_is_the_generated_one_and_well_formed() -> None:
    gen = _generator("make_local_news")
    committed = (SETS / "local_news.jsonl").read_text(encoding="utf-8")
    assert committed == gen.render()
    items = ev.load_set(SETS / "local_news.jsonl")
    assert len(items) >= 80 and len({it["id"] for it in items}) == len(items)
    assert sum(it["gold"]["primary_country"] is None for it in items) >= 5  # no place at all
    for it in items:
        gold = it["gold"]
        for m in gold["mentions"]:
            src = it["text"] if m["field"] == "text" else it["title"]
            assert src[m["start"] : m["end"]] == m["name"], it["id"]
            if m["admin1_code"]:
                sub = pycountry.subdivisions.get(code=m["admin1_code"])
                assert sub is not None and sub.country_code == m["country_code"], m
        if it["home_admin1"]:
            assert it["home_admin1"].startswith(it["publisher_country"] + "-"), it["id"]


def test_generator_marks_become_exact_spans() -> None:
    gen = _generator("make_local_news")
    text, mentions = gen.parse("Fire in [Athens|US-GA], [Ga|US-GA]. and [France|FR].")
    assert text == "Fire in Athens, Ga. and France."
    assert [(m["name"], text[m["start"] : m["end"]]) for m in mentions] == [
        ("Athens", "Athens"), ("Ga", "Ga"), ("France", "France")
    ]  # fmt: skip
    assert [m["admin1_code"] for m in mentions] == ["US-GA", "US-GA", None]
    with pytest.raises(ValueError, match="unparsed"):
        gen.parse("[Athens|us-ga]")


@pytest.fixture(scope="module")
def local_scores() -> tuple[ev.Scores, ev.Scores]:
    items = ev.load_set(SETS / "local_news.jsonl")
    return (ev.score_labelled(items, "local", publisher=False),
            ev.score_labelled(items, "local+publisher", publisher=True))  # fmt: skip


def test_local_news_with_the_publisher_given(local_scores: tuple[ev.Scores, ev.Scores]) -> None:
    """Issue 11's target: >= 0.95 with the feed's country and home admin-1 (measured 0.979)."""
    _, given = local_scores
    assert given.primary_accuracy >= 0.95, given.errors
    assert given.admin1_accuracy >= 0.9, given.errors
    assert given.precision >= 0.95 and given.recall >= 0.9, given.errors


def test_local_news_from_the_text_alone(local_scores: tuple[ev.Scores, ev.Scores]) -> None:
    """Issue 11: >= 0.90 from the text alone: measured 0.926; the remaining misses are towns
    named like famous places in texts whose only other places are ambiguous too (see
    benchmarks/RESULTS.md)."""
    alone, given = local_scores
    assert alone.primary_accuracy >= 0.90, alone.errors
    assert alone.primary_accuracy <= given.primary_accuracy


# --- the shared GeoVirus set (CI); skipped where ../shared is absent ---------------------------


@pytest.fixture(scope="module")
def geovirus() -> ev.Scores:
    if not SHARED_GEO.exists():
        pytest.skip(f"shared GeoVirus set not available at {SHARED_GEO} (absent in a user's clone)")
    return ev.score_geovirus(ev.load_geovirus(SHARED_GEO))


def test_geovirus_mention_precision(geovirus: ev.Scores) -> None:
    assert geovirus.gold == 2167 and geovirus.n_articles == 229
    assert geovirus.precision >= ev.TARGET_PRECISION


def test_geovirus_recall_and_derived_primary_floors(geovirus: ev.Scores) -> None:
    """The issue's targets on its development set: primary country >= 0.95 against the
    majority country of the gold mentions in a country (ties: any; measured 0.965, strict
    0.961), mention recall >= 0.90 (0.902). Floors below the measured figures for the
    others: the first derivation (0.926) and the admin-1 agreement of matched cities (0.92)."""
    assert geovirus.primary_accuracy >= ev.TARGET_PRIMARY, geovirus.errors
    assert geovirus.recall >= 0.90
    assert (geovirus.primary_ok_all or 0) / geovirus.n_articles >= 0.9
    assert geovirus.city_admin1_agreement >= 0.9


def test_world_regions_resolve_to_their_m49_countries() -> None:
    regions = ev.world_region_countries()
    assert {"KE", "NG", "EG"} <= regions["Africa"]
    assert "KE" not in regions["West Africa"] and "NG" in regions["West Africa"]
    assert regions["Scandinavia"] == frozenset({"DK", "NO", "SE"})
    assert all(regions.values())  # every m49 name is a seed region, sub-region or country
