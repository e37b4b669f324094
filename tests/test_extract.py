"""extract_article on small but realistic news pages (chrome around a story), and the record
``newsflow extract`` prints for one."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from html import escape

import pytest

from pipeline.extract import EXTRACTOR_VERSION, extract_article
from pipeline.paths import shared_path
from pipeline.run.page import extraction_record

SEED = shared_path("seed", "000_bf42b40397eba4d4.txt")

PARAS = [
    "The city council voted on Tuesday to close the old harbour bridge to heavy traffic after "
    "engineers found corrosion in two of its main supports during a routine inspection.",
    "The bridge, built in 1962, carries about 40,000 vehicles a day and is the only direct link "
    "between the port and the industrial district on the northern bank of the river.",
    "Officials said lorries would be diverted through the ring road from next Monday, adding up "
    "to twenty minutes to journeys, while cars and buses could continue to use the crossing.",
    "Repairs are expected to take at least eighteen months and to cost more than 30 million "
    "euros, according to an estimate presented to councillors by the city's transport office.",
]


def page(
    paragraphs: list[str] = PARAS,
    *,
    title: str = "Harbour bridge closed to lorries | The Daily Ledger",
    og_title: str | None = None,
    h1: str | None = "Harbour bridge closed to lorries",
    head_extra: str = "",
    before_body: str = "",
    jsonld: dict | None = None,
    byline: str = "By Jane Doe",
    lang: str = "en",
) -> str:
    """A typical article page: cookie banner, nav, byline, story, related links, comments, footer."""
    head = [
        f"<title>{escape(title)}</title>",
        '<meta property="og:site_name" content="The Daily Ledger">',
    ]
    if og_title:
        head.append(f'<meta property="og:title" content="{escape(og_title)}">')
    if jsonld is not None:
        head.append(f'<script type="application/ld+json">{json.dumps(jsonld)}</script>')
    story = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">{"".join(head)}{head_extra}</head>
<body>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to personalise content and ads
and to analyse our traffic. By clicking accept you agree to our cookie policy.</p>
<button>Accept all cookies</button></div>
<header><a href="/" class="logo">The Daily Ledger</a><nav><ul><li><a href="/">Home</a></li>
<li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li>
</ul></nav></header>
<main><article>
{f"<h1>{escape(h1)}</h1>" if h1 else ""}
<div class="byline">{escape(byline)}</div>
{before_body}
<div class="article-body">{story}</div>
</article>
<aside class="related"><h2>Related stories</h2><ul>
<li><a href="/a">Mayor defends budget for new tram line amid protests</a></li>
<li><a href="/b">Port workers strike over pay for third day</a></li></ul></aside>
<section id="comments" class="comments"><h2>Comments</h2>
<div class="comment"><p>About time! That bridge has been falling apart for years and nobody cared at all.</p></div>
<div class="comment"><p>My commute is going to be terrible now, thanks for nothing, council.</p></div>
</section></main>
<footer><p>© 2026 The Daily Ledger. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>"""


URL = "https://ledger.example/news/2026/03/04/harbour-bridge"


def test_main_text_without_page_chrome():
    r = extract_article(page(), URL)
    assert r.outcome == "ok" and r.error is None
    assert r.body.splitlines() == PARAS
    for chrome in (
        "cookies",
        "Home",
        "Related stories",
        "tram line",
        "About time",
        "commute",
        "All rights reserved",
        "Jane Doe",
    ):
        assert chrome not in r.body
    assert r.word_count == sum(len(p.split()) for p in PARAS)
    assert r.language == "en"
    assert r.agency is None and r.agency_evidence is None  # the outlet's own reporting
    assert r.extractor == "trafilatura" and r.extractor_version == EXTRACTOR_VERSION
    assert r.title == "Harbour bridge closed to lorries"
    assert r.title_source == "h1"
    assert r.byline == "Jane Doe"


def test_wire_copy_label_and_credit_removed_agency_from_credit_line():
    paras = ["Published", *PARAS, "(AFP)"]
    r = extract_article(page(paras, byline="By our correspondent"), URL)
    assert r.body.splitlines() == PARAS
    assert "(AFP)" not in r.body and "Published" not in r.body
    assert (r.agency, r.agency_evidence) == ("AFP", "credit_line")


