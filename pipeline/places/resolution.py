"""Resolution: one place per spelling, decided for the whole article at once, and its primary."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from pipeline.places.gazetteer import _Index, _Place
from pipeline.places.matching import (
    _dateline_and_lead,
    _is_title_case,
    _Mention,
    _scan,
    _small_town,
)
from pipeline.places.names import (
    _BASE_CONFIDENCE,
    _COHERENT,
    _COHERENT_COUNTRY,
    _DATELINE_WEIGHT,
    _FUZZY_FACTOR,
    _HOW_FACTOR,
    _KIND_ORDER,
    _POP_GUARD,
    _SMALL_CITY,
    _SPECIFIC_SHARE,
    _TITLE_WEIGHT,
    _TOWN,
)

# --- resolution and scoring ------------------------------------------------------------------


def _within(inner: _Place, outer: _Place) -> bool:
    """Can ``outer`` qualify ``inner`` in "inner, outer" ("Paris, Texas", "Kherson, Ukraine")?"""
    if inner.pid == outer.pid or inner.country_code != outer.country_code:
        return False
    return outer.kind == "country" or inner.admin1_code in (None, outer.admin1_code)


@dataclass(frozen=True)
class _Context:
    """Evidence from outside the spelling being resolved: the rest of the article (coherence),
    the dateline and wire ``located`` place, and the publisher (home prior)."""

    support: dict[str, float]  # country -> mentions whose every reading is there (no small towns)
    named_admin1: set[str]  # subdivisions named outright ("Texas", "Ga." after a comma)
    votes: dict[str, float]  # ISO 3166-2 unit or country -> share of each mention's readings
    own: dict[tuple[str, ...], dict[str, float]]  # each spelling's own share of ``votes``
    publisher: str | None = None
    home_admin1: str | None = None

    def leads(self, cc: str | None) -> bool:
        """Does the text support no country more than ``cc``? (Two ambiguous small towns do
        not make a cluster in a story that names another country: Cornwall, England.)"""
        return self.support.get(cc or "", 0) >= max(self.support.values(), default=0)

    def at_home(self, key: tuple[str, ...], p: _Place) -> bool:
        """May the home prior alone admit ``p``? Its country is the publisher's, and a town
        of under 15,000 people is in the home admin-1 or has other places of its admin-1."""
        if p.country_code != self.publisher:
            return False
        if p.kind != "city" or p.population >= _TOWN:
            return True
        return p.admin1_code == self.home_admin1 or self.coherence(key, p) >= _COHERENT

    def country_coherence(self, key: tuple[str, ...], cc: str | None) -> float:
        """How much the article's other mentions place the story in country ``cc``."""
        if not cc:
            return 0.0
        return round(self.votes.get(cc, 0.0) - self.own.get(key, {}).get(cc, 0.0), 9)

    def coherence(self, key: tuple[str, ...], p: _Place) -> float:
        """How much the article's other mentions place the story in ``p``'s admin-1."""
        code = p.admin1_code
        if not code:
            return 0.0
        return round(self.votes.get(code, 0.0) - self.own.get(key, {}).get(code, 0.0), 9)


_NO_VOTE = ("demonym", "water", "world_region")


def _weight(p: _Place) -> float:
    return max(p.population, 1000) ** 0.5


def _admin1_votes(
    mentions: list[_Mention],
) -> tuple[dict[str, float], dict[tuple[str, ...], dict[str, float]]]:
    """Each distinct spelling spreads one vote over its readings by the square root of their
    population ("Clarke County": a fifth each to GA, AL, IA, MS, VA; "Greece": nearly all to
    the country, a sliver to Greece, NY), so places that agree reinforce each other."""
    votes: dict[str, float] = defaultdict(float)
    own: dict[tuple[str, ...], dict[str, float]] = {}
    for m in mentions:
        if m.key in own:
            continue
        places = {nm.place.pid: nm.place for nm in m.names if nm.place.kind not in _NO_VOTE}
        weighted = [(p, _weight(p)) for p in places.values()]
        total = sum(w for _, w in weighted)
        share: dict[str, float] = defaultdict(float)
        for p, w in weighted:
            if p.kind == "country":
                continue  # "the US delegation ... Paris": a country named in passing is no cluster
            if p.country_code:  # a country code has no hyphen, an ISO 3166-2 code has one
                share[p.country_code] += w / total
            if p.admin1_code:
                share[p.admin1_code] += w / total
        own[m.key] = dict(share)
        for code, v in share.items():
            votes[code] += v
    return votes, own


