"""Write the NewsML-G2 fixtures of tests/data/wire/ (run: python tests/data/wire/generate.py).

The stories are invented. ``sequence/`` is one delivery history, written as an agency sends it:

- item A (AFP): v1 urgent, v2 update, v3 correction (``sig:correction``), v3 again inside a
  newsMessage (a duplicate delivery), v4 kill (``stat:canceled``);
- item B (AFP): v1 under embargo until 2026-12-08T06:00Z, delivered in that same newsMessage;
- item C (Reuters): v1, v2 withheld, v3 usable again (a withhold is lifted by a later version).

Expected final state (asserted by tests/test_wire_versions.py): A withdrawn at v4's
versionCreated, text of v3, flagged corrected; B embargoed; C not withdrawn, text of v3.
``message_mixed.xml`` is a newsMessage with a text item (NITF inline), a picture, a package
and a concept item.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
A = "urn:newsml:afp.com:20261207:TX-PAR-ABC12"
B = "urn:newsml:afp.com:20261207:TX-PAR-EMB01"
C = "tag:reuters.com,2026:newsml_L8N3C0001"


def news_item(
    guid: str,
    version: int,
    created: str,
    headline: str,
    paragraphs: list[str],
    *,
    provider: str = "nprov:AFP",
    status: str = "usable",
    signal: str | None = None,
    embargo: str | None = None,
    ed_note: str | None = None,
) -> str:
    extra = f'\n    <signal qcode="{signal}"/>' if signal else ""
    extra += f"\n    <embargoed>{embargo}</embargoed>" if embargo else ""
    extra += f"\n    <edNote>{ed_note}</edNote>" if ed_note else ""
    body = "\n".join(f"        <p>{p}</p>" for p in paragraphs)
    return f"""<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="{guid}" version="{version}"
  standard="NewsML-G2" standardversion="2.33" xml:lang="en">
  <itemMeta>
    <itemClass qcode="ninat:text"/>
    <provider qcode="{provider}"/>
    <versionCreated>{created}</versionCreated>
    <firstCreated>2026-12-07T08:00:00Z</firstCreated>
    <pubStatus qcode="stat:{status}"/>{extra}
    <link rel="irel:seeAlso" href="https://wire.example.org/{guid.rsplit(":", 1)[-1]}"/>
  </itemMeta>
  <contentMeta>
    <urgency>{3 if version == 1 else 5}</urgency>
    <located qcode="city:2988507"><name>Paris</name></located>
    <creator><name>Jean Exemple</name></creator>
    <language tag="en"/>
    <subject type="cpnat:abstract" qcode="medtop:11000000"><name>politics</name></subject>
    <subject type="cpnat:geoArea" qcode="cntry:FRA"><name>France</name></subject>
    <headline>{headline}</headline>
    <dateline>PARIS, Dec 7 (AFP)</dateline>
  </contentMeta>
  <contentSet>
    <inlineXML contenttype="application/xhtml+xml">
      <html xmlns="http://www.w3.org/1999/xhtml"><body>
{body}
      </body></html>
    </inlineXML>
  </contentSet>
</newsItem>
"""


def message(*items: str) -> str:
    inner = "\n".join(items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">
  <header><sent>2026-12-07T10:05:00Z</sent><sender>afp.com</sender></header>
  <itemSet>
{inner}
  </itemSet>
</newsMessage>
"""


