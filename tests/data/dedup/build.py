"""Generate the labelled story-clustering and wire-attribution set (``tests/data/dedup``).

Why generated: the cases the clusterer must get right (a dispatch republished under a new
headline, cut after two paragraphs, copy-edited, in other page chrome, with its agency credit
moved or gone; sibling reports by the same agency sharing a quote or a background paragraph) are
easy to describe and impossible to label reliably by hand at volume. Every text here was written
for newsflow: thirteen invented events, each with its own ledes, facts, one quote paragraph and one
background paragraph, plus a bank of generic news sentences; nothing is taken from real reporting.

Per event, six reports (stories): three by the same agency on the same day (hard negatives for
each other: two share the quote *and* the background paragraph, all three the background), one by
a second agency (shares the quote), one by an outlet's own staff (cites agencies in passing,
"told AFP", carries an "AP Photo" caption; sometimes "with AFP" / "staff and agencies"), and an
outlet's analysis piece that repeats the agency's quote and background paragraphs verbatim (a
hard negative whose agency must stay NULL). Each
agency report appears on the agency's own site and is republished by 2-7 outlets, each copy with
one transformation (verbatim, new headline, truncation, copy-editing, both, extra chrome) and one
way of carrying the agency (dateline kept, byline, JSON-LD author, meta author, trailing credit,
feed author, feed hint, or nothing at all - then only the story can tell). Every page is rendered
in its outlet's own HTML layout, so the evaluation runs the real extractor.

``python tests/data/dedup/build.py`` rewrites ``corpus.jsonl`` beside it (or the file it is given);
the output depends only on ``SEED``. The file is committed, so tests and ``newsflow eval dedup``
do not depend on this script; ``tests/test_dedup_eval.py`` checks that the two agree.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 20260305
HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------------------------
# Agencies: how each signs its copy (formats only; the wording is ours)


@dataclass(frozen=True)
class AgencyStyle:
    name: str  # canonical, as in pipeline/data/agencies.yaml
    site: str  # the agency's own outlet in this corpus
    dateline: str  # format with {CITY} {City} {Mon} {Month} {d} {country}
    credits: tuple[str, ...]  # trailing credit lines
    bylines: tuple[str, ...]
    org_names: tuple[str, ...]  # JSON-LD / meta author spellings


AGENCIES: dict[str, AgencyStyle] = {
    s.name: s
    for s in (
        AgencyStyle(
            "AFP",
            "afp-wire.test",
            "{CITY} (AFP) - ",
            ("(AFP)", "AFP", "— AFP", "Source: AFP", "© Agence France-Presse"),
            ("By AFP", "AFP staff", "Agence France-Presse"),
            ("Agence France-Presse", "AFP"),
        ),
        AgencyStyle(
            "Reuters",
            "reuters-wire.test",
            "{CITY}, {Month} {d} (Reuters) - ",
            ("(Reuters)", "— Reuters", "Thomson Reuters"),
            ("By Reuters", "Reuters staff", "Thomson Reuters"),
            ("Reuters", "Thomson Reuters"),
        ),
        AgencyStyle(
            "AP",
            "ap-wire.test",
            "{CITY}, {country} (AP) — ",
            ("Copyright 2026 The Associated Press. All rights reserved.", "(AP)", "— AP"),
            ("By The Associated Press", "Associated Press", "AP staff"),
            ("The Associated Press", "Associated Press"),
        ),
        AgencyStyle(
            "dpa",
            "dpa-wire.test",
            "{City} (dpa) - ",
            ("(dpa)", "dpa/mb", "Source: Deutsche Presse-Agentur"),
            ("By dpa", "Deutsche Presse-Agentur"),
            ("Deutsche Presse-Agentur", "dpa"),
        ),
        AgencyStyle(
            "EFE",
            "efe-wire.test",
            "{City}, {Mon} {d} (EFE).- ",
            ("(EFE)", "EFE", "Source: Agencia EFE"),
            ("By EFE", "Agencia EFE"),
            ("Agencia EFE", "EFE"),
        ),
        AgencyStyle(
            "ANSA",
            "ansa-wire.test",
            "{CITY}, {Month} {d} (ANSA) - ",
            ("(ANSA)", "— ANSA"),
            ("By ANSA", "ANSA staff"),
            ("ANSA",),
        ),
        AgencyStyle(
            "Xinhua",
            "xinhua-wire.test",
            "{CITY}, {Month} {d} (Xinhua) -- ",
            ("(Xinhua)", "Source: Xinhua"),
            ("By Xinhua", "Xinhua News Agency"),
            ("Xinhua News Agency", "Xinhua"),
        ),
        AgencyStyle(
            "Kyodo",
            "kyodo-wire.test",
            "{CITY}, {Month} {d} (Kyodo) -- ",
            ("(Kyodo)", "— Kyodo"),
            ("By Kyodo News", "Kyodo"),
            ("Kyodo News", "Kyodo"),
        ),
        AgencyStyle(
            "Anadolu",
            "aa-wire.test",
            "{CITY} (AA) - ",
            ("(AA)", "Source: Anadolu Agency"),
            ("By Anadolu Agency", "Anadolu"),
            ("Anadolu Agency", "Anadolu"),
        ),
        AgencyStyle(
            "PTI",
            "pti-wire.test",
            "{City}, {Mon} {d} (PTI) - ",
            ("(PTI)", "— PTI"),
            ("By PTI", "Press Trust of India"),
            ("Press Trust of India", "PTI"),
        ),
        AgencyStyle(
            "ANI",
            "ani-wire.test",
            "{City} [India], {Month} {d} (ANI): ",
            ("(ANI)", "Source: ANI"),
            ("By ANI", "Asian News International"),
            ("Asian News International", "ANI"),
        ),
        AgencyStyle(
            "UPI",
            "upi-wire.test",
            "{Month} {d} (UPI) -- ",
            ("(UPI)", "Copyright 2026 United Press International"),
            ("By UPI", "United Press International"),
            ("United Press International", "UPI"),
        ),
        AgencyStyle(
            "Yonhap",
            "yonhap-wire.test",
            "{CITY}, {Month} {d} (Yonhap) -- ",
            ("(Yonhap)", "— Yonhap"),
            ("By Yonhap", "Yonhap News Agency"),
            ("Yonhap News Agency", "Yonhap"),
        ),
        AgencyStyle(
            "TASS",
            "tass-wire.test",
            "{CITY}, {Month} {d}. /TASS/. ",
            ("(TASS)", "Source: TASS"),
            ("By TASS", "ITAR-TASS"),
            ("TASS", "ITAR-TASS"),
        ),
    )
}

# --------------------------------------------------------------------------------------------
# Events. Slots: {city} {country} {official} {role} {n} {m} {day}; names carry a copy-edit variant.


@dataclass
class Event:
    key: str
    when: datetime
    agency: str
    second: str
    city: str
    country: str
    slots: dict[str, str]
    variants: dict[str, str]  # canonical spelling -> a copy desk's spelling
    titles: list[str]  # sibling 1-3, second agency, own staff
    ledes: list[str]  # same order
    claims: list[str]  # two per report, in order
    quote: str
    background: str
    mixed: str | None = None  # own staff report credited "with <agency>" (truth: that agency)
    explainer: tuple[str, str] = ("", "")  # (title, lede) of an outlet's own analysis piece


EVENTS: list[Event] = [
    Event(
        key="quake-malatya",
        when=datetime(2026, 3, 2, 5, 40, tzinfo=UTC),
        agency="Anadolu",
        second="Reuters",
        city="Malatya",
        country="Turkey",
        slots={"official": "Selin Aydogan", "role": "the provincial governor", "n": "23"},
        variants={"Selin Aydogan": "Selin Aydoğan", "Kemal Oztunc": "Kemal Öztunç"},
        titles=[
            "Magnitude 6.1 earthquake kills 23 in eastern Turkey",
            "Aftershocks rattle Malatya as families camp in the open",
            "Rescuers pull survivors from collapsed blocks in Malatya",
            "Turkey quake: search teams race against the cold",
            "In Malatya's old bazaar, traders count the cost of the quake",
        ],
        ledes=[
            "A magnitude 6.1 earthquake struck the eastern province of Malatya before dawn on "
            "Monday, killing at least {n} people and bringing down several apartment blocks.",
            "Strong aftershocks kept thousands of families in Malatya out of their homes on "
            "Monday night, hours after the deadliest earthquake to hit the region in years.",
            "Rescue crews working under floodlights pulled eleven people alive from the rubble "
            "of two collapsed buildings in central Malatya, the disaster agency said.",
            "Search teams in eastern Turkey worked through freezing temperatures on Monday to "
            "reach people trapped after a strong earthquake flattened buildings in Malatya.",
            "The shutters of the covered bazaar in Malatya stayed down on Monday as shopkeepers "
            "swept broken glass and waited for engineers to inspect the old arcades.",
        ],
        claims=[
            "The disaster management authority said the quake was centred 12 kilometres "
            "north-east of the city at a depth of about 9 kilometres.",
            "Schools across the province will remain closed for a week while inspectors check "
            "every building for structural damage.",
            "More than 300 aftershocks were recorded in the first twelve hours, the strongest "
            "of them measuring 4.8.",
            "Tent camps have been set up in three stadiums and the grounds of the state "
            "hospital, which moved its patients into field wards.",
            "One of the collapsed buildings had been certified as safe after a retrofit "
            "completed only two years ago, local media reported.",
            "Volunteers from neighbouring provinces brought generators, blankets and hot soup "
            "to the families sheltering in parked cars.",
            "The state railway suspended services through the province until bridges on the "
            "line could be examined.",
            "Health officials said 214 people had been treated for injuries, 19 of them in "
            "intensive care.",
            "Traders said insurance covered little of the stock they lost when shelves and "
            "ceilings came down.",
            "Kemal Oztunc, who has sold copper pans in the bazaar for forty years, said he "
            "had never felt the ground move so violently.",
        ],
        quote="“Our priority is to reach every person still under the debris,” said "
        "{official}, {role}. “We have 3,000 rescuers in the field and more are on the way. "
        "Nobody should go back into a damaged building tonight.”",
        background="Turkey sits on several major fault lines and earthquakes are frequent. "
        "A pair of powerful quakes in the south-east of the country in 2023 killed tens of "
        "thousands of people and prompted a national review of building codes.",
        explainer=(
            "Why Malatya's buildings keep failing",
            "Three years after a national review of building codes, engineers in Malatya say the rules changed faster than the buildings did.",
        ),
    ),
    Event(
        key="floods-porto-alegre",
        when=datetime(2026, 3, 3, 13, 10, tzinfo=UTC),
        agency="Reuters",
        second="AFP",
        city="Porto Alegre",
        country="Brazil",
        slots={"official": "Marcia Tavares", "role": "the state's civil defence chief", "n": "9"},
        variants={"Marcia Tavares": "Márcia Tavares", "Guaiba": "Guaíba"},
        titles=[
            "Floods kill 9 in southern Brazil as Guaiba river overflows",
            "Porto Alegre airport closed as floodwater covers runway",
            "Brazil sends troops to help evacuate flooded towns in the south",
            "Southern Brazil floods displace thousands",
            "Porto Alegre's flooded neighbourhoods wait for the water to fall",
        ],
        ledes=[
            "Floods caused by days of torrential rain killed at least {n} people in southern "
            "Brazil on Tuesday after the Guaiba river rose above its banks in Porto Alegre.",
            "The international airport in Porto Alegre suspended all flights on Tuesday after "
            "water from the swollen Guaiba river spread across the runway and terminal.",
            "The federal government ordered army units into the state of Rio Grande do Sul on "
            "Tuesday to help evacuate towns cut off by rising floodwater.",
            "Thousands of people were forced from their homes in southern Brazil as heavy rain "
            "pushed rivers to levels not seen in years.",
            "In the low-lying Sarandi district of Porto Alegre, residents paddled canoes past "
            "the roofs of their own houses on Tuesday.",
        ],
        claims=[
            "The river reached 4.9 metres at the city's harbour gauge, almost two metres above "
            "the flood level.",
            "Forecasters expect another 150 millimetres of rain in the region before the end "
            "of the week.",
            "Airlines rerouted flights to Florianopolis and Caxias do Sul, and the operator "
            "said the terminal would stay shut for at least five days.",
            "Water treatment plants in four districts were switched off, leaving about 600,000 "
            "people without running water.",
            "Helicopters from the air force lifted people from rooftops in Eldorado do Sul, "
            "where the main road was under two metres of water.",
            "The defence ministry said 1,200 soldiers and 40 boats had been sent to the region.",
            "More than 11,000 people were staying in public shelters, according to the state "
            "government.",
            "Power was cut to about 90,000 homes as substations along the river flooded.",
            "Neighbours said the water came up the streets within an hour after midnight.",
            "Volunteers set up a kitchen in a church hall and were cooking for 800 people a day.",
        ],
        quote="“The water is still rising and the next 48 hours will be critical,” {official}, "
        "{role}, told reporters. “Anyone living near the river banks must leave now, while "
        "the roads are still open.”",
        background="Rio Grande do Sul suffered the worst floods in its history in 2024, when "
        "more than 180 people died. Scientists say climate change is making heavy rainfall "
        "events in the region more frequent and more intense.",
        mixed="Reuters",
        explainer=(
            "Porto Alegre's flood defences: what went wrong again",
            "The dikes and pumping stations built to protect Porto Alegre from the Guaiba were designed for a river that no longer behaves the way it used to.",
        ),
    ),
    Event(
        key="wildfire-ventura",
        when=datetime(2026, 3, 4, 17, 30, tzinfo=UTC),
        agency="AP",
        second="Reuters",
        city="Ojai",
        country="California",
        slots={"official": "Daniel Whitcombe", "role": "the county fire chief", "n": "12,000"},
        variants={"Daniel Whitcombe": "Dan Whitcomb", "Sulphur Canyon": "Sulfur Canyon"},
        titles=[
            "Wind-driven wildfire forces 12,000 to evacuate near Ojai",
            "Sulphur Canyon fire destroys dozens of homes in Ventura County",
            "Firefighters hold the line as Santa Ana winds ease",
            "California wildfire spreads across 8,000 acres",
            "Ojai residents return to find their street untouched, and next door gone",
        ],
        ledes=[
            "A fast-moving wildfire whipped by strong winds forced about {n} people from "
            "their homes near Ojai on Wednesday as flames raced down dry hillsides.",
            "The Sulphur Canyon fire has destroyed at least 46 homes and damaged dozens more in "
            "the hills of Ventura County, fire officials said late on Wednesday.",
            "Firefighters made progress against the Sulphur Canyon blaze overnight as the winds "
            "that drove it toward Ojai began to weaken.",
            "A wildfire in southern California grew to more than 8,000 acres on Wednesday, "
            "prompting evacuation orders across a wide stretch of Ventura County.",
            "On the east side of Ojai the fire jumped from one garden to the next, sparing some "
            "houses entirely and leaving only chimneys standing at others.",
        ],
        claims=[
            "Gusts of up to 60 miles per hour were recorded on the ridges above the valley, the "
            "National Weather Service said.",
            "The fire was zero percent contained by Wednesday evening.",
            "Crews from Los Angeles and Santa Barbara counties joined more than 900 firefighters "
            "already on the lines.",
            "Investigators have not yet determined what started the fire, which was reported "
            "shortly after 10 a.m.",
            "Containment rose to 15 percent by Thursday morning as air tankers dropped retardant "
            "along the northern flank.",
            "Two firefighters were treated for heat exhaustion and released.",
            "Highway 33 was closed in both directions and schools in the district cancelled "
            "classes for the rest of the week.",
            "Utility crews cut power to 30,000 customers to reduce the risk of new ignitions.",
            "Neighbours stood in the road with garden hoses as the embers blew over them.",
            "An evacuation centre at the county fairgrounds took in families and more than 200 "
            "horses.",
        ],
        quote="“This fire moved faster than anything we've seen here in a decade,” said "
        "{official}, {role}. “If you are told to leave, leave. Do not wait to see the flames.”",
        background="Southern California's fire season has grown longer as hotter, drier "
        "weather dries out vegetation. Fires driven by Santa Ana winds destroyed thousands of "
        "buildings in Los Angeles County in January 2025.",
        explainer=(
            "Living with fire: Ventura County's insurance problem",
            "For many homeowners around Ojai, the fire was the second crisis of the year; the first was the letter saying their insurance would not be renewed.",
        ),
    ),
    Event(
        key="strike-kharkiv",
        when=datetime(2026, 3, 5, 6, 15, tzinfo=UTC),
        agency="AFP",
        second="Reuters",
        city="Kharkiv",
        country="Ukraine",
        slots={"official": "Oleksandr Hrytsenko", "role": "the regional governor", "n": "7"},
        variants={"Oleksandr Hrytsenko": "Oleksandr Gritsenko", "Kyiv": "Kiev"},
        titles=[
            "Russian missile strike on Kharkiv kills seven",
            "Kharkiv power plant hit, leaving half the city without heating",
            "Kyiv urges allies to speed up air defence deliveries after Kharkiv strike",
            "Ukraine: deadly strike on Kharkiv residential district",
            "Kharkiv's metro becomes a dormitory again as strikes intensify",
        ],
        ledes=[
            "A Russian missile strike on a residential district of Kharkiv killed at least {n} "
            "people overnight and wounded dozens, Ukrainian officials said on Thursday.",
            "A strike on a thermal power plant in Kharkiv left around half of Ukraine's second "
            "city without heating on Thursday as temperatures fell below freezing.",
            "Ukraine's foreign ministry on Thursday called on its partners to deliver promised "
            "air defence systems faster after an overnight attack on Kharkiv.",
            "Russian forces struck Kharkiv with missiles and drones overnight, hitting an "
            "apartment block and an energy facility, according to local authorities.",
            "For the families who sleep on the platforms of Kharkiv's metro, Thursday began the "
            "way most nights now end, with sirens and the news of another strike.",
        ],
        claims=[
            "Rescuers were still searching the rubble of a five-storey building in the Saltivka "
            "district at midday.",
            "Among the dead was a 12-year-old boy, the regional prosecutor's office said.",
            "Engineers said repairs to the plant's turbine hall could take several weeks.",
            "The city opened 40 heated tents where residents could warm up and charge phones.",
            "The ministry said Russia had launched 54 drones and six missiles at Ukraine overnight.",
            "Foreign diplomats were invited to visit the site of the strike on Friday.",
            "Ukraine's air force said it shot down 38 of the drones.",
            "The Russian defence ministry said it had targeted military infrastructure.",
            "Teachers run lessons for children on the platforms in the mornings.",
            "A volunteer group brings hot meals down to the stations every evening.",
        ],
        quote="“They are deliberately hitting homes and the infrastructure people need to "
        "survive the winter,” {official}, {role}, wrote on Telegram. “Every strike like this "
        "is a reminder that we need more air defence, and we need it now.”",
        background="Russia launched its full-scale invasion of Ukraine in February 2022. "
        "Kharkiv, about 30 kilometres from the Russian border, has been struck regularly since "
        "the first days of the war.",
        explainer=(
            "Kharkiv's long winter: how the city keeps the lights on",
            "Every time a power plant in Kharkiv is hit, the same small group of engineers gets the call, and they have learned to work fast.",
        ),
    ),
    Event(
        key="election-cordoba",
        when=datetime(2026, 3, 8, 23, 0, tzinfo=UTC),
        agency="EFE",
        second="AP",
        city="Cordoba",
        country="Argentina",
        slots={"official": "Lucia Ferreyra", "role": "the winning candidate", "n": "41"},
        variants={"Lucia Ferreyra": "Lucía Ferreyra", "Cordoba": "Córdoba"},
        titles=[
            "Ferreyra wins Cordoba governor's race with 41 percent",
            "Turnout falls to record low in Cordoba provincial vote",
            "Argentine president's allies concede defeat in Cordoba",
            "Opposition candidate takes Argentina's second-largest province",
            "In Cordoba, young voters stayed home",
        ],
        ledes=[
            "Lucia Ferreyra won the race for governor of Argentina's Cordoba province on "
            "Sunday with {n} percent of the vote, according to the provincial electoral board.",
            "Only 61 percent of registered voters cast a ballot in Cordoba's provincial election "
            "on Sunday, the lowest turnout since voting became compulsory.",
            "The candidate backed by the national government conceded defeat in Cordoba late on "
            "Sunday, calling the result a warning the coalition should heed.",
            "An opposition candidate won the governorship of Argentina's second most populous "
            "province on Sunday, in a setback for the government before next year's elections.",
            "At a polling station in a university district of Cordoba, the queues that once "
            "wound around the block were gone by mid-morning on Sunday.",
        ],
        claims=[
            "With 97 percent of polling stations counted, her nearest rival had 33 percent.",
            "Ferreyra, a former mayor of Villa Maria, campaigned on road repairs and a pledge to "
            "cut provincial taxes on farm exports.",
            "Election officials said that fines for not voting had not been collected for years.",
            "Turnout among voters under 25 was estimated at just 44 percent.",
            "The governing coalition had hoped to hold the province it won four years ago.",
            "Analysts said inflation and cuts to public works had hurt the ruling party.",
            "Cordoba produces about a fifth of Argentina's grain and soybeans.",
            "Results in the provincial legislature were still being counted on Monday.",
            "Students said they had little faith that any candidate would change their lives.",
            "Several polling stations closed their doors early for lack of voters.",
        ],
        quote="“Cordoba has chosen change, and we will not let it down,” {official}, "
        "{role}, told supporters at her campaign headquarters. “From tomorrow we govern for "
        "everyone, including those who did not vote for us.”",
        background="Argentina's provinces hold their own elections for governors and local "
        "legislatures, and the results are watched as a guide to the national mood. Voting is "
        "compulsory for citizens aged 18 to 70.",
        explainer=(
            "What Cordoba's vote says about Argentina's mood",
            "Provincial elections rarely travel far beyond their borders, but the result in Cordoba was read in Buenos Aires as a verdict on the national government.",
        ),
    ),
    Event(
        key="rates-seoul",
        when=datetime(2026, 3, 10, 1, 30, tzinfo=UTC),
        agency="Yonhap",
        second="Reuters",
        city="Seoul",
        country="South Korea",
        slots={"official": "Park Ji-hoon", "role": "the central bank governor", "n": "2.25"},
        variants={"Park Ji-hoon": "Park Jihoon", "Bank of Korea": "BOK"},
        titles=[
            "Bank of Korea cuts key rate to 2.25 percent",
            "Won weakens after surprise rate cut",
            "South Korea's central bank lowers growth forecast",
            "South Korea cuts interest rates to support slowing economy",
            "Seoul's small business owners welcome cheaper loans, but doubt they will help",
        ],
        ledes=[
            "The Bank of Korea cut its benchmark interest rate by a quarter of a percentage "
            "point to {n} percent on Tuesday, citing weak domestic demand.",
            "The South Korean won fell to its lowest level in two months against the dollar on "
            "Tuesday after the central bank unexpectedly lowered borrowing costs.",
            "South Korea's central bank lowered its forecast for economic growth this year to "
            "1.4 percent on Tuesday, down from 1.8 percent in November.",
            "South Korea's central bank lowered interest rates on Tuesday in an effort to "
            "support an economy hit by weak exports and cautious consumers.",
            "In the alleys of Seoul's Euljiro printing district, owners of small workshops said "
            "on Tuesday that a lower rate would not bring back their customers.",
        ],
        claims=[
            "Six of the seven members of the monetary policy board voted for the cut.",
            "It was the bank's third reduction in twelve months.",
            "The won traded at 1,412 per dollar in the afternoon, down 0.8 percent on the day.",
            "Most economists surveyed last week had expected the bank to hold rates.",
            "The bank said exports of semiconductors were recovering more slowly than expected.",
            "Household debt, at more than 100 percent of economic output, remains a concern.",
            "Inflation was 1.9 percent in February, below the bank's 2 percent target.",
            "The benchmark KOSPI index closed 0.6 percent higher.",
            "One printer said his orders had halved since restaurants moved their menus online.",
            "Many owners have borrowed against their homes to keep workshops running.",
        ],
        quote="“Growth is losing momentum faster than we expected, and the risks are tilted to "
        "the downside,” {official}, {role}, told a news conference. “We will keep the door "
        "open to further easing if conditions require it.”",
        background="The Bank of Korea began cutting rates in October 2024 after one of its "
        "longest tightening cycles. Policymakers have moved cautiously because of concerns "
        "about household debt and housing prices in Seoul.",
        explainer=(
            "Explainer: why South Korea keeps cutting rates",
            "South Korea's central bank has now lowered borrowing costs three times in a year, and economists disagree about whether it is enough.",
        ),
    ),
    Event(
        key="typhoon-okinawa",
        when=datetime(2026, 3, 12, 2, 0, tzinfo=UTC),
        agency="Kyodo",
        second="AFP",
        city="Naha",
        country="Japan",
        slots={"official": "Haruka Tamashiro", "role": "the prefecture's disaster chief", "n": "3"},
        variants={"Haruka Tamashiro": "Haruka Tamasiro", "Typhoon Haishen": "typhoon Haishen"},
        titles=[
            "Typhoon Haishen kills 3 in Okinawa, cuts power to 200,000",
            "Flights cancelled as early-season typhoon lashes Okinawa",
            "Okinawa typhoon: residents told to stay indoors",
            "Japan's Okinawa hit by rare March typhoon",
            "After the typhoon, Naha fishermen count their boats",
        ],
        ledes=[
            "Typhoon Haishen killed at least {n} people in Okinawa on Thursday and knocked out "
            "power to about 200,000 homes as it crossed the main island.",
            "Airlines cancelled more than 300 flights to and from Okinawa on Thursday as an "
            "unusually early typhoon brought torrential rain and violent gusts.",
            "Authorities in Okinawa urged more than 500,000 residents to stay indoors on "
            "Thursday as Typhoon Haishen approached the main island.",
            "A rare March typhoon battered Japan's southern Okinawa region on Thursday, "
            "uprooting trees and flooding streets in the capital Naha.",
            "The harbour at Naha's Tomari port was littered with splintered masts on Thursday "
            "afternoon as fishermen returned to check on their boats.",
        ],
        claims=[
            "The storm was packing maximum sustained winds of 162 kilometres per hour.",
            "Two of the dead were elderly residents whose house was hit by a landslide.",
            "Ferry services to the outlying islands were suspended until Saturday.",
            "Convenience stores in Naha ran out of bottled water and batteries by noon.",
            "The Japan Meteorological Agency warned of waves of up to 10 metres.",
            "Schools and government offices across the prefecture were closed.",
            "Forecasters said the typhoon would weaken as it moved north-east over the sea.",
            "A US military base on the island ordered personnel to remain in their quarters.",
            "Several boats had broken free of their moorings and were found on the breakwater.",
            "The fishing cooperative said it would ask the prefecture for emergency loans.",
        ],
        quote="“The wind was stronger than we expected for this time of year,” {official}, "
        "{role}, told reporters. “Please do not go outside to check on fields or boats until "
        "the warning has been lifted.”",
        background="Okinawa is regularly hit by typhoons between July and October, but storms "
        "in early spring are rare. Researchers say warmer seas are extending the season in "
        "the western Pacific.",
        explainer=(
            "Why typhoons are arriving earlier in Okinawa",
            "Fishermen on Okinawa used to plan the year around a typhoon season that began in summer; this year it arrived in March.",
        ),
    ),
    Event(
        key="train-odisha",
        when=datetime(2026, 3, 14, 16, 45, tzinfo=UTC),
        agency="PTI",
        second="ANI",
        city="Cuttack",
        country="India",
        slots={
            "official": "Ramesh Chandra Sahoo",
            "role": "the divisional railway manager",
            "n": "14",
        },
        variants={"Ramesh Chandra Sahoo": "Ramesh Chandra Sahu", "Cuttack": "Katak"},
        titles=[
            "14 killed as express train derails near Cuttack",
            "Railways orders inquiry into Odisha derailment",
            "Families wait for news at Cuttack hospital after train accident",
            "Odisha train accident: rescue operations continue",
            "The village that ran to the tracks: how Barang responded to the derailment",
        ],
        ledes=[
            "At least {n} people were killed and more than 60 injured when six coaches of an "
            "express train derailed near Cuttack in Odisha on Saturday evening.",
            "The railway ministry on Saturday ordered a high-level inquiry into the derailment "
            "of an express train near Cuttack, officials said.",
            "Relatives of passengers crowded the gates of the SCB Medical College Hospital in "
            "Cuttack late on Saturday, waiting for lists of the injured.",
            "Rescue operations were under way through the night after several coaches of a "
            "passenger train left the tracks in Odisha's Cuttack district.",
            "Within minutes of the crash, people from the village of Barang were at the "
            "overturned coaches with ladders, ropes and torches.",
        ],
        claims=[
            "The train was travelling from Bhubaneswar to Kolkata with about 1,100 passengers.",
            "Teams of the National Disaster Response Force were using gas cutters to reach "
            "passengers trapped in two coaches.",
            "The commissioner of railway safety will lead the inquiry.",
            "Preliminary reports pointed to a fault at a set of points outside the station.",
            "Doctors said 11 of the injured were in a critical condition.",
            "The state government announced compensation for the families of the dead.",
            "Eight trains on the route were diverted and four cancelled.",
            "Local people formed human chains to carry the injured to ambulances.",
            "Villagers said they heard a sound like thunder and then screaming.",
            "A temple hall near the tracks was turned into a first aid post.",
        ],
        quote="“Our first priority is the rescue and care of the injured,” {official}, "
        "{role}, said at the site. “Restoration of the track will begin only when every coach "
        "has been searched.”",
        background="India has one of the world's largest railway networks, carrying more than "
        "20 million passengers a day. A collision near Balasore in Odisha in June 2023 killed "
        "nearly 300 people.",
        mixed="PTI",
        explainer=(
            "India's railway safety push faces a familiar test",
            "The derailment near Cuttack comes as India spends heavily on new trains and stations while much of the signalling it relies on is decades old.",
        ),
    ),
    Event(
        key="coalition-rome",
        when=datetime(2026, 3, 16, 18, 20, tzinfo=UTC),
        agency="ANSA",
        second="Reuters",
        city="Rome",
        country="Italy",
        slots={
            "official": "Giorgio Castellani",
            "role": "the minister for parliamentary relations",
            "n": "312",
        },
        variants={"Giorgio Castellani": "Giorgio Castellano"},
        titles=[
            "Italian government survives confidence vote on budget reform",
            "Senate to vote on pension changes next week",
            "Opposition walks out of Italy's lower house in protest",
            "Italy's coalition wins confidence vote",
            "Outside parliament, Rome's pensioners make their case",
        ],
        ledes=[
            "Italy's government won a confidence vote in the lower house on Monday by {n} votes "
            "to 201, clearing the way for its reform of the budget rules.",
            "The Italian Senate will vote next week on the government's changes to early "
            "retirement rules, the speaker said on Monday.",
            "Opposition lawmakers walked out of the Chamber of Deputies on Monday before the "
            "confidence vote, accusing the government of cutting debate short.",
            "Italy's ruling coalition comfortably won a confidence vote on Monday, in a test of "
            "its unity after weeks of disagreement over pensions.",
            "Several hundred pensioners gathered in Piazza Montecitorio on Monday afternoon, "
            "holding banners against changes to early retirement.",
        ],
        claims=[
            "The reform caps spending growth and changes how regions share tax revenue.",
            "It was the eleventh confidence vote the government has called since taking office.",
            "The pension measure raises the minimum contribution period for early retirement.",
            "Unions have called a general strike for the day of the Senate vote.",
            "Opposition leaders said they would challenge the procedure before the "
            "constitutional court.",
            "Markets reacted calmly, with the spread between Italian and German bonds unchanged.",
            "The coalition holds a comfortable majority in both houses of parliament.",
            "The European Commission is expected to publish its assessment of the budget in May.",
            "Police said the demonstration was peaceful.",
            "Many protesters had travelled from Naples and Bari by coach.",
        ],
        quote="“This reform protects the public accounts and the pensions of our children,” "
        "{official}, {role}, said before the vote. “The government has a mandate and a "
        "majority, and it intends to use both.”",
        background="Italy has one of the highest levels of public debt in the euro zone, at "
        "about 135 percent of economic output. Governments have used confidence votes for "
        "decades to speed legislation through parliament.",
        explainer=(
            "Italy's confidence votes: a habit that is hard to break",
            "Governments of every colour in Rome have leaned on confidence votes to push laws through parliament, and the current coalition is no exception.",
        ),
    ),
    Event(
        key="strike-wolfsburg",
        when=datetime(2026, 3, 18, 7, 0, tzinfo=UTC),
        agency="dpa",
        second="AFP",
        city="Wolfsburg",
        country="Germany",
        slots={"official": "Katrin Lehmkuhl", "role": "the union's regional leader", "n": "25,000"},
        variants={"Katrin Lehmkuhl": "Kathrin Lehmkuhl", "IG Metall": "IG-Metall"},
        titles=[
            "25,000 walk out at Wolfsburg car plant in pay dispute",
            "Carmaker says strike will cost production of 8,000 vehicles",
            "Talks in Wolfsburg pay dispute to resume on Friday",
            "German car workers stage warning strike",
            "Wolfsburg's bakers and bus drivers feel the strike too",
        ],
        ledes=[
            "About {n} workers walked off the job at the Wolfsburg car plant on Wednesday in a "
            "warning strike over pay and job guarantees, the IG Metall union said.",
            "The carmaker said on Wednesday that a one-day strike at its Wolfsburg plant would "
            "cost it the production of around 8,000 vehicles.",
            "Negotiators for the union and the carmaker will meet again on Friday, both sides "
            "said on Wednesday, as a warning strike halted the assembly lines.",
            "Tens of thousands of workers at a German car plant went on strike on Wednesday as "
            "a dispute over pay and jobs escalated.",
            "On a day without shift changes, the bakeries near Wolfsburg's plant gates sold "
            "barely a third of their usual rolls on Wednesday.",
        ],
        claims=[
            "The union is demanding a 7 percent pay rise over twelve months.",
            "Management has offered 3.5 percent over two years and a one-off payment.",
            "The company wants to cut costs by several billion euros by 2028.",
            "Work on the plant's two main assembly lines stopped at 6 a.m.",
            "Suppliers in the region said they had sent workers home for the day.",
            "It was the second warning strike this month.",
            "Strikers gathered outside the main gate with flags and whistles.",
            "The union said further strikes could follow if talks failed.",
            "Bus services in the city ran a reduced timetable because so few people travelled.",
            "Shopkeepers said a long dispute would hurt the whole town.",
        ],
        quote="“The workforce has made sacrifices for years, and now it wants security,” "
        "{official}, {role}, told the crowd at the gate. “If management does not move, this "
        "will not be the last time the lines stand still.”",
        background="The Wolfsburg plant is one of the largest car factories in the world. "
        "German carmakers are under pressure from weak demand in Europe, competition from "
        "Chinese manufacturers and the costly shift to electric vehicles.",
        explainer=(
            "Wolfsburg and the price of the electric transition",
            "In Wolfsburg, a town built around a single factory, the pay dispute is really an argument about what the plant will make in ten years.",
        ),
    ),
    Event(
        key="probe-launch",
        when=datetime(2026, 3, 20, 10, 0, tzinfo=UTC),
        agency="Xinhua",
        second="Reuters",
        city="Wenchang",
        country="China",
        slots={"official": "Zhang Weiming", "role": "the mission's chief designer", "n": "2030"},
        variants={"Zhang Weiming": "Zhang Wei-ming", "Tianwen-3": "Tianwen 3"},
        titles=[
            "China launches Tianwen-3 probe to bring back Mars samples",
            "Tianwen-3 enters transfer orbit, mission control says",
            "Engineers tested Mars sample capsule in desert trials",
            "China's Mars sample mission lifts off",
            "In Wenchang, crowds gather on the beach to watch the launch",
        ],
        ledes=[
            "China launched its Tianwen-3 probe from the Wenchang spacecraft launch site on "
            "Friday, aiming to bring rock samples from Mars back to Earth by {n}.",
            "The Tianwen-3 spacecraft separated from its rocket and entered a transfer orbit "
            "towards Mars, mission control said on Friday.",
            "Before the launch, engineers spent two years testing the sample return capsule in "
            "the deserts of north-western China, the space agency said.",
            "China sent a spacecraft towards Mars on Friday on a mission to collect rock and soil "
            "and return them to Earth.",
            "Thousands of people lined the beaches of Wenchang on Friday, some arriving the "
            "night before to find a place with a view of the pad.",
        ],
        claims=[
            "A Long March 5 rocket carried the probe into space at 5:55 p.m. local time.",
            "The mission consists of a lander, an ascent vehicle, an orbiter and a return module.",
            "The probe is expected to reach Mars orbit in about seven months.",
            "The lander will drill up to two metres below the surface.",
            "The capsule's heat shield was tested at speeds of more than 11 kilometres per second.",
            "Ground stations in three countries will track the spacecraft.",
            "Analysts said the mission could return samples before a joint US and European effort.",
            "China landed its first rover on Mars in 2021.",
            "Hotels in the town were fully booked for the week of the launch.",
            "Vendors sold model rockets and T-shirts along the seafront.",
        ],
        quote="“Every system performed as designed in the first hours of flight,” said "
        "{official}, {role}. “The hardest part, bringing the samples home, is still years "
        "away, but today we took the first step.”",
        background="China's space programme has advanced rapidly over the past two decades. "
        "It operates its own space station and has brought back samples from the far side "
        "of the Moon.",
        explainer=(
            "The race to bring back a piece of Mars",
            "Bringing rocks back from Mars is the hardest robotic mission ever attempted, and more than one space agency now wants to be first.",
        ),
    ),
    Event(
        key="grain-moscow",
        when=datetime(2026, 3, 23, 12, 0, tzinfo=UTC),
        agency="TASS",
        second="AFP",
        city="Moscow",
        country="Russia",
        slots={"official": "Tatiana Moroz", "role": "the deputy agriculture minister", "n": "54"},
        variants={"Tatiana Moroz": "Tatyana Moroz"},
        titles=[
            "Russia sets grain export quota at 54 million tonnes",
            "Russian wheat prices rise after quota decision",
            "Moscow and Cairo discuss long-term wheat supply deal",
            "Russia limits grain exports for second half of season",
            "Farmers in the Volga region say the quota leaves them with full silos",
        ],
        ledes=[
            "Russia set its grain export quota for the second half of the season at {n} "
            "million tonnes, the agriculture ministry said on Monday.",
            "Prices for Russian wheat with 12.5 percent protein rose on Monday after the "
            "government announced limits on exports.",
            "Russian and Egyptian officials met in Moscow on Monday to discuss a multi-year "
            "agreement on wheat deliveries.",
            "Russia, the world's largest wheat exporter, will cap grain exports between "
            "February and June, the government said on Monday.",
            "In the Saratov region, farmers said on Monday that storage costs were eating into "
            "the little profit they had left.",
        ],
        claims=[
            "The quota does not apply to exports to member states of the Eurasian Economic Union.",
            "The ministry said the measure was intended to keep domestic prices stable.",
            "Export prices for new-crop wheat rose by 4 dollars to 238 dollars a tonne.",
            "Traders said the quota was larger than many had expected.",
            "Egypt is one of the largest buyers of Russian wheat.",
            "The two sides agreed to set up a working group on logistics.",
            "The government also raised the export duty on wheat.",
            "Analysts expect this year's harvest to be slightly smaller than last year's.",
            "Some farms have stopped buying fertiliser for the spring sowing.",
            "Farmers complained that the export duty lowered the prices they were paid.",
        ],
        quote="“The quota gives exporters certainty while protecting the domestic market,” "
        "{official}, {role}, said. “We will review it if the harvest outlook changes.”",
        background="Russia has used export quotas and duties on grain since 2021 to curb "
        "domestic food inflation. It supplies about a fifth of the wheat traded on world "
        "markets.",
        mixed="AFP",
        explainer=(
            "How Russia's grain quotas ripple through world markets",
            "Russian export quotas are set in Moscow, but their effects are felt in bakeries from Cairo to Jakarta.",
        ),
    ),
    Event(
        key="hurricane-florida",
        when=datetime(2026, 3, 26, 20, 0, tzinfo=UTC),
        agency="UPI",
        second="AP",
        city="Naples",
        country="Florida",
        slots={"official": "Marisol Delgado", "role": "the county emergency manager", "n": "9"},
        variants={"Marisol Delgado": "Marisol Delgato", "Collier County": "Collier county"},
        titles=[
            "Storm surge floods Naples as hurricane makes landfall",
            "Hundreds of thousands without power in south-west Florida",
            "Florida opens shelters ahead of out-of-season storm",
            "Hurricane hits Florida's Gulf Coast",
            "On Naples' pier, a long night of watching the water",
        ],
        ledes=[
            "A storm surge of up to {n} feet flooded streets in Naples on Thursday as an "
            "unusual early-season hurricane made landfall on Florida's Gulf Coast.",
            "More than 400,000 homes and businesses in south-west Florida lost power on "
            "Thursday as hurricane-force winds toppled trees and power lines.",
            "Officials in Collier County opened 14 shelters on Thursday and ordered residents "
            "of barrier islands to leave before the storm arrived.",
            "A hurricane came ashore on Florida's Gulf Coast on Thursday, bringing heavy rain, "
            "damaging winds and coastal flooding.",
            "The pier at Naples, rebuilt after the last big storm, disappeared under grey water "
            "on Thursday night as residents watched from a parking garage.",
        ],
        claims=[
            "The National Hurricane Center said the storm had sustained winds of 90 miles per "
            "hour at landfall.",
            "Water reached the ground floors of restaurants along Fifth Avenue South.",
            "Utilities said crews from six states were on standby to restore power.",
            "Interstate 75 was closed for several hours because of flooding.",
            "The county said about 2,300 people spent the night in shelters.",
            "Schools in three counties will remain closed on Friday.",
            "The governor declared a state of emergency for 21 counties.",
            "The storm was expected to weaken quickly as it moved inland.",
            "Several boats broke loose from a marina and were pushed into the mangroves.",
            "Some residents said they had only just finished repairs from previous storms.",
        ],
        quote="“Stay off the roads and stay away from the water,” {official}, {role}, said at "
        "an evening briefing. “The surge is the most dangerous part of this storm and it has "
        "not peaked yet.”",
        background="The Atlantic hurricane season officially runs from June to November. "
        "Storms outside the season are rare but not unheard of, and forecasters say warmer "
        "ocean temperatures make them more likely.",
        explainer=(
            "Florida's storm season no longer keeps to the calendar",
            "A hurricane in March would once have been dismissed as a curiosity; on Florida's Gulf Coast it is now treated as a warning.",
        ),
    ),
]

# Generic news sentences, drawn without replacement within an event so sibling reports do not
# share them. Slots: {city} {country} {official} {role}.
GENERIC = [
    "Authorities in {city} said more details would be released later in the day.",
    "Officials did not give a timetable for when normal services would resume.",
    "Local television showed images of emergency vehicles lining the main avenue.",
    "The national government said it was following the situation closely.",
    "A spokesperson for the interior ministry declined to comment on the figures.",
    "Residents were advised to follow instructions from the emergency services.",
    "The figures could change as more information comes in, officials cautioned.",
    "Opposition politicians called for an independent review of the response.",
    "Hospitals in neighbouring districts were placed on standby.",
    "A hotline has been set up for people looking for relatives.",
    "Police closed several roads around the area to all but emergency traffic.",
    "The mayor of {city} said the city would need outside help to recover.",
    "It was not immediately clear how many people had been affected in rural areas.",
    "International organisations offered assistance, according to the foreign ministry.",
    "Television footage showed volunteers handing out water and food.",
    "Social media users shared videos of the scene throughout the evening.",
    "Engineers were expected to assess the damage over the coming days.",
    "Some businesses in {city} said they would stay closed until further notice.",
    "The head of the regional council said a full account would be given to lawmakers.",
    "Meteorologists said conditions would improve by the weekend.",
    "A government minister was due to visit {city} on the following day.",
    "Local radio stations broadcast safety advice every half hour.",
    "The authorities said they had enough supplies for the coming week.",
    "Community groups organised collections of clothes and blankets.",
]

# --------------------------------------------------------------------------------------------
# Outlets and page layouts


@dataclass(frozen=True)
class Outlet:
    host: str
    name: str
    layout: str  # classic | modern | portal | blog | wire
    feed_id: str


OUTLETS = [
    Outlet("dailyledger.test", "The Daily Ledger", "classic", "ledger-world"),
    Outlet("northerncourier.test", "Northern Courier", "modern", "courier-main"),
    Outlet("metrotribune.test", "Metro Tribune", "portal", "tribune-news"),
    Outlet("coastalherald.test", "Coastal Herald", "blog", "herald-world"),
    Outlet("valleypost.test", "Valley Post", "classic", "valleypost-top"),
    Outlet("eveningstar.test", "The Evening Star", "modern", "eveningstar-world"),
    Outlet("capitalgazette.test", "Capital Gazette", "portal", "gazette-news"),
    Outlet("harbourtimes.test", "Harbour Times", "blog", "harbour-world"),
    Outlet("midlandsmirror.test", "Midlands Mirror", "classic", "mirror-world"),
    Outlet("globalreview.test", "Global Review", "modern", "review-world"),
    Outlet("citypulse.test", "City Pulse", "portal", "pulse-news"),
    Outlet("morningbulletin.test", "Morning Bulletin", "blog", "bulletin-world"),
]

REPORTERS = [
    "Hannah Oduya",
    "Marco Bellini",
    "Priya Raman",
    "Tomás Kovač",
    "Leila Haddad",
    "Jonas Berg",
    "Ana Lucía Ortega",
    "Samuel Achterberg",
    "Mei Lin Tan",
    "Rafael Souza",
    "Ingrid Halvorsen",
    "Kwame Mensah",
]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip

# --------------------------------------------------------------------------------------------
# Building reports and copies


@dataclass
class Report:
    """One story: the paragraphs as the originating desk wrote them."""

    story: str
    event: Event
    title: str
    agency: str | None  # truth: the wire whose copy it is (None for own staff reporting)
    paragraphs: list[str]
    dateline: str = ""  # prefix of the first paragraph, when the desk puts one
    own_credit: str | None = None  # e.g. "(With AFP)" / "Staff and agencies"
    byline: str | None = None
    citations: list[str] = field(default_factory=list)


def _fill(text: str, ev: Event) -> str:
    return text.format(city=ev.city, country=ev.country, **ev.slots)


def _dateline(style: AgencyStyle, ev: Event) -> str:
    m = ev.when
    return style.dateline.format(
        CITY=ev.city.upper(),
        City=ev.city,
        Month=MONTHS[m.month - 1],
        Mon=MONTHS[m.month - 1][:3],
        d=m.day,
        country=ev.country,
    )


def build_reports(ev: Event, rnd: random.Random) -> list[Report]:
    generic = rnd.sample(GENERIC, 10)
    claims = [_fill(c, ev) for c in ev.claims]
    quote, background = _fill(ev.quote, ev), _fill(ev.background, ev)
    g = [_fill(x, ev) for x in generic]
    reports = []
    primary = AGENCIES[ev.agency]
    for i in range(3):
        paras = [
            _fill(ev.ledes[i], ev),
            f"{claims[2 * i]} {g[2 * i]}",
            quote if i < 2 else g[9],
            f"{claims[2 * i + 1]} {g[2 * i + 1]}",
            background,
        ]
        reports.append(
            Report(
                f"{ev.key}/{ev.agency.lower()}-{i + 1}",
                ev,
                ev.titles[i],
                ev.agency,
                paras,
                dateline=_dateline(primary, ev),
            )
        )
    second = AGENCIES[ev.second]
    reports.append(
        Report(
            f"{ev.key}/{ev.second.lower()}",
            ev,
            ev.titles[3],
            ev.second,
            [_fill(ev.ledes[3], ev), f"{claims[6]} {g[6]}", quote, f"{claims[7]} {g[7]}"],
            dateline=_dateline(second, ev),
        )
    )
    # Own staff reporting: cites agencies in passing, which is not attribution.
    cite_agency = rnd.choice(["AFP", "Reuters", "The Associated Press"])
    own_paras = [
        _fill(ev.ledes[4], ev),
        f"{claims[8]} One resident told {cite_agency} that nobody had expected it.",
        f"{claims[9]} {g[8]}",
        f"According to {ev.agency if ev.agency != 'AP' else 'the Associated Press'}, "
        f"{ev.slots['official']} had appealed for calm earlier in the day.",
    ]
    own = Report(
        f"{ev.key}/staff",
        ev,
        ev.titles[4],
        ev.mixed,
        own_paras,
        byline=f"By {rnd.choice(REPORTERS)}",
    )
    if ev.mixed:
        own.own_credit = rnd.choice(
            [
                f"(With {ev.mixed})",
                f"Additional reporting by {ev.mixed}",
                f"With inputs from {ev.mixed}",
            ]
        )
    elif rnd.random() < 0.4:
        own.own_credit = rnd.choice(["Staff and agencies", "With agencies"])
    reports.append(own)
    # An outlet's own analysis piece that quotes the official and repeats the background
    # paragraph verbatim, as outlets do with agency material: a hard negative for every
    # agency report of the event, and non-wire (its agency must stay NULL).
    extra = rnd.sample([x for x in GENERIC if x not in generic], 2)
    explainer = Report(
        f"{ev.key}/analysis",
        ev,
        ev.explainer[0],
        None,
        [
            ev.explainer[1],
            _fill(extra[0], ev),
            quote,
            f"{_fill(extra[1], ev)} Officials told Reuters they expected further updates.",
            background,
        ],
        byline=f"By {rnd.choice(REPORTERS)}",
    )
    if rnd.random() < 0.5:
        explainer.own_credit = "Staff and agencies"
    reports.append(explainer)
    return reports


# Transformations a republishing desk applies (the "case" of the copy)
CASES = [
    "verbatim",
    "new_headline",
    "truncated",
    "edited",
    "truncated_edited",
    "chrome",
    "new_headline_chrome",
]
# Where a copy carries the agency (wire copies only)
SIGNALS = [
    "dateline",
    "byline",
    "jsonld",
    "meta",
    "credit",
    "glued_credit",
    "feed_author",
    "feed_hint",
    "none",
]

# Page furniture inside the article body. The first ones are removed by the extractor's
# boilerplate cleaning; the last ones are not (they read like copy), so they reach the body the
# clusterer sees, as real sites' additions do.
CHROME_LINES = [
    "Advertisement",
    "Read more: {other}",
    "Sign up for our morning newsletter to get the day's top stories in your inbox.",
    "Share this article",
    "Story continues below advertisement",
    "Related: {other}",
]
SURVIVING_CHROME = [
    "Follow our live coverage of the day's events on our homepage.",
    "Got a news tip? Contact our newsdesk, day or night.",
    "{outlet} has contacted the authorities for further comment.",
    "This page will be updated as more information becomes available.",
]


def _edit(paras: list[str], ev: Event, rnd: random.Random) -> list[str]:
    """Light copy-editing: the house spelling of names, one sentence dropped, US spelling."""
    out = []
    for p in paras:
        for canonical, variant in ev.variants.items():
            p = p.replace(canonical, variant)
        p = p.replace("neighbouring", "neighboring").replace("organisations", "organizations")
        p = p.replace("“", '"').replace("”", '"').replace("’", "'")
        out.append(p)
    candidates = [i for i, p in enumerate(out) if i > 0 and p.count(". ") >= 1]
    if candidates:
        i = rnd.choice(candidates)
        sentences = out[i].split(". ")
        del sentences[rnd.randrange(len(sentences))]
        out[i] = ". ".join(sentences)
        if not out[i].endswith((".", "”", '"')):
            out[i] += "."
    return out


def _alt_title(title: str, ev: Event, rnd: random.Random) -> str:
    return rnd.choice(
        [
            f"{ev.country}: {title[0].lower()}{title[1:]}",
            f"{title} - what we know",
            f"{ev.city}: {title}",
            f"Latest: {title}",
        ]
    )


@dataclass
class Page:
    outlet: Outlet
    url: str
    feed_link: str
    title: str
    paragraphs: list[str]
    published: datetime
    fetched: datetime
    byline: str | None = None
    meta_author: str | None = None
    jsonld_author: str | None = None
    trailing: str | None = None  # a last line (credit) or None
    glued: str | None = None  # credit glued to the last paragraph
    feed_author: str | None = None
    feed_agency: str | None = None
    caption: str | None = None
    chrome: list[str] = field(default_factory=list)


def _slug(title: str) -> str:
    keep = "".join(c.lower() if c.isalnum() else "-" for c in title)
    return "-".join(x for x in keep.split("-") if x)[:70]


def _url(outlet: Outlet, when: datetime, title: str, rnd: random.Random) -> tuple[str, str]:
    path = f"/{when:%Y/%m/%d}/{_slug(title)}.html"
    url = f"http://{outlet.host}{path}"
    tracking = rnd.choice(
        ["", "?utm_source=rss&utm_medium=feed", "?utm_campaign=world&fbclid=x12ab", "?ref=rss"]
    )
    return url, url + tracking


def wire_pages(rep: Report, rnd: random.Random, others: list[str]) -> list[tuple[Page, str, str]]:
    """The agency's own page plus 2-7 copies: [(page, case, signal), ...]."""
    style = AGENCIES[rep.agency]
    ev = rep.event
    t0 = ev.when + timedelta(minutes=rnd.randint(0, 90))
    site = Outlet(style.site, f"{style.name} newswire", "wire", f"{style.name.lower()}-wire")
    url, link = _url(site, t0, rep.title, rnd)
    first = [rep.dateline + rep.paragraphs[0], *rep.paragraphs[1:]]
    out = [
        (
            Page(
                site,
                url,
                link,
                rep.title,
                first,
                t0,
                t0 + timedelta(minutes=7),
                feed_agency=style.name,
                trailing=rnd.choice([None, style.credits[0]]),
            ),
            "original",
            "dateline",
        )
    ]
    n_copies = rnd.randint(4, 7) if rep.story.rsplit("-", 1)[-1].isdigit() else rnd.randint(2, 4)
    for outlet in rnd.sample(OUTLETS, n_copies):
        case = rnd.choice(CASES)
        signal = rnd.choice(SIGNALS)
        paras = list(rep.paragraphs)
        if "edited" in case:
            paras = _edit(paras, ev, rnd)
        if "truncated" in case:
            paras = paras[: rnd.choice([2, 3])]
        if signal == "dateline":
            paras[0] = rep.dateline + paras[0]
        title = _alt_title(rep.title, ev, rnd) if "headline" in case else rep.title
        published = t0 + timedelta(minutes=rnd.randint(20, 60 * 30))
        url, link = _url(outlet, published, title, rnd)
        page = Page(
            outlet,
            url,
            link,
            title,
            paras,
            published,
            published + timedelta(minutes=rnd.randint(3, 90)),
        )
        if signal == "byline":
            page.byline = rnd.choice(style.bylines)
        elif signal == "jsonld":
            page.jsonld_author = rnd.choice(style.org_names)
        elif signal == "meta":
            page.meta_author = rnd.choice(style.org_names)
        elif signal == "credit":
            page.trailing = rnd.choice(style.credits)
        elif signal == "glued_credit":
            page.glued = rnd.choice([c for c in style.credits if len(c.split()) <= 2])
        elif signal == "feed_author":
            page.feed_author = rnd.choice(style.org_names)
        elif signal == "feed_hint":
            page.feed_agency = style.name
        if signal not in ("byline",):
            page.byline = rnd.choice([None, None, f"By {rnd.choice(REPORTERS)}"])
            if page.byline and signal == "none":
                page.byline = None  # a staff byline on agency copy would be a contrary lie
        if "chrome" in case:
            page.chrome = [c.format(other=rnd.choice(others)) for c in rnd.sample(CHROME_LINES, 2)]
            page.chrome += [
                c.format(outlet=outlet.name)
                for c in rnd.sample(SURVIVING_CHROME, rnd.randint(1, 2))
            ]
            rnd.shuffle(page.chrome)
            page.caption = rnd.choice(
                [
                    f"Emergency workers in {ev.city}. (Photo: {rnd.choice(REPORTERS)} / "
                    f"{style.name})",
                    f"A street in {ev.city} on the day. {rnd.choice(REPORTERS).split()[-1].upper()}/"
                    f"{rnd.choice(REPORTERS)}",
                ]
            )
        out.append((page, case, signal))
    return out