def _kind_rank(p: _Place, units: set[str | None]) -> int:
    """Within one country: the country, a city (a town only inside a same-named unit: Kherson
    in the Kherson oblast), a subdivision, a small town, a county ("New York" the city,
    "California" the state, not California, Maryland)."""
    if p.kind == "city" and p.population < _SMALL_CITY and p.admin1_code not in units:
        return 3
    return {"country": 0, "city": 1, "admin1": 2, "region": 2}.get(p.kind, 4)


def _best(places: list[_Place], key: tuple[str, ...], ctx: _Context) -> _Place:
    units = {p.admin1_code for p in places if p.kind in ("admin1", "region")}
    return max(places, key=lambda p: (ctx.coherence(key, p), -_kind_rank(p, units), p.population))


def _home_reading(places: list[_Place], key: tuple[str, ...], ctx: _Context) -> _Place | None:
    """The reading at home (the publisher's country, its home admin-1 first), unless the text
    says otherwise: it supports another reading's country more, or names foreign places and
    no home ones (a local paper's foreign story), or the other reading is a country and the
    home one only a town without state evidence ("Jordan" the country, not Jordan, Minnesota).
    A town of under 15,000 people needs the home admin-1 or other places of its own."""
    home = [p for p in places if p.country_code == ctx.publisher and ctx.at_home(key, p)]
    others = {p.country_code or "" for p in places} - {ctx.publisher}
    local = [p for p in home if ctx.home_admin1 and p.admin1_code == ctx.home_admin1]
    if not others:  # all at home: the home admin-1 picks ("Madison County" in Kentucky)
        return _best(local, key, ctx) if local else None
    if not home:
        return None
    at_home = ctx.support.get(ctx.publisher or "", 0)
    if max((ctx.support.get(cc, 0) for cc in others), default=0) > at_home:
        return None
    if not at_home and any(n > 0 for cc, n in ctx.support.items() if cc != ctx.publisher):
        return None
    state = local or [p for p in home if ctx.coherence(key, p) >= _COHERENT]
    foreign_country = any(p.kind == "country" for p in places if p.country_code != ctx.publisher)
    if not state and foreign_country and all(p.kind == "city" for p in home):
        return None
    return _best(local or home, key, ctx)


def _may_outvote(
    p: _Place, key: tuple[str, ...], units: list[_Place], own_names: list[_Place], ctx: _Context
) -> bool:
    """May the article's other places make ``p`` the reading? Not against a state of its own
    country ("California" the state), nor against another country's or province's own name
    ("Ontario" beside Ohio) unless a full vote places the story in ``p``'s admin-1 and the
    text supports that rival nowhere else ("Lebanon" beside Warren County and Mason).
    ``units``: the spelling's subdivision readings; ``own_names``: those that are a country's
    or a subdivision's own name (see _unit_name)."""
    if any(q.country_code == p.country_code for q in units):
        return False
    if p.kind == "admin2" and any(
        q.kind == "country" and q.country_code != p.country_code for q in own_names
    ):
        return False  # "Luxembourg": the Belgian province only by a qualifier
    return not any(
        q.country_code != p.country_code
        and (ctx.support.get(q.country_code or "", 0) > 0 or ctx.coherence(key, p) < 1.0)
        for q in own_names
    )


def _unit_name(p: _Place, places: list[_Place]) -> bool:
    """Is ``p`` a country, or a subdivision not named after a city of its own ("Ontario", not
    the Alexandria governorate)?"""
    if p.kind == "country":
        return True
    return p.kind in ("admin1", "region") and not any(
        q.kind == "city" and q.country_code == p.country_code for q in places
    )


