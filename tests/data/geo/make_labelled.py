"""The labelled place-tagging set: news-style texts built from templates, with gold labels.

Why templates: real news with gold ISO 3166-2 labels is not available under a licence we can
ship, and the shared GeoVirus set (scored separately, in place) has coordinates but no primary
place. Templates let every label be *stated*, not inferred: each text is assembled from reviewed
facts below (a place, the spellings news uses for it, its country and ISO 3166-2 unit), so the
gold spans and codes are known by construction and never come from the tagger.

What the set stresses, as the issue asks: real place names in varied spellings (transliteration
variants, accents dropped, old or foreign names: Kharkov, Zaporozhye, Bombay, Sao Paulo, Köln),
misspellings from machine-translated wire copy in a supporting context (Kersen, Gershon),
datelines in capitals, headlines, a publisher in another country, and hard negatives: person
names (Paris Hilton, Jordan Peterson, Florence Pugh), common words (Nice, Mobile, Reading,
March), demonyms without a place.

The set is generated deterministically (a fixed seed), written to
``tests/data/geo/labelled.jsonl`` and committed so it can be read and diffed; a test checks
the committed file equals a fresh generation. Regenerate with::

    .venv/bin/python tests/data/geo/make_labelled.py

Gold per article: ``primary_country`` (None for a text about no place), ``primary_admin1`` (the
ISO 3166-2 unit of the place the story is about, None when the story is about a whole country),
``countries`` (every country a place mention belongs to) and ``mentions`` (span, field, country
of every place name; demonyms are not place mentions).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("labelled.jsonl")
SEED = 20240302


@dataclass(frozen=True)
class City:
    spellings: tuple[str, ...]  # the first is the usual English name
    cc: str
    admin1: str


# Reviewed facts: the ISO 3166-2 unit is the first-level subdivision the city lies in (for a
# city that is its own unit, that unit). Spellings are ones news copy really uses.
CITIES: tuple[City, ...] = (
    City(("Kherson", "Kersen", "Gershon", "Cherson"), "UA", "UA-65"),
    City(("Kharkiv", "Kharkov", "Harkov"), "UA", "UA-63"),
    City(("Zaporizhzhia", "Zaporozhye", "Zaporojie"), "UA", "UA-23"),
    City(("Mariupol", "Mariupil"), "UA", "UA-14"),
    City(("Odesa", "Odessa"), "UA", "UA-51"),
    City(("Lviv", "Lvov", "Lwów"), "UA", "UA-46"),
    City(("Kyiv", "Kiev"), "UA", "UA-30"),
    City(("Mykolaiv", "Nikolaev", "Mykolayiv"), "UA", "UA-48"),
    City(("Dnipro", "Dnipropetrovsk"), "UA", "UA-12"),
    City(("Mumbai", "Bombay"), "IN", "IN-MH"),
    City(("Kolkata", "Calcutta"), "IN", "IN-WB"),
    City(("Chennai", "Madras"), "IN", "IN-TN"),
    City(("Bengaluru", "Bangalore"), "IN", "IN-KA"),
    City(("São Paulo", "Sao Paulo"), "BR", "BR-SP"),
    City(("Rio de Janeiro",), "BR", "BR-RJ"),
    City(("Beijing", "Peking"), "CN", "CN-BJ"),
    City(("Guangzhou",), "CN", "CN-GD"),
    City(("Chongqing", "Chungking"), "CN", "CN-CQ"),
    City(("Tehran", "Teheran"), "IR", "IR-23"),
    City(("Aleppo", "Halab"), "SY", "SY-HL"),
    City(("Mosul", "Mossul"), "IQ", "IQ-NI"),
    City(("Benghazi", "Bengasi"), "LY", "LY-BA"),
    City(("Mogadishu", "Mogadiscio", "Muqdisho"), "SO", "SO-BN"),
    City(("Khartoum", "Khartum"), "SD", "SD-KH"),
    City(("Kandahar", "Qandahar"), "AF", "AF-KAN"),
    City(("Gaziantep", "Antep"), "TR", "TR-27"),
    City(("Istanbul", "İstanbul"), "TR", "TR-34"),
    City(("Tbilisi", "Tiflis"), "GE", "GE-TB"),
    City(("Chișinău", "Chisinau", "Kishinev"), "MD", "MD-CU"),
    City(("Almaty", "Alma-Ata"), "KZ", "KZ-75"),
    City(("Munich", "München", "Muenchen"), "DE", "DE-BY"),
    City(("Cologne", "Köln"), "DE", "DE-NW"),
    City(("Kraków", "Krakow", "Cracow"), "PL", "PL-12"),
    City(("Gdańsk", "Gdansk"), "PL", "PL-22"),
    City(("Florence", "Firenze"), "IT", "IT-52"),
    City(("Naples", "Napoli"), "IT", "IT-72"),
    City(("Seville", "Sevilla"), "ES", "ES-AN"),
    City(("Lisbon", "Lisboa"), "PT", "PT-11"),
    City(("Zurich", "Zürich"), "CH", "CH-ZH"),
    City(("Montreal", "Montréal"), "CA", "CA-QC"),
    City(("Bogotá", "Bogota"), "CO", "CO-DC"),
    City(("Mexico City",), "MX", "MX-CMX"),
    City(("Ho Chi Minh City", "Saigon"), "VN", "VN-SG"),
    City(("Hanoi",), "VN", "VN-HN"),
    City(("Yangon", "Rangoon"), "MM", "MM-06"),
    City(("Osaka",), "JP", "JP-27"),
    City(("Seoul",), "KR", "KR-11"),
    City(("Lagos",), "NG", "NG-LA"),
    City(("Nairobi",), "KE", "KE-30"),
    City(("Addis Ababa", "Addis Abeba"), "ET", "ET-AA"),
    City(("Kinshasa",), "CD", "CD-KN"),
    City(("Houston",), "US", "US-TX"),
    City(("New Orleans",), "US", "US-LA"),
    City(("Sydney",), "AU", "AU-NSW"),
    City(("Auckland",), "NZ", "NZ-AUK"),
    City(("Karachi",), "PK", "PK-SD"),
    City(("Peshawar",), "PK", "PK-KP"),
    City(("Dhaka", "Dacca"), "BD", "BD-C"),
    City(("Jakarta", "Djakarta"), "ID", "ID-JK"),
    City(("Surabaya", "Soerabaja"), "ID", "ID-JI"),
    City(("Cairo",), "EG", "EG-C"),
    City(("Alexandria",), "EG", "EG-ALX"),
    City(("Tunis",), "TN", "TN-11"),
    City(("Algiers",), "DZ", "DZ-16"),
    City(("St Petersburg", "Saint Petersburg"), "RU", "RU-SPE"),
    City(("Yekaterinburg", "Ekaterinburg"), "RU", "RU-SVE"),
    City(("Nizhny Novgorod", "Nizhni Novgorod"), "RU", "RU-NIZ"),
    City(("Belgorod",), "RU", "RU-BEL"),
    City(("Beirut", "Beyrouth"), "LB", "LB-BA"),
    City(("Yerevan", "Erevan"), "AM", "AM-ER"),
    City(("Baku",), "AZ", "AZ-BA"),
    City(("Dakar",), "SN", "SN-DK"),
    City(("Johannesburg",), "ZA", "ZA-GP"),
    City(("Cape Town",), "ZA", "ZA-WC"),
    City(("Lima",), "PE", "PE-LMA"),
    City(("Glasgow",), "GB", "GB-SCT"),
)

# (name as written, ISO 3166-2) of first-level units news names on their own.
REGIONS: tuple[tuple[str, str], ...] = (
    ("Bavaria", "DE-BY"),
    ("Catalonia", "ES-CT"),
    ("Maharashtra", "IN-MH"),
    ("Texas", "US-TX"),
    ("Queensland", "AU-QLD"),
    ("Sichuan", "CN-SC"),
    ("Ontario", "CA-ON"),
    ("Scotland", "GB-SCT"),
    ("Tigray", "ET-TI"),
    ("Lombardy", "IT-25"),
    ("Andalusia", "ES-AN"),
    ("Minas Gerais", "BR-MG"),
    ("KwaZulu-Natal", "ZA-KZN"),
    ("Crimea", "UA-43"),
    ("California", "US-CA"),
    ("Bavaria", "DE-BY"),
    ("Kherson region", "UA-65"),
    ("Donetsk region", "UA-14"),
    ("Sindh", "PK-SD"),
    ("Kerala", "IN-KL"),
)

# How news names each country, and its demonym (None where English has none in use).
COUNTRIES: dict[str, tuple[str, str | None]] = {
    "UA": ("Ukraine", "Ukrainian"), "IN": ("India", "Indian"), "BR": ("Brazil", "Brazilian"),
    "CN": ("China", "Chinese"), "IR": ("Iran", "Iranian"), "SY": ("Syria", "Syrian"),
    "IQ": ("Iraq", "Iraqi"), "LY": ("Libya", "Libyan"), "SO": ("Somalia", "Somali"),
    "SD": ("Sudan", "Sudanese"), "AF": ("Afghanistan", "Afghan"), "TR": ("Turkey", "Turkish"),
    "GE": ("Georgia", "Georgian"), "MD": ("Moldova", "Moldovan"),
    "KZ": ("Kazakhstan", "Kazakh"), "DE": ("Germany", "German"), "PL": ("Poland", "Polish"),
    "IT": ("Italy", "Italian"), "ES": ("Spain", "Spanish"), "PT": ("Portugal", "Portuguese"),
    "CH": ("Switzerland", "Swiss"), "CA": ("Canada", "Canadian"),
    "CO": ("Colombia", "Colombian"), "MX": ("Mexico", "Mexican"),
    "VN": ("Vietnam", "Vietnamese"), "MM": ("Myanmar", None), "JP": ("Japan", "Japanese"),
    "KR": ("South Korea", "South Korean"), "NG": ("Nigeria", "Nigerian"),
    "KE": ("Kenya", "Kenyan"), "ET": ("Ethiopia", "Ethiopian"),
    "CD": ("Democratic Republic of Congo", "Congolese"), "US": ("United States", "American"),
    "AU": ("Australia", "Australian"), "NZ": ("New Zealand", None),
    "PK": ("Pakistan", "Pakistani"), "BD": ("Bangladesh", "Bangladeshi"),
    "ID": ("Indonesia", "Indonesian"), "EG": ("Egypt", "Egyptian"), "TN": ("Tunisia", None),
    "DZ": ("Algeria", "Algerian"), "RU": ("Russia", "Russian"), "LB": ("Lebanon", "Lebanese"),
    "AM": ("Armenia", "Armenian"), "AZ": ("Azerbaijan", None), "SN": ("Senegal", None),
    "ZA": ("South Africa", "South African"), "PE": ("Peru", "Peruvian"),
    "GB": ("Britain", "British"), "FR": ("France", "French"), "BE": ("Belgium", "Belgian"),
    "QA": ("Qatar", None), "AT": ("Austria", None), "CL": ("Chile", "Chilean"),
    "AR": ("Argentina", "Argentine"), "TH": ("Thailand", "Thai"), "GR": ("Greece", "Greek"),
}  # fmt: skip

# Places mentioned in passing (where talks happen, who sends aid): (name, country).
ELSEWHERE: tuple[tuple[str, str], ...] = (
    ("Geneva", "CH"), ("Brussels", "BE"), ("London", "GB"), ("Berlin", "DE"),
    ("Tokyo", "JP"), ("New Delhi", "IN"), ("Ankara", "TR"), ("Doha", "QA"),
    ("Ottawa", "CA"), ("Canberra", "AU"), ("Vienna", "AT"), ("Rome", "IT"), ("Madrid", "ES"),
    ("Paris", "FR"), ("Bangkok", "TH"), ("Athens", "GR"), ("Buenos Aires", "AR"),
    ("Santiago", "CL"), ("Moscow", "RU"), ("Washington", "US"),
)  # fmt: skip

AGENCIES = ("Reuters", "AFP", "AP")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DIRECTIONS = ("northern", "southern", "eastern", "western", "central")

# Texts about no place at all: person names and words that are also place names somewhere.
NEGATIVES: tuple[str, ...] = (
    "Paris Hilton launched a new perfume on Tuesday and said she would tour next year.",
    "Jordan Peterson said the lecture would go ahead despite the protests.",
    "Michael Jordan scored 40 points. Jordan said afterwards he was tired.",
    "Georgia May Jagger walked the runway on Friday in a borrowed dress.",
    "Florence Pugh won the award for best actress at the ceremony on Sunday.",
    "Nice weather is expected over the weekend, forecasters said.",
    "Mobile phones were banned in classrooms from the start of the year.",
    "Reading is the best way to improve a child's vocabulary, teachers say.",
    "Prices rose in March, and again in May, the statistics office said.",
    "Victoria Beckham unveiled her spring collection on Monday.",
    "Denzel Washington will star in the remake, the studio said.",
    "Whitney Houston's estate approved the release of two unheard songs.",
    "Abraham Lincoln's letters will be auctioned next month.",
    "Michael Jackson's former home sold for less than its asking price.",
    "Austin Powers remains the actor's most quoted role, fans say.",
    "Clark Kent is the mild-mannered reporter in the comic books.",
    "Chelsea Clinton spoke at the charity dinner on Thursday.",
    "Sydney Sweeney and Jordan Peele were seen at the premiere.",
    "The committee met on Tuesday and approved the budget without changes.",
    "Shares in the company fell sharply after a profit warning on Wednesday.",
    "Russian and Ukrainian negotiators met again, officials said.",
    "The Chinese embassy declined to comment on the report.",
    "American and French scientists published the findings on Thursday.",
    "Mr. Jordan told reporters he had no plans to resign.",
    "Jackson Browne cancelled the last two concerts of the tour.",
    "Dr. Houston said the trial results were encouraging.",
    "Orange reported higher quarterly sales on Wednesday.",
    "The Turkey sandwich was voted the most popular item on the menu.",
    "Sales of china and glassware rose before the holidays.",
    "Brooklyn Beckham posted a photograph of the dinner.",
    "Paris Jackson released a new single on Friday.",
    "Tyler Perry's studio will produce three more films.",
    "Hope Solo was inducted into the hall of fame on Saturday.",
    "Independence Day celebrations were muted this year, organisers said.",
    "The Mobile World Congress opens next week with fewer exhibitors.",
    "Bill Gates and Melinda French Gates announced new grants on Monday.",
    "Kent Brockman anchored the evening news for two decades.",
    "Phoenix Suns beat the Lakers 110-104 on Sunday night.",
    "Harper Lee's novel remains on the school reading list.",
    "March Madness brackets were busted after the first weekend.",
)

# (text, title, gold city) traps next to a real place: the trap must not become the primary.
MIXED: tuple[tuple[str, City], ...] = (
    ("Paris Hilton arrived in {p} on {day} to open a hotel, her spokeswoman said.",
     City(("Tokyo",), "JP", "JP-13")),
    ("Jordan Peterson spoke to a packed hall in {p} on {day}, organisers said.",
     City(("Sydney",), "AU", "AU-NSW")),
    ("Florence Pugh was filming in {p} on {day}, a production company said.",
     City(("Budapest",), "HU", "HU-BU")),
    ("Victoria Beckham opened a boutique in {p} on {day}.",
     City(("Shanghai",), "CN", "CN-SH")),
    ("Denzel Washington visited a school in {p} on {day}, local media reported.",
     City(("Atlanta",), "US", "US-GA")),
    ("Whitney Houston's songs were played at a vigil in {p} on {day}.",
     City(("Manchester",), "GB", "GB-ENG")),
    ("Michael Jordan's shoes sold at auction in {p} on {day}.",
     City(("Las Vegas",), "US", "US-NV")),
    ("Nice weather drew crowds to the beaches of {p} on {day}.",
     City(("Barcelona",), "ES", "ES-CT")),
    ("Mobile networks failed across {p} on {day} after a fire at a data centre.",
     City(("Toronto",), "CA", "CA-ON")),
    ("Reading glasses were handed out free in {p} on {day}.",
     City(("Nairobi",), "KE", "KE-30")),
    ("Georgia May Jagger launched a jewellery line in {p} on {day}.",
     City(("Milan",), "IT", "IT-25")),
    ("Chelsea Clinton opened a clinic in {p} on {day}.",
     City(("Kampala",), "UG", "UG-C")),
)  # fmt: skip


class _Doc:
    """Builds one text piece by piece, recording the span and country of every place."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.parts: list[str] = []
        self.mentions: list[dict[str, Any]] = []
        self.n = 0

    def add(self, s: str) -> _Doc:
        self.parts.append(s)
        self.n += len(s)
        return self

    def place(self, name: str, cc: str) -> _Doc:
        self.mentions.append({"field": self.field, "start": self.n, "end": self.n + len(name),
                              "name": name, "country_code": cc})  # fmt: skip
        return self.add(name)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _country(cc: str) -> str:
    return COUNTRIES[cc][0]