def staff_pages(rep: Report, rnd: random.Random) -> list[tuple[Page, str, str]]:
    """An outlet's own report, and 0-2 partner republications (copies of its story)."""
    ev = rep.event
    home = rnd.choice(OUTLETS)
    t0 = ev.when + timedelta(hours=rnd.randint(2, 8))
    url, link = _url(home, t0, rep.title, rnd)
    caption = (
        f"Residents outside a damaged building in {ev.city}. (AP Photo/{rnd.choice(REPORTERS)})"
    )
    base = Page(
        home,
        url,
        link,
        rep.title,
        list(rep.paragraphs),
        t0,
        t0 + timedelta(minutes=11),
        byline=rep.byline,
        caption=caption,
        trailing=rep.own_credit,
    )
    out = [(base, "original", "staff")]
    for outlet in rnd.sample([o for o in OUTLETS if o != home], rnd.randint(0, 2)):
        published = t0 + timedelta(hours=rnd.randint(1, 20))
        title = _alt_title(rep.title, ev, rnd) if rnd.random() < 0.5 else rep.title
        url, link = _url(outlet, published, title, rnd)
        paras = list(rep.paragraphs)
        if rnd.random() < 0.5:
            paras = paras[:3]
        page = Page(
            outlet,
            url,
            link,
            title,
            paras,
            published,
            published + timedelta(minutes=9),
            byline=rep.byline,
            trailing=rep.own_credit,
            chrome=[f"This article first appeared in {home.name}."],
        )
        out.append((page, "republished", "staff"))
    return out


