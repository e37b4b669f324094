"""Document-level resolution (issue 11): namesakes of famous places in local news, read from
the article's other places, qualifiers, the dateline or a wire item's located place, and the
publisher's home; each tag says why (``how``). Real gazetteer data, hand-written texts."""

from __future__ import annotations

from pipeline.places import PlaceTag, tag_article, tag_places


def _one(tags: list[PlaceTag], name: str) -> PlaceTag:
    return next(t for t in tags if t.place_name == name)


def _primary(tags: list[PlaceTag]) -> tuple[str, str | None] | None:
    return (tags[0].country_code, tags[0].admin1_code) if tags else None


def test_ap_style_abbreviation_qualifies_a_namesake() -> None:
    tags = tag_places("A fire destroyed a warehouse in Athens, Ga., early Tuesday.")
    athens = _one(tags, "Athens")
    assert (athens.admin1_code, athens.how) == ("US-GA", "qualifier")
    tags = tag_places("A Springfield, Mo., man pleaded guilty on Friday to wire fraud.")
    assert _primary(tags) == ("US", "US-MO")


def test_abbreviations_count_only_as_qualifiers() -> None:
    """ "Ga", "Mass", "IN" alone are words (or nothing): only "X, Ga." reads them as states."""
    assert tag_places("Mass was held at noon and IN the evening a choir sang.") == []


def test_dateline_with_state_abbreviation() -> None:
    tags = tag_places("ROME, N.Y. (AP) — A woman was charged on Monday with theft.")
    assert _primary(tags) == ("US", "US-NY")
    assert tags[0].how in ("qualifier", "dateline")


def test_county_cluster_reads_a_famous_name_locally() -> None:
    text = (
        "A Rapides Parish deputy was injured early Saturday when his patrol car was struck in "
        "Alexandria. The other driver was taken to a hospital in Pineville."
    )
    tags = tag_places(text)
    assert _primary(tags) == ("US", "US-LA")
    alexandria = _one(tags, "Alexandria")
    assert (alexandria.admin1_code, alexandria.how) == ("US-LA", "coherence")
    parish = _one(tags, "Rapides Parish")
    assert (parish.kind, parish.admin1_code) == ("admin2", "US-LA")


def test_home_prior_resolves_a_paper_that_never_names_its_state() -> None:
    text = "Hundreds turned out for the fish fry in Paris this week, organizers said."
    assert _primary(tag_places(text)) == ("FR", "FR-IDF")  # the text alone: the famous one
    tags = tag_places(text, publisher_country="US", home_admin1="US-TN")
    assert _primary(tags) == ("US", "US-TN")
    assert tags[0].how == "home_prior"


def test_home_prior_yields_to_the_text() -> None:
    """A local paper's foreign story: the text names the foreign country, not home."""
    text = "Police in Cairo arrested dozens of protesters on Friday, Egypt's ministry said."
    tags = tag_places(text, publisher_country="US", home_admin1="US-GA")
    assert _primary(tags) == ("EG", "EG-C")
    text = "A magnitude 6.1 earthquake shook Lima on Wednesday, Peru's civil defense said."
    assert _primary(tag_places(text, publisher_country="US")) == ("PE", "PE-LMA")


def test_a_country_name_stays_a_country_without_local_evidence() -> None:
    text = "King Abdullah of Jordan met the secretary of state on Tuesday."
    assert _primary(tag_places(text, publisher_country="US")) == ("JO", None)
    text = "Jordan will hold a special election in June for a city council seat."
    assert _primary(tag_places(text, publisher_country="US", home_admin1="US-MN")) == (
        "US", "US-MN"
    )  # fmt: skip


def test_georgia_the_state_for_a_us_paper() -> None:
    text = "Georgia lawmakers passed a budget on Thursday, sending it to the governor."
    assert _primary(tag_places(text, publisher_country="US", home_admin1="US-GA")) == (
        "US", "US-GA"
    )  # fmt: skip
    text = "Protesters filled the streets of Tbilisi as Georgia's parliament debated a law."
    assert _primary(tag_places(text, publisher_country="US"))[0] == "GE"  # type: ignore[index]


def test_a_cluster_of_small_towns_outweighs_population() -> None:
    text = (
        "Berlin will reopen its paper mill site as an industrial park, the city manager said. "
        "Gorham is sharing the cost of new water lines."
    )
    tags = tag_places(text)
    assert _primary(tags) == ("US", "US-NH")


def test_no_place_no_primary_even_with_a_home() -> None:
    text = "Brown a pound of ground beef, add beans and simmer for an hour."
    assert tag_places(text, publisher_country="US", home_admin1="US-TX") == []


def test_located_field_is_evidence_like_a_dateline() -> None:
    text = "The city council voted on Monday to raise water rates in Paris."
    tags = tag_places(text, located="Paris, Texas")
    assert _primary(tags) == ("US", "US-TX")
    assert tags[0].how == "qualifier"
    assert tag_places("Water rates will rise.", located="Paris, Texas") == []