def _city_article(rng: random.Random, city: City, spelling: str, n: int) -> dict[str, Any]:
    """One article about ``city`` written with ``spelling``; template ``n % 5``."""
    cname, demonym = COUNTRIES[city.cc]
    other, occ = rng.choice([e for e in ELSEWHERE if e[1] != city.cc])
    day, day2 = rng.sample(DAYS, 2)
    body, head = _Doc("text"), _Doc("title")
    publisher = None
    t = n % 5
    if t == 0:  # wire dateline in capitals
        body.place(spelling.upper(), city.cc).add(", ").place(cname, city.cc)
        body.add(f" ({rng.choice(AGENCIES)}) - Rescue workers in ").place(spelling, city.cc)
        body.add(f" searched collapsed buildings on {day} after a powerful earthquake, ")
        body.add(f"{demonym} officials said. " if demonym else "officials said. ")
        body.add("The quake was felt across much of ").place(cname, city.cc)
        body.add(", and officials in ").place(other, occ).add(" offered help on ")
        body.add(f"{day2}.")
    elif t == 1:  # no dateline, country named later
        body.place(spelling, city.cc).add(f" was without power for a third day on {day} after ")
        body.add("storms tore through the area. Engineers said the grid around ")
        body.place(spelling, city.cc).add(" would take weeks to repair, and the government of ")
        body.place(cname, city.cc).add(" asked ").place(other, occ)
        body.add(" for emergency generators.")
    elif t == 2:  # headline plus body, translated-copy style
        head.add("Protests spread in ").place(spelling, city.cc)
        body.add("Thousands of people marched through central ").place(spelling, city.cc)
        body.add(f" on {day}, the biggest protest in ").place(cname, city.cc)
        body.add(" this year. Police said the march was peaceful. Diplomats in ")
        body.place(other, occ).add(" urged restraint.")
    elif t == 3:  # publisher abroad, the story is still local
        publisher = occ
        body.place(spelling, city.cc).add(f", located in {rng.choice(DIRECTIONS)} ")
        body.place(cname, city.cc).add(", has reopened its airport after a week of closures, ")
        body.add(f"the transport ministry said on {day}. Flights to ")
        body.place(other, occ).add(f" will resume on {day2}, and airlines said demand in ")
        body.place(spelling, city.cc).add(" was recovering.")
    else:  # "the mayor of X" and a title
        head.add("Mayor of ").place(spelling, city.cc).add(" warns of water shortages")
        body.add("The mayor of ").place(spelling, city.cc)
        body.add(f" said on {day} that reservoirs were at their lowest level in decades. ")
        body.add("Residents of ").place(spelling, city.cc).add(" were asked to save water, ")
        body.add("and the national government of ").place(cname, city.cc)
        body.add(" promised tankers within days.")
    return _article(body, head, publisher, city.cc, city.admin1)