@pytest.mark.skipif(
    SEED is None or not SEED.exists(),
    reason=f"seed dispatch not available at {SEED} (set NEWSFLOW_SHARED)",
)
def test_seed_dispatch_in_a_page():
    lines = [ln for ln in SEED.read_text(encoding="utf-8").splitlines() if ln.strip()]
    # Subheads ("Talks") become <h2>, as on the outlet's page.
    story = "\n".join(
        f"<h2>{escape(ln)}</h2>"
        if len(ln.split()) <= 3 and ln not in ("Published", "(AFP)")
        else f"<p>{escape(ln)}</p>"
        for ln in lines
    )
    html = page(
        [],
        before_body=story,
        h1="Russian forces capture Kherson",
        title="Russian forces capture Kherson - The Daily Ledger",
        byline="",
    )
    r = extract_article(html.encode("utf-8"), "https://ledger.example/world/kherson")
    assert r.outcome == "ok"
    assert r.body.startswith("Kersen, located")
    assert not r.body.rstrip().endswith("(AFP)")
    assert "\nTalks\n" in r.body and "“Very dangerous”" in r.body  # subheads are copy
    assert r.body.rstrip().endswith("will get worse in the days to come.”")
    assert (r.agency, r.agency_evidence) == ("AFP", "credit_line")
    assert r.title == "Russian forces capture Kherson"
    assert r.language == "en"


@pytest.mark.parametrize(
    ("lede", "agency"),
    [
        (
            "KARACHI, March 3 (Reuters) - Pakistan's central bank held its key rate at 12% on Monday.",
            "Reuters",
        ),
        (
            "SAO PAULO (AP) — Brazil's president signed a decree on Tuesday expanding rainforest patrols.",
            "AP",
        ),
    ],
)
def test_dateline_agency(lede, agency):
    r = extract_article(page([lede, *PARAS], byline=""), URL)
    assert r.body.splitlines()[0] == lede  # the dateline is copy and stays
    assert (r.agency, r.agency_evidence) == (agency, "dateline")


def test_staff_article_citing_agencies_and_ap_photo_is_not_agency_copy():
    paras = [
        PARAS[0],
        "A lorry crosses the harbour bridge on Tuesday. (AP Photo/Evan Vucci)",
        "The transport minister told Reuters that the government would consider funding part of "
        "the repairs, while a spokesman for the port said, according to AFP, that trade would suffer.",
        *PARAS[1:],
    ]
    fig = (
        '<figure><img src="/bridge.jpg" alt="bridge"><figcaption>Traffic on the bridge on Tuesday. '
        "(AP Photo/Evan Vucci)</figcaption></figure>"
    )
    r = extract_article(
        page(paras, before_body=fig, byline="By Jane Doe, Transport Correspondent"), URL
    )
    assert r.outcome == "ok"
    assert r.agency is None and r.agency_evidence is None
    assert "AP Photo" not in r.body
    assert "A lorry crosses the harbour bridge on Tuesday." in r.body.splitlines()  # caption kept


def test_feed_hint_used_only_without_per_article_evidence():
    r = extract_article(page(), URL, feed_agency_hint="Agence France-Presse")
    assert (r.agency, r.agency_evidence) == ("AFP", "feed_hint")
    r = extract_article(page([*PARAS, "(Reuters)"]), URL, feed_agency_hint="AFP")
    assert (r.agency, r.agency_evidence) == ("Reuters", "credit_line")


def test_agency_from_jsonld_author():
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Harbour bridge closed",
        "author": {"@type": "Organization", "name": "Agence France-Presse"},
    }
    r = extract_article(page(jsonld=ld, byline=""), URL)
    assert r.agency == "AFP" and r.agency_evidence in ("byline", "meta_author")


# ---------------------------------------------------------------------------------------------
# Titles


