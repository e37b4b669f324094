"""clean_body: boilerplate lines out, credits split off, real copy never touched."""

from __future__ import annotations

import pytest

from pipeline.extract.boilerplate import clean_body
from pipeline.paths import shared_path

SEED = shared_path("seed", "000_bf42b40397eba4d4.txt")

STORY = [
    "Russian forces captured the southern city of Kherson on Thursday, the regional governor said.",
    "Talks",
    "Negotiators met again in Belarus near the Polish border, officials in Kyiv and Moscow said.",
]


def body_of(*lines: str) -> list[str]:
    return clean_body("\n".join(lines)).body.splitlines()


@pytest.mark.skipif(
    SEED is None or not SEED.exists(),
    reason=f"seed dispatch not available at {SEED} (set NEWSFLOW_SHARED)",
)
def test_seed_dispatch():
    text = SEED.read_text(encoding="utf-8")
    r = clean_body(text)
    assert r.body.startswith("Kersen, located")
    assert r.body.endswith("will get worse in the days to come.”")
    assert r.credits == ["(AFP)"]
    assert r.removed == ["Published"]
    lines = r.body.splitlines()
    assert "Talks" in lines and "“Very dangerous”" in lines  # subheads are copy
    assert len(lines) == len([ln for ln in text.splitlines() if ln.strip()]) - 2


def test_credit_glued_to_last_paragraph():
    r = clean_body("\n".join([*STORY[:2], STORY[2] + " (AFP)"]))
    assert r.body.splitlines() == STORY
    assert r.credits == ["(AFP)"]
    r = clean_body("\n".join([*STORY[:2], STORY[2][:-1] + " (Reuters)."]))
    assert r.body.splitlines() == STORY and r.credits == ["(Reuters)"]
    r = clean_body("\n".join([*STORY[:2], STORY[2] + " — with agencies"]))
    assert r.body.splitlines() == STORY and r.credits == ["— with agencies"]


@pytest.mark.parametrize(
    "line",
    [
        "Published",
        "Updated",
        "Published 3 March 2026",
        "Last updated on March 3, 2026 at 2:05 pm GMT",
        "Updated: 03/03/2026 14:05 | Published: 03/03/2026 09:12",
        "Posted 2 hours ago",
        "Read more",
        "READ MORE: Ukraine war: what we know on day eight",
        "Related:",
        "Related: Oil prices jump as sanctions bite",
        "Related stories",
        "Advertisement",
        "ADVERTISEMENT - SCROLL TO CONTINUE WITH CONTENT",
        "Story continues below advertisement",
        "Sign up for our newsletter",
        "Sign up to our free daily briefing and get the news in your inbox every morning.",
        "Want more stories like this? Get our newsletter delivered to your inbox.",
        "Subscribe now",
        "Share this article",
        "Share",
        "Copy link",
        "Photo: John Smith / AFP",
        "(AP Photo/Evan Vucci)",
        "REUTERS/Kevin Lamarque",
        "AFP via Getty Images",
        "Image source, Getty Images",
        "5 min read",
        "We use cookies to personalise content and ads and to analyse our traffic.",
        "Accept all cookies",
    ],
)
def test_boilerplate_line_removed_anywhere(line):
    r = clean_body("\n".join([STORY[0], line, *STORY[1:]]))
    assert r.body.splitlines() == STORY
    assert r.removed == [line]
    assert r.credits == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Published reports suggest the talks stalled on Thursday.",
        "Published on Monday, the report says the ministry ignored warnings.",
        "Updated figures from the ministry showed 1,200 deaths.",
        "Advertisement revenue fell 12 percent in 2025, the company said.",
        "Related talks in Geneva ended without agreement.",
        "Read more carefully, the contract shows a different picture.",
        "Share prices fell 3% on Monday.",
        "Subscribers will pay more from April, the company said.",
        "More than 10,000 readers sign up for the newsletter each month, the company said.",
        "Get out of here, the officer told journalists, according to an email seen by reporters.",
        "Video, posted on social media, showed troops entering the city.",
        "Photo/video evidence shows the strike hit a hospital.",
        "Photographs of the site were published by the ministry.",
        "The EU fined the company for setting cookies without consent.",
        "Reporters were told AFP would be allowed to visit the site.",
    ],
)
def test_real_sentences_are_never_dropped(sentence):
    # first, middle and last position: the trailing-credit rules must not take them either
    for lines in ([sentence, *STORY], [STORY[0], sentence, *STORY[1:]], [*STORY, sentence]):
        r = clean_body("\n".join(lines))
        assert r.body.splitlines() == lines, lines
        assert r.removed == [] and r.credits == []


@pytest.mark.parametrize(
    "last",
    [
        "Sources told Reuters.",
        "(The ministry declined to comment.)",
        "– We will fight to the end, he said.",
        "Reuters",  # not the last line here: an agency name mid-text is copy
    ],
)
def test_short_last_lines_that_are_copy_stay(last):
    lines = [*STORY, last] if last != "Reuters" else [STORY[0], last, *STORY[1:]]
    assert body_of(*lines) == lines