def test_headline_word_the_body_uses_is_no_town() -> None:
    """ "Tornado" and "Christmas" are US towns; "a tornado" in the body says they are words."""
    res = tag_article(
        "A tornado damaged a dozen homes in Madison County on Sunday night.",
        "Tornado damages homes",
        publisher_country="US",
        home_admin1="US-KY",
    )
    assert [m.name for m in res.mentions] == ["Madison County"]
    assert res.places[0].admin1_code == "US-KY"


def test_how_is_reported_for_every_place_and_mention() -> None:
    res = tag_article("Floods hit Kherson and Odesa, Ukraine said.")
    assert {p.how for p in res.places} <= {
        "unique", "qualifier", "dateline", "coherence", "home_prior", "population"
    }  # fmt: skip
    assert all(m.how for m in res.mentions)


def test_home_admin1_alone_implies_its_country() -> None:
    text = "Voters lined up in Paris on Tuesday."
    tags = tag_places(text, home_admin1="us-tn")
    assert (_primary(tags), tags[0].how) == (("US", "US-TN"), "home_prior")
    famous = tag_places(text)
    assert (_primary(famous), famous[0].how) == (("FR", "FR-IDF"), "population")


def test_world_regions_are_mentions_never_places_nor_primary() -> None:
    text = (
        "Ebola cases rose across West Africa and South-East Asia this month, health officials "
        "in Nairobi, Kenya, said, and Europe braced for imported cases."
    )
    tagging = tag_article(text)
    regions = [m for m in tagging.mentions if m.kind == "world_region"]
    assert [m.name for m in regions] == ["West Africa", "South-East Asia", "Europe"]
    assert all(m.country_code == "" and m.admin1_code is None for m in regions)
    assert {p.kind for p in tagging.places} <= {"country", "city", "admin1"}
    assert tagging.primary is not None and tagging.primary.country_code == "KE"
    # a continent never yields a country, nor a town of the same name (Asia, Peru)
    only = tag_article("Cases rose across Africa and Asia, the agency said.")
    assert only.places == [] and only.primary is None
    assert [(m.name, m.kind) for m in only.mentions] == [
        ("Africa", "world_region"),
        ("Asia", "world_region"),
    ]


def test_a_country_or_state_naming_an_institution_is_a_mention() -> None:
    text = (
        "A spokesman from the California Department of Public Health said the US Centers for "
        "Disease Control and the Food and Drug Administration were told."
    )
    names = [(m.name, m.country_code, m.kind) for m in tag_article(text).mentions]
    assert ("California", "US", "admin1") in names and ("US", "US", "country") in names
    assert all(n != "Drug" for n, _, _ in names)  # a town inside an organisation's name is none


def test_a_place_after_a_locative_undoes_an_article_wide_surname() -> None:
    text = (
        "The charity SOS Children's Villages Sudan reports calm. Refugees return to southern "
        "Sudan after a peace deal, and cholera spread in south Sudan."
    )
    assert [m.name for m in tag_article(text).mentions if m.country_code == "SD"] == [
        "Sudan",
        "Sudan",
    ]


def test_a_country_name_beats_a_same_named_subdivision_elsewhere() -> None:
    niger = tag_article(
        "Polio has been eradicated in Egypt and Niger, officials said. Nigeria reported 782 "
        "cases in 2004, and Nigerian clerics had called for a boycott."
    )
    assert ("Niger", "NE", "country") in {(m.name, m.country_code, m.kind) for m in niger.mentions}
    lux = tag_article(
        "The race in Weiswampach, Luxembourg drew athletes from Belgium, Belgium's Vilvoorde "
        "club and Luxembourg. Belgium won, and Luxembourg came second."
    )
    assert {m.country_code for m in lux.mentions if m.name == "Luxembourg"} == {"LU"}
    # ... but not when the text names the subdivision's siblings
    states = tag_article("Recalls reached stores in Alabama, Arizona, Georgia and Texas.")
    assert {(m.name, m.country_code) for m in states.mentions} >= {("Georgia", "US")}


def test_a_small_town_after_a_locative_in_a_supported_country() -> None:
    text = "Refugees in Kenya, Somalia and Nairobi crowd camps near Dadaab."  # 11,500 people
    assert ("Dadaab", "KE") in {(m.name, m.country_code) for m in tag_article(text).mentions}
    # ... but a big place elsewhere keeps its name: "in Doha" stays Qatar's
    doha = tag_article("Talks in Doha drew envoys from India and India's neighbours.")
    assert {m.country_code for m in doha.mentions if m.name == "Doha"} == {"QA"}


def test_place_word_of_admits_a_stoplisted_name() -> None:
    text = "Most cases are in the state of Victoria, health officials in Melbourne said."
    found = {(m.name, m.country_code, m.kind) for m in tag_article(text).mentions}
    assert ("Victoria", "AU", "admin1") in found
