"""Regenerate the dbt seeds ``iso_3166_1.csv`` and ``iso_3166_2.csv`` from pycountry.

Why a script and committed CSVs rather than a lookup at build time: dbt models are SQL and run
with no network, and region names in the marts must not change because a newer pycountry was
installed. The CSVs are generated once, reviewed as a diff, and committed; rerun this script only
when you mean to take a new ISO 3166 release.

Usage (from the repository root)::

    .venv/bin/python sql/scripts/make_country_seed.py

Choices:
- ``name`` is pycountry's ``common_name`` when it has one ("Bolivia", "South Korea", "Taiwan"),
  else its ``name``: marts are read by people, and the short form is what newsrooms write.
- ``numeric`` is the ISO 3166-1 numeric code, which is the UN M49 code of the country or area;
  kept as text so leading zeros survive ("004" for Afghanistan).
- ``XK`` (Kosovo) is added by hand: it is not in ISO 3166-1 but GeoNames, and so the place
  tagger, uses it. It has no M49 code, so ``numeric`` is empty.
- ``iso_3166_2.csv`` holds every subdivision pycountry knows (all levels), so an ``admin1_code``
  resolves to a name whatever level the tagger calls "admin1" in a given country.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pycountry

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"

# Codes GeoNames uses that ISO 3166-1 does not assign: (alpha_2, name, numeric).
EXTRA_COUNTRIES: list[tuple[str, str, str]] = [("XK", "Kosovo", "")]


def country_rows() -> list[tuple[str, str, str]]:
    """(alpha_2, name, numeric) for every country, sorted by code."""
    rows = [
        (c.alpha_2, getattr(c, "common_name", None) or c.name, c.numeric)
        for c in pycountry.countries
    ]
    known = {r[0] for r in rows}
    rows += [r for r in EXTRA_COUNTRIES if r[0] not in known]
    return sorted(rows)


def subdivision_rows() -> list[tuple[str, str, str]]:
    """(code, name, country_code) for every ISO 3166-2 subdivision, sorted by code."""
    return sorted((s.code, s.name, s.country_code) for s in pycountry.subdivisions)


def write_csv(path: Path, header: tuple[str, ...], rows: list[tuple[str, str, str]]) -> None:
    """Write with "\\n" line ends and minimal quoting so the diff of a regeneration is clean."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> int:
    SEEDS_DIR.mkdir(parents=True, exist_ok=True)
    countries = country_rows()
    subdivisions = subdivision_rows()
    write_csv(SEEDS_DIR / "iso_3166_1.csv", ("alpha_2", "name", "numeric"), countries)
    write_csv(SEEDS_DIR / "iso_3166_2.csv", ("code", "name", "country_code"), subdivisions)
    print(
        f"wrote {len(countries)} countries and {len(subdivisions)} subdivisions to {SEEDS_DIR}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