@pytest.mark.parametrize(
    ("kwargs", "feed_title", "title", "source"),
    [
        (
            {"og_title": "Harbour bridge shut to lorries - The Daily Ledger"},
            None,
            "Harbour bridge shut to lorries",
            "og:title",
        ),
        (
            {"jsonld": {"@type": "NewsArticle", "headline": "Bridge shut | The Daily Ledger"}},
            None,
            "Bridge shut",
            "jsonld",
        ),
        (
            {"h1": "Harbour bridge closed to lorries"},
            "Feed headline",
            "Harbour bridge closed to lorries",
            "h1",
        ),
        (
            {"h1": None},
            "Council shuts harbour bridge - The Daily Ledger",
            "Council shuts harbour bridge",
            "feed",
        ),
        (
            {"h1": None, "title": "Harbour bridge closed to lorries | News | The Daily Ledger"},
            None,
            "Harbour bridge closed to lorries",
            "html_title",
        ),
        # " - " inside a headline is not a site suffix unless the segment is the site's name
        (
            {"h1": None, "title": "Russia - Ukraine talks resume in Istanbul"},
            None,
            "Russia - Ukraine talks resume in Istanbul",
            "html_title",
        ),
    ],
)
def test_title_sources_and_suffix_stripping(kwargs, feed_title, title, source):
    r = extract_article(page(**kwargs), URL, feed_title=feed_title)
    assert (r.title, r.title_source) == (title, source)


def test_h1_that_is_the_site_logo_is_not_the_title():
    html = page(h1=None).replace(
        '<a href="/" class="logo">The Daily Ledger</a>', "<h1>The Daily Ledger</h1>"
    )
    r = extract_article(html, URL, feed_title="Harbour bridge closed to lorries")
    assert (r.title, r.title_source) == ("Harbour bridge closed to lorries", "feed")


# ---------------------------------------------------------------------------------------------
# Dates


def _ld(published: str) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "datePublished": published,
        "dateModified": "2026-03-09T10:00:00+00:00",
    }


FEED_DATE = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
NO_URL_DATE = "https://ledger.example/news/harbour-bridge"


def test_page_date_with_offset_near_feed_date_wins():
    r = extract_article(
        page(jsonld=_ld("2026-03-04T08:12:00+01:00")), URL, feed_published=FEED_DATE
    )
    assert (r.published_at, r.date_source) == (datetime(2026, 3, 4, 7, 12, tzinfo=UTC), "page")
    assert r.published_at.tzinfo is UTC


def test_page_date_far_from_feed_date_loses_to_feed():
    r = extract_article(
        page(jsonld=_ld("2026-02-20T08:12:00+01:00")), URL, feed_published=FEED_DATE
    )
    assert (r.published_at, r.date_source) == (FEED_DATE, "feed")


def test_naive_page_date_loses_to_feed_but_is_read_in_default_tz_without_one():
    html = page(head_extra='<meta property="article:published_time" content="2026-03-04T10:30:00">')
    r = extract_article(html, NO_URL_DATE, feed_published=FEED_DATE)
    assert (r.published_at, r.date_source) == (FEED_DATE, "feed")
    r = extract_article(html, NO_URL_DATE, default_tz="Asia/Karachi")  # UTC+5
    assert (r.published_at, r.date_source) == (datetime(2026, 3, 4, 5, 30, tzinfo=UTC), "page")
    r = extract_article(html, NO_URL_DATE)  # no zone configured: UTC
    assert r.published_at == datetime(2026, 3, 4, 10, 30, tzinfo=UTC)


def test_naive_feed_date_read_in_default_tz():
    r = extract_article(
        page(), NO_URL_DATE, feed_published=datetime(2026, 3, 4, 9, 0), default_tz="Europe/Paris"
    )
    assert (r.published_at, r.date_source) == (datetime(2026, 3, 4, 8, 0, tzinfo=UTC), "feed")


def test_future_and_ancient_dates_rejected():
    future = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
    r = extract_article(page(jsonld=_ld(future)), URL)
    assert (r.published_at, r.date_source) == (datetime(2026, 3, 4, tzinfo=UTC), "url")
    r = extract_article(page(jsonld=_ld("1970-01-01T00:00:00+00:00")), NO_URL_DATE)
    assert (r.published_at, r.date_source) == (None, None)
    r = extract_article(page(), NO_URL_DATE, feed_published=datetime.now(UTC) + timedelta(days=3))
    assert r.published_at is None


def test_url_date_in_default_tz():
    r = extract_article(page(), URL, default_tz="America/New_York")
    assert (r.published_at, r.date_source) == (datetime(2026, 3, 4, 5, 0, tzinfo=UTC), "url")


