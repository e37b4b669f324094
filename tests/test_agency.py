"""detect_agency: attribution from structured signals only, in a fixed order of precedence."""

from __future__ import annotations

import pytest

from pipeline.extract import agency as agency_mod
from pipeline.extract.agency import (
    EVIDENCE_KINDS,
    AgencyMatch,
    detect_agency,
    find_agency,
    load_agencies,
    resolve_agency,
    strip_image_credits,
)

STAFF_BODY = (
    "The transport minister told Reuters on Monday that the bridge would reopen in May.\n"
    "According to AFP, port traffic fell by a third, while an Apple spokesman declined to "
    "comment and the APPLE store nearby stayed open.\n"
    "Officials in the AP government said the Associated Press had asked for comment."
)


def test_data_file_loads_and_aliases_resolve_to_their_agency():
    agencies = load_agencies()
    for name in (
        "AFP",
        "Reuters",
        "AP",
        "dpa",
        "EFE",
        "ANSA",
        "Xinhua",
        "Kyodo",
        "Anadolu",
        "PTI",
        "ANI",
        "UPI",
        "Yonhap",
        "TASS",
        "Bloomberg",
    ):
        assert name in agencies
    for name, aliases in agencies.items():
        for alias in aliases:
            assert resolve_agency(alias) == name
    assert resolve_agency("agence france presse") == "AFP"  # long names: any case
    assert resolve_agency("Ap") is None  # acronyms: exact case
    assert resolve_agency("Nordic Wire Service") is None
    assert resolve_agency("Agência Lusa") == "Lusa"


def test_duplicate_alias_in_data_file_is_rejected(tmp_path, monkeypatch):
    f = tmp_path / "agencies.yaml"
    f.write_text("AFP: [AFP]\nOther: [Agence X, AFP]\n", encoding="utf-8")
    monkeypatch.setattr(agency_mod, "AGENCIES_FILE", f)
    load_agencies.cache_clear()
    try:
        with pytest.raises(ValueError, match="already belongs"):
            load_agencies()
    finally:
        load_agencies.cache_clear()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("APPLE shares", None),
        ("the AAP report", "AAP"),
        ("AP's reporter", "AP"),
        ("dpa-AFX said", None),
        ("Agence France-Presse", "AFP"),
        ("REUTERS", "Reuters"),
    ],
)
def test_word_boundaries_and_case(text, expected):
    assert find_agency(text) == expected


@pytest.mark.parametrize(
    ("lede", "expected"),
    [
        ("KARACHI, March 3 (Reuters) - Pakistan's central bank held rates.", "Reuters"),
        ("SAO PAULO (AP) — Brazil's president signed the decree.", "AP"),
        ("PARIS (AFP) - France summoned the ambassador.", "AFP"),
        ("(Bloomberg) -- Stocks fell in early trading.", "Bloomberg"),
        ("MOSCOW, March 3. /TASS/. Russia's foreign ministry said.", "TASS"),
        ("New Delhi, Mar 3 (PTI) The government on Monday said.", "PTI"),
        ("Beijing, March 3 (Xinhua) -- China's exports rose.", "Xinhua"),
        ("MADRID, 3 Mar (EFE).- El Gobierno aprobó el decreto.", "EFE"),
        ("SEOUL, March 3 (Yonhap) -- North Korea fired a missile.", "Yonhap"),
    ],
)
def test_datelines(lede, expected):
    assert detect_agency(lede + "\nMore copy follows here.") == AgencyMatch(expected, "dateline")


def test_dateline_after_a_standfirst_line():
    body = "Markets slide as rates stay high\nLONDON (Reuters) - Shares fell on Monday."
    assert detect_agency(body) == AgencyMatch("Reuters", "dateline")


@pytest.mark.parametrize(
    "body",
    [
        STAFF_BODY,
        "Officials told Agence France-Presse (AFP) that talks would resume.",
        "Washington (CNN) — The Senate passed the bill.",
        "Residents queue for bread in Kherson (AP Photo/Evan Vucci) as prices rise.",
        "A man walks past the site. REUTERS/Kevin Lamarque\nThe ministry said repairs would start.",
        "Photo: John Smith / AFP\nThe ministry said repairs would start.",
        "According to reporting by Reuters, the deal is close.",
    ],
)
def test_citations_and_image_credits_are_not_attribution(body):
    assert detect_agency(body) is None


