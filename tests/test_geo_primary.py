"""Phase 3 rules of the place tagger (issue 11): lists of countries, names the text places in
another country, and where the story happens. Real gazetteer data, hand-written texts; every
rule is also scored on all sets in benchmarks/RESULTS.md ("Phase 3 (geoq)")."""

from __future__ import annotations

from pipeline.places import PlaceTag, tag_places


def _one(tags: list[PlaceTag], name: str) -> PlaceTag:
    return next(t for t in tags if t.place_name == name)


def test_a_country_before_a_country_is_a_list_not_a_qualifier() -> None:
    """ "Niger, Nigeria" in a list is two countries, not Niger State; "China, Japan" is no
    Japanese town called China. A state after a comma still qualifies ("Lebanon, Ohio")."""
    tags = tag_places("Polio vaccines reached Ghana, Niger, Nigeria and Togo this week.")
    niger = _one(tags, "Niger")
    assert (niger.country_code, niger.kind) == ("NE", "country")
    assert niger.how != "qualifier"
    tags = tag_places("Many countries, among them China, Japan, and the United Kingdom, warned.")
    assert _one(tags, "China").country_code == "CN"
    lebanon = _one(tag_places("A fire destroyed a barn in Lebanon, Ohio, on Monday."), "Lebanon")
    assert (lebanon.country_code, lebanon.admin1_code, lebanon.how) == ("US", "US-OH", "qualifier")