def doc(item: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + item


A_V3 = news_item(
    A,
    3,
    "2026-12-07T10:00:00Z",
    "Minister resigns after budget vote",
    [
        "PARIS (AFP) - The finance minister resigned on Monday after losing a budget vote.",
        "The vote failed by 12 votes, not 21 as reported earlier.",
    ],
    signal="sig:correction",
    ed_note="Corrects vote margin in 2nd para",
)
SEQUENCE = {
    "a_v1.xml": doc(
        news_item(
            A,
            1,
            "2026-12-07T08:00:00Z",
            "URGENT Minister resigns",
            ["PARIS (AFP) - The finance minister resigned on Monday."],
        )
    ),
    "a_v2.xml": doc(
        news_item(
            A,
            2,
            "2026-12-07T09:00:00Z",
            "Minister resigns after budget vote",
            [
                "PARIS (AFP) - The finance minister resigned on Monday after losing a budget vote.",
                "The vote failed by 21 votes.",
            ],
        )
    ),
    "a_v3.xml": doc(A_V3),
    "message_a_v3_b_v1.xml": message(
        A_V3,
        news_item(
            B,
            1,
            "2026-12-07T10:02:00Z",
            "Central bank to publish rate decision",
            ["PARIS (AFP) - The central bank will announce its rate decision on Tuesday."],
            embargo="2026-12-08T06:00:00Z",
        ),
    ),
    "a_v4_kill.xml": doc(
        news_item(
            A,
            4,
            "2026-12-07T11:00:00Z",
            "KILL: Minister resigns after budget vote",
            ["This story has been withdrawn. Do not use."],
            status="canceled",
        )
    ),
    "c_v1.xml": doc(
        news_item(
            C,
            1,
            "2026-12-07T07:00:00Z",
            "Storm closes ports in the north",
            ["LONDON (Reuters) - A storm closed three ports on Monday."],
            provider="nprov:REUTERS",
        )
    ),
    "c_v2_withheld.xml": doc(
        news_item(
            C,
            2,
            "2026-12-07T07:30:00Z",
            "Storm closes ports in the north",
            ["LONDON (Reuters) - A storm closed three ports on Monday."],
            provider="nprov:REUTERS",
            status="withheld",
        )
    ),
    "c_v3.xml": doc(
        news_item(
            C,
            3,
            "2026-12-07T08:30:00Z",
            "Storm closes four ports in the north",
            ["LONDON (Reuters) - A storm closed four ports on Monday.", "Ferries were cancelled."],
            provider="nprov:REUTERS",
        )
    ),
}

MIXED = """<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">
  <header><sent>2026-12-07T10:05:00Z</sent></header>
  <itemSet>
    <newsItem guid="urn:newsml:afp.com:20261207:TX-NITF-1" version="2" standardversion="2.33">
      <itemMeta>
        <itemClass qcode="ninat:text"/>
        <provider qcode="nprov:AFP"/>
        <versionCreated>2026-12-07T09:40:00+01:00</versionCreated>
        <pubStatus qcode="stat:usable"/>
      </itemMeta>
      <contentMeta>
        <language tag="fr"/>
        <subject qcode="medtop:15000000"><name>sport</name></subject>
        <subject qcode="medtop:15000000"><name>sport (twice)</name></subject>
      </contentMeta>
      <contentSet>
        <inlineXML contenttype="application/nitf+xml">
          <nitf xmlns="http://iptc.org/std/NITF/2006-10-18/">
            <body>
              <body.head>
                <hedline><hl1>Le PSG remporte le derby</hl1></hedline>
                <byline>Par Paul Exemple, <byttl>envoyé spécial</byttl></byline>
                <dateline>MARSEILLE, 7 déc (AFP)</dateline>
              </body.head>
              <body.content>
                <p>Le PSG a battu Marseille 2-1 dimanche soir.</p>
                <p>Le but décisif est tombé à la 89e minute.</p>
              </body.content>
            </body>
          </nitf>
        </inlineXML>
      </contentSet>
    </newsItem>
    <newsItem guid="urn:newsml:afp.com:20261207:PH-1" version="1">
      <itemMeta><itemClass qcode="ninat:picture"/><provider qcode="nprov:AFP"/></itemMeta>
      <contentMeta><headline>Derby, 89th minute</headline></contentMeta>
      <contentSet><remoteContent href="https://images.example.org/ph1.jpg" contenttype="image/jpeg"/></contentSet>
    </newsItem>
    <packageItem guid="urn:newsml:afp.com:20261207:PKG-1" version="1">
      <itemMeta><itemClass qcode="ninat:composite"/></itemMeta>
      <groupSet root="G1"><group id="G1"><itemRef residref="urn:newsml:afp.com:20261207:TX-NITF-1"/></group></groupSet>
    </packageItem>
    <conceptItem guid="urn:newsml:afp.com:concept:psg" version="1">
      <itemMeta><itemClass qcode="cinat:concept"/></itemMeta>
    </conceptItem>
  </itemSet>
</newsMessage>
"""


def main() -> None:
    (HERE / "sequence").mkdir(exist_ok=True)
    for name, text in SEQUENCE.items():
        (HERE / "sequence" / name).write_text(text, encoding="utf-8")
    (HERE / "message_mixed.xml").write_text(MIXED, encoding="utf-8")


if __name__ == "__main__":
    main()
