"""The gazetteer behind local news (issue 11): GeoNames places of 1,000+ people, US counties,
ISO second-level units and admin-1 abbreviations; real package data."""

from __future__ import annotations

import pytest

from pipeline.places import gazetteer


def _readings(*tokens: str) -> list[tuple[str, str | None, str | None]]:
    found = gazetteer._load_index().lookup(tuple(tokens)) or ()
    return [(n.place.kind, n.place.country_code, n.place.admin1_code) for n in found]


def test_small_towns_are_in_the_index() -> None:
    assert ("city", "US", "US-GA") in _readings("dahlonega")  # ~6,000 people
    assert ("city", "US", "US-GA") in _readings("bogart")  # ~1,000 people
    paris = _readings("paris")
    assert {("city", "FR", "FR-IDF"), ("city", "US", "US-TX"), ("city", "US", "US-TN")} <= set(
        paris
    )


def test_counties_and_second_level_units_are_admin2() -> None:
    assert _readings("rapides", "parish") == [("admin2", "US", "US-LA")]
    assert ("admin2", "US", "US-GA") in _readings("clarke", "county")
    assert ("admin2", "GB", "GB-ENG") in _readings("cornwall")


def test_abbreviations_are_qualifier_only_except_distinctive_ones() -> None:
    idx = gazetteer._load_index()
    ga = idx.lookup(("ga",))
    assert ga and all(n.qualifier and n.place.admin1_code == "US-GA" for n in ga)
    nsw = idx.lookup(("nsw",))
    assert nsw and not nsw[0].qualifier and nsw[0].place.admin1_code == "AU-NSW"


def test_packed_readings_round_trip() -> None:
    idx = gazetteer._load_index()
    packed = [k for k, v in idx.names.items() if isinstance(v, str)]
    assert len(packed) > 100_000  # the towns, stored compactly
    key = next(k for k in packed if len(k) == 2)
    names = idx.lookup(key)
    assert names and gazetteer._pack(names) == idx.names[key]
    assert all(n.caps == ("U", "U") and n.place.pid == n.place.geonameid for n in names)


def test_abbreviation_file_rejects_unknown_units() -> None:
    with pytest.raises(ValueError, match="US-ZZ"):
        gazetteer._Builder().add_abbreviations([("Zz", "US-ZZ", "qualifier")])
