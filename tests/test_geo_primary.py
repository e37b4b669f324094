"""Phase 3 rules of the place tagger (issue 11): lists of countries, names the text places in
another country, and where the story happens. Real gazetteer data, hand-written texts; every
rule is also scored on all sets in benchmarks/RESULTS.md ("Phase 3 (geoq)")."""

from __future__ import annotations

from pipeline.places import PlaceTag, tag_places


def _one(tags: list[PlaceTag], name: str) -> PlaceTag:
    return next(t for t in tags if t.place_name == name)


def test_a_country_before_a_country_is_a_list_not_a_qualifier() -> None:
    """ "Niger, Nigeria" in a list is two countries, not Niger State; "China, Japan" is no
    Japanese town called China. A state after a comma still qualifies ("Lebanon, Ohio"), and
    so does a country when no third country makes a list ("Georgia, USA")."""
    tags = tag_places("Polio vaccines reached Ghana, Niger, Nigeria and Togo this week.")
    niger = _one(tags, "Niger")
    assert (niger.country_code, niger.kind) == ("NE", "country")
    assert niger.how != "qualifier"
    tags = tag_places("Many countries, among them China, Japan, and the United Kingdom, warned.")
    assert _one(tags, "China").country_code == "CN"
    lebanon = _one(tag_places("A fire destroyed a barn in Lebanon, Ohio, on Monday."), "Lebanon")
    assert (lebanon.country_code, lebanon.admin1_code, lebanon.how) == ("US", "US-OH", "qualifier")
    # two names alone are no list: "Georgia, USA" is the state, also after a city
    for text in ("He moved to Georgia, USA, in 1990.", "A lab in Athens, Georgia, USA, said so."):
        georgia = _one(tag_places(text), "Georgia")
        assert (georgia.admin1_code, georgia.how) == ("US-GA", "qualifier"), text


def test_a_near_miss_spelling_adds_nothing_to_its_country() -> None:
    """A near-miss spelling is read only in a country the text already names (here India),
    so it is no further evidence for that country: the story stays in Nepal."""
    text = (
        "Thousands gathered for a Nepal festival in the village of Bariyarpur on Monday. "
        "Many pilgrims travelled from India to attend."
    )
    tags = tag_places(text)
    guess = _one(tags, "Bariyarpur")
    assert (guess.country_code, guess.match) == ("IN", "fuzzy")  # a guess, kept as a tag
    assert (tags[0].country_code, tags[0].is_primary) == ("NP", True)


def test_england_regions_are_places_of_their_own() -> None:
    """England's regions are in neither GeoNames' populated places nor ISO 3166-2: without
    them "West Midlands" was read as Zimbabwe's Midlands province."""
    text = "Hospital admissions rose in the West Midlands this week, officials in England said."
    tags = tag_places(text)
    region = _one(tags, "West Midlands")
    assert (region.country_code, region.admin1_code, region.kind) == ("GB", "GB-ENG", "region")
    assert tags[0].country_code == "GB"
    assert all(t.country_code == "GB" for t in tags)