@pytest.mark.parametrize(
    ("credit", "expected"),
    [
        ("(AFP)", AgencyMatch("AFP", "credit_line")),
        ("— Reuters", AgencyMatch("Reuters", "credit_line")),
        ("AFP/mb", AgencyMatch("AFP", "credit_line")),
        ("dpa/AFP", AgencyMatch("dpa", "credit_line")),
        ("Source: Xinhua", AgencyMatch("Xinhua", "credit_line")),
        (
            "Copyright 2026 The Associated Press. All rights reserved.",
            AgencyMatch("AP", "credit_line"),
        ),
        ("(With AFP)", AgencyMatch("AFP", "phrase")),
        ("With inputs from PTI", AgencyMatch("PTI", "phrase")),
        ("The Associated Press contributed to this report.", AgencyMatch("AP", "phrase")),
        ("Guardian staff and agencies", None),
        ("(Reporting by Jane Doe; Editing by John Smith)", None),
        ("(AP Photo/Evan Vucci)", None),
    ],
)
def test_credit_lines(credit, expected):
    assert detect_agency(STAFF_BODY, credits=[credit]) == expected


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By AFP", "AFP"),
        ("Reuters Staff", "Reuters"),
        ("By JANE DOE, Associated Press", "AP"),
        ("Jane Doe | AP Business Writer", "AP"),
        ("Bloomberg News", "Bloomberg"),
        ("Michael Bloomberg", None),
        ("Guardian staff and agencies", None),
        ("Ani Smith", None),
        ("AP Photo/Evan Vucci", None),
        ("https://www.facebook.com/reuters", None),
    ],
)
def test_bylines(byline, expected):
    got = detect_agency(STAFF_BODY, byline=byline)
    assert got == (AgencyMatch(expected, "byline") if expected else None)


def test_phrases_in_body():
    assert detect_agency("Copy.\nAdditional reporting by Reuters in London.") == AgencyMatch(
        "Reuters", "phrase"
    )
    assert detect_agency("The talks resumed (with AFP) on Monday.") == AgencyMatch("AFP", "phrase")
    assert detect_agency("Copy.\nJane Doe of Reuters contributed reporting.") == AgencyMatch(
        "Reuters", "phrase"
    )


def test_precedence_follows_the_documented_order():
    lede = "PARIS (AFP) - France summoned the ambassador.\nAdditional reporting by Kyodo."
    full = dict(
        credits=["— Reuters"],
        byline="By Yonhap",
        meta_authors=["ANSA"],
        feed_author="TASS",
        feed_hint="EFE",
    )
    assert detect_agency(lede, **full) == AgencyMatch("Reuters", "credit_line")
    full["credits"] = []
    assert detect_agency(lede, **full) == AgencyMatch("AFP", "dateline")
    body = "France summoned the ambassador.\nAdditional reporting by Kyodo."
    assert detect_agency(body, **full) == AgencyMatch("Yonhap", "byline")
    full["byline"] = "Jane Doe"
    assert detect_agency(body, **full) == AgencyMatch("ANSA", "meta_author")
    full["meta_authors"] = ["Jane Doe"]
    assert detect_agency(body, **full) == AgencyMatch("TASS", "feed_author")
    full["feed_author"] = None
    assert detect_agency(body, **full) == AgencyMatch("EFE", "feed_hint")
    full["feed_hint"] = None
    assert detect_agency(body, **full) == AgencyMatch("Kyodo", "phrase")
    assert [k for k in EVIDENCE_KINDS] == [
        "credit_line",
        "dateline",
        "byline",
        "meta_author",
        "feed_author",
        "feed_hint",
        "phrase",
    ]


def test_staff_and_agencies_does_not_veto_a_named_agency():
    body = "LONDON (Reuters) - Shares fell on Monday."
    assert detect_agency(body, byline="Guardian staff and agencies") == AgencyMatch(
        "Reuters", "dateline"
    )


def test_feed_hint_canonicalised_or_kept_as_configured():
    assert detect_agency("Copy.", feed_hint="Agence France-Presse") == AgencyMatch(
        "AFP", "feed_hint"
    )
    assert detect_agency("Copy.", feed_hint="Lusa") == AgencyMatch("Lusa", "feed_hint")
    assert detect_agency("Copy.", feed_hint="  ") is None


def test_staff_copy_is_none():
    assert (
        detect_agency(
            STAFF_BODY,
            byline="Jane Doe",
            meta_authors=["Jane Doe", "https://ledger.example/staff/jane"],
        )
        is None
    )


def test_strip_image_credits_keeps_prose():
    text = "The minister arrived. (AP Photo/Evan Vucci) She spoke to AFP."
    out = strip_image_credits(text)
    assert "Vucci" not in out and "The minister arrived." in out and "She spoke to AFP." in out
