"""The tagger's speed paths (per-word caches, the one-word fast path, the dateline pre-test,
one-pass tokens) give exactly what the slow paths give, on the labelled sets' real texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.places import clear_word_caches, fuzzy, gazetteer, matching, tag_article
from pipeline.places.names import _DATELINE, _WORD

SETS = Path(__file__).parent / "data" / "geo"


def _texts() -> list[str]:
    out = []
    for name in ("labelled.jsonl", "local_news.jsonl"):
        for line in (SETS / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                out += [item["text"], item.get("title") or ""]
    return [t for t in out if t]


TEXTS = _texts()


def test_tokens_from_one_split_match_findall_and_offsets() -> None:
    for text in [*TEXTS[:200], "", "  ", "São Paulo—Kyiv’s 2nd_district", "x"]:
        tk = matching._Tokens(text)
        assert tk.words == _WORD.findall(text)
        assert tk.gaps == _WORD.split(text)
        assert [text[s : s + len(w)] for s, w in zip(tk.starts, tk.words, strict=True)] == tk.words
        assert "".join(g + w for g, w in zip(tk.gaps, [*tk.words, ""], strict=True)) == text


def test_one_word_fast_path_equals_the_token_by_token_search() -> None:
    idx = gazetteer._load_index()
    checked = 0
    for text in TEXTS:
        tk = matching._Tokens(text)
        for i in tk.capitalised_indices():
            facts = matching._word_facts(idx, tk.words[i])
            assert facts.key == (tk.fold(i),)
            if not facts.longest:
                assert tk.fold(i) not in idx.longest
                continue
            for in_dl in (False, True):
                fast = matching._longest_hit(idx, tk, i, facts, in_dl)
                slow = matching._longest_multi(idx, tk, i, facts.longest, in_dl)
                assert fast == slow, (text, tk.words[i], in_dl)
                checked += 1
    assert checked > 1000  # the sets exercise it, not a handful of words


def test_guessable_pretest_keeps_every_word_the_near_miss_rule_could_use() -> None:
    """A word the pre-test drops could never become a near-miss mention: it is short, not
    alphabetic, a never-guessed word, or sounds like no city and names nothing."""
    idx = gazetteer._load_index()
    assert matching._word_facts(idx, "Kersen").guessable  # "Kherson", misspelt
    assert matching._sounds_like(idx, "kersen")
    assert not matching._sounds_like(idx, "microsoft")  # sounds like no big city
    assert not matching._word_facts(idx, "Wednesday").guessable  # never guessed at
    assert not matching._word_facts(idx, "Across").guessable  # a function word
    assert not matching._word_facts(idx, "Kyiv").guessable  # too short to guess at


def test_dateline_pretest_never_hides_a_dateline() -> None:
    samples = [
        *TEXTS,
        "KYIV, Ukraine, March 3 (Reuters) - Russian forces",
        "ATHENS, Ga. — The city council",
        "LOS ANGELES (AP) -- A wildfire",
        "MUMBAI: The southwest monsoon",
        "Paris, Texas – a town",
    ]
    found = 0
    for text in samples:
        end = min(len(text), 150)
        m = _DATELINE.match(text, 0, end)
        if m is not None:
            found += 1
            assert matching._DATELINE_END.search(text, 0, end) is not None, text
    assert found >= 5


def test_results_do_not_depend_on_what_the_caches_hold() -> None:
    """Tag texts cold, then warm in reverse order: identical tags and mentions."""
    sample = TEXTS[::7][:60]
    clear_word_caches()
    cold = [tag_article(t, publisher_country="US") for t in sample]
    warm = [tag_article(t, publisher_country="US") for t in reversed(sample)][::-1]
    assert cold == warm
    assert any(t.places for t in cold)


def test_word_caches_are_bounded() -> None:
    for cached in (
        matching._word_facts,
        matching._sounds_like,
        fuzzy._fuzzy_names,
        matching._subdivisions_named,
    ):
        assert cached.cache_info().maxsize is not None


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("SAO PAULO, March 3 (Reuters) - Floods killed 11 in Brazil's Sao Paulo state.", None),
        ("Russian forces captured Kersen, in southern Ukraine, on Thursday.", "Kherson falls"),
        ("Officials in New York and the Hague met in Los Angeles.", None),
    ],
)
def test_clearing_the_caches_changes_no_tag(text: str, title: str | None) -> None:
    first = tag_article(text, title)
    clear_word_caches()
    assert tag_article(text, title) == first
    assert first.places