# ---------------------------------------------------------------------------------------------
# Canonical URL


@pytest.mark.parametrize(
    ("head", "base", "expected"),
    [
        (
            '<link rel="canonical" href="/news/harbour-bridge?ref=rss#top">',
            URL,
            "https://ledger.example/news/harbour-bridge?ref=rss",
        ),
        (
            '<link rel="canonical" href="https://www.ledger.example/a">',
            URL,
            "https://www.ledger.example/a",
        ),
        (
            '<meta property="og:url" content="//cdn.ledger.example/b">',
            URL,
            "https://cdn.ledger.example/b",
        ),
        (
            '<link rel="canonical" href="javascript:void(0)"><meta property="og:url" content="https://ledger.example/c">',
            URL,
            "https://ledger.example/c",
        ),
        ('<link rel="canonical" href="http://">', URL, None),
        ('<link rel="canonical" href="https://exa mple.com/x">', URL, None),
        ('<link rel="canonical" href="/relative">', "file:///tmp/page.html", None),
        ("", URL, None),
    ],
)
def test_canonical_url(head, base, expected):
    assert extract_article(page(head_extra=head), base).canonical_url == expected


# ---------------------------------------------------------------------------------------------
# Bad and empty input


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 8,  # binary junk
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200,
        b"",
        b"   \n\t ",
        b'{"error": "not found", "status": 404}',
    ],
)
def test_not_html_is_parse_error(data):
    r = extract_article(data, URL)
    assert r.outcome == "parse_error" and r.error
    assert r.body == "" and r.word_count == 0 and r.title is None and r.agency is None


def test_empty_page_is_empty_extract():
    r = extract_article("<html><head><title>Nothing here</title></head><body></body></html>", URL)
    assert r.outcome == "empty_extract" and r.word_count == 0


def test_short_body_is_empty_extract_but_kept():
    r = extract_article(page(["Power cut in the northern district; crews are on site."]), URL)
    assert r.outcome == "empty_extract"
    assert r.body == "Power cut in the northern district; crews are on site."


def test_charset_from_meta_and_bom():
    text = "Le conseil municipal a voté mardi la fermeture du vieux pont du port aux poids lourds après la découverte de corrosion."
    html = page([text] * 3, lang="fr").replace(
        '<meta charset="utf-8">', '<meta charset="windows-1252">'
    )
    r = extract_article(html.encode("cp1252"), URL)
    assert r.body.splitlines()[0] == text and r.language == "fr"
    r = extract_article(
        page([text] * 3).replace('<meta charset="utf-8">', "").encode("utf-16"), URL
    )
    assert r.body.splitlines()[0] == text


# ---------------------------------------------------------------------------------------------
# the record `newsflow extract` prints for a saved page (an Extraction through extraction_record)


def test_extract_record_of_a_saved_page(tmp_path):
    f = tmp_path / "article.html"
    html = page(
        [*PARAS, "(AFP)"],
        jsonld=_ld("2026-03-04T08:12:00+01:00"),
        head_extra='<link rel="canonical" href="/news/bridge">',
    )
    f.write_text(html, encoding="utf-8")

    def record(url: str) -> dict:
        return extraction_record(asdict(extract_article(f.read_bytes(), url)))

    rec = record(f.resolve().as_uri())
    json.dumps(rec)  # serialisable as is
    assert rec["outcome"] == "ok"
    assert rec["title"] == "Harbour bridge closed to lorries"
    assert rec["body"].splitlines() == PARAS
    assert rec["published_at"] == "2026-03-04T07:12:00+00:00" and rec["date_source"] == "page"
    assert (rec["agency"], rec["agency_evidence"]) == ("AFP", "credit_line")
    assert rec["language"] == "en"
    assert rec["canonical_url"] is None  # relative to a file:// base: not a web address
    assert record("https://ledger.example/x/y")["canonical_url"] == (
        "https://ledger.example/news/bridge"
    )