# --------------------------------------------------------------------------------------------
# HTML rendering: one layout per kind of site, each with its own chrome


def _p(text: str) -> str:
    return f"<p>{html.escape(text, quote=False)}</p>"


def render(page: Page) -> str:
    o = page.outlet
    e = html.escape
    body_paras = list(page.paragraphs)
    if page.glued:
        body_paras[-1] = f"{body_paras[-1]} ({page.glued.strip('()')})"
    blocks = [_p(x) for x in body_paras]
    for i, line in enumerate(page.chrome):
        blocks.insert(min(len(blocks), 1 + 2 * i), f'<p class="inline">{e(line)}</p>')
    if page.trailing:
        blocks.append(_p(page.trailing))
    figure = (
        f"<figure><img src='/img/lead.jpg' alt=''><figcaption>{e(page.caption)}</figcaption>"
        "</figure>"
        if page.caption
        else ""
    )
    meta = [
        f'<meta property="og:title" content="{e(page.title)}">',
        f'<meta property="og:site_name" content="{e(o.name)}">',
        f'<link rel="canonical" href="{e(page.url)}">',
        f'<meta property="article:published_time" content="{page.published.isoformat()}">',
    ]
    if page.meta_author:
        meta.append(f'<meta name="author" content="{e(page.meta_author)}">')
    ld: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.title,
        "datePublished": page.published.isoformat(),
        "publisher": {"@type": "Organization", "name": o.name},
    }
    if page.jsonld_author:
        ld["author"] = {"@type": "Organization", "name": page.jsonld_author}
    elif page.byline:
        ld["author"] = {"@type": "Person", "name": page.byline.removeprefix("By ")}
    if o.layout in ("modern", "portal", "wire") or page.jsonld_author:
        meta.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    head = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(page.title)} | {e(o.name)}</title>{''.join(meta)}</head>"
    )
    nav = "".join(
        f'<a href="/{s.lower()}/">{s}</a> '
        for s in ("World", "Business", "Politics", "Sport", "Culture", "Opinion")
    )
    byline = f'<p class="byline">{e(page.byline)}</p>' if page.byline else ""
    related = "".join(
        f'<li><a href="/related/{i}">{t}</a></li>'
        for i, t in enumerate(
            ("Markets close higher", "Weekend weather outlook", "Five things to watch this week")
        )
    )
    body = "\n".join(blocks)
    if o.layout == "classic":
        main = (
            f'<div class="cookie"><p>We use cookies to improve your experience. Accept all'
            f'</p></div><header><a class="logo" href="/">{e(o.name)}</a><nav>{nav}</nav>'
            f"</header><main><article><h1>{e(page.title)}</h1>{byline}"
            f'<time datetime="{page.published.isoformat()}">{page.published:%d %B %Y}</time>'
            f'{figure}<div class="article-body">{body}</div></article>'
            f"<aside><h3>Most read</h3><ul>{related}</ul></aside></main>"
            f"<footer><p>© 2026 {e(o.name)}. All rights reserved.</p></footer>"
        )
    elif o.layout == "modern":
        main = (
            f'<header class="top"><span>{e(o.name)}</span><nav>{nav}</nav></header>'
            f'<main><div class="story"><h1 class="headline">{e(page.title)}</h1>'
            f'<div class="meta">{byline}<span>{page.published:%H:%M %d.%m.%Y}</span></div>'
            f'{figure}<div class="story-body">{body}'
            f'<div class="newsletter"><p>Get our daily briefing</p><form><input type="email">'
            f"<button>Subscribe</button></form></div></div></div>"
            f'<section class="more"><h2>More stories</h2><ul>{related}</ul></section></main>'
            f"<footer>{e(o.name)} · Terms · Privacy</footer>"
        )
    elif o.layout == "portal":
        main = (
            f'<div id="topbar"><a href="/">{e(o.name)}</a> {nav}<a href="/login">Log in</a>'
            f'</div><div id="content"><div class="col-main"><h1>{e(page.title)}</h1>{byline}'
            f'<section itemprop="articleBody">{figure}{body}</section>'
            f'<div class="tags">Tags: world, news</div></div><div class="col-side"><ul>'
            f"{related}</ul></div></div><footer>Copyright {e(o.name)}</footer>"
        )
    elif o.layout == "blog":
        main = (
            f'<div class="site"><header class="site-header"><h2 class="site-title">'
            f'{e(o.name)}</h2></header><article class="post"><h1 class="entry-title">'
            f'{e(page.title)}</h1>{byline}<div class="entry-content">{figure}{body}</div>'
            f'<div class="share">Share: Facebook Twitter Email</div></article>'
            f'<div class="widget"><h3>Recent posts</h3><ul>{related}</ul></div></div>'
        )
    else:  # wire
        main = (
            f"<header><b>{e(o.name)}</b></header><main><article><h1>{e(page.title)}</h1>"
            f'<div class="wire-body">{body}</div></article></main>'
            "<footer>Newswire service for media clients. Contact the news desk.</footer>"
        )
    return f"{head}<body>{main}</body></html>"


