"""Generate ``local_news.jsonl``: short local-news texts with hand-written gold places.

Why hand-written: the tagger's hardest cases are local papers (small towns, counties, parishes,
state abbreviations, namesakes of famous cities, articles that never name their own state),
and no shippable set labels them. Every article below was written for this set (none is
copied from a real paper) and each place is marked where it occurs, ``[Name|CODE]``, with CODE
an ISO 3166-2 unit ("US-TX": country and admin-1) or an ISO 3166-1 country ("FR": a country
or a place with no admin-1 in the gold). The generator strips the marks and records the
spans, so offsets are exact by construction.

Gold conventions: literal toponyms only (towns, counties, states, countries, regions);
demonyms ("Texan"), street and building names and places inside organisation names are not
mentions. The primary place is where the story happens: its country and admin-1, or None for
an article that names no place. ``home_admin1`` is the paper's home state when it is a local
paper, as a FEEDS.yaml entry would give it.

Regenerate (a test checks the committed file equals a fresh generation)::

    .venv/bin/python tests/data/geo/make_local_news.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("local_news.jsonl")
_MARK = re.compile(r"\[([^\[\]|]+)\|([A-Z]{2}(?:-[A-Z0-9]{1,3})?)\]")

# (id, publisher country, home admin-1, title, text, gold primary: "CC" | "CC-XX" | None)
ARTICLES: list[tuple[str, str | None, str | None, str | None, str, str | None]] = [
    # --- Paris: Texas, Tennessee, Kentucky, and France ---------------------------------------
    (
        "paris-tx-1",
        "US",
        "US-TX",
        "Council approves water rate increase",
        "The [Paris|US-TX] City Council voted 5-2 on Monday to raise water rates by 8 percent. "
        "Residents in [Reno|US-TX] and [Blossom|US-TX] who buy water from the city will see the "
        "change on their March bills, the utilities director said.",
        "US-TX",
    ),
    (
        "paris-tx-2",
        "US",
        None,
        None,
        "A [Lamar County|US-TX] jury on Thursday convicted a [Paris|US-TX] man of aggravated "
        "robbery in the holdup of a convenience store on Clarksville Street last spring.",
        "US-TX",
    ),
    (
        "paris-tn-1",
        "US",
        "US-TN",
        "Fish fry draws record crowd",
        "More than 20,000 visitors filled [Paris|US-TN] this week for the annual fish fry, "
        "organizers said. Hotels as far away as [Camden|US-TN] and [Huntingdon|US-TN] reported "
        "no vacancies.",
        "US-TN",
    ),
    (
        "paris-ky-1",
        "US",
        "US-KY",
        None,
        "[Bourbon County|US-KY] schools will open two hours late on Wednesday because of ice on "
        "rural roads, the superintendent said. Classes in [Paris|US-KY] itself will start on "
        "time.",
        "US-KY",
    ),
    (
        "paris-fr-1",
        "US",
        None,
        "Louvre closes for a day after strike",
        "The Louvre in [Paris|FR-IDF] stayed shut on Monday as staff walked out over crowding, "
        "leaving thousands of tourists in line outside. [France|FR]'s culture minister promised "
        "talks.",
        "FR-IDF",
    ),
    (
        "paris-fr-2",
        None,
        None,
        None,
        "PARIS (AP) — [France|FR]'s parliament approved a budget on Tuesday after weeks of "
        "wrangling, as protesters gathered outside the National Assembly.".replace(
            "PARIS", "[PARIS|FR-IDF]", 1
        ),
        "FR-IDF",
    ),
    # --- Alexandria: Louisiana, Virginia, Egypt ----------------------------------------------
    (
        "alexandria-la-1",
        "US",
        "US-LA",
        None,
        "A [Rapides Parish|US-LA] deputy was injured early Saturday when his patrol car was struck "
        "on MacArthur Drive in [Alexandria|US-LA]. The other driver was taken to a hospital in "
        "[Pineville|US-LA].",
        "US-LA",
    ),
    (
        "alexandria-la-2",
        "US",
        None,
        "New terminal opens",
        "Passengers at the airport in [Alexandria|US-LA] got their first look at the new terminal "
        "on Friday. Officials from [Rapides Parish|US-LA] and the city cut the ribbon.",
        "US-LA",
    ),
    (
        "alexandria-va-1",
        "US",
        "US-VA",
        None,
        "[Alexandria|US-VA] will close part of King Street to cars on weekends starting in May, "
        "the City Council decided. Business owners in Old Town were split, and neighboring "
        "[Arlington|US-VA] is watching the experiment.",
        "US-VA",
    ),
    (
        "alexandria-eg-1",
        None,
        None,
        None,
        "Archaeologists working off the coast of [Alexandria|EG-ALX] have raised a granite statue "
        "from the harbor floor, [Egypt|EG]'s antiquities ministry said on Sunday.",
        "EG-ALX",
    ),
    # --- Athens: Georgia, Ohio, Greece -------------------------------------------------------
    (
        "athens-ga-1",
        "US",
        "US-GA",
        "Commissioners delay vote on bus routes",
        "[Athens|US-GA]-[Clarke County|US-GA] commissioners put off a vote on new bus routes "
        "until next month. Riders from [Watkinsville|US-GA] and [Bogart|US-GA] asked for a "
        "stop near the hospital.",
        "US-GA",
    ),
    (
        "athens-ga-2",
        "US",
        None,
        None,
        "ATHENS, Ga. — A fire destroyed a vacant warehouse near downtown early Tuesday. No one "
        "was hurt, the fire chief said.".replace("ATHENS, Ga.", "[ATHENS|US-GA], [Ga|US-GA].", 1),
        "US-GA",
    ),
    (
        "athens-oh-1",
        "US",
        "US-OH",
        None,
        "[Athens County|US-OH] commissioners approved a new sheriff's budget on Tuesday. The "
        "sheriff said deputies in [Nelsonville|US-OH] and [Athens|US-OH] are stretched thin.",
        "US-OH",
    ),
    (
        "athens-oh-2",
        "US",
        None,
        "Flood warning for river towns",
        "The National Weather Service issued a flood warning for the Hocking River through "
        "[Athens|US-OH], [Ohio|US-OH], where the river is expected to crest on Saturday.",
        "US-OH",
    ),
    (
        "athens-gr-1",
        None,
        None,
        None,
        "Thousands marched through central [Athens|GR-I] on Sunday against rising rents, and "
        "similar protests were held in [Thessaloniki|GR-B], [Greece|GR]'s second city.",
        "GR-I",
    ),
    # --- London: Ontario and England ---------------------------------------------------------
    (
        "london-on-1",
        "CA",
        "CA-ON",
        "Transit plan passes",
        "[London|CA-ON] city council approved a rapid transit plan on Tuesday night. Riders from "
        "[St. Thomas|CA-ON] and [Strathroy|CA-ON] will get new express buses in the fall.",
        "CA-ON",
    ),
    (
        "london-on-2",
        "CA",
        None,
        None,
        "A [London|CA-ON], [Ont.|CA-ON], man has been charged after a crash on Highway 401 near "
        "[Ilderton|CA-ON], provincial police said.",
        "CA-ON",
    ),
    (
        "london-gb-1",
        "GB",
        None,
        None,
        "Underground services across [London|GB-ENG] were suspended for most of Wednesday by a "
        "strike, and commuters from [Reading|GB-ENG] and [Luton|GB-ENG] faced packed trains.",
        "GB-ENG",
    ),
    (
        "london-gb-2",
        None,
        None,
        "Mayor unveils housing plan",
        "The mayor of [London|GB-ENG] unveiled a plan on Monday to build 10,000 council homes, "
        "the largest programme in [England|GB-ENG] in decades.",
        "GB-ENG",
    ),
    # --- Dublin: Ohio and Ireland ------------------------------------------------------------
    (
        "dublin-oh-1",
        "US",
        "US-OH",
        None,
        "[Dublin|US-OH] police are asking drivers to avoid the Bridge Street area this weekend "
        "during the Irish festival. Shuttles will run from [Hilliard|US-OH] and "
        "[Powell|US-OH].",
        "US-OH",
    ),
    (
        "dublin-oh-2",
        "US",
        None,
        None,
        "A [Franklin County|US-OH] judge on Friday ordered a new hearing for a [Dublin|US-OH] "
        "developer accused of fraud. Prosecutors in [Columbus|US-OH] said they would appeal.",
        "US-OH",
    ),
    (
        "dublin-ie-1",
        None,
        None,
        None,
        "Rents in [Dublin|IE-L] rose again in the last quarter, [Ireland|IE]'s housing agency "
        "said, while prices in [Cork|IE-M] and [Galway|IE-C] were flat.",
        "IE-L",
    ),
    # --- Lebanon and Jordan, the towns and the countries -------------------------------------
    (
        "lebanon-oh-1",
        "US",
        "US-OH",
        None,
        "[Lebanon|US-OH] city council agreed on Tuesday to repave Mulberry Street this summer. "
        "Drivers heading to [Mason|US-OH] should expect delays.",
        "US-OH",
    ),
    (
        "lebanon-pa-1",
        "US",
        "US-PA",
        "Fair parking shuttle returns",
        "The fair in [Lebanon|US-PA] will run a shuttle from [Annville|US-PA] this year, "
        "organizers said, after last year's parking problems.",
        "US-PA",
    ),
    (
        "lebanon-tn-1",
        "US",
        None,
        None,
        "[Wilson County|US-TN] commissioners approved a new middle school in [Lebanon|US-TN] on "
        "Monday. Growth in [Mount Juliet|US-TN] has crowded the existing schools.",
        "US-TN",
    ),
    (
        "lebanon-lb-1",
        None,
        None,
        None,
        "[Lebanon|LB]'s parliament failed again on Thursday to elect a president, and the "
        "currency fell to a new low in [Beirut|LB-BA].",
        "LB-BA",
    ),
    (
        "lebanon-lb-2",
        "US",
        None,
        "Aid convoy crosses border",
        "An aid convoy crossed from [Syria|SY] into [Lebanon|LB] on Sunday, officials in "
        "[Beirut|LB-BA] said, carrying food for refugees in the [Bekaa Valley|LB].",
        "LB",
    ),
    (
        "jordan-mn-1",
        "US",
        "US-MN",
        None,
        "[Jordan|US-MN] will hold a special election in June for a city council seat, the clerk "
        "said. The winner will serve until 2027. Voters in nearby [Shakopee|US-MN] face a "
        "school levy the same day.",
        "US-MN",
    ),
    (
        "jordan-jo-1",
        "US",
        None,
        None,
        "King Abdullah of [Jordan|JO] met the secretary of state in [Amman|JO-AM] on Tuesday to "
        "discuss refugees and water.",
        "JO-AM",
    ),
    # --- Lancaster and Richmond --------------------------------------------------------------
    (
        "lancaster-pa-1",
        "US",
        "US-PA",
        None,
        "[Lancaster County|US-PA] farmers are bracing for a dry summer, extension agents said. "
        "Growers near [Lititz|US-PA] have already started irrigating.",
        "US-PA",
    ),
    (
        "lancaster-pa-2",
        "US",
        None,
        "Market expands hours",
        "Central Market in [Lancaster|US-PA] will stay open on Thursday evenings this summer, "
        "the city said, a first for the market since it opened in the 1700s. Vendors from "
        "[Lancaster County|US-PA] farms supply most of its stalls.",
        "US-PA",
    ),
    (
        "lancaster-gb-1",
        "GB",
        None,
        None,
        "[Lancaster|GB-ENG] city council has approved a new cycle route to [Morecambe|GB-ENG], "
        "with work due to start in spring.",
        "GB-ENG",
    ),
    (
        "richmond-va-1",
        "US",
        "US-VA",
        None,
        "[Richmond|US-VA] schools will add two instructional days to make up for snow closures, "
        "the board decided. [Henrico County|US-VA] and [Chesterfield|US-VA] schools are "
        "considering the same.",
        "US-VA",
    ),
    (
        "richmond-ky-1",
        "US",
        "US-KY",
        "Tornado damages homes",
        "A tornado damaged at least a dozen homes in [Madison County|US-KY] on Sunday night. In "
        "[Richmond|US-KY] and [Berea|US-KY], crews worked through the night to restore power.",
        "US-KY",
    ),
    (
        "richmond-va-2",
        "US",
        None,
        None,
        "RICHMOND, Va. (AP) — [Virginia|US-VA] lawmakers passed a two-year budget on Saturday "
        "that raises teacher pay.".replace("RICHMOND, Va.", "[RICHMOND|US-VA], [Va|US-VA].", 1),
        "US-VA",
    ),
    # --- Georgia the state and the country ---------------------------------------------------
    (
        "georgia-us-1",
        "US",
        "US-GA",
        "Legislature passes budget",
        "[Georgia|US-GA] lawmakers passed a $32 billion budget on Thursday, sending it to the "
        "governor. The plan adds money for rural hospitals in [Dahlonega|US-GA] and "
        "[Cairo|US-GA].",
        "US-GA",
    ),
    (
        "georgia-us-2",
        "US",
        None,
        None,
        "Peach growers across middle [Georgia|US-GA] expect a short crop after a late freeze, "
        "the state agriculture commissioner said on Monday in [Macon|US-GA].",
        "US-GA",
    ),
    (
        "georgia-ge-1",
        None,
        None,
        None,
        "Protesters filled the streets of [Tbilisi|GE-TB] for a fourth night on Sunday as "
        "[Georgia|GE]'s parliament debated a law on foreign funding.",
        "GE-TB",
    ),
    (
        "georgia-ge-2",
        "US",
        None,
        "Election dispute deepens",
        "[Georgia|GE]'s opposition refused to take its seats on Monday, weeks after an election "
        "it says was rigged. Diplomats from the [European Union|EU] urged talks.".replace(
            "[European Union|EU]", "European Union", 1
        ),
        "GE",
    ),
    # --- state abbreviations and datelines ---------------------------------------------------
    (
        "abbrev-1",
        "US",
        None,
        None,
        "[SPRINGFIELD|US-IL], [Ill|US-IL]. — The state's pension board voted on Wednesday to "
        "raise its return assumption, a move critics called risky.",
        "US-IL",
    ),
    (
        "abbrev-2",
        "US",
        None,
        None,
        "A [Springfield|US-MO], [Mo|US-MO]., man pleaded guilty on Friday to wire fraud. "
        "Prosecutors said he took money from investors in [Branson|US-MO] and [Nixa|US-MO].",
        "US-MO",
    ),
    (
        "abbrev-3",
        "US",
        None,
        "Plant to add 300 jobs",
        "A battery maker will add 300 jobs at its plant in [Florence|US-AL], [Ala|US-AL]., the "
        "company said. Suppliers in [Muscle Shoals|US-AL] will also benefit.",
        "US-AL",
    ),
    (
        "abbrev-4",
        "US",
        None,
        None,
        "Police in [Columbia|US-MO], [Mo|US-MO]., arrested two men after a string of car "
        "break-ins near the university, a spokesman said.",
        "US-MO",
    ),
    (
        "abbrev-5",
        "US",
        None,
        None,
        "[Moscow|US-ID], [Idaho|US-ID], will hire four more officers, the city council said, "
        "and share a records system with [Pullman|US-WA], [Wash|US-WA].",
        "US-ID",
    ),
    (
        "abbrev-6",
        "US",
        None,
        None,
        "A [Naples|US-FL], [Fla|US-FL]., couple won a $2 million lottery prize, state officials "
        "said. They bought the ticket in [Marco Island|US-FL].",
        "US-FL",
    ),
    (
        "abbrev-7",
        "US",
        None,
        None,
        "[Rome|US-GA], [Ga|US-GA]., will build a new sports complex on the river, the mayor said "
        "on Tuesday.",
        "US-GA",
    ),
    (
        "abbrev-8",
        "US",
        None,
        None,
        "[ROME|US-NY], [N.Y|US-NY]. (AP) — A [Rome|US-NY] woman was charged on Monday with "
        "stealing from a church fund.",
        "US-NY",
    ),
    (
        "abbrev-9",
        "CA",
        None,
        None,
        "A [Hamilton|CA-ON], [Ont|CA-ON]., steelworker won a provincial award on Thursday for "
        "a safety program adopted across the plant.",
        "CA-ON",
    ),
    (
        "abbrev-10",
        "AU",
        None,
        None,
        "Flooding has cut roads around [Maitland|AU-NSW] in the [NSW|AU-NSW] Hunter region, and "
        "residents of [Newcastle|AU-NSW] were told to avoid travel.",
        "AU-NSW",
    ),
    # --- counties and parishes, state never named --------------------------------------------
    (
        "county-1",
        "US",
        "US-OH",
        None,
        "[Stark County|US-OH] will open a new emergency shelter in [Massillon|US-OH] next month. "
        "The shelter in [Canton|US-OH] has been full since January.",
        "US-OH",
    ),
    (
        "county-2",
        "US",
        "US-IN",
        None,
        "[Kosciusko County|US-IN] commissioners approved a new jail annex on Tuesday. Officers "
        "from [Warsaw|US-IN] and [Winona Lake|US-IN] will share the booking desk.",
        "US-IN",
    ),
    (
        "county-3",
        "US",
        "US-AL",
        None,
        "[Lauderdale County|US-AL] deputies arrested a man after a chase that ended in "
        "[Florence|US-AL] on Saturday. [Sheffield|US-AL] police assisted.",
        "US-AL",
    ),
    (
        "county-4",
        "US",
        "US-OH",
        "Refinery expansion approved",
        "[Allen County|US-OH] commissioners approved tax breaks on Monday for a refinery "
        "expansion in [Lima|US-OH]. Workers from [Delphos|US-OH] fill many of the jobs.",
        "US-OH",
    ),
    (
        "county-5",
        "US",
        "US-IN",
        None,
        "[Miami County|US-IN] officials broke ground on Friday on a new courthouse annex in "
        "[Peru|US-IN], ending years of debate.",
        "US-IN",
    ),
    (
        "county-6",
        "US",
        "US-FL",
        None,
        "[Gadsden County|US-FL] will reopen the library in [Havana|US-FL] after repairs, the "
        "county administrator said. The branch in [Quincy|US-FL] stays open meanwhile.",
        "US-FL",
    ),
    (
        "county-7",
        "US",
        "US-FL",
        "Launch delayed by weather",
        "A rocket launch from the coast was pushed back a day because of high winds, and "
        "[Brevard County|US-FL] officials urged visitors in [Cocoa|US-FL] and "
        "[Titusville|US-FL] to check the new time.",
        "US-FL",
    ),
    (
        "county-8",
        "US",
        "US-VA",
        None,
        "[Fairfax County|US-VA] supervisors approved 2,000 homes near the Metro in "
        "[Reston|US-VA] and [Herndon|US-VA] on Tuesday.",
        "US-VA",
    ),
    (
        "county-9",
        "US",
        "US-FL",
        None,
        "[Sarasota County|US-FL] beaches reopened on Sunday after red tide faded. Lifeguards in "
        "[Venice|US-FL] and [North Port|US-FL] returned to their towers.",
        "US-FL",
    ),
    (
        "county-10",
        "US",
        "US-NY",
        None,
        "Tourism in [Seneca Falls|US-NY] rose 12 percent last year, the county said, and "
        "[Geneva|US-NY] hotels also filled up for the wine festival.",
        "US-NY",
    ),
    (
        "county-11",
        "US",
        "US-MS",
        None,
        "[Oxford|US-MS] aldermen approved a new parking garage near the Square on Tuesday. "
        "Shoppers from [Tupelo|US-MS] often complain about finding a space.",
        "US-MS",
    ),
    (
        "county-12",
        "US",
        "US-OH",
        None,
        "Algae levels in the western basin were lower this summer, and [Toledo|US-OH] water "
        "officials said no advisory was needed. [Perrysburg|US-OH] buys its water from the "
        "city.",
        "US-OH",
    ),
    (
        "county-13",
        "US",
        "US-VA",
        None,
        "[Vienna|US-VA] town council voted to keep its Halloween parade on Maple Avenue despite "
        "the construction.",
        "US-VA",
    ),
    (
        "county-14",
        "US",
        "US-MO",
        "Car show returns",
        "A classic car show returns to [Mexico|US-MO] this weekend, with entries from "
        "[Columbia|US-MO] and [Jefferson City|US-MO].",
        "US-MO",
    ),
    (
        "county-15",
        "US",
        "US-VA",
        None,
        "[Petersburg|US-VA] will get a new grocery store after years without one, city leaders "
        "said. Shoppers have been driving to [Colonial Heights|US-VA].",
        "US-VA",
    ),
    (
        "county-16",
        "US",
        "US-FL",
        None,
        "[Melbourne|US-FL] police said a man was arrested after a chase that began in "
        "[Palm Bay|US-FL] and ended on the causeway.",
        "US-FL",
    ),
    # --- international stories in a local or national paper ----------------------------------
    (
        "intl-1",
        "US",
        "US-GA",
        "Sister city delegation visits",
        "A delegation from [Sparta|GR-J], [Greece|GR], visited city hall on Tuesday to sign a "
        "new sister-city agreement, the mayor's office said.",
        "GR-J",
    ),
    (
        "intl-2",
        "US",
        None,
        None,
        "Floods in northern [Italy|IT] have forced thousands from their homes, and officials in "
        "[Venice|IT-34] closed St. Mark's Square as water rose.",
        "IT-34",
    ),
    (
        "intl-3",
        "US",
        None,
        None,
        "Air pollution in [Delhi|IN-DL] hit its worst level of the year on Sunday, and schools "
        "across [India|IN]'s capital were shut.",
        "IN-DL",
    ),
    (
        "intl-4",
        "GB",
        None,
        None,
        "Bushfires have destroyed dozens of homes near [Perth|AU-WA] in [Western Australia|AU-WA], "
        "officials said on Tuesday.",
        "AU-WA",
    ),
    (
        "intl-5",
        "AU",
        None,
        "Festival crowds",
        "Record crowds turned out for the arts festival in [Perth|GB-SCT], [Scotland|GB-SCT], "
        "organisers said.",
        "GB-SCT",
    ),
    (
        "intl-6",
        "CA",
        "CA-ON",
        None,
        "Pope Francis celebrated Mass before a huge crowd in [Rome|IT-62] on Sunday, and "
        "pilgrims from across [Italy|IT] filled the streets.",
        "IT-62",
    ),
    (
        "intl-7",
        "US",
        "US-TX",
        None,
        "Police in [Cairo|EG-C] arrested dozens of protesters on Friday, [Egypt|EG]'s interior "
        "ministry said.",
        "EG-C",
    ),
    (
        "intl-8",
        "US",
        None,
        "Quake rattles capital",
        "A magnitude 6.1 earthquake shook [Lima|PE-LMA] on Wednesday, [Peru|PE]'s civil defense "
        "agency said. No deaths were reported.",
        "PE-LMA",
    ),
    (
        "intl-9",
        "US",
        "US-FL",
        None,
        "Long lines formed at gas stations in [Havana|CU-03] on Monday as [Cuba|CU]'s fuel "
        "shortage worsened.",
        "CU-03",
    ),
    (
        "intl-10",
        "US",
        None,
        None,
        "Talks in [Geneva|CH-GE] on a ceasefire in [Sudan|SD] ended without agreement on "
        "Thursday, diplomats said.",
        "SD",
    ),
    # --- no place at all ---------------------------------------------------------------------
    (
        "none-1",
        "US",
        "US-TX",
        "Recipe: easy weeknight chili",
        "Brown a pound of ground beef, add beans, tomatoes and chili powder, and simmer for an "
        "hour. Serve with cornbread.",
        None,
    ),
    (
        "none-2",
        "US",
        None,
        None,
        "The company said on Tuesday that quarterly profit rose 12 percent on strong sales of its "
        "new phones, beating analysts' forecasts.",
        None,
    ),
    (
        "none-3",
        "GB",
        None,
        None,
        "Scientists say a daily walk of twenty minutes can cut the risk of heart disease, "
        "according to a study published on Monday.",
        None,
    ),
    (
        "none-4",
        "US",
        "US-OH",
        "Coach resigns",
        "The head football coach resigned on Friday after three losing seasons, the athletic "
        "director said. A search for his replacement begins next week.",
        None,
    ),
    (
        "none-5",
        "CA",
        "CA-ON",
        None,
        "Jordan Peterson spoke to a sold-out crowd on Saturday night, and Paris Hilton "
        "announced a new perfume the same evening.",
        None,
    ),
    # --- more small towns, names of the famous --------------------------------------------------
    (
        "small-1",
        "US",
        "US-NH",
        None,
        "[Berlin|US-NH] will reopen its paper mill site as an industrial park, the city manager "
        "said. [Gorham|US-NH] is sharing the cost of new water lines.",
        "US-NH",
    ),
    (
        "small-2",
        "US",
        "US-WI",
        "Cheese plant expands",
        "A cheese plant in [Monroe|US-WI] will add 80 jobs, the company said. Milk will come from "
        "farms across [Green County|US-WI].",
        "US-WI",
    ),
    (
        "small-3",
        "US",
        "US-KY",
        None,
        "[Versailles|US-KY] council members approved a bourbon distillery's expansion on "
        "Tuesday. Traffic on the road to [Lexington|US-KY] is expected to grow.",
        "US-KY",
    ),
    (
        "small-4",
        "US",
        "US-TN",
        None,
        "[Milan|US-TN] aldermen approved a new fire station on Monday. The station will also "
        "cover rural areas toward [Trenton|US-TN].",
        "US-TN",
    ),
    (
        "small-5",
        "US",
        "US-PA",
        "Christmas city lights up",
        "[Bethlehem|US-PA] lit its Christmas tree on Friday, drawing thousands downtown. "
        "Visitors from [Nazareth|US-PA] and [Easton|US-PA] filled the shops.",
        "US-PA",
    ),
    (
        "small-6",
        "US",
        "US-NY",
        None,
        "[Troy|US-NY] firefighters rescued two people from a house fire on Monday. Crews from "
        "[Cohoes|US-NY] helped.",
        "US-NY",
    ),
    (
        "small-7",
        "US",
        "US-OH",
        None,
        "A [Canton|US-OH] man was sentenced on Thursday for a string of burglaries in "
        "[North Canton|US-OH] and [Massillon|US-OH].",
        "US-OH",
    ),
    (
        "small-8",
        "US",
        "US-IN",
        None,
        "[Peru|US-IN] will host the state circus festival in July, with parades through downtown.",
        "US-IN",
    ),
    (
        "small-9",
        "US",
        "US-MA",
        None,
        "[Plymouth|US-MA] selectmen approved a new harbor plan on Tuesday, and [Kingston|US-MA] "
        "will share the cost of dredging.",
        "US-MA",
    ),
    (
        "small-10",
        "US",
        "US-TX",
        None,
        "[Athens|US-TX] will hold its black-eyed pea festival in June, and [Henderson County|US-TX] "
        "officials expect record crowds.",
        "US-TX",
    ),
    (
        "small-11",
        "US",
        "US-AL",
        None,
        "[Troy|US-AL] police said a student was hurt in a crash near campus on Friday. The road "
        "to [Ozark|US-AL] was closed for two hours.",
        "US-AL",
    ),
    (
        "small-12",
        "US",
        None,
        "Mill town votes on budget",
        "Voters in [Sanford|US-ME], [Maine|US-ME], approved a school budget on Tuesday, and "
        "nearby [Alfred|US-ME] rejected its own.",
        "US-ME",
    ),
    (
        "small-13",
        "US",
        "US-GA",
        None,
        "A [Fulton County|US-GA] judge on Monday set a trial date for a former [Atlanta|US-GA] "
        "official, and prosecutors in [Dekalb County|US-GA] said they would file related charges.".replace(
            "[Dekalb County|US-GA]", "[DeKalb County|US-GA]", 1
        ),
        "US-GA",
    ),
    (
        "small-14",
        "US",
        "US-LA",
        None,
        "[Lafayette|US-LA] will widen a stretch of Johnston Street next year, the parish "
        "president said. Commuters from [Broussard|US-LA] and [Youngsville|US-LA] use the road.",
        "US-LA",
    ),
    (
        "small-15",
        "US",
        "US-IN",
        None,
        "A [Lafayette|US-IN] woman won a state teaching award on Thursday. She teaches at a "
        "middle school in [West Lafayette|US-IN].",
        "US-IN",
    ),
]


def parse(marked: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and the gold mentions of a marked-up string."""
    out: list[str] = []
    mentions: list[dict[str, Any]] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(marked):
        out.append(marked[pos : m.start()])
        length += m.start() - pos
        name, code = m.group(1), m.group(2)
        cc, _, sub = code.partition("-")
        mentions.append({"name": name, "start": length, "end": length + len(name),
                         "country_code": cc, "admin1_code": code if sub else None})  # fmt: skip
        out.append(name)
        length += len(name)
        pos = m.end()
    out.append(marked[pos:])
    text = "".join(out)
    if "[" in text or "]" in text:
        raise ValueError(f"unparsed mark in {marked!r}")
    return text, mentions


def build() -> list[dict[str, Any]]:
    items = []
    for aid, publisher, home, title, marked, primary in ARTICLES:
        text, mentions = parse(marked)
        t_text, t_mentions = parse(title) if title else (None, [])
        cc = primary.split("-")[0] if primary else None
        gold_mentions = [{**m, "field": "title"} for m in t_mentions]
        gold_mentions += [{**m, "field": "text"} for m in mentions]
        items.append({"id": aid, "publisher_country": publisher, "home_admin1": home,
                      "title": t_text, "text": text,
                      "gold": {"primary_country": cc,
                               "primary_admin1": primary if primary and "-" in primary else None,
                               "mentions": gold_mentions}})  # fmt: skip
    return items


def render() -> str:
    return "".join(json.dumps(it, ensure_ascii=False, sort_keys=True) + "\n" for it in build())


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {len(ARTICLES)} articles to {OUT}", file=sys.stderr)