def _coherent_country(places: list[_Place], key: tuple[str, ...], ctx: _Context) -> str | None:
    """The country the article's other places all but agree on, whatever its readings'
    population: towns that are only in the US make "Berlin" Berlin, New Hampshire."""
    if any(_unit_name(p, places) for p in places):
        return None  # "Mexico", "Ontario": a country's or province's own name stays theirs
    votes = {p.country_code: ctx.country_coherence(key, p.country_code) for p in places}
    if len(votes) < 2:
        return None
    best = max(votes, key=lambda cc: votes[cc])
    rest = sum(v for cc, v in votes.items() if cc != best)
    rivals = any(ctx.support.get(cc or "", 0) > 0 for cc in votes if cc != best)
    if (
        votes[best] >= _COHERENT_COUNTRY
        and rest * 3 <= votes[best]
        and not rivals
        and ctx.leads(best)
    ):
        return best
    return None


def _country_over_subdivisions(
    places: list[_Place], key: tuple[str, ...], ctx: _Context
) -> _Place | None:
    """A country's own name beats same-named subdivisions of other countries ("Niger", not
    Niger State in Nigeria; "Luxembourg", not the Belgian province), however much the text
    says about those countries: only a qualifier, a named state, the article's towns or the
    home prior (all tried first), other places in that subdivision, or other subdivisions of
    its country named in the text read it so."""
    countries = {p.country_code for p in places if p.kind == "country"}
    if len(countries) != 1:
        return None
    (cc,) = countries
    if not all(p.country_code == cc or p.kind in ("admin1", "admin2", "region") for p in places):
        return None
    for p in places:
        if p.country_code == cc:
            continue
        siblings = any(
            code != p.admin1_code and code.startswith(f"{p.country_code}-")
            for code in ctx.named_admin1
        )
        if siblings or ctx.coherence(key, p) >= _COHERENT:
            return None  # "Georgia" beside Atlanta, or among Alabama and Arizona: the state
    return _best([p for p in places if p.country_code == cc], key, ctx)


def _choose(places: list[_Place], key: tuple[str, ...], ctx: _Context) -> tuple[_Place, str]:
    """Pick one place for a spelling, and say why (``how``), in this order: a unit named in the
    text, the article's other places (coherence), the home prior, country support, population."""
    if len(places) == 1:
        return places[0], "unique"
    units = [q for q in places if q.kind in ("admin1", "region")]
    own_names = [q for q in places if _unit_name(q, places)]
    local = [
        p
        for p in places
        if p.kind in ("city", "admin2") and _may_outvote(p, key, units, own_names, ctx)
    ]
    in_named = [p for p in local if p.admin1_code in ctx.named_admin1]
    if in_named:
        return _best(in_named, key, ctx), "qualifier"
    coherent = [p for p in local if ctx.coherence(key, p) >= _COHERENT]
    if coherent:
        return _best(coherent, key, ctx), "coherence"
    home = _home_reading(places, key, ctx) if ctx.publisher else None
    if home is not None:
        return home, "home_prior"
    country = _country_over_subdivisions(places, key, ctx)
    if country is not None:
        return country, "country_name"
    cc = _coherent_country(places, key, ctx)
    if cc is not None:
        return _best([p for p in places if p.country_code == cc], key, ctx), "coherence"
    top = max(p.population for p in places)
    # The guard compares countries (their biggest reading), not kinds within one country: the
    # Kherson oblast outweighs the city of Kherson, but that only decides the country.
    biggest: dict[str | None, int] = defaultdict(int)
    for p in places:
        biggest[p.country_code] = max(biggest[p.country_code], p.population)
    eligible = [p for p in places if biggest[p.country_code] * _POP_GUARD >= top]
    backed = [p for p in eligible if ctx.support.get(p.country_code or "", 0) > 0]
    if len({p.country_code for p in eligible}) == 1:
        cc, how = eligible[0].country_code, "population"  # "Paris" France, not Paris, Texas
    elif backed:
        best = max(backed, key=lambda p: (ctx.support[p.country_code or ""],
                                          p.kind == "country", p.population))  # fmt: skip
        cc, how = best.country_code, "coherence"
    else:
        cc = max(eligible, key=lambda p: (p.kind == "country", p.population)).country_code
        how = "population"
    same = [p for p in places if p.country_code == cc]
    best = _best(same, key, ctx)
    if len({p.country_code for p in places}) == 1:  # only the kind or the unit was ambiguous
        units = {p.admin1_code for p in same}
        how = "unique" if len(units) == 1 else "coherence" if ctx.coherence(key, best) else how
    return best, how


