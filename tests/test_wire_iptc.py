"""IPTC's own published examples (../shared/eval/wire; © IPTC: ninjs examples MIT, NewsML-G2
guideline listings CC BY 4.0): every text item becomes one WireItem
with title, body and dates; every other item a recorded outcome; validated strictly.

Skips where the shared data folder is absent. The expected outcome of every file is listed
(reviewed by hand: e.g. LISTING_1's inlineXML holds only a comment, the event timeline sample
violates IPTC's own 3.x schema), so a regression in any parser shows up as a changed row.
"""

from __future__ import annotations

import pytest

from pipeline.outcomes import ItemOutcome
from pipeline.paths import shared_path
from pipeline.wire import parse_items
from pipeline.wire.ninjs import _validator, schema_dir

BASE = shared_path("eval", "wire")
pytestmark = pytest.mark.skipif(
    BASE is None or not (BASE / "ninjs" / "schemas").is_dir(),
    reason="IPTC wire examples not available (../shared/eval/wire; set NEWSFLOW_SHARED)",
)

OK, NT, EB, INV, UNS = "ok", "not_text", "empty_body", "invalid", "unsupported"
EXPECTED = {
    "ninjs/1.4/businesswire-newsml-20130515006361.json": [OK],
    "ninjs/1.4/businesswire-newsml-20130605006126.json": [OK],
    "ninjs/1.4/businesswire-newsml-20130612006110.json": [OK],
    "ninjs/1.4/businesswire-newsml-20130731006140.json": [OK],
    "ninjs/1.4/ninjs-1-4-examples.json": [EB],  # a property showcase without any body
    "ninjs/1.4/ninjsExComplex1.json": [OK],
    "ninjs/1.4/ninjsExComplex2.json": [OK],
    "ninjs/1.4/ninjsExMediumText1.json": [OK],
    "ninjs/1.4/ninjsExSimplePhoto1.json": [NT],
    "ninjs/1.4/ninjsExSimpleText1.json": [OK],
    "ninjs/2.1/SIPA_image_2.json": [NT],
    "ninjs/2.1/ap_audio.json": [NT],
    "ninjs/2.1/ap_image.json": [NT],
    "ninjs/2.1/ap_video.json": [NT],
    "ninjs/2.1/businesswire-newsml-20130605006126.json": [OK],
    "ninjs/2.1/businesswire-newsml-20130731006140.json": [OK],
    "ninjs/2.1/dpa_text.json": [OK],
    "ninjs/2.1/imageEncodedRights.json": [NT],
    "ninjs/2.1/imageLinkedRights.json": [NT],
    "ninjs/2.1/ninjsExSimpleText_2.json": [OK],
    "ninjs/2.1/ntb_text.json": [OK],  # no body: its description (the lede) is the text
    "ninjs/2.1/tt_text_image_2.json": [OK],
    "ninjs/3.0/20231004-UEFA-ChampionLeague.json": [NT],
    "ninjs/3.0/20231005-65-addb-event.json": [NT],
    "ninjs/3.0/20231008-anti-doping-measures-at-the-tour-down-under-will-be-the-toughest-ever-addb-ninjs-nitf.json": [
        OK
    ],
    "ninjs/3.0/20231016-addb-example-press-conference.json": [NT],
    "ninjs/3.0/20231016-event-timeline-sample.json": [INV] * 14,
    "ninjs/3.0/SIPA_image_3.json": [NT],
    "ninjs/3.0/ap_audio.json": [NT],
    "ninjs/3.0/ap_image.json": [NT],
    "ninjs/3.0/ap_video.json": [NT],
    "ninjs/3.0/businesswire-newsml-20130605006126.json": [OK],
    "ninjs/3.0/businesswire-newsml-20130731006140.json": [OK],
    "ninjs/3.0/dpa_text.json": [OK],
    "ninjs/3.0/imageEncodedRights.json": [NT],
    "ninjs/3.0/imageLinkedRights.json": [NT],
    "ninjs/3.0/ninjsExSimpleText_3.json": [OK],
    "ninjs/3.0/ntb_text.json": [OK],
    "ninjs/3.0/simpleEvent.json": [NT],
    "ninjs/3.0/tt_event_pressconference_3.0.json": [NT],
    "ninjs/3.0/tt_text_image_3.json": [OK],
    "ninjs/NewsML/businesswire-newsml-20130515006361.xml": [OK],
    "ninjs/NewsML/businesswire-newsml-20130605006126.xml": [OK],
    "ninjs/NewsML/businesswire-newsml-20130612006110.xml": [OK],
    "ninjs/NewsML/businesswire-newsml-20130731006140.xml": [OK],
    "newsml-g2/LISTING_10_Abstract_Concept_conveyed_in_a_NewsML-G2_Concept_Item.xml": [NT],
    "newsml-g2/LISTING_11_Person_Concept_conveyed_in_a_NewsML-G2_Concept_Item.xml": [NT],
    "newsml-g2/LISTING_12_Knowledge_Item_for_Access_Codes.xml": [NT],
    "newsml-g2/LISTING_13_Complete_Catalog_Item.xml": [NT],
    "newsml-g2/LISTING_14_Event_sent_as_a_Concept_Item.xml": [NT],
    "newsml-g2/LISTING_15_Two_Related_Events_in_a_Knowledge_Item.xml": [NT],
    "newsml-g2/LISTING_16_A_Set_of_Events_carried_in_a_News_Item.xml": [NT],
    "newsml-g2/LISTING_17_Planning_Item_a_CCL.xml": [NT],
    "newsml-g2/LISTING_18_Planning_Item_at_PCL.xml": [NT],
    "newsml-g2/LISTING_19_Planning_Item_with_delivery_at_CCL.xml": [NT],
    "newsml-g2/LISTING_1_A_NewsML-G2_News_Item.xml": [EB],  # inlineXML holds a comment only
    "newsml-g2/LISTING_20_Planning_Item_with_delivery_at_PCL.xml": [NT],
    "newsml-g2/LISTING_21_A_complete_sample_SportsML-G2_document.xml": [EB],  # stats, no text
    "newsml-g2/LISTING_22_Sports_story_in_NewsML-G2NITF.xml": [OK],
    "newsml-g2/LISTING_23_SportsML-G2_Package.xml": [NT],
    # an abbreviated listing: a packageItem without guid, four newsItems reading "....."
    "newsml-g2/LISTING_24_News_Message_conveying_a_complete_News_Package.xml": [INV] + [EB] * 4,
    "newsml-g2/LISTING_25_An_NITF_marked-up_article_conveyed_in_inlineXML.xml": [UNS],  # fragment
    "newsml-g2/LISTING_26_Embedded_photo_metadata_fields_mapped_to_NewsML-G2.xml": [NT],
    "newsml-g2/LISTING_27_Company_Financial_Information.xml": [EB],
    "newsml-g2/LISTING_28_Illustrating_Located_Subject_and_Dateline.xml": [UNS],  # fragment
    "newsml-g2/LISTING_29_Hop_History.xml": [EB],
    "newsml-g2/LISTING_2_NewsML-G2_Text_Document.xml": [OK],
    "newsml-g2/LISTING_3A_Photo_in_NewsML-G2_(URI_sibling_attributes).xml": [NT],
    "newsml-g2/LISTING_3_Photo_in_NewsML-G2.xml": [NT],
    "newsml-g2/LISTING_4_Multiple_Renditions_of_a_Video_in_NewsML-G2.xml": [NT],
    "newsml-g2/LISTING_5_Multi-part_Video_in_NewsML-G2.xml": [NT],
    "newsml-g2/LISTING_6_Simple_NewsML-G2_Package.xml": [NT],
    "newsml-g2/LISTING_7_Group_Set_example_showing_Hierarchical_Package_Structure.xml": [UNS],
    "newsml-g2/LISTING_8_Group_Set_example_showing_an_ALT_Package_Mode.xml": [UNS],
    "newsml-g2/LISTING_9_Group_Set_example_showing_a_SEQ_Package_Mode.xml": [UNS],
    "newsml-g2/Receiver_View.xml": [OK],
    "newsml-g2/ap_metadata_example.xml": [NT],
    "newsml-g2/facet-example-2.xml": [EB],
    "newsml-g2/facet-example-3.xml": [OK],
    "newsml-g2/facet-example.xml": [EB],
}

