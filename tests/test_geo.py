"""Place tagging (pipeline.places): real gazetteer data, short hand-written texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import paths
from pipeline.places import PlaceTag, countries_mentioned, gazetteer, tag_article, tag_places

SEED = paths.shared_path("seed", "000_bf42b40397eba4d4.txt") or Path("../shared/absent")


def _check_invariants(text: str, tags: list[PlaceTag]) -> None:
    """What every result must satisfy: one primary, first; offsets point at the place name."""
    if not tags:
        return
    assert sum(t.is_primary for t in tags) == 1
    assert tags[0].is_primary
    assert len({(t.country_code, t.admin1_code, t.canonical_name, t.kind) for t in tags}) == len(
        tags
    )
    for t in tags:
        assert len(t.country_code) == 2 and t.country_code.isupper()
        assert 0.0 < t.confidence <= 1.0
        assert t.mention_count >= 1
        if t.start is not None:
            assert text[t.start : t.end] == t.place_name


def _tags(text: str, title: str | None = None, **kw: str) -> list[PlaceTag]:
    tags = tag_places(text, title, **kw)
    _check_invariants(text, tags)
    return tags


def _by_name(tags: list[PlaceTag]) -> dict[str, PlaceTag]:
    return {t.canonical_name: t for t in tags}


# --- the seed dispatch -------------------------------------------------------------------------


def test_seed_dispatch_is_about_ukraine() -> None:
    if not SEED.exists():
        pytest.skip(f"seed text not available at {SEED} (../shared is absent in a user's clone)")
    text = SEED.read_text(encoding="utf-8")
    tags = _tags(text)
    assert tags[0].country_code == "UA"
    assert countries_mentioned(tags)[0] == "UA"
    names = _by_name(tags)
    # "Kherson" is spelled correctly once; "Kersen" and "Gershon" (twice) are near misses that
    # count because Ukraine is named; the story is about the city's capture.
    kherson = names["Kherson"]
    assert (kherson.mention_count, kherson.place_name, kherson.admin1_code) == (
        4,
        "Kersen",
        "UA-65",
    )
    assert kherson.is_primary and kherson.match == "exact"
    assert names["Kyiv"].place_name == "Kiev"  # alternate spelling, grouped under GeoNames' name
    assert names["Crimea"].admin1_code == "UA-43"
    # "Sea of Azov" is a sea, not the Russian town of Azov; "Vladimir Medinsky" is a person.
    assert "Azov" not in names and "Vladimir" not in names
    assert {"RU", "BY", "US"} <= set(countries_mentioned(tags))


# --- countries, cities, subdivisions -----------------------------------------------------------


def test_brazil_sao_paulo_accent_insensitive_and_state() -> None:
    text = (
        "Floods in Sao Paulo killed 12 people on Tuesday, Brazilian officials said. "
        "The governor of São Paulo state declared an emergency, and Brazil's president "
        "promised federal aid. More rain is forecast for São Paulo this week."
    )
    tags = _tags(text)
    assert tags[0].country_code == "BR"
    # the city, placed in its state through the GeoNames admin-1 -> ISO 3166-2 map
    assert (tags[0].canonical_name, tags[0].kind, tags[0].admin1_code) == (
        "São Paulo",
        "city",
        "BR-SP",
    )
    city = tags[0]
    assert city.mention_count == 2  # "Sao Paulo" and "São Paulo" are one place
    assert city.place_name == "Sao Paulo"  # as first written
    state = next(t for t in tags if t.kind == "admin1")
    assert state.place_name == "São Paulo state"
    assert "BR" in countries_mentioned(tags)


def test_california_wildfire() -> None:
    text = (
        "A fast-moving wildfire forced thousands to flee Paradise, California on Thursday. "
        "Firefighters from Los Angeles joined crews across Northern California, and the "
        "governor asked the federal government for help."
    )
    tags = _tags(text, "California wildfire forces evacuations")
    assert tags[0].country_code == "US"
    by = _by_name(tags)
    assert by["California"].admin1_code == "US-CA"
    assert by["California"].mention_count == 3  # title + two in the body
    # "Paradise, California" picks the small Californian town, not Paradise, Nevada.
    assert by["Paradise"].admin1_code == "US-CA"
    assert by["Los Angeles"].admin1_code == "US-CA"  # GeoNames admin1 of a US city
    assert tags[0].canonical_name == "Paradise"  # the most specific place in the lead


def test_mumbai_maharashtra() -> None:
    text = (
        "Heavy monsoon rain flooded streets in Mumbai on Monday. Authorities in Maharashtra "
        "closed schools, and the Indian weather office warned of more downpours."
    )
    tags = _tags(text)
    assert tags[0].country_code == "IN"
    by = _by_name(tags)
    assert by["Mahārāshtra"].admin1_code == "IN-MH"
    assert by["Mahārāshtra"].place_name == "Maharashtra"
    assert by["Mumbai"].geonameid == 1275339
    assert tags[0].canonical_name == "Mumbai"


def test_nairobi_dateline_all_caps() -> None:
    text = (
        "NAIROBI, Kenya (Reuters) - Kenyan police fired tear gas at protesters in Nairobi on "
        "Tuesday as anger over tax rises spread to other towns."
    )
    tags = _tags(text)
    assert (tags[0].country_code, tags[0].canonical_name) == ("KE", "Nairobi")
    assert tags[0].place_name == "NAIROBI" and tags[0].start == 0
    assert tags[0].mention_count == 2
    assert _by_name(tags)["Kenya"].country_code == "KE"
    # all caps outside a dateline is not a place name
    assert tag_places("The NAIROBI office closed.") == []


def test_manchester_england() -> None:
    text = "Fans in Manchester, England celebrated the title late into the night."
    tags = _tags(text)
    assert tags[0].country_code == "GB"
    by = _by_name(tags)
    assert by["Manchester"].admin1_code == "GB-ENG"
    assert by["Manchester"].geonameid == 2643123  # not one of the US Manchesters
    assert by["England"].admin1_code == "GB-ENG"


def test_osaka_japan() -> None:
    tags = _tags("Residents of Osaka, Japan's second city, felt the earthquake on Friday.")
    assert tags[0].country_code == "JP"
    assert tags[0].canonical_name == "Osaka"
    assert "JP" in countries_mentioned(tags)


def test_us_city_gets_state_code() -> None:
    tags = _tags("Flooding closed highways in Houston after a week of storms.")
    assert len(tags) == 1
    assert (tags[0].country_code, tags[0].admin1_code) == ("US", "US-TX")
    assert tags[0].geonameid == 4699066


def test_subdivision_named_with_suffix() -> None:
    text = "Shelling hit the Kherson region and Zaporizhzhia Oblast overnight, Ukraine said."
    by = {t.admin1_code: t for t in _tags(text)}
    assert by["UA-65"].place_name == "Kherson region"
    assert by["UA-23"].place_name == "Zaporizhzhia Oblast"
    assert by[None].canonical_name == "Ukraine"


def test_longest_match_wins() -> None:
    tags = _tags("Officials in New Delhi said the Gaza Strip talks would resume.")
    assert {t.canonical_name for t in tags} == {"New Delhi", "Gaza Strip"}
    assert _by_name(tags)["Gaza Strip"].country_code == "PS"


def test_no_places_and_empty_text() -> None:
    assert tag_places("The committee met on Tuesday and approved the budget.") == []
    assert tag_places("") == []
    assert tag_places("   \n ", "  ") == []


def test_names_are_case_sensitive() -> None:
    assert tag_places("a bag of plaster of paris and a jordan almond") == []


# --- false positives ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Paris Hilton launched a new perfume on Tuesday.",
        "Nice weather is expected this weekend.",
        "Prices rose in March, the statistics office said.",
        "Mobile phones were banned in classrooms.",
        "Jordan Peterson said the lecture would go ahead.",
        "Michael Jordan scored 40 points. Jordan said he was tired.",
        "The New York Times reported the story first.",
        "Russian and Ukrainian negotiators met again.",  # demonyms alone tag nothing
        "Tensions rose along the border in Kashmir.",  # disputed: no single country
    ],
)
def test_false_positives(text: str) -> None:
    assert tag_places(text) == []


def test_person_name_rejected_throughout_article_and_title_case_headline() -> None:
    text = "Hillary Clinton spoke in Iowa. Clinton said the race was close."
    tags = _tags(text)
    assert [t.canonical_name for t in tags] == ["Iowa"]  # not Clinton, Iowa
    tags = _tags("Paris Hilton said she loved it.", "Paris Hilton Launches A New Perfume")
    assert tags == []


def test_stoplisted_name_allowed_in_dateline() -> None:
    tags = _tags("NICE, France (Reuters) - A storm hit the Riviera city on Monday.")
    assert tags[0].canonical_name == "Nice"
    assert tags[0].country_code == "FR"


# --- ambiguity ---------------------------------------------------------------------------------


def test_georgia_state_or_country_from_support() -> None:
    us = _tags("Georgia voters went to the polls in Atlanta on Tuesday.")
    assert _by_name(us)["Georgia"].admin1_code == "US-GA"
    ge = _tags("Georgia's parliament passed the law in Tbilisi on Tuesday.")
    assert _by_name(ge)["Georgia"].country_code == "GE"
    assert _by_name(ge)["Georgia"].admin1_code is None


def test_hyderabad_support_then_publisher_then_population() -> None:
    assert _tags("The storm hit Hyderabad.")[0].country_code == "IN"
    assert _tags("The storm hit Hyderabad.", publisher_country="pk")[0].country_code == "PK"
    text = "The storm hit Hyderabad, officials in Karachi said."
    assert _tags(text, publisher_country="IN")[0].country_code == "PK"


def test_famous_city_beats_small_namesake_in_a_mentioned_country() -> None:
    tags = _tags("The US delegation arrived in Paris on Monday for talks.")
    assert _by_name(tags)["Paris"].country_code == "FR"
    tags = _tags("A tornado hit Paris, Texas on Monday.")
    assert (tags[0].canonical_name, tags[0].admin1_code) == ("Paris", "US-TX")


def test_small_town_needs_its_country_supported() -> None:
    assert tag_places("Investigators returned to Bucha on Monday.") == []
    tags = _tags("Ukrainian investigators returned to Bucha on Monday.")
    assert [(t.canonical_name, t.country_code) for t in tags] == [("Bucha", "UA")]


def test_water_and_regions_from_extra_file() -> None:
    tags = _tags("Ships crossed the Sea of Azov near the Crimean peninsula.")
    assert [(t.canonical_name, t.country_code, t.admin1_code) for t in tags] == [
        ("Crimea", "UA", "UA-43")
    ]


# --- primary and title -------------------------------------------------------------------------


def test_title_weighs_more_than_body_mentions() -> None:
    text = (
        "Aid agencies based in Geneva said on Monday they were sending tents and water "
        "pumps. More flights will leave Geneva on Tuesday, a spokesman said."
    )
    tags = _tags(text, "Floods in Kenya leave thousands homeless")
    assert tags[0].country_code == "KE"
    assert tags[0].start is None and tags[0].end is None  # only in the title
    assert tags[0].place_name == "Kenya"
    assert countries_mentioned(tags) == ["KE", "CH"]


def test_publisher_country_does_not_make_the_story_local() -> None:
    tags = _tags("Protesters marched in Nairobi on Sunday.", publisher_country="GB")
    assert countries_mentioned(tags) == ["KE"]


def test_countries_mentioned_is_unique_and_primary_first() -> None:
    tags = _tags("Ukraine and Russia traded blame. Kyiv said Moscow lied. Ukraine said.")
    assert countries_mentioned(tags) == ["UA", "RU"]


# --- data, caching, speed ----------------------------------------------------------------------


def test_index_is_built_once() -> None:
    assert gazetteer._load_index() is gazetteer._load_index()


def test_extra_file_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    good = gazetteer._read_extra()
    bad = {**good, "places": [{"name": "Atlantis", "country": "XX"}]}
    monkeypatch.setattr(gazetteer, "_read_extra", lambda: bad)
    with pytest.raises(ValueError, match="unknown country 'XX'"):
        gazetteer._build_index()


def test_long_article_keeps_primary() -> None:
    """Speed is measured in benchmarks/, not asserted here; this pins the result on long text."""
    sentence = (
        "Officials in Kyiv said Russian drones struck Kharkiv and the Kherson region overnight, "
        "while talks in Geneva between Ukraine and Russia stalled again on Thursday. "
    )
    tags = tag_places(sentence * 40, "Drones hit Kharkiv")
    assert tags[0].country_code == "UA"
    assert next(t for t in tags if t.canonical_name == "Kyiv").mention_count == 40


# --- near-miss spellings (fuzzy), constrained by context ---------------------------------------


def test_near_miss_needs_its_country_named() -> None:
    # a demonym is not enough: "Russian forces" names no place in Ukraine
    assert tag_places("Russian forces captured Kersen on Thursday.") == []
    tags = _tags("Russian forces captured Kersen, in southern Ukraine, on Thursday.")
    by = _by_name(tags)
    kherson = by["Kherson"]
    assert (kherson.place_name, kherson.admin1_code, kherson.match) == ("Kersen", "UA-65", "fuzzy")
    assert kherson.confidence < by["Ukraine"].confidence  # a guess is less sure than a name


def test_near_miss_only_in_a_supported_country() -> None:
    # Kherson is in Ukraine; with only Germany named, "Gershon" stays unknown
    assert _by_name(_tags("Gershon was quiet, officials in Germany said.")).keys() == {"Germany"}
    tags = _tags("Officials in Ukraine said Gershon was quiet on Monday.")
    assert "Kherson" in _by_name(tags)


def test_transliteration_variants() -> None:
    text = "Shelling hit Zaporozhye and Kharkov overnight, and Harkov lost power, Ukraine said."
    tags = _tags(text)
    by = _by_name(tags)
    assert next(t for t in tags if t.place_name == "Zaporozhye").admin1_code == "UA-23"
    assert by["Kharkiv"].mention_count == 2  # an alternate name and a near miss, one place
    assert by["Kharkiv"].match == "alternate"  # not every mention was a guess


def test_person_names_are_not_guessed_at() -> None:
    text = (
        "Anthony Blinken met officials in Ukraine on Monday. Blinken said the talks were useful, "
        "and Medinsky, speaking in Moscow, disagreed."
    )
    assert set(_by_name(_tags(text))) == {"Ukraine", "Moscow"}


def test_ordinary_words_are_not_guessed_at() -> None:
    text = "Further talks in Ukraine are planned. Hundreds attended. Secretary Blinken left."
    assert set(_by_name(_tags(text))) == {"Ukraine"}


# --- admin-1 outside the US (GeoNames admin-1 -> ISO 3166-2 map) -------------------------------


@pytest.mark.parametrize(
    ("text", "name", "admin1"),
    [
        ("Police in Munich arrested two men on Monday.", "Munich", "DE-BY"),
        ("Monsoon rain flooded Mumbai on Monday.", "Mumbai", "IN-MH"),
        ("Drones struck Kharkiv overnight.", "Kharkiv", "UA-63"),
        ("Fans celebrated in Glasgow on Saturday.", "Glasgow", "GB-SCT"),
        ("Traffic stopped in Jakarta on Friday.", "Jakarta", "ID-JK"),
        ("Protesters gathered in Moscow on Sunday.", "Moscow", "RU-MOW"),
    ],
)
def test_city_admin1_outside_us(text: str, name: str, admin1: str) -> None:
    tags = _tags(text)
    assert (tags[0].canonical_name, tags[0].admin1_code, tags[0].kind) == (name, admin1, "city")


def test_english_subdivision_names_from_geonames() -> None:
    tags = _tags("Floods hit North Rhine-Westphalia and West Java this week.")
    assert {t.admin1_code for t in tags} == {"DE-NW", "ID-JB"}
    assert all(t.kind == "admin1" for t in tags)


def test_admin1_map_file_is_consistent() -> None:
    import pycountry

    rows = gazetteer._read_admin1_map()
    assert len(rows) > 3000
    for (cc, _), (iso, _) in rows.items():
        sub = pycountry.subdivisions.get(code=iso)
        assert sub is not None and sub.country_code == cc, iso
    assert rows["UA", "08"][0] == "UA-65"  # Kherson
    assert rows["RU", "47"][0] == "RU-MOS" and rows["RU", "48"][0] == "RU-MOW"
    assert rows["DE", "02"][0] == "DE-BY"
    assert rows["US", "CA"][0] == "US-CA"


def test_month_as_middle_name_is_a_person() -> None:
    assert tag_places("Georgia May Jagger walked the runway on Friday.") == []
    tags = _tags("Georgia May see more snow, forecasters in Tbilisi said.")  # sentence case
    assert "GE" in countries_mentioned(tags)


# --- mentions, kinds -----------------------------------------------------------------------------


def test_tag_article_lists_every_mention_with_offsets() -> None:
    text = "KYIV, Ukraine (Reuters) - Drones hit Kyiv and Kiev's suburbs; Ukraine said."
    res = tag_article(text, "Drones hit Kyiv")
    assert res.primary is not None and res.primary.canonical_name == "Kyiv"
    title = [m for m in res.mentions if m.field == "title"]
    assert [(m.name, m.start, m.end) for m in title] == [("Kyiv", 11, 15)]
    body = [m for m in res.mentions if m.field == "text"]
    assert [m.name for m in body] == ["KYIV", "Ukraine", "Kyiv", "Kiev", "Ukraine"]
    for m in body:
        assert text[m.start : m.end] == m.name
    assert {m.kind for m in body} == {"city", "country"}
    assert res.places[0].mention_count == 4  # title + KYIV + Kyiv + Kiev


# --- the index cache ------------------------------------------------------------------------------


def test_index_cache_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_CACHE_DIR", str(tmp_path))
    path = gazetteer._cache_path()
    assert path is not None and path.parent == tmp_path and path.name.startswith("geo-index-")
    idx = gazetteer._load_index()
    gazetteer._write_cached(path, idx)
    again = gazetteer._read_cached(path)
    assert again is not None and again is not idx
    assert again.names.keys() == idx.names.keys() and again.fuzzy == idx.fuzzy
    path.chmod(0o666)  # writable by others: not trusted
    assert gazetteer._read_cached(path) is None
    path.chmod(0o600)
    path.write_bytes(b"not a pickle")
    assert gazetteer._read_cached(path) is None
    monkeypatch.setenv("NEWSFLOW_CACHE_DIR", "")
    assert gazetteer._cache_path() is None


def test_cache_key_changes_with_the_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_CACHE_DIR", str(tmp_path))
    before = gazetteer._cache_path()
    here = Path(gazetteer.__file__)
    for module in ("names.py", "gazetteer.py"):
        (tmp_path / module).write_bytes((here.with_name(module)).read_bytes())
    (tmp_path / "names.py").write_text("# a different word list\n")
    monkeypatch.setattr(gazetteer, "__file__", str(tmp_path / "gazetteer.py"))
    assert gazetteer._cache_path() != before


def test_near_miss_rejects_sound_alikes_and_passing_countries() -> None:
    """Guesses seen on the demo site, now refused: a common word at a sentence start whose
    sounds resemble a town ("Bigger" ~ Obihiro), a region name resembling a town in a country
    named only in passing (China) or by sound classes alone ("Kansai" ~ Ganshui, Honcho)."""
    text = (
        "Osaka wants its port back. Bigger ships now call at Busan in South Korea and at "
        "Shanghai in China, officials in Osaka said. Japan will pay for the dredging, and the "
        "project aims to bring ships back to the Kansai region."
    )
    tags = _tags(text)
    assert tags[0].canonical_name == "Osaka"
    assert [t for t in tags if t.match == "fuzzy"] == []