@dataclass(slots=True)
class _Agg:
    place: _Place
    how: str
    alt: bool = True
    count: int = 0
    lead: int = 0
    title: _Mention | None = None
    body: _Mention | None = None
    dateline: bool = False
    fuzzy: bool = True  # every mention a near-miss spelling

    def score(self, text_len: int) -> float:
        s = self.count + self.lead + (_TITLE_WEIGHT if self.title else 0.0)
        s += _DATELINE_WEIGHT if self.dateline else 0.0
        if self.body is not None:
            s += 1.0 - self.body.start / max(text_len, 1)
        return s

    def first_pos(self) -> int:
        return self.body.start if self.body is not None else -1

    def first_written(self) -> str:
        first = self.body or self.title
        assert first is not None  # an aggregate exists only for a mention
        return first.surface

    def confidence(self) -> float:
        c = _BASE_CONFIDENCE[self.place.kind] - (0.1 if self.alt else 0.0)
        c *= _HOW_FACTOR[self.how]
        if self.fuzzy:
            c *= _FUZZY_FACTOR
        if self.place.kind == "city" and self.place.population < _SMALL_CITY:
            c *= 0.9
        n_eff = self.count + (1 if self.title else 0) + (2 if self.dateline else 0)
        return round(min(1 - (1 - c) * 0.8 ** (n_eff - 1), 0.99), 3)


def _not_words(head: list[_Mention], text: str) -> list[_Mention]:
    """Headline words the body writes in lower case ("Tornado damages homes": "a tornado")
    are words, not small towns."""
    out = []
    for m in head:
        word = m.key[0]
        if len(m.key) == 1 and word in text and re.search(rf"\b{re.escape(word)}\b", text):
            m.names = tuple(nm for nm in m.names if not _small_town(nm.place))
        if m.names:
            out.append(m)
    return out


def _article_mentions(
    idx: _Index, text: str, title: str | None
) -> tuple[list[_Mention], list[_Mention], list[_Mention]]:
    """Mentions in the title and in the body, after the article-wide person rules, and the
    capitalised words that may be misspelt places (title first)."""
    dateline, lead = _dateline_and_lead(text)
    scan = _scan(idx, text, in_title=False, sentence_case=True, dateline=dateline, lead=lead)
    head_scan = (
        _scan(idx, title, in_title=True, sentence_case=not _is_title_case(title)) if title else None
    )
    # One sense per article: a name seen right after a first name ("Bill Clinton") is that
    # person throughout ("Clinton said"). A title-case headline cannot show names by their
    # capitals, so a name the body only ever rejected is rejected in the headline too.
    surnames = scan.surnames | (head_scan.surnames if head_scan else set())
    surnames -= {m.key for m in scan.mentions if m.located}  # "Bell Canada ... across Canada"
    body = [m for m in scan.mentions if m.key not in surnames]
    accepted = {m.key for m in body}
    head = [
        m
        for m in (head_scan.mentions if head_scan else [])
        if m.key not in surnames and (m.key not in scan.rejected or m.key in accepted)
    ]
    head = _not_words(head, text)
    unknown = [
        m
        for m in (head_scan.unknown if head_scan else []) + scan.unknown
        if m.key not in surnames and m.key not in scan.rejected
    ]
    return head, body, unknown