def test_hard_wrapped_paragraphs_become_one_line_each():
    wrapped = [p.replace(" the ", "\n   the ", 1) for p in PARAS]
    assert all("\n" in p for p in wrapped)
    html = page([]).replace(
        '<div class="article-body"></div>',
        '<div class="article-body">' + "".join(f"<p>{p}</p>" for p in wrapped) + "</div>",
    )
    assert extract_article(html, URL).body.splitlines() == PARAS


def test_cookie_banner_and_no_story_is_a_consent_wall():
    r = extract_article(page([], h1=None), URL)
    assert r.outcome == "consent_wall" and "consent text" in r.error
    assert "cookie" not in r.body.lower()


def test_undeclared_latin1_page_is_read_as_windows_1252():
    paras = [
        f"Le conseil a voté mardi la fermeture du pont numéro {i} après la découverte de corrosion."
        for i in range(3)
    ]
    html = page(paras, lang="fr").replace('<meta charset="utf-8">', "").encode("latin-1")
    r = extract_article(html, URL)
    # No declaration and not valid UTF-8: windows-1252 (a superset of latin-1), not U+FFFD.
    assert r.outcome == "ok"
    assert r.body.splitlines()[0] == paras[0]


def test_story_in_a_layout_table_found_by_the_recall_pass_with_paragraphs():
    cell = "<table><tr><td>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</td></tr></table>"
    html = page([]).replace('<div class="article-body"></div>', cell)
    r = extract_article(html, URL)
    assert r.outcome == "ok"
    assert r.body.splitlines() == PARAS


def test_data_table_in_an_article_is_left_out():
    table = (
        "<table><tr><th>Crossing</th><th>Vehicles a day</th></tr>"
        "<tr><td>Harbour bridge</td><td>40,000</td></tr><tr><td>Ring road</td><td>65,000</td></tr></table>"
    )
    html = page().replace("</div>\n</article>", table + "</div>\n</article>")
    assert "Ring road" in html
    assert extract_article(html, URL).body.splitlines() == PARAS


# ---------------------------------------------------------------------------------------------
# Body choice: trafilatura, a readability second opinion, JSON-LD / baseline when they disagree


def test_story_only_in_jsonld_article_body_is_taken_from_there():
    body = "\n\n".join(PARAS)
    ld = {"@type": "NewsArticle", "headline": "Harbour bridge closed", "articleBody": body}
    html = (
        "<html><head><title>Harbour bridge closed | The Daily Ledger</title>"
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
        '<body><nav><a href="/">Home</a> <a href="/news">News</a></nav><div id="root"></div>'
        "<noscript>Please enable JavaScript.</noscript></body></html>"
    )
    r = extract_article(html, URL)
    assert r.outcome == "ok" and r.extractor == "jsonld"
    assert r.body.splitlines() == PARAS


def test_jsonld_article_body_with_markup_is_rendered_as_text():
    ld = {"@type": "NewsArticle", "articleBody": "".join(f"<p>{p}</p>" for p in PARAS)}
    html = (
        f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head>'
        '<body><div id="app"></div></body></html>'
    )
    r = extract_article(html, URL)
    assert r.extractor == "jsonld" and r.body.splitlines() == PARAS


def test_consensus_outvotes_the_odd_candidate_and_keeps_preference_on_ties():
    from pipeline.extract import Candidate, consensus

    story = " ".join(PARAS)
    junk = "Sign up for offers. " * 30
    a = Candidate("trafilatura", story + " " + junk)
    b = Candidate("readability", story)
    c = Candidate("baseline", story + " Comments are closed.")
    assert consensus([a, b, c]).extractor == "readability"
    # two opinions cannot outvote each other: the preferred one stands unless it is too short
    assert consensus([a, b]).extractor == "trafilatura"
    assert consensus([Candidate("trafilatura", "Too short."), b]).extractor == "readability"
    assert consensus([Candidate("trafilatura", ""), Candidate("baseline", "")]).extractor == (
        "trafilatura"
    )