@pytest.mark.parametrize(
    "credit",
    [
        "(AFP)",
        "(dpa)",
        "— Reuters",
        "-- AFP",
        "- Bloomberg",
        "AFP/mb",
        "dpa/AFP",
        "Reuters",
        "(With AFP)",
        "Source: AFP",
        "With inputs from PTI",
        "Guardian staff and agencies",
        "(Reporting by Jane Doe in London; Editing by John Smith)",
        "Additional reporting by Jane Doe in Paris and Reuters",
        "The Associated Press contributed to this report.",
        "Copyright 2026 The Associated Press. All rights reserved. This material may not be "
        "published, broadcast, rewritten or redistributed without permission.",
        "© Agence France-Presse",
    ],
)
def test_trailing_credit_lines(credit):
    r = clean_body("\n".join([*STORY, credit]))
    assert r.body.splitlines() == STORY
    assert r.credits == [credit]


def test_several_trailing_credits_and_boilerplate_in_document_order():
    r = clean_body(
        "\n".join(
            [
                *STORY,
                "(Reporting by Jane Doe; Editing by John Smith)",
                "Share this article",
                "— Reuters",
                "Read more",
            ]
        )
    )
    assert r.body.splitlines() == STORY
    assert r.credits == ["(Reporting by Jane Doe; Editing by John Smith)", "— Reuters"]
    assert r.removed == ["Share this article", "Read more"]


def test_credit_shaped_line_mid_text_is_not_taken():
    lines = [STORY[0], "(AFP)", *STORY[1:]]
    r = clean_body("\n".join(lines))
    assert r.body.splitlines() == lines and r.credits == []


def test_image_credit_closing_a_caption_line_is_cut_not_the_caption():
    r = clean_body(
        "\n".join(
            [STORY[0], "Residents queue for bread in Kherson. (AP Photo/Evan Vucci)", *STORY[1:]]
        )
    )
    assert r.body.splitlines() == [STORY[0], "Residents queue for bread in Kherson.", *STORY[1:]]
    assert r.removed == ["(AP Photo/Evan Vucci)"]


def test_whitespace_normalised_and_blank_lines_dropped():
    assert clean_body("  Talks  \n\n\t" + STORY[0] + "   \n").body == "Talks\n" + STORY[0]
    assert clean_body("").body == ""


def test_trailing_rights_notice_is_removed_and_credit_behind_it_still_found():
    text = (
        "Floods hit the state on Tuesday, officials said.\n"
        "(AFP)\n"
        "This dispatch is republished by Demo Wire Desk under licence. All rights reserved by the original agency."
    )
    res = clean_body(text)
    assert res.body == "Floods hit the state on Tuesday, officials said."
    assert res.credits == ["(AFP)"]
    assert any("All rights reserved" in r for r in res.removed)


def test_rights_words_inside_copy_stay():
    text = "The court said all rights reserved to the crown would lapse in 2030, lawyers argued at length.\nMore copy."
    # not the last line: never touched
    assert clean_body(text).body == text


@pytest.mark.parametrize(
    "line",
    [
        "Lesen Sie auch: Bahnstreik: Was Pendler jetzt wissen müssen",
        "Lire aussi : Le gouvernement présente son plan",
        "Leggi anche: Treni, le nuove tariffe regionali",
        "関連記事： 金沢駅前の再開発計画まとまる",
        "Publié le 4 mars 2026 à 18h05",
        "Veröffentlicht am 4. März 2026, 17:40 Uhr",
        "Updated 6:42 p.m. CT",
        "4 March 2026",
        "2026年3月4日 20時00分",
        "Share on Facebook Share on Twitter Email",
        "More from World",
        "Topics",
        "PHOTOS: Life and Times of the Harbour Bridge",
        "Already a subscriber? Sign in",
        "Download our app",
        "Click here to get breaking news alerts",
        '<a href="/x">link</a> and <b>bold</b> leaked from a template',
    ],
)
def test_more_boilerplate_shapes_removed(line):
    assert body_of(STORY[0], line, STORY[2]) == [STORY[0], STORY[2]]


@pytest.mark.parametrize(
    "line",
    [
        "More on this later in the week, the minister said.",
        "In 2026 the council voted 9-8 to close the bridge.",
        "Share prices fell on Tuesday after the announcement.",
        "Click, the tech show, returns in the spring.",
    ],
)
def test_sentences_resembling_boilerplate_stay(line):
    assert body_of(STORY[0], line, STORY[2]) == [STORY[0], line, STORY[2]]


def test_caption_label_dropped_caption_kept():
    assert body_of(STORY[0], "Image caption, Rescue teams searched the rubble", STORY[2]) == [
        STORY[0],
        "Rescue teams searched the rubble",
        STORY[2],
    ]