NO_HEADLINE = {"newsml-g2/facet-example-3.xml"}  # a facet showcase: no headline, no title

# Agencies the items name (provider, copyright holder or identifier domain).
AGENCY = {
    "ninjs/2.1/dpa_text.json": "dpa",
    "ninjs/3.0/dpa_text.json": "dpa",
    "ninjs/2.1/ntb_text.json": "NTB",
    "ninjs/3.0/ntb_text.json": "NTB",
    "ninjs/2.1/tt_text_image_2.json": "TT",
    "ninjs/3.0/tt_text_image_3.json": "TT",
    "ninjs/2.1/businesswire-newsml-20130605006126.json": "Business Wire",
    "ninjs/NewsML/businesswire-newsml-20130605006126.xml": "Business Wire",
}


def _results(rel: str):
    assert BASE is not None
    return parse_items((BASE / rel).read_bytes(), source=rel, validate="strict")


def test_every_file_is_listed() -> None:
    assert BASE is not None
    found = {
        str(p.relative_to(BASE))
        for p in BASE.rglob("*")
        if p.suffix in (".json", ".xml") and "schemas" not in p.parts
    }
    assert found == set(EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_outcome_of_every_item(rel: str) -> None:
    results = _results(rel)
    assert [str(r.outcome) for r in results] == EXPECTED[rel]
    for r in results:
        if r.outcome is not ItemOutcome.OK:
            assert r.reason, r  # every rejection says why
            continue
        it = r.item
        assert (it.headline is not None) == (rel not in NO_HEADLINE)
        assert it.body_text.strip() and it.uri
        assert it.versioncreated is not None and it.versioncreated.utcoffset().total_seconds() == 0
        assert "\n\n" not in it.body_text and it.body_text == it.body_text.strip()
        if rel in AGENCY:
            assert it.agency == AGENCY[rel]


def test_subjects_and_places_of_agency_items() -> None:
    [ntb] = _results("ninjs/2.1/ntb_text.json")
    assert {s.code for s in ntb.item.subjects} >= {"13010000", "04011000"}
    [g2] = _results("newsml-g2/LISTING_2_NewsML-G2_Text_Document.xml")
    assert [(s.scheme, s.code) for s in g2.item.subjects] == [
        ("medtop", "04000000"),
        ("medtop", "20000350"),
        ("medtop", "20000379"),
    ]
    assert g2.item.located == "New York, NY" and g2.item.byline == "By Meredith Jameson"
    [sport] = _results("newsml-g2/LISTING_22_Sports_story_in_NewsML-G2NITF.xml")
    assert sport.item.located == "Philadelphia" and sport.item.body_text.count("\n") >= 3
    [facet] = _results("newsml-g2/facet-example-3.xml")
    assert facet.item.subjects[0].code == "20001071" and facet.item.subjects[0].name == "swimming"


def test_newsml1_and_its_ninjs_conversion_agree() -> None:
    """IPTC ships Business Wire's NewsML 1 sources beside their ninjs conversions."""
    for n in ("20130515006361", "20130605006126", "20130612006110", "20130731006140"):
        [src] = _results(f"ninjs/NewsML/businesswire-newsml-{n}.xml")
        [conv] = _results(f"ninjs/1.4/businesswire-newsml-{n}.json")
        a, b = src.item, conv.item
        assert (a.headline, a.versioncreated, a.language, a.version) == (
            b.headline,
            b.versioncreated,
            b.language,
            b.version,
        )
        assert b.body_text.splitlines()[0] in a.body_text


def test_schema_violation_message_is_reported() -> None:
    results = _results("ninjs/3.0/20231016-event-timeline-sample.json")
    assert all(r.reason.startswith("ninjs 3.1 schema: at event") for r in results)
    warned = parse_items(
        (BASE / "ninjs/3.0/20231016-event-timeline-sample.json").read_bytes(), validate="warn"
    )
    assert {str(r.outcome) for r in warned} == {"not_text"}


def _wording(message: str) -> str:
    return message.replace("Unevaluated properties", "Additional properties")


def test_flattened_schemas_judge_exactly_like_the_published_ones() -> None:
    """The speed-up in flatten_top_ref must not change a single verdict or message."""
    import json
    import random

    directory = str(schema_dir().resolve())
    items = []
    for path in sorted((BASE / "ninjs").rglob("*.json")):
        if "schemas" not in path.parts:
            doc = json.loads(path.read_bytes())
            items += doc if isinstance(doc, list) else [doc]
    rng = random.Random(14)
    odd = [None, 1, "x", [], {}, [{"a": 1}], {"value": 1}]
    mutated = []
    for item in items:
        for _ in range(6):
            key = rng.choice([*item, "unknownField", "headline", "bodies"])
            mutated.append({**item, key: rng.choice(odd)})
    versions = ["1.0", "1.3", "1.6", "2.0", "2.1", "2.2", "3.0", "3.1"]
    for item in items + mutated:
        for version in versions:
            published = _validator(directory, version, flatten=False)
            flat = _validator(directory, version, flatten=True)
            # same verdict, same messages (the top-level one is worded "Additional" instead
            # of "Unevaluated properties are not allowed", naming the same properties)
            msgs = {_wording(e.message) for e in published.iter_errors(item)}
            flat_msgs = {_wording(e.message) for e in flat.iter_errors(item)}
            assert published.is_valid(item) == flat.is_valid(item), (version, item)
            assert msgs == flat_msgs, (version, item)