def test_candidate_bodies_are_finished_like_the_chosen_body():
    from pipeline.extract import candidate_bodies

    html = page(["Advertisement", *PARAS, "(AFP)"])
    bodies = candidate_bodies(html, URL)
    assert set(bodies) == {"trafilatura", "trafilatura+fallback", "readability", "baseline"}
    # the one ingestion picks is exactly the finished candidate it came from
    chosen = extract_article(html, URL)
    assert bodies[chosen.extractor] == chosen.body
    for name, body in bodies.items():
        assert PARAS[0] in body, name
        assert "Advertisement" not in body and "(AFP)" not in body, name
        assert not body.startswith("Harbour bridge closed to lorries"), name  # headline dropped
    ld = {"@type": "NewsArticle", "articleBody": "\n\n".join(PARAS)}
    assert candidate_bodies(page(jsonld=ld), URL)["jsonld"].splitlines() == PARAS
    assert candidate_bodies(b"\x00\x01 not html", URL) == {}


def test_shingle_f1_and_cjk_word_counts():
    from pipeline.extract import count_words, shingle_f1, text_shingles

    a = text_shingles("one two three four five six")
    assert shingle_f1(a, a) == 1.0 and shingle_f1(a, text_shingles("seven eight nine ten")) == 0.0
    assert shingle_f1(a, text_shingles("")) == 0.0
    assert count_words("The council voted on Tuesday.") == 5
    assert count_words("北陸新幹線の延伸") == 4  # eight characters, two per word
    assert count_words("Tokyo 東京都 news") == 4
    assert len(text_shingles("北陸新幹線の延伸")) == 5  # characters are the tokens


def test_html_text_one_line_per_block_and_no_scripts():
    from lxml import html as lxml_html

    from pipeline.extract import html_text

    root = lxml_html.fromstring(
        "<div><h2>Talks</h2><p>First <b>bold</b> paragraph.</p><script>var x = 1;</script>"
        "<p>Second<br>line</p><ul><li>one</li><li>two</li></ul>tail text</div>"
    )
    assert html_text(root).splitlines() == [
        "Talks",
        "First bold paragraph.",
        "Second",
        "line",
        "one",
        "two",
        "tail text",
    ]


def test_deeply_nested_page_does_not_hit_the_recursion_limit():
    deep = "<div>" * 5000 + "<p>" + " ".join(PARAS) + "</p>" + "</div>" * 5000
    r = extract_article(f"<html><body>{deep}</body></html>", URL)
    assert r.outcome in ("ok", "empty_extract", "parse_error")  # reported, never raised


def test_byline_from_markup_when_the_page_declares_no_author():
    r = extract_article(page(byline="By Jane Doe"), URL)
    assert r.byline == "Jane Doe"
    r = extract_article(
        page(head_extra='<meta name="author" content="Sam Roe">', byline="By Jane Doe"), URL
    )
    assert r.byline == "Sam Roe"


def test_section_from_meta_or_jsonld():
    r = extract_article(page(head_extra='<meta property="article:section" content="Europe">'), URL)
    assert r.section == "Europe"
    ld = {"@type": "NewsArticle", "articleSection": ["Transport", "Local"]}
    assert extract_article(page(jsonld=ld), URL).section == "Transport"
    assert extract_article(page(), URL).section is None


# ---------------------------------------------------------------------------------------------
# Walls


def _paywall_page(teaser: list[str], *, declared: bool, prompt: str = "") -> str:
    ld = {"@type": "NewsArticle", "headline": "Harbour bridge closed"}
    if declared:
        ld["isAccessibleForFree"] = False
    extra = f'<div class="paywall"><p>{prompt}</p></div>' if prompt else ""
    return page(teaser, jsonld=ld, before_body="").replace("</article>", extra + "</article>")


def test_declared_paywall_with_a_teaser_is_paywalled():
    r = extract_article(_paywall_page(PARAS[:1], declared=True), URL)
    assert r.outcome == "paywalled" and "restricted access" in r.error


def test_subscription_prompt_with_a_teaser_is_paywalled():
    r = extract_article(
        _paywall_page(PARAS[:2], declared=False, prompt="Subscribe to continue reading."), URL
    )
    assert r.outcome == "paywalled" and "subscription prompt" in r.error


def test_declared_paywall_with_the_whole_story_is_an_article():
    long_story = PARAS * 3  # ~200 words: the full text is in the page (metered, or for crawlers)
    r = extract_article(_paywall_page(long_story, declared=True), URL)
    assert r.outcome == "ok" and r.word_count >= 150