def _region_article(rng: random.Random, name: str, code: str, n: int) -> dict[str, Any]:
    cc = code[:2]
    day = rng.choice(DAYS)
    body, head = _Doc("text"), _Doc("title")
    if n % 2 == 0:
        head.add("Floods hit ").place(name, cc)
        body.add("Heavy rain flooded towns across ").place(name, cc)
        body.add(f" on {day}, and officials said more rain was expected. Emergency services in ")
        body.place(name, cc).add(" evacuated hundreds of people.")
    else:
        body.add("Wildfires burned across ").place(name, cc).add(f" on {day} as temperatures ")
        body.add("rose above 40 degrees. Authorities in ").place(name, cc)
        body.add(" banned outdoor fires, and the government of ").place(_country(cc), cc)
        body.add(" sent firefighting planes.")
    return _article(body, head, None, cc, code)


def _country_article(rng: random.Random, cc: str, n: int) -> dict[str, Any]:
    name = _country(cc)
    day = rng.choice(DAYS)
    other, occ = rng.choice([e for e in ELSEWHERE if e[1] != cc])
    body, head = _Doc("text"), _Doc("title")
    if n % 2 == 0:
        head.place(name, cc).add(" votes in tight election")
        body.add("Voters in ").place(name, cc).add(f" went to the polls on {day} in an election ")
        body.add("that polls suggest is too close to call. Observers from ")
        body.place(other, occ).add(" said voting was orderly.")
    else:
        body.place(name, cc).add(f" raised interest rates on {day} for the third time this ")
        body.add("year, and the central bank said inflation in ").place(name, cc)
        body.add(" would stay high. Markets in ").place(other, occ).add(" barely moved.")
    return _article(body, head, None, cc, None)


