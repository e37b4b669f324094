"""pipeline.stories.fingerprints: fingerprints, the same-report rule, the story cut, agency inheritance rules."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from pipeline.stories.fingerprints import (
    N_BAND_KEYS,
    Fingerprint,
    Member,
    fingerprint,
    fingerprint_from_columns,
    member_attribution,
    same_report,
    shingle_tokens,
    similarity,
    split_stories,
    story_agency,
    story_method,
)

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


SYLLABLES = ["ka", "ro", "mi", "ten", "sul", "va", "dor", "pe", "lin", "gra", "tos", "ne"]
VOCAB = sorted({a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("", *SYLLABLES)})


def words(seed: int, n: int) -> list[str]:
    """Pseudo-words from a 1,900-word vocabulary: text-like overlap, no real language needed."""
    rnd = random.Random(seed)
    return [rnd.choice(VOCAB) for _ in range(n)]


def paragraphs(seed: int, n_par: int = 6, per: int = 40) -> list[str]:
    w = words(seed, n_par * per)
    return [" ".join(w[i * per : (i + 1) * per]) + "." for i in range(n_par)]


def test_tokens_fold_case_accents_and_punctuation():
    assert shingle_tokens("São Paulo’s “MAYOR”, Kraków.") == [
        "sao",
        "paulo",
        "s",
        "mayor",
        "krakow",
    ]


def test_fingerprint_is_deterministic_across_processes():
    text = "\n".join(paragraphs(1))
    here = fingerprint(text)
    code = (
        "import sys, json; from pipeline.stories.fingerprints import fingerprint;"
        "f = fingerprint(sys.stdin.read());"
        "print(json.dumps([list(f.shingles), list(f.lede), list(f.band_keys)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True
    )
    import json

    assert json.loads(out.stdout) == [list(here.shingles), list(here.lede), list(here.band_keys)]
    assert len(here.band_keys) == N_BAND_KEYS
    assert fingerprint_from_columns(here.to_columns()) == here
    assert fingerprint_from_columns({**here.to_columns(), "fingerprint_version": "old"}) is None


def test_same_report_cases():
    body = paragraphs(2)
    original = fingerprint("\n".join(body))
    # verbatim, different chrome line, truncation to two paragraphs, light copy-editing
    assert same_report(original, fingerprint("\n".join(body)))
    assert same_report(original, fingerprint("Advertisement\n" + "\n".join(body) + "\nShare"))
    assert same_report(original, fingerprint("\n".join(body[:2])))
    # a name re-spelt wherever it occurs, one sentence (15 words) dropped
    name = body[0].split()[2]
    edited = [p.replace(name, name + "y") for p in body]
    edited[3] = " ".join(edited[3].split()[15:])
    assert same_report(original, fingerprint("\n".join(edited)))


def test_different_reports_sharing_a_paragraph_stay_apart():
    shared = paragraphs(3, 1)[0]
    a = [*paragraphs(4, 4), shared]
    b = [*paragraphs(5, 4), shared]
    assert not same_report(fingerprint("\n".join(a)), fingerprint("\n".join(b)))
    # even a two-paragraph cut of b whose second paragraph is the shared one
    assert not same_report(fingerprint("\n".join(a)), fingerprint(b[0] + "\n" + shared))


def test_roundup_quoting_a_dispatch_further_down_does_not_match_it():
    dispatch = paragraphs(6, 3)
    roundup = paragraphs(7, 6) + dispatch  # whole dispatch contained, but not as a prefix
    fa, fb = fingerprint("\n".join(dispatch)), fingerprint("\n".join(roundup))
    sim = similarity(
        frozenset(fa.shingles), frozenset(fa.lede), frozenset(fb.shingles), frozenset(fb.lede)
    )
    assert sim.containment > 0.95 and sim.rule is None


def test_split_stories_cuts_at_the_window_from_the_anchor():
    w = timedelta(days=7)
    ms = [(T0 + timedelta(days=d), f"a{d}") for d in (0, 3, 7, 8, 12, 16)]
    assert split_stories(ms, w) == ["a0", "a0", "a0", "a8", "a8", "a16"]
    # resuming from an open anchor gives the same tail as the full scan
    assert split_stories(ms[3:], w, open_anchor=ms[0]) == ["a8", "a8", "a16"]
    assert split_stories([(0, "x"), (5, "y"), (6, "z")], 5) == ["x", "x", "z"]


def member(aid: str, h: int, outlet: str, agency=None, evidence=None) -> Member:
    return Member(aid, T0 + timedelta(hours=h), outlet, agency, evidence)


def test_story_agency_majority_of_strong_evidence_then_phrase():
    ms = [
        member("a", 0, "wire", "AFP", "dateline"),
        member("b", 1, "x", "Reuters", "credit_line"),
        member("c", 2, "y", "AFP", "byline"),
        member("d", 3, "z", "Reuters", "phrase"),
    ]
    assert story_agency(ms) == ("AFP", True)
    assert story_agency(ms[:2]) == ("AFP", True)  # tie: earliest
    assert story_agency([ms[3], member("e", 0, "q")]) == ("Reuters", False)
    assert story_agency([member("e", 0, "q")]) == (None, False)


def test_member_attribution():
    wire = member("a", 0, "wire.example", "AFP", "dateline")
    bare_copy = member("b", 1, "x.example")
    own = member("c", 0, "x.example")
    assert member_attribution(wire, "wire.example", "AFP", True) == ("AFP", "dateline", "wire")
    assert member_attribution(bare_copy, "wire.example", "AFP", True) == ("AFP", "story", "wire")
    # contrary own signal wins over the story's agency
    other = member("d", 2, "y.example", "Reuters", "credit_line")
    assert member_attribution(other, "wire.example", "AFP", True)[0] == "Reuters"
    # no agency anywhere: the outlet's own story, republished by another outlet
    assert member_attribution(own, "x.example", None, False) == (None, None, "original")
    assert member_attribution(member("e", 1, "y.example"), "x.example", None, False) == (
        None,
        None,
        "copy",
    )
    mixed = member("f", 0, "x.example", "AFP", "phrase")
    assert member_attribution(mixed, "x.example", "AFP", False)[2] == "mixed"


def test_story_method_names_rule_and_window():
    assert story_method(timedelta(days=3)).endswith("window=3d")
    assert isinstance(fingerprint("a b c d e f"), Fingerprint)


def test_chinese_and_japanese_are_shingled_by_character():
    assert shingle_tokens("東京都で地震") == ["東", "京", "都", "で", "地", "震"]
    quake = (
        "東京都で震度五強の地震が発生し、多くの建物が被害を受けた。気象庁によると、震源は千葉県"
        "北西部で、深さは約六十キロだった。政府は対策本部を設置した。"
    )
    port = (
        "大阪では新しい港の拡張工事が始まり、市長は経済効果に期待を示した。完成は三年後の見込みだ。"
    )
    assert same_report(fingerprint(quake), fingerprint(quake[:40]))
    assert not same_report(fingerprint(quake), fingerprint(port))