def test_consent_interstitial_is_a_consent_wall():
    html = """<html><head><title>Before you continue</title></head><body>
    <div id="sp_message_container_1"><h2>Before you continue</h2>
    <p>We and our 212 partners store and access information on your device, such as cookies,
    and process personal data for personalised advertising, measurement and audience research.</p>
    <p>Some partners process your data based on legitimate interest. You can object by managing
    your privacy choices.</p><button>Accept all</button><button>Reject all</button></div>
    </body></html>"""
    r = extract_article(html, URL)
    assert r.outcome == "consent_wall" and "consent text" in r.error


def test_short_story_next_to_a_cookie_banner_is_not_a_wall():
    r = extract_article(page(PARAS[:1] * 2), URL)
    assert r.outcome == "ok"


# ---------------------------------------------------------------------------------------------
# Date rules: flags, the outlet's zone


def test_impossible_dates_are_flagged_not_trusted():
    future = (datetime.now(UTC) + timedelta(days=400)).replace(microsecond=0).isoformat()
    r = extract_article(page(jsonld=_ld(future)), URL, feed_published=FEED_DATE)
    assert (r.published_at, r.date_source) == (FEED_DATE, "feed")
    assert r.date_flags == "page_future"
    r = extract_article(page(jsonld=_ld("1970-01-01T00:00:00+00:00")), URL)
    assert r.date_source == "url" and "page_too_old" in r.date_flags
    r = extract_article(
        page(jsonld=_ld("2001-05-01T08:00:00+00:00")), NO_URL_DATE, feed_published=FEED_DATE
    )
    assert r.date_source == "feed" and r.date_flags == "page_before_feed"
    r = extract_article(page(), NO_URL_DATE, feed_published=datetime.now(UTC) + timedelta(days=9))
    # htmldate is asked too, and its only find (the footer's "© 2026") is a year, not a day
    assert r.published_at is None and r.date_flags == "feed_future,htmldate_year_only"


def test_page_date_disagreeing_with_the_feed_is_flagged():
    r = extract_article(
        page(jsonld=_ld("2026-02-20T08:12:00+01:00")), URL, feed_published=FEED_DATE
    )
    assert r.date_source == "feed" and r.date_flags == "page_feed_disagree"
    r = extract_article(
        page(jsonld=_ld("2026-03-04T08:12:00+01:00")), URL, feed_published=FEED_DATE
    )
    assert r.date_flags is None


def test_naive_dates_read_in_the_outlets_single_zone_country_else_utc():
    from pipeline.extract import country_timezone

    html = page(head_extra='<meta property="article:published_time" content="2026-03-05T00:40:00">')
    r = extract_article(html, NO_URL_DATE, country="FR")  # Europe/Paris, UTC+1 in March
    assert r.published_at == datetime(2026, 3, 4, 23, 40, tzinfo=UTC)
    r = extract_article(html, NO_URL_DATE, country="US")  # several zones: no guess, UTC
    assert r.published_at == datetime(2026, 3, 5, 0, 40, tzinfo=UTC)
    r = extract_article(html, NO_URL_DATE, default_tz="Asia/Tokyo", country="FR")  # feed wins
    assert r.published_at == datetime(2026, 3, 4, 15, 40, tzinfo=UTC)
    assert country_timezone("fr") == "Europe/Paris" and country_timezone("US") is None
    assert country_timezone(None) is None and country_timezone("ZZ") is None


def test_language_falls_back_to_the_declared_one_when_the_body_is_too_short():
    r = extract_article(page(["Kurz."], lang="de"), URL)
    assert r.language == "de"
    r = extract_article(page(lang="fr"), URL)  # an English story on a page declared French
    assert r.language == "en"


def test_extract_package_stands_alone():
    """The extract stage is a pure step: it imports no other stage, the run layer or storage
    (the old ``analyze <-> extract`` cycle), counting imports inside functions; shared leaf
    utilities (outcomes, errors, markup) are fine."""
    import ast
    from pathlib import Path

    import pipeline.extract as pkg

    allowed = ("pipeline.extract", "pipeline.outcomes", "pipeline.errors", "pipeline.markup")
    for path in Path(pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                if name.startswith("pipeline"):
                    assert name.startswith(allowed), f"{path.name} imports {name}"