@dataclass
class _Evidence:
    """What the article says about countries, before any ambiguous name is resolved."""

    support: dict[str, float]  # mentions whose every reading is in that country (no small towns)
    named_admin1: set[str]  # subdivisions named outright
    demonyms: dict[str, int]

    @classmethod
    def of(cls, mentions: list[_Mention]) -> _Evidence:
        ev = cls(defaultdict(float), set(), defaultdict(int))
        # each distinct readings tuple once (a spelling's mentions mostly share one)
        readings = {id(m.names): m.names for m in mentions}
        for rid, n in Counter(id(m.names) for m in mentions).items():
            places = {nm.place.pid: nm.place for nm in readings[rid]}.values()
            ccs = {p.country_code for p in places}
            # small towns are no evidence ("California" is the state, not California, MD)
            sure = [p for p in places if p.kind != "city" or p.population >= _SMALL_CITY]
            if len(ccs) == 1 and None not in ccs:
                cc = next(iter(ccs)) or ""
                if sure:
                    ev.support[cc] += n
                if all(p.kind == "demonym" for p in places):
                    ev.demonyms[cc] += n
            if len(sure) == 1:
                (p,) = sure
                if p.admin1_code and p.kind in ("admin1", "region"):
                    ev.named_admin1.add(p.admin1_code)
        return ev


def _distinctive(p: _Place) -> bool:
    """A US county or parish by its full name ("Rapides Parish"): no word, no person."""
    return p.kind == "admin2" and isinstance(p.pid, str) and p.pid.startswith("us-county:")


def _strong_countries(readings: list[_Place]) -> set[str | None]:
    """Countries where the spelling also names a country, a subdivision or a big city."""
    return {
        q.country_code
        for q in readings
        if q.kind in ("country", "admin1", "region")
        or (q.kind == "city" and q.population >= _SMALL_CITY)
    }


def _eligible(
    p: _Place,
    key: tuple[str, ...],
    strong: set[str | None],
    backed: bool,
    ctx: _Context,
    located: bool = False,
) -> bool:
    """May this reading stand? Demonyms and seas never; a country, subdivision or big city
    always; a town of under 100,000 people needs evidence: a qualifier or dateline, a name it
    shares with a big place of its own country ("Kherson" the city and the oblast), other
    places of its admin-1 in the article, the publisher's country, (15,000+ people) other
    places of its country, or other places of its country and a locative before it ("camps
    near Goz Beida" in a story on Chad: ``located``) when the name is no big place elsewhere
    ("in Doha" is Qatar's, not an Indian village's)."""
    if p.kind in ("demonym", "water"):
        return False
    if backed or _distinctive(p) or (p.kind != "city" and p.kind != "admin2"):
        return True
    if p.kind == "city" and p.population >= _SMALL_CITY:
        return True
    if p.kind == "admin2":  # "Cornwall", "Bohol": needs its country in the text, or home
        return ctx.support.get(p.country_code or "", 0) > 0 or ctx.at_home(key, p)
    if p.country_code in strong:
        return True
    if ctx.coherence(key, p) >= _COHERENT or ctx.at_home(key, p):
        return True
    if (
        ctx.country_coherence(key, p.country_code) >= _COHERENT_COUNTRY
        and ctx.coherence(key, p)
        and ctx.leads(p.country_code)
    ):
        return True  # a cluster of towns in its country, one of them in its admin-1
    supported = ctx.support.get(p.country_code or "", 0) > 0
    return supported and (p.population >= _TOWN or (located and not strong and p.kind == "city"))