# --------------------------------------------------------------------------------------------


def build_corpus(seed: int = SEED) -> list[dict[str, Any]]:
    """Every labelled article of the set, in a deterministic order."""
    rnd = random.Random(seed)
    records: list[dict[str, Any]] = []
    all_titles = [t for ev in EVENTS for t in ev.titles]
    for ev in EVENTS:
        for rep in build_reports(ev, rnd):
            pages = (
                staff_pages(rep, rnd)
                if rep.agency is None or rep.story.endswith("/staff")
                else wire_pages(rep, rnd, [t for t in all_titles if t not in ev.titles])
            )
            for page, case, signal in pages:
                records.append(
                    {
                        "url": page.url,
                        "feed_link": page.feed_link,
                        "feed_id": page.outlet.feed_id,
                        "outlet": page.outlet.host,
                        "published_at": page.published.isoformat(),
                        "fetched_at": page.fetched.isoformat(),
                        "feed_title": page.title,
                        "feed_author": page.feed_author,
                        "feed_agency": page.feed_agency,
                        "html": render(page),
                        "story": rep.story,
                        "event": ev.key,
                        "agency": rep.agency,
                        "case": case,
                        "signal": signal,
                    }
                )
    return records


def write_corpus(path: Path, seed: int = SEED) -> int:
    records = build_corpus(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    return len(records)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "out",
        type=Path,
        nargs="?",
        default=HERE / "corpus.jsonl",
        help="JSONL file to write (default: corpus.jsonl beside this script)",
    )
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    n = write_corpus(args.out, args.seed)
    stories = {r["story"] for r in build_corpus(args.seed)}
    print(f"{args.out}: {n} articles in {len(stories)} stories", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
