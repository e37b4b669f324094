"""Regenerate the dbt seed ``un_m49_regions.csv``: each country's UN M49 region and sub-region.

Why a committed seed: ``marts.daily_region`` counts articles by world region, pycountry has no
M49 regions, and region names in marts must not change because a package was upgraded. The
country converter (``country_converter``, "coco", a well-kept package) ships a table with each
country's M49 sub-region (``UNregion``: "Eastern Europe", "South-eastern Asia"; for Africa and
the Americas M49's intermediate regions: "Eastern Africa", "Caribbean") and continent. This
script reads that table as a file (``country_data.tsv``, located through the installed
distribution without importing coco, whose import needs pandas) and writes one row per country
of ``iso_3166_1.csv``.

Choices:
- ``un_region`` is the M49 region: coco's continent, with "America" renamed "Americas" (M49's
  name); Antarctica has no M49 region and keeps "Antarctica".
- ``un_subregion`` is coco's ``UNregion``; where coco leaves it empty (Antarctica's islands) the
  region is used.
- M49 region codes are not in any installed package, so the names are the keys.
- A country coco does not list gets no row (the marts then skip it at world-region level);
  the script prints any such code.

Usage (maintainers; coco is not a runtime dependency)::

    .venv/bin/pip install --no-deps country_converter==1.3.2
    .venv/bin/python sql/scripts/make_region_seed.py
"""

from __future__ import annotations

import csv
import importlib.metadata as md
import re
import sys
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
_RENAME = {"America": "Americas"}


def coco_rows() -> dict[str, tuple[str, str]]:
    """alpha_2 -> (M49 region, M49 sub-region) from coco's table."""
    path = Path(
        str(md.distribution("country_converter").locate_file("country_converter/country_data.tsv"))
    )
    out: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            region = _RENAME.get(row["continent"], row["continent"])
            # A few codes are patterns ("^GB$|^UK$", "^GR$|^EL$"): take every alternative.
            for code in re.findall(r"[A-Z]{2}", row["ISO2"]):
                if region:
                    out.setdefault(code, (region, row["UNregion"] or region))
    return out


def main() -> int:
    regions = coco_rows()
    with (SEEDS_DIR / "iso_3166_1.csv").open(encoding="utf-8") as fh:
        codes = [r["alpha_2"] for r in csv.DictReader(fh)]
    missing = [c for c in codes if c not in regions]
    rows = sorted((c, *regions[c]) for c in codes if c in regions)
    with (SEEDS_DIR / "un_m49_regions.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("alpha_2", "un_region", "un_subregion"))
        writer.writerows(rows)
    print(f"wrote {len(rows)} countries; without a region: {missing}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