def _mixed_article(rng: random.Random, template: str, city: City) -> dict[str, Any]:
    body = _Doc("text")
    before, after = template.split("{p}")
    body.add(before).place(city.spellings[0], city.cc).add(after.format(day=rng.choice(DAYS)))
    return _article(body, _Doc("title"), None, city.cc, city.admin1)


def _article(
    body: _Doc, head: _Doc, publisher: str | None, cc: str | None, admin1: str | None
) -> dict[str, Any]:
    mentions = head.mentions + body.mentions
    return {
        "title": head.text or None,
        "text": body.text,
        "publisher_country": publisher,
        "gold": {
            "primary_country": cc,
            "primary_admin1": admin1,
            "countries": sorted({m["country_code"] for m in mentions}),
            "mentions": mentions,
        },
    }


def build() -> list[dict[str, Any]]:
    """The whole labelled set, in a fixed order with stable ids."""
    rng = random.Random(SEED)
    out: list[dict[str, Any]] = []
    n = 0
    for city in CITIES:
        for spelling in city.spellings:
            out.append({"id": f"city-{n:03d}", **_city_article(rng, city, spelling, n)})
            n += 1
    for i, (name, code) in enumerate(REGIONS):
        out.append({"id": f"region-{i:03d}", **_region_article(rng, name, code, i)})
    for i, cc in enumerate(sorted({c.cc for c in CITIES})[:30]):
        out.append({"id": f"country-{i:03d}", **_country_article(rng, cc, i)})
    for i, (template, city) in enumerate(MIXED):
        out.append({"id": f"mixed-{i:03d}", **_mixed_article(rng, template, city)})
    for i, text in enumerate(NEGATIVES):
        gold = {"primary_country": None, "primary_admin1": None, "countries": [], "mentions": []}
        out.append({"id": f"negative-{i:03d}", "title": None, "text": text,
                    "publisher_country": None, "gold": gold})  # fmt: skip
    return out


def dumps(items: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(it, ensure_ascii=False, sort_keys=True) + "\n" for it in items)


def main() -> int:
    path = OUT
    items = build()
    path.write_text(dumps(items), encoding="utf-8")
    print(f"wrote {len(items)} labelled articles to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