def _resolve(
    mentions: list[_Mention],
    qualified: dict[tuple[str, ...], list[_Place]],
    ctx: _Context,
    evidence_keys: frozenset[tuple[str, ...]] = frozenset(),
    previous: dict[tuple[str, ...], tuple[_Place, str]] | None = None,
) -> tuple[dict[str, _Agg], dict[tuple[str, ...], tuple[_Place, str]]]:
    """One place per spelling, then one aggregate per place (Kyiv and Kiev together); also the
    place each spelling was resolved to. With ``previous`` (the first pass), spellings whose
    readings are all in one country keep their first reading: only the country was in doubt."""
    groups: dict[tuple[str, ...], list[_Mention]] = defaultdict(list)
    for m in mentions:
        groups[m.key].append(m)
    resolved: dict[tuple[str, ...], tuple[_Place, str]] = {}
    for key, ms in groups.items():
        places = list({nm.place.pid: nm.place for m in ms for nm in m.names}.values())
        if previous is not None and len({p.country_code for p in places}) == 1:
            if key in previous:
                resolved[key] = previous[key]
            continue
        how = None
        if key in qualified:
            places, how = qualified[key], "qualifier"
        elif key in evidence_keys or any(m.in_dateline for m in ms):
            how = "dateline"
        strong = _strong_countries(places)
        several = len({p.country_code for p in places}) > 1
        located = any(m.located for m in ms)
        places = [p for p in places if _eligible(p, key, strong, how is not None, ctx, located)]
        if places:
            place, chosen_how = _choose(places, key, ctx)
            if chosen_how == "unique" and several:
                chosen_how = "population"  # the small namesakes had no evidence
            if how == "dateline" and chosen_how == "unique":
                chosen_how = how
            resolved[key] = place, how if how == "qualifier" else chosen_how

    aggs: dict[str, _Agg] = {}
    for m in mentions:
        if m.key not in resolved:
            continue
        place, how = resolved[m.key]
        agg = aggs.setdefault(place.pid, _Agg(place, how))
        agg.count += 1
        agg.alt = agg.alt and any(nm.alt for nm in m.names if nm.place == place)
        agg.fuzzy = agg.fuzzy and m.fuzzy
        agg.lead += m.in_lead
        agg.dateline = agg.dateline or m.in_dateline
        if m.in_title:
            agg.title = agg.title or m
        elif agg.body is None:
            agg.body = m
    return aggs, resolved


def _second_pass(resolved: dict[tuple[str, ...], tuple[_Place, str]], ctx: _Context) -> _Context:
    """The context again, now counting every spelling resolved to a country, a subdivision or
    a big city as support for its country ("Peru's civil defense": once "Peru" is read as the
    country, "Lima" is read in it too)."""
    support: dict[str, float] = defaultdict(float)
    for place, _ in resolved.values():
        if place.country_code and not _small_town(place) and place.kind != "admin2":
            support[place.country_code] += 1
    for cc, n in ctx.support.items():
        support[cc] = max(support[cc], n)
    return replace(ctx, support=dict(support))


def _primary(aggs: list[_Agg], scores: dict[str, float], demonyms: dict[str, int]) -> _Agg:
    """The place the story is about (see "Primary" in the module docstring)."""
    by_country: dict[str, list[_Agg]] = defaultdict(list)
    for a in aggs:
        by_country[a.place.country_code or ""].append(a)

    def country_rank(cc: str) -> tuple[float, int]:
        # a near-miss spelling was read in a country the text already supports: counting it
        # again would make a guess evidence for the country it was guessed from
        group = by_country[cc]
        total = sum(scores[a.place.pid] for a in group if not a.fuzzy)
        total += min(3.0, 0.5 * demonyms.get(cc, 0))
        return total, -min(a.first_pos() for a in group)

    group = by_country[max(by_country, key=country_rank)]
    country_tag = next((a for a in group if a.place.kind == "country"), None)
    specific = [a for a in group if a.place.kind != "country"]
    if not specific:
        assert country_tag is not None
        return country_tag
    best = max(
        specific, key=lambda a: (scores[a.place.pid], -_KIND_ORDER[a.place.kind], -a.first_pos())
    )
    if not (
        country_tag is None
        or best.title is not None
        or best.dateline
        or scores[best.place.pid] >= _SPECIFIC_SHARE * scores[country_tag.place.pid]
    ):
        return country_tag
    inside = [  # a city placed inside the chosen subdivision is more specific ("Paris, Texas")
        a
        for a in specific
        if a.place.kind == "city"
        and best.place.kind != "city"
        and a.place.admin1_code
        and a.place.admin1_code == best.place.admin1_code
        and (a.how == "qualifier" or a.title is not None or a.dateline)
    ]
    return max(inside, key=lambda a: scores[a.place.pid]) if inside else best
