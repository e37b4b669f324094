"""Write the labelled extraction pages (``html/<id>.html``) and their gold (``gold.json``).

Our own labelled set, written for this project (no third-party text): fictional stories set in
real places, wrapped in the chrome real news sites wrap them in (consent banners, navigation,
share rows, newsletter boxes, related links, reader comments, picture credits, wire labels and
sign-offs), one page per situation the extractor must get right. The gold is what a careful
reader would call the article:

- ``body``: the story's paragraphs and subheads, one per line; no headline, byline, dateline
  label ("Published ..."), picture caption or credit, promo, related link, comment, or agency
  sign-off ("(AFP)", "— Reuters"). ``null`` on wall pages (there is no article to score).
- ``title``: the headline without the site name. ``published``: the publication time, UTC.
- ``language``: ISO 639-1. ``outcome``: what extraction must report (``ok``, ``paywalled``,
  ``consent_wall``). ``agency``: the wire whose copy it is, or null.
- ``feed``: what the feed entry says (title, published, timezone, country, author, agency),
  passed to extraction as ingestion would.

Run ``python tests/data/extraction/build.py`` after editing; the pages are committed, so tests
and ``newsflow eval extract`` do not depend on this script.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = "newsflow-labelled"


# ------------------------------------------------------------------------------------ chrome


def _paras(lines: list[str]) -> str:
    out = []
    for line in lines:
        if line.startswith("## "):
            out.append(f"<h2>{escape(line[3:])}</h2>")
        else:
            out.append(f"<p>{escape(line)}</p>")
    return "\n".join(out)


def _gold_body(lines: list[str]) -> str:
    return "\n".join(line[3:] if line.startswith("## ") else line for line in lines)


COOKIE_BANNER = """<div id="cookie-banner" class="cookie-consent" role="dialog">
<p>We use cookies and similar technologies to personalise content and ads, to provide social
media features and to analyse our traffic. We also share information about your use of our site
with our social media, advertising and analytics partners.</p>
<button class="accept">Accept all</button> <button class="reject">Reject all</button>
<a href="/cookies">Cookie settings</a></div>"""


def ledger(p: dict) -> str:
    """A British daily: cookie banner, nav, breadcrumb, byline, figure, inline promos,
    related links, reader comments, footer."""
    head = [
        f"<title>{escape(p['headline'])} | The Daily Ledger</title>",
        '<meta property="og:site_name" content="The Daily Ledger">',
        f'<meta property="og:title" content="{escape(p.get("og_title", p["headline"]))}">',
        f'<meta property="article:published_time" content="{p["page_date"]}">',
        '<meta property="article:section" content="' + p.get("section", "World") + '">',
        f'<link rel="canonical" href="{p["url"]}">',
    ]
    body = p["body"]
    mid = len(body) // 2
    promo = (
        f'<p class="inline-promo"><strong>Read more:</strong> <a href="/x">'
        f"{escape(p.get('promo', 'Council approves new budget after late-night vote'))}</a></p>"
    )
    story = _paras(body[:mid]) + "\n" + promo + '\n<div class="ad-slot">Advertisement</div>\n'
    story += _paras(body[mid:])
    comments = "".join(
        f'<div class="comment"><span class="user">{u}</span><p>{escape(c)}</p></div>'
        for u, c in p.get("comments", [])
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">{"".join(head)}</head>
<body>
{COOKIE_BANNER}
<header class="site-header"><a href="/" class="logo">The Daily Ledger</a>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/world">World</a></li>
<li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li></ul></nav>
<a class="subscribe" href="/subscribe">Subscribe</a></header>
<main>
<nav class="breadcrumb"><a href="/">Home</a> › <a href="/world">{escape(p.get("section", "World"))}</a></nav>
<article class="story">
<h1>{escape(p["headline"])}</h1>
<div class="byline">By {escape(p.get("author", "Harriet Lane"))}</div>
<div class="dateline"><time datetime="{p["page_date"]}">{escape(p.get("date_label", "Published 4 March 2026"))}</time></div>
<figure><img src="/img/lead.jpg" alt=""><figcaption>{escape(p.get("caption", "The scene on Tuesday morning."))}
<span class="credit">Photograph: {escape(p.get("photo", "Tom Price/Reuters"))}</span></figcaption></figure>
<div class="article-body">
{story}
</div>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on Twitter</a> <a href="#">Email</a></div>
</article>
<aside class="related"><h2>Related stories</h2><ul>
<li><a href="/a">Rail fares to rise by 4.6% in March, operators confirm</a></li>
<li><a href="/b">Storm warning issued for the north-west coast</a></li>
<li><a href="/c">Opinion: the high street is not dead yet</a></li></ul></aside>
<section id="comments" class="comments"><h2>Comments ({len(p.get("comments", []))})</h2>
{comments}
</section>
</main>
<footer><p>© 2026 The Daily Ledger Ltd. All rights reserved.</p>
<ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms</a></li><li><a href="/contact">Contact us</a></li></ul></footer>
</body></html>"""


def wire(p: dict) -> str:
    """A wire agency's public site: label lines inside the story, a sign-off, reporting credits."""
    credit_tail = "".join(f"<p>{escape(c)}</p>" for c in p.get("tail", []))
    labels = "".join(f"<p>{escape(x)}</p>" for x in p.get("labels", ["Published"]))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(p["headline"])} - {escape(p.get("site", "Global Wire"))}</title>
<meta name="description" content="{escape(p["body"][0][:150])}">
<meta name="date" content="{p["page_date"]}">
<link rel="canonical" href="{p["url"]}"></head>
<body>
<div class="topbar"><a href="/">{escape(p.get("site", "Global Wire"))}</a> | <a href="/latest">Latest</a> | <a href="/world">World</a> | <a href="/markets">Markets</a> | <a href="/login">Log in</a></div>
<div id="content"><div class="story-wrap">
<h1 class="headline">{escape(p["headline"])}</h1>
<div class="story-text">
{labels}
{_paras(p["body"])}
{credit_tail}
</div>
<ul class="tags"><li>{escape(p.get("tag", "World"))}</li><li>Politics</li></ul>
</div>
<div class="sidebar"><h3>Most read</h3><ol><li><a href="/1">Oil prices slip as supply fears ease</a></li>
<li><a href="/2">Central bank holds rates steady</a></li><li><a href="/3">Election count enters second day</a></li></ol></div>
</div>
<div class="footer">Copyright © 2026 {escape(p.get("site", "Global Wire"))}. All rights reserved. <a href="/terms">Terms of use</a></div>
</body></html>"""


def tribune(p: dict) -> str:
    """An American metro paper: JSON-LD, share row, listen button, ad interstitials, a newsletter
    box inside the story, a captioned AP photo, 'More from' teasers."""
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": p.get("ld_headline", p["headline"]),
        "datePublished": p["page_date"],
        "dateModified": p.get("modified", p["page_date"]),
        "author": [{"@type": "Person", "name": p.get("author", "Marcus Bell")}],
        "publisher": {"@type": "Organization", "name": "The Lakeside Tribune"},
        "articleSection": p.get("section", "Local"),
    }
    ld.update(p.get("ld_extra", {}))
    body = p["body"]
    third = max(1, len(body) // 3)
    story = (
        _paras(body[:third])
        + '\n<div class="ad" data-slot="mid1"><span>Advertisement</span></div>\n'
        + "<p>Story continues below advertisement</p>\n"
        + _paras(body[third : 2 * third])
        + '\n<div class="newsletter-box"><h3>The Morning Briefing</h3><p>Sign up for our Morning'
        " Briefing newsletter and get the day's top stories in your inbox.</p>"
        '<form><input type="email" placeholder="Email address"><button>Sign up</button></form></div>\n'
        + _paras(body[2 * third :])
    )
    return f"""<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8">
<title>{escape(p.get("title_tag", p["headline"] + " - The Lakeside Tribune"))}</title>
<meta property="og:site_name" content="The Lakeside Tribune">
<meta property="og:title" content="{escape(p.get("og_title", p["headline"]))}">
<script type="application/ld+json">{json.dumps(ld)}</script>
</head>
<body>
<div class="masthead"><a href="/">The Lakeside Tribune</a><span class="tagline">Serving the lake shore since 1881</span></div>
<nav class="main-nav"><a href="/local">Local</a> <a href="/politics">Politics</a> <a href="/sports">Sports</a> <a href="/business">Business</a> <a href="/obituaries">Obituaries</a></nav>
<div class="page"><article>
<div class="kicker">{escape(p.get("section", "Local"))}</div>
<h1>{escape(p["headline"])}</h1>
<div class="meta"><span class="author">By {escape(p.get("author", "Marcus Bell"))}</span> · <span class="ts">Updated 6:42 p.m. CT</span></div>
<ul class="share-tools"><li><a href="#">Facebook</a></li><li><a href="#">Twitter</a></li><li><a href="#">Email</a></li><li><a href="#">Print</a></li></ul>
<button class="listen">Listen to this article</button> <span class="read-time">4 min read</span>
<figure class="lead"><img src="/photo.jpg" alt=""><figcaption>{escape(p.get("caption", "Crews work at the site on Monday."))} (AP Photo/{escape(p.get("ap_photo", "Paul Sancya"))})</figcaption></figure>
<div class="body">
{story}
</div>
</article>
<section class="more"><h2>More from Local</h2><ul><li><a href="/m1">School board approves new calendar</a></li><li><a href="/m2">Lakefront trail reopens after repairs</a></li></ul></section>
</div>
<footer>Copyright 2026 The Lakeside Tribune. <a href="/privacy">Privacy Policy</a> <a href="/terms">Terms of Service</a> <a href="/ca-notice">Your Privacy Choices</a></footer>
</body></html>"""


def euro(p: dict) -> str:
    """A continental European daily in its own language, with localised chrome."""
    L = p["labels"]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": p["headline"],
        "datePublished": p["page_date"],
        "inLanguage": p["lang"],
        "publisher": {"@type": "Organization", "name": p["site"]},
    }
    body = p["body"]
    mid = len(body) // 2
    story = (
        _paras(body[:mid])
        + f'\n<p class="also"><strong>{escape(L["also"])}</strong> <a href="/x">{escape(L["also_link"])}</a></p>\n'
        + _paras(body[mid:])
        + "".join(f"\n<p>{escape(t)}</p>" for t in p.get("tail", []))
    )
    return f"""<!DOCTYPE html>
<html lang="{p["lang"]}"><head><meta charset="utf-8">
<title>{escape(p["headline"])} | {escape(p["site"])}</title>
<meta property="og:site_name" content="{escape(p["site"])}">
<meta property="og:locale" content="{p["locale"]}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head>
<body>
<div id="didomi-host" class="didomi-popup"><p>{escape(L["cookies"])}</p><button>{escape(L["accept"])}</button></div>
<header><a class="logo" href="/">{escape(p["site"])}</a><nav>{" ".join(f'<a href="/{i}">{escape(n)}</a>' for i, n in enumerate(L["nav"]))}</nav></header>
<main><article>
<h1>{escape(p["headline"])}</h1>
<p class="signature">{escape(L["by"])} {escape(p["author"])}</p>
<p class="date">{escape(L["published"])}</p>
<div class="article__content">
{story}
</div>
<div class="newsletter"><p>{escape(L["newsletter"])}</p></div>
</article>
<aside><h2>{escape(L["most_read"])}</h2><ul><li><a href="/r1">{escape(L["teaser1"])}</a></li><li><a href="/r2">{escape(L["teaser2"])}</a></li></ul></aside>
</main>
<footer>© {escape(p["site"])} 2026 – {escape(L["rights"])}</footer>
</body></html>"""


def app_shell(p: dict) -> str:
    """A JavaScript front end: the story is only in the JSON-LD ``articleBody``; the HTML body
    is navigation around an empty mount point."""
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": p["headline"],
        "datePublished": p["page_date"],
        "articleBody": "\n\n".join(x[3:] if x.startswith("## ") else x for x in p["body"]),
        "author": {"@type": "Person", "name": p.get("author", "Priya Raman")},
        "publisher": {"@type": "Organization", "name": "Metro Now"},
    }
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(p["headline"])} | Metro Now</title>
<meta property="og:site_name" content="Metro Now">
<meta property="og:title" content="{escape(p["headline"])}">
<script type="application/ld+json">{json.dumps(ld)}</script>
<script src="/static/app.7f3a9c.js" defer></script></head>
<body>
<header><a href="/">Metro Now</a> <a href="/news">News</a> <a href="/video">Video</a> <a href="/weather">Weather</a> <a href="/traffic">Traffic</a></header>
<div id="root"><div class="skeleton"></div></div>
<noscript>Please enable JavaScript to read Metro Now.</noscript>
<footer>Metro Now, a Lakeshore Media company. Terms · Privacy · Accessibility</footer>
</body></html>"""


def paywall(p: dict) -> str:
    """A subscriber-only story: the teaser, then the paywall box."""
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": p["headline"],
        "datePublished": p["page_date"],
        "publisher": {"@type": "Organization", "name": "The Harbour Times"},
    }
    if p.get("declared", True):
        ld["isAccessibleForFree"] = False
        ld["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".paywalled",
        }
    box = p.get(
        "box",
        "Subscribe to continue reading. Get unlimited access to The Harbour Times for $1 a week.",
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(p["headline"])} | The Harbour Times</title>
<meta property="og:site_name" content="The Harbour Times">
<script type="application/ld+json">{json.dumps(ld)}</script></head>
<body>
<header><a href="/">The Harbour Times</a> <a href="/news">News</a> <a href="/business">Business</a> <a href="/login">Sign in</a></header>
<article><h1>{escape(p["headline"])}</h1><p class="byline">By {escape(p.get("author", "Ellen Ward"))}</p>
<div class="teaser">{_paras(p["teaser"])}</div>
<div class="paywalled"></div>
<div class="paywall-box"><h3>{escape(p.get("box_title", "This article is for subscribers"))}</h3><p>{escape(box)}</p>
<a class="btn" href="/subscribe">Subscribe now</a> <p>Already a subscriber? <a href="/login">Sign in</a></p></div>
</article>
<footer>© 2026 The Harbour Times</footer>
</body></html>"""


def consent(p: dict) -> str:
    """A consent interstitial served instead of the article."""
    return f"""<!DOCTYPE html>
<html lang="{p.get("lang", "en")}"><head><meta charset="utf-8"><title>{escape(p.get("title_tag", "Before you continue"))}</title></head>
<body class="consent-page">
<div id="{p.get("cmp_id", "sp_message_container_88231")}" class="{p.get("cmp_class", "message-container")}">
<div class="message"><h2>{escape(p.get("heading", "Before you continue"))}</h2>
{_paras(p["text"])}
<button>{escape(p.get("accept", "Accept all"))}</button> <button>{escape(p.get("reject", "Reject all"))}</button>
<a href="/privacy-options">{escape(p.get("more", "More options"))}</a></div></div>
</body></html>"""


def brief(p: dict) -> str:
    """A plain, old-fashioned page: table layout, <br>-separated paragraphs, no article markup."""
    paras = "<br><br>\n".join(escape(x) for x in p["body"])
    return f"""<html><head><title>{escape(p["headline"])} :: Valley Gazette</title>
<meta name="author" content="{escape(p.get("author", "Staff"))}">
<meta name="pubdate" content="{p["page_date"]}"></head>
<body bgcolor="#ffffff">
<table width="100%"><tr><td class="nav" width="160"><a href="/">Home</a><br><a href="/news">News</a><br><a href="/sports">Sports</a><br><a href="/classifieds">Classifieds</a><br><a href="/weather">Weather</a></td>
<td class="main"><font size="+2"><b>{escape(p["headline"])}</b></font><br><i>{escape(p.get("author", "Staff"))}</i><br><br>
{paras}
<br><br><a href="/news">Back to News</a></td></tr></table>
<center><small>Valley Gazette · 12 Main Street · Copyright 2026</small></center>
</body></html>"""


TEMPLATES = {
    "ledger": ledger,
    "wire": wire,
    "tribune": tribune,
    "euro": euro,
    "app_shell": app_shell,
    "paywall": paywall,
    "consent": consent,
    "brief": brief,
}


# ---------------------------------------------------------------------------------- labels

LABELS = {
    "fr": {
        "also": "Lire aussi :",
        "also_link": "Le gouvernement présente son plan pour le logement",
        "cookies": "Nous utilisons des cookies pour améliorer votre expérience et mesurer "
        "l'audience. Vous pouvez accepter ou refuser.",
        "accept": "Accepter et fermer",
        "nav": ["International", "Politique", "Économie", "Culture", "Sport"],
        "by": "Par",
        "published": "Publié le 4 mars 2026 à 18h05",
        "newsletter": "Abonnez-vous à notre newsletter quotidienne.",
        "most_read": "Les plus lus",
        "teaser1": "Les prix de l'énergie repartent à la hausse",
        "teaser2": "Ce qu'il faut retenir du conseil des ministres",
        "rights": "Tous droits réservés",
    },
    "de": {
        "also": "Lesen Sie auch:",
        "also_link": "Bahnstreik: Was Pendler jetzt wissen müssen",
        "cookies": "Wir verwenden Cookies und ähnliche Technologien, um Inhalte zu "
        "personalisieren und Zugriffe zu analysieren.",
        "accept": "Alle akzeptieren",
        "nav": ["Politik", "Wirtschaft", "Kultur", "Sport", "Wissen"],
        "by": "Von",
        "published": "Veröffentlicht am 4. März 2026, 17:40 Uhr",
        "newsletter": "Jetzt den Newsletter abonnieren und nichts verpassen.",
        "most_read": "Meistgelesen",
        "teaser1": "Mieten steigen in allen Großstädten",
        "teaser2": "Der Winter kehrt zurück: Schnee bis ins Flachland",
        "rights": "Alle Rechte vorbehalten",
    },
    "es": {
        "also": "Lea también:",
        "also_link": "El Gobierno aprueba el nuevo plan de vivienda",
        "cookies": "Utilizamos cookies propias y de terceros para mejorar nuestros servicios.",
        "accept": "Aceptar",
        "nav": ["Internacional", "Política", "Economía", "Cultura", "Deportes"],
        "by": "Por",
        "published": "Publicado el 4 de marzo de 2026",
        "newsletter": "Suscríbete a nuestro boletín diario.",
        "most_read": "Lo más leído",
        "teaser1": "La sequía obliga a restringir el riego en el sur",
        "teaser2": "Las claves del debate en el Congreso",
        "rights": "Todos los derechos reservados",
    },
    "it": {
        "also": "Leggi anche:",
        "also_link": "Treni, le nuove tariffe regionali",
        "cookies": "Utilizziamo cookie tecnici e di profilazione per migliorare la tua esperienza.",
        "accept": "Accetta tutti",
        "nav": ["Cronaca", "Politica", "Economia", "Cultura", "Sport"],
        "by": "Di",
        "published": "Pubblicato il 4 marzo 2026",
        "newsletter": "Iscriviti alla nostra newsletter.",
        "most_read": "I più letti",
        "teaser1": "Maltempo, allerta gialla in cinque regioni",
        "teaser2": "Il governo presenta la manovra",
        "rights": "Riproduzione riservata",
    },
    "pt": {
        "also": "Leia também:",
        "also_link": "Governo anuncia novo pacote para a habitação",
        "cookies": "Utilizamos cookies para melhorar a sua experiência de navegação.",
        "accept": "Aceitar",
        "nav": ["País", "Mundo", "Economia", "Cultura", "Desporto"],
        "by": "Por",
        "published": "Publicado a 4 de março de 2026",
        "newsletter": "Subscreva a nossa newsletter.",
        "most_read": "Mais lidas",
        "teaser1": "Preço dos combustíveis volta a subir",
        "teaser2": "O que muda nas pensões este ano",
        "rights": "Todos os direitos reservados",
    },
    "nl": {
        "also": "Lees ook:",
        "also_link": "Kabinet presenteert plan voor woningbouw",
        "cookies": "Wij gebruiken cookies om onze website te verbeteren.",
        "accept": "Accepteren",
        "nav": ["Binnenland", "Buitenland", "Economie", "Cultuur", "Sport"],
        "by": "Door",
        "published": "Gepubliceerd op 4 maart 2026",
        "newsletter": "Schrijf je in voor onze nieuwsbrief.",
        "most_read": "Meest gelezen",
        "teaser1": "Storm zorgt voor vertraging op het spoor",
        "teaser2": "Dit verandert er in april",
        "rights": "Alle rechten voorbehouden",
    },
}


# ----------------------------------------------------------------------------------- pages

FEED_TZ_NOTE = "naive page date read in the feed's time zone"

PAGES: list[dict] = [
    # 1. Reader comments under a story: the comments are not the story.
    {
        "id": "ledger-comments",
        "template": "ledger",
        "url": "https://www.dailyledger.example/world/2026/mar/04/lisbon-tram-fares",
        "headline": "Lisbon freezes tram fares for a year as tourist numbers climb",
        "page_date": "2026-03-04T10:15:00+00:00",
        "section": "Europe",
        "language": "en",
        "body": [
            "Lisbon's city council has frozen fares on the capital's historic trams for the next "
            "twelve months, reversing a planned rise that residents said would price them off "
            "routes crowded with visitors.",
            "The council voted 9-8 on Tuesday evening after a debate that ran past midnight. The "
            "single fare on the yellow trams will stay at €3.20, while the monthly pass used by "
            "most residents will remain at €40.",
            "Carris, the city's transport company, had asked for a 10% increase to cover the cost "
            "of maintaining carriages that in some cases date from the 1930s.",
            "Residents of Graça and Alfama, neighbourhoods served by the steep route 28, have "
            "complained for years that they cannot board trams filled with tourists. The council "
            "said it would study a separate fare for visitors before the summer season.",
            "Opposition councillors said the freeze would leave a hole of about €6m in the "
            "company's budget, to be covered from the city's general fund.",
        ],
        "comments": [
            ("porto_fan", "Finally some good news for people who actually live in Lisbon."),
            (
                "mk1977",
                "A tourist fare is the obvious answer, other cities have done it for years.",
            ),
            ("Reader2045", "Freeze fares and let the old trams fall apart, great plan."),
        ],
        "title": "Lisbon freezes tram fares for a year as tourist numbers climb",
        "published": "2026-03-04T10:15:00+00:00",
        "feed": {
            "title": "Lisbon freezes tram fares for a year",
            "published": "2026-03-04T10:20:00+00:00",
        },
    },
    # 2. Wire copy: Published/Updated labels and a trailing (AFP).
    {
        "id": "wire-afp-labels",
        "template": "wire",
        "site": "Global Wire",
        "url": "https://globalwire.example/world/2026/03/05/nepal-avalanche",
        "headline": "Avalanche in Nepal's Manang district kills four trekkers",
        "page_date": "2026-03-05T06:40:00+00:00",
        "labels": ["Published", "Updated 2 hours ago"],
        "tail": ["(AFP)"],
        "language": "en",
        "agency": "AFP",
        "body": [
            "An avalanche swept through a trekking route in Nepal's Manang district on Thursday, "
            "killing four foreign trekkers and their local guide, police said.",
            "The group was crossing a high pass on the Annapurna circuit when a slope above the "
            "trail gave way shortly after dawn, according to district police chief Ramesh Thapa.",
            "Rescuers reached the site by helicopter after the weather cleared at midday and "
            "recovered the bodies from under about two metres of snow.",
            "## Warnings ignored",
            "Local officials had warned trekking agencies on Wednesday that heavy snowfall made "
            "the pass dangerous, and several groups had turned back.",
            "Nepal reopened its mountains to trekkers in spring after a winter of unusually heavy "
            "snow across the central Himalayas.",
        ],
        "title": "Avalanche in Nepal's Manang district kills four trekkers",
        "published": "2026-03-05T06:40:00+00:00",
        "feed": {"published": "2026-03-05T06:45:00+00:00"},
    },
    # 3. Reuters sign-off with a dash and a reporting credit.
    {
        "id": "wire-reuters-dash",
        "template": "wire",
        "site": "Markets Daily",
        "url": "https://marketsdaily.example/business/2026/03/03/chile-copper-output",
        "headline": "Chile's copper output falls for a third month on mine stoppages",
        "page_date": "2026-03-03T15:02:00+00:00",
        "labels": ["Published 3 March 2026"],
        "tail": ["(Reporting by Ana Silva; Editing by Mark Potter)", "— Reuters"],
        "language": "en",
        "agency": "Reuters",
        "body": [
            "Copper production in Chile, the world's largest producer of the metal, fell 4.1% in "
            "January from a year earlier, the national statistics institute said on Tuesday, the "
            "third monthly decline in a row.",
            "Output totalled 412,600 metric tons, hurt by a stoppage at a large mine in the "
            "Antofagasta region and by lower ore grades at older deposits.",
            "Analysts had expected a smaller fall of about 2%. The mining ministry said production "
            "should recover in the second half as new expansions come online.",
            "Copper prices rose on the London Metal Exchange after the figures were published, "
            "with traders pointing to tighter supply from South America.",
        ],
        "title": "Chile's copper output falls for a third month on mine stoppages",
        "published": "2026-03-03T15:02:00+00:00",
        "feed": {"published": "2026-03-03T15:05:00+00:00"},
    },
    # 4. AP copy on a metro site: copyright sign-off, photo credit, newsletter box, ads.
    {
        "id": "tribune-ap-copyright",
        "template": "tribune",
        "url": "https://lakesidetribune.example/news/2026/03/02/michigan-ice-storm",
        "headline": "Ice storm leaves 200,000 without power across Michigan",
        "page_date": "2026-03-02T22:30:00-05:00",
        "author": "The Associated Press",
        "section": "Weather",
        "language": "en",
        "agency": "AP",
        "body": [
            "An ice storm coated much of lower Michigan on Monday, snapping tree limbs and power "
            "lines and leaving about 200,000 homes and businesses without electricity.",
            "Utility crews from four neighbouring states were on their way to help restore power, "
            "which could take until the weekend in the hardest-hit counties, officials said.",
            "The storm dropped up to half an inch of ice between Grand Rapids and Lansing. Dozens "
            "of school districts closed and state police reported more than 300 crashes.",
            "Governor Dana Whitfield declared a state of emergency for eleven counties, freeing "
            "state resources for clearing roads and opening warming centers.",
            "Forecasters said temperatures would stay below freezing through Wednesday, so ice "
            "would remain on trees and wires for days.",
            "Copyright 2026 The Associated Press. All rights reserved.",
        ],
        "gold_body_drop_last": True,
        "title": "Ice storm leaves 200,000 without power across Michigan",
        "published": "2026-03-03T03:30:00+00:00",
        "feed": {"published": "2026-03-03T03:35:00+00:00", "author": "Associated Press"},
    },
    # 5. Paywall declared in JSON-LD, teaser only: not an article.
    {
        "id": "paywall-declared",
        "template": "paywall",
        "url": "https://harbourtimes.example/business/2026/03/04/port-authority-deal",
        "headline": "Port authority signs $2bn deal for automated container terminal",
        "page_date": "2026-03-04T08:00:00+00:00",
        "teaser": [
            "The port authority has signed a $2bn agreement with a consortium led by a Singapore "
            "operator to build the city's first automated container terminal.",
            "Dock workers' unions said they had not been consulted.",
        ],
        "body": None,
        "outcome": "paywalled",
        "language": "en",
        "title": "Port authority signs $2bn deal for automated container terminal",
        "published": "2026-03-04T08:00:00+00:00",
        "feed": {"published": "2026-03-04T08:00:00+00:00"},
    },
    # 6. Paywall prompt without structured data.
    {
        "id": "paywall-prompt",
        "template": "paywall",
        "declared": False,
        "url": "https://harbourtimes.example/news/2026/03/03/ferry-timetable",
        "headline": "Island ferry timetable cut as operator loses two crews",
        "page_date": "2026-03-03T07:30:00+00:00",
        "teaser": [
            "Ferries to the outer islands will run twice a day instead of four times from next "
            "week after the operator lost two crews to a rival company.",
        ],
        "box_title": "This article is only available to subscribers",
        "box": "You've reached your limit of free articles this month. Become a subscriber to "
        "read the full story.",
        "body": None,
        "outcome": "paywalled",
        "language": "en",
        "title": "Island ferry timetable cut as operator loses two crews",
        "published": "2026-03-03T07:30:00+00:00",
        "feed": {},
    },
    # 7. Declared paywall, but the whole story is in the page (served to crawlers): an article.
    {
        "id": "paywall-full-text",
        "template": "tribune",
        "url": "https://lakesidetribune.example/business/2026/03/01/brewery-expansion",
        "headline": "Family brewery doubles capacity with new lakefront plant",
        "page_date": "2026-03-01T09:00:00-06:00",
        "ld_extra": {"isAccessibleForFree": "False"},
        "section": "Business",
        "language": "en",
        "body": [
            "Harbor Light Brewing, a family business founded in a garage in 1994, opened a new "
            "plant on the lakefront on Saturday that doubles its capacity to 120,000 barrels a "
            "year.",
            "The $38 million plant, built on the site of a former boat works, employs 45 people, "
            "and the company expects to hire 30 more by the end of next year.",
            "Co-owner Linda Haugen said demand from bars and grocery chains in three neighboring "
            "states had outgrown the original brewery, where tanks were squeezed into every "
            "corner.",
            "The city gave the company a ten-year property tax abatement in exchange for keeping "
            "its headquarters downtown and opening the lakefront taproom to the public.",
            "Neighbors had raised concerns about truck traffic on Shore Drive. The company agreed "
            "to route deliveries through the industrial park to the north.",
            "The first beer brewed at the new plant, a pale lager, goes on sale next month.",
        ],
        "title": "Family brewery doubles capacity with new lakefront plant",
        "published": "2026-03-01T15:00:00+00:00",
        "feed": {"published": "2026-03-01T15:00:00+00:00"},
    },
    # 8. A consent interstitial instead of the article.
    {
        "id": "consent-interstitial",
        "template": "consent",
        "url": "https://news.portalnet.example/articles/2026/03/04/bridge-inspection",
        "text": [
            "We and our 212 partners store and access information on your device, such as "
            "cookies, and process personal data, such as unique identifiers and browsing "
            "data, for personalised advertising and content, advertising and content "
            "measurement, audience research and services development.",
            "With your permission we and our partners may use precise geolocation data. You may "
            "click to consent to our and our partners' processing as described above. "
            "Alternatively you may access more detailed information and change your preferences "
            "before consenting or to refuse consenting.",
            "Some partners process your data based on legitimate interest. You can object to "
            "this by managing your privacy choices.",
        ],
        "body": None,
        "outcome": "consent_wall",
        "language": None,
        "feed": {
            "title": "Bridge inspection finds cracks in main span",
            "published": "2026-03-04T12:00:00+00:00",
        },
    },
    # 9. A consent platform's dialog in French, nothing else.
    {
        "id": "consent-didomi-fr",
        "template": "consent",
        "lang": "fr",
        "cmp_id": "didomi-host",
        "cmp_class": "didomi-popup-container",
        "title_tag": "Le Courrier du Rhône",
        "heading": "Vos choix concernant les cookies",
        "url": "https://courrier-rhone.example/societe/2026/03/04/crue-lyon",
        "text": [
            "Nous utilisons des cookies et des technologies similaires pour mesurer l'audience, "
            "personnaliser les contenus et les publicités, et partager des données avec nos "
            "partenaires.",
            "Vous pouvez accepter ou refuser ces traitements. Votre consentement est valable "
            "treize mois et vous pouvez le retirer à tout moment dans la page Confidentialité.",
        ],
        "accept": "Accepter et fermer",
        "reject": "Continuer sans accepter",
        "more": "Paramétrer les cookies",
        "body": None,
        "outcome": "consent_wall",
        "language": None,
        "feed": {"published": "2026-03-04T16:00:00+01:00", "timezone": "Europe/Paris"},
    },
    # 10. A short story next to an ordinary cookie banner: a (short) article, not a wall.
    {
        "id": "ledger-short-brief",
        "template": "ledger",
        "url": "https://www.dailyledger.example/uk/2026/mar/02/bristol-water-main",
        "headline": "Water main burst floods Bristol street",
        "page_date": "2026-03-02T07:05:00+00:00",
        "section": "UK",
        "language": "en",
        "body": [
            "A burst water main flooded Gloucester Road in Bristol early on Monday, closing the "
            "street to traffic during the morning rush hour.",
            "Bristol Water said engineers had isolated the pipe and expected the road to reopen "
            "by the evening. About 300 homes were briefly without supply.",
        ],
        "title": "Water main burst floods Bristol street",
        "published": "2026-03-02T07:05:00+00:00",
        "feed": {"published": "2026-03-02T07:10:00+00:00"},
    },
    # 11. Story only in JSON-LD articleBody (JS front end).
    {
        "id": "app-shell-jsonld",
        "template": "app_shell",
        "url": "https://metronow.example/news/2026/03/05/transit-strike-averted",
        "headline": "Transit strike averted after overnight talks",
        "page_date": "2026-03-05T05:10:00-08:00",
        "language": "en",
        "body": [
            "A strike that would have shut down buses and light rail across the region was "
            "averted early Thursday when the transit agency and its largest union reached a "
            "tentative agreement after 19 hours of talks.",
            "The three-year deal raises wages by 14% and adds protections for drivers who are "
            "assaulted on the job, union president Carla Nguyen said.",
            "Members will vote on the agreement next week. Service will run normally in the "
            "meantime.",
            "The agency's board must also approve the contract, which would add about $41 million "
            "a year to its operating costs.",
        ],
        "title": "Transit strike averted after overnight talks",
        "published": "2026-03-05T13:10:00+00:00",
        "feed": {"published": "2026-03-05T13:15:00+00:00"},
    },
    # 12. Old table layout with <br> paragraphs and no article markup.
    {
        "id": "brief-table-layout",
        "template": "brief",
        "url": "http://valleygazette.example/news/story.php?id=88213",
        "headline": "Grain elevator fire contained after two days",
        "page_date": "2026-03-03",
        "author": "By Dale Kettering, Gazette staff",
        "language": "en",
        "body": [
            "Firefighters from six departments contained a fire at the Tri-County grain elevator "
            "on Tuesday, two days after it started in a dust collector on the north side of the "
            "complex.",
            "No one was hurt. About 40,000 bushels of corn were lost, the cooperative's manager "
            "said, and the elevator will stay closed for inspection until at least next month.",
            "Farmers who usually deliver to Tri-County were asked to take grain to the elevator in "
            "Millersburg, 25 miles away, which has extended its hours to handle the extra loads.",
            "The state fire marshal's office is investigating the cause.",
        ],
        "title": "Grain elevator fire contained after two days",
        "published": "2026-03-03",
        "feed": {"published": "2026-03-03T18:00:00+00:00"},
    },
    # 13. A naive page date in the feed's time zone (and no feed date): 01:30 in Tokyo is the
    # previous day in UTC.
    {
        "id": "naive-date-feed-tz",
        "template": "wire",
        "site": "Pacific Desk",
        "url": "https://pacificdesk.example/asia/osaka-expo-site-reuse",
        "headline": "Osaka picks casino operator's rival plan for former expo site",
        "page_date": "2026-03-05T01:30:00",
        "labels": [],
        "language": "en",
        "body": [
            "Osaka's prefectural assembly on Thursday chose a plan to turn part of the former "
            "Expo 2025 site into a research park and public beach, rejecting a proposal to expand "
            "the neighbouring casino resort.",
            "The plan, backed by a group of local universities and shipbuilders, includes "
            "laboratories for offshore wind and hydrogen shipping and a 600-metre beach on the "
            "island's western shore.",
            "Construction is due to start next year and to be completed in stages by 2032, the "
            "prefecture said. The cost was put at 180 billion yen, about a third of it from "
            "private investors.",
        ],
        "title": "Osaka picks casino operator's rival plan for former expo site",
        "published": "2026-03-04T16:30:00+00:00",
        "feed": {"timezone": "Asia/Tokyo", "country": "JP"},
        "note": FEED_TZ_NOTE,
    },
    # 14. A naive page date and no feed zone: the outlet's country has one zone (FR).
    {
        "id": "naive-date-country-tz",
        "template": "wire",
        "site": "Dépêches de Lyon",
        "url": "https://depeches-lyon.example/monde/tunnel-lyon-turin",
        "headline": "Lyon-Turin rail tunnel reaches halfway mark",
        "page_date": "2026-03-05T00:40:00",
        "labels": [],
        "language": "en",
        "body": [
            "Boring machines working on the Lyon-Turin rail link passed the halfway point of the "
            "57-kilometre base tunnel under the Alps on Wednesday night, the project company said.",
            "Crews on the French side at Saint-Martin-la-Porte have dug 14.3 km of the two "
            "parallel tubes since 2021, while Italian teams have advanced from Chiomonte.",
            "The company said the tunnel should open to trains in 2033, two years later than "
            "planned, because of difficult rock near Modane.",
        ],
        "title": "Lyon-Turin rail tunnel reaches halfway mark",
        "published": "2026-03-04T23:40:00+00:00",
        "feed": {"country": "FR"},
    },
    # 15. A page date in the future (a scheduled template date): the feed's date is used.
    {
        "id": "future-page-date",
        "template": "tribune",
        "url": "https://lakesidetribune.example/news/lighthouse-restoration",
        "headline": "Volunteers finish restoring 1872 lighthouse",
        "page_date": "2031-01-01T00:00:00-06:00",
        "section": "Local",
        "language": "en",
        "body": [
            "Volunteers have finished a six-year restoration of the Point Aux Barques lighthouse, "
            "replacing rotted window frames, rebuilding the iron lantern room and repainting the "
            "tower in its original white.",
            "The lighthouse, built in 1872 and automated in 1958, will open to visitors on "
            "weekends from May, the historical society said.",
            "The $1.2 million project was paid for by donations, a state preservation grant and "
            "proceeds from the society's summer fish fry.",
            "Nearly 200 volunteers took part, including retired ironworkers who forged "
            "replacement parts for the lantern's railings.",
        ],
        "title": "Volunteers finish restoring 1872 lighthouse",
        "published": "2026-03-04T14:00:00+00:00",
        "feed": {"published": "2026-03-04T14:00:00+00:00"},
    },
    # 16. A template default date of 1970 and no feed date: the URL's date is used.
    {
        "id": "epoch-page-date",
        "template": "wire",
        "site": "Northern Dispatch",
        "url": "https://northerndispatch.example/2026/03/02/tromso-aurora-tourism",
        "headline": "Tromsø caps cruise visitors during aurora season",
        "page_date": "1970-01-01T00:00:00+00:00",
        "labels": [],
        "language": "en",
        "body": [
            "Tromsø will limit cruise ships to two a day during the aurora season from next "
            "winter, the northern Norwegian city's council decided on Monday.",
            "The number of winter visitors has tripled in a decade, and residents have complained "
            "about buses of tourists chasing the northern lights on narrow roads outside the city.",
            "Tour operators will also need a permit to use designated viewing areas, which will "
            "have parking and toilets.",
        ],
        "title": "Tromsø caps cruise visitors during aurora season",
        "published": "2026-03-02",
        "feed": {},
    },
    # 17. A page date that disagrees with the feed by months (a stale template): the feed wins.
    {
        "id": "stale-page-date",
        "template": "ledger",
        "url": "https://www.dailyledger.example/business/2026/mar/05/shipyard-order",
        "headline": "Glasgow shipyard wins order for three research vessels",
        "page_date": "2025-06-01T09:00:00+00:00",
        "section": "Business",
        "language": "en",
        "body": [
            "A Glasgow shipyard has won a £310m order to build three research vessels for a "
            "consortium of European universities, securing about 900 jobs for four years.",
            "The ships, designed to work in ice, will carry laboratories for ocean and climate "
            "research and will be based in Bergen, Kiel and Galway.",
            "Union officials said the order was the largest for a civilian vessel on the Clyde "
            "in more than a decade.",
            "The first ship is due to be delivered in 2029.",
        ],
        "title": "Glasgow shipyard wins order for three research vessels",
        "published": "2026-03-05T11:20:00+00:00",
        "feed": {"published": "2026-03-05T11:20:00+00:00"},
    },
    # 18. Title only in <title>, with a section and a site suffix.
    {
        "id": "title-pipe-suffix",
        "template": "brief",
        "url": "http://valleygazette.example/news/story.php?id=88240",
        "headline": "County approves wind farm setback rules | News | Valley Gazette",
        "headline_in_page": False,
        "page_date": "2026-03-04",
        "language": "en",
        "body": [
            "The county commission voted 4-1 on Wednesday to require wind turbines to stand at "
            "least 1,500 feet from homes, a compromise between developers and residents who had "
            "asked for twice that distance.",
            "Two companies have proposed wind farms in the west of the county with a combined 90 "
            "turbines. Both said the rules would let their projects go ahead with minor changes.",
            "The ordinance also sets limits on noise and shadow flicker and requires developers to "
            "post bonds to pay for removing turbines at the end of their life.",
        ],
        "title": "County approves wind farm setback rules",
        "published": "2026-03-04",
        "feed": {"published": "2026-03-04T20:00:00+00:00"},
    },
    # 19. og:title with the site name after a dash; the site name is known from og:site_name.
    {
        "id": "title-dash-site",
        "template": "tribune",
        "og_title": "Dunes park gets first new campground in 40 years - The Lakeside Tribune",
        "title_tag": "Dunes park gets first new campground in 40 years - The Lakeside Tribune",
        "url": "https://lakesidetribune.example/outdoors/2026/03/03/dunes-campground",
        "headline": "Dunes park gets first new campground in 40 years",
        "page_date": "2026-03-03T11:00:00-06:00",
        "section": "Outdoors",
        "language": "en",
        "body": [
            "The state park along the dunes will open its first new campground in four decades "
            "this summer, with 86 sites set back from the beach in a former tree farm.",
            "Campsites at the park fill within minutes when reservations open each winter, and "
            "the parks department said demand had grown by half since 2019.",
            "The new campground has electric hookups, a bathhouse and a trail to the beach that "
            "avoids the fragile foredunes, where plants have been trampled by visitors.",
            "Reservations open on April 1.",
        ],
        "title": "Dunes park gets first new campground in 40 years",
        "published": "2026-03-03T17:00:00+00:00",
        "feed": {"published": "2026-03-03T17:00:00+00:00"},
    },
    # 20. og:title that is only the site's name: skipped for the <h1>.
    {
        "id": "title-og-sitename",
        "template": "ledger",
        "og_title": "The Daily Ledger",
        "url": "https://www.dailyledger.example/uk/2026/mar/03/cardiff-library",
        "headline": "Cardiff's central library to stay open after campaign",
        "page_date": "2026-03-03T16:45:00+00:00",
        "section": "UK",
        "language": "en",
        "body": [
            "Cardiff council has dropped a plan to move the city's central library into a smaller "
            "building after a campaign by readers, authors and the library's own staff.",
            "More than 14,000 people signed a petition against the move, which the council had "
            "said would save £400,000 a year in rent and running costs.",
            "Instead the library will share its building with the council's advice services and a "
            "register office, bringing in rent from other departments.",
        ],
        "title": "Cardiff's central library to stay open after campaign",
        "published": "2026-03-03T16:45:00+00:00",
        "feed": {"published": "2026-03-03T16:50:00+00:00"},
    },
    # 21-26. Other languages, each with localised chrome and a consent banner.
    {
        "id": "fr-courrier",
        "template": "euro",
        "lang": "fr",
        "locale": "fr_FR",
        "site": "Le Courrier du Rhône",
        "author": "Claire Morel",
        "url": "https://courrier-rhone.example/societe/2026/03/04/lyon-velo",
        "headline": "Lyon va doubler le nombre de pistes cyclables d'ici 2030",
        "page_date": "2026-03-04T18:05:00+01:00",
        "language": "fr",
        "body": [
            "La métropole de Lyon a adopté mardi soir un plan qui prévoit de doubler la longueur "
            "des pistes cyclables séparées de la circulation d'ici à 2030.",
            "Le réseau passera de 520 à plus de 1 000 kilomètres, avec de nouvelles liaisons entre "
            "les communes de l'est et le centre-ville, où la part du vélo a triplé en dix ans.",
            "Le coût du plan est estimé à 250 millions d'euros. L'opposition a dénoncé la "
            "suppression de 4 000 places de stationnement sur les grands axes.",
            "Les premiers chantiers commenceront cet été sur les quais du Rhône et l'avenue "
            "Berthelot.",
        ],
        "title": "Lyon va doubler le nombre de pistes cyclables d'ici 2030",
        "published": "2026-03-04T17:05:00+00:00",
        "feed": {"published": "2026-03-04T17:05:00+00:00"},
    },
    {
        "id": "de-zeitung-dpa",
        "template": "euro",
        "lang": "de",
        "locale": "de_DE",
        "site": "Hamburger Tageszeitung",
        "author": "Jonas Becker",
        "url": "https://hamburger-tageszeitung.example/hamburg/2026/03/04/hafen-elbvertiefung",
        "headline": "Hamburger Hafen meldet erstmals seit Jahren wieder mehr Umschlag",
        "page_date": "2026-03-04T17:40:00+01:00",
        "tail": ["(dpa)"],
        "language": "de",
        "agency": "dpa",
        "body": [
            "Der Hamburger Hafen hat im vergangenen Jahr erstmals seit 2021 wieder mehr Container "
            "umgeschlagen. Die Menge stieg um 3,2 Prozent auf 7,9 Millionen Standardcontainer, "
            "wie die Hafenbehörde am Mittwoch mitteilte.",
            "Grund seien vor allem neue Liniendienste nach Asien und die abgeschlossene "
            "Fahrrinnenanpassung der Elbe, die größeren Schiffen die Zufahrt erleichtere.",
            "Der Wirtschaftssenator sprach von einer Trendwende. Die Konkurrenz in Rotterdam und "
            "Antwerpen wuchs allerdings stärker.",
            "Die Hafenwirtschaft fordert vom Bund mehr Geld für Kaimauern und Schienenanbindungen.",
        ],
        "title": "Hamburger Hafen meldet erstmals seit Jahren wieder mehr Umschlag",
        "published": "2026-03-04T16:40:00+00:00",
        "feed": {"published": "2026-03-04T16:40:00+00:00"},
    },
    {
        "id": "es-diario-efe",
        "template": "euro",
        "lang": "es",
        "locale": "es_ES",
        "site": "Diario del Levante",
        "author": "Redacción",
        "url": "https://diariolevante.example/valencia/2026/03/04/albufera-agua",
        "headline": "La Albufera recibirá más agua del Júcar para frenar la salinización",
        "page_date": "2026-03-04T13:20:00+01:00",
        "tail": ["(EFE)"],
        "language": "es",
        "agency": "EFE",
        "body": [
            "La Confederación Hidrográfica del Júcar aprobó este miércoles aumentar el caudal que "
            "llega al lago de la Albufera de Valencia para frenar la entrada de agua salada.",
            "El lago recibirá al menos 60 hectómetros cúbicos al año, frente a los 35 de los "
            "últimos años, según el acuerdo alcanzado con los regantes de la Ribera.",
            "Los científicos advierten de que la salinidad ha aumentado en la zona sur del lago, "
            "donde se han perdido praderas de plantas acuáticas.",
            "Las organizaciones ecologistas consideran la medida insuficiente y reclaman un "
            "calendario de obras para depurar los vertidos de las poblaciones cercanas.",
        ],
        "title": "La Albufera recibirá más agua del Júcar para frenar la salinización",
        "published": "2026-03-04T12:20:00+00:00",
        "feed": {"published": "2026-03-04T12:20:00+00:00"},
    },
    {
        "id": "it-giornale-ansa",
        "template": "euro",
        "lang": "it",
        "locale": "it_IT",
        "site": "Il Giornale di Torino",
        "author": "Marco Ferri",
        "url": "https://giornaletorino.example/cronaca/2026/03/03/metro-linea-2",
        "headline": "Torino, via libera ai cantieri della linea 2 della metropolitana",
        "page_date": "2026-03-03T19:00:00+01:00",
        "tail": ["(ANSA)"],
        "language": "it",
        "agency": "ANSA",
        "body": [
            "Il consiglio comunale di Torino ha approvato martedì il progetto definitivo della "
            "linea 2 della metropolitana, che collegherà il quartiere Barriera di Milano al "
            "centro e a Mirafiori.",
            "Il primo tratto, lungo circa dieci chilometri con tredici stazioni, costerà 1,8 "
            "miliardi di euro, finanziati in gran parte dallo Stato.",
            "I cantieri partiranno entro l'autunno e dureranno almeno sette anni. I commercianti "
            "di via Bologna chiedono indennizzi per i lavori.",
        ],
        "title": "Torino, via libera ai cantieri della linea 2 della metropolitana",
        "published": "2026-03-03T18:00:00+00:00",
        "feed": {"published": "2026-03-03T18:00:00+00:00"},
    },
    {
        "id": "pt-jornal-lusa",
        "template": "euro",
        "lang": "pt",
        "locale": "pt_PT",
        "site": "Jornal do Norte",
        "author": "Rita Sousa",
        "url": "https://jornaldonorte.example/pais/2026/03/05/porto-metro",
        "headline": "Metro do Porto abre nova linha até Vila Nova de Gaia",
        "page_date": "2026-03-05T09:30:00+00:00",
        "tail": ["(Lusa)"],
        "language": "pt",
        "agency": "Lusa",
        "body": [
            "A nova linha rosa do Metro do Porto começou a transportar passageiros esta "
            "quinta-feira, ligando a estação de São Bento ao centro de Vila Nova de Gaia.",
            "A linha tem quatro estações e uma nova ponte sobre o rio Douro, reservada ao metro, "
            "a peões e a bicicletas.",
            "A empresa espera transportar 30 mil passageiros por dia e reduzir o trânsito na "
            "ponte Luís I, que deixará de ter circulação automóvel no tabuleiro inferior.",
        ],
        "title": "Metro do Porto abre nova linha até Vila Nova de Gaia",
        "published": "2026-03-05T09:30:00+00:00",
        "feed": {"published": "2026-03-05T09:30:00+00:00"},
    },
    {
        "id": "nl-dagblad",
        "template": "euro",
        "lang": "nl",
        "locale": "nl_NL",
        "site": "Utrechts Dagblad",
        "author": "Sanne de Vries",
        "url": "https://utrechtsdagblad.example/utrecht/2026/03/02/fietsenstalling",
        "headline": "Grootste fietsenstalling ter wereld wordt verder uitgebreid",
        "page_date": "2026-03-02T14:10:00+01:00",
        "language": "nl",
        "body": [
            "De fietsenstalling bij station Utrecht Centraal, al de grootste ter wereld, krijgt "
            "er nog eens 3.000 plekken bij, heeft de gemeente maandag bekendgemaakt.",
            "De stalling onder het Stationsplein biedt nu ruimte aan 12.500 fietsen, maar is op "
            "doordeweekse ochtenden vaak vol.",
            "De uitbreiding komt onder het nieuwe busstation aan de westkant en moet in 2028 "
            "klaar zijn. De kosten bedragen 24 miljoen euro.",
        ],
        "title": "Grootste fietsenstalling ter wereld wordt verder uitgebreid",
        "published": "2026-03-02T13:10:00+00:00",
        "feed": {"published": "2026-03-02T13:10:00+00:00"},
    },
    # 27. Japanese: no spaces between words.
    {
        "id": "ja-shimbun",
        "template": "euro",
        "lang": "ja",
        "locale": "ja_JP",
        "site": "北陸新報",
        "author": "山田花子",
        "url": "https://hokuriku-shimpo.example/news/2026/03/04/shinkansen",
        "headline": "北陸新幹線の敦賀以西延伸、着工時期の判断を先送り",
        "page_date": "2026-03-04T20:00:00+09:00",
        "labels_override": {
            "also": "関連記事：",
            "also_link": "金沢駅前の再開発計画まとまる",
            "cookies": "当サイトではクッキーを使用しています。",
            "accept": "同意する",
            "nav": ["ニュース", "政治", "経済", "スポーツ", "くらし"],
            "by": "記者",
            "published": "2026年3月4日 20時00分",
            "newsletter": "メールマガジンの登録はこちら",
            "most_read": "よく読まれている記事",
            "teaser1": "能登の復興住宅、入居始まる",
            "teaser2": "富山の春祭り、四年ぶりに通常開催",
            "rights": "無断転載を禁じます",
        },
        "language": "ja",
        "body": [
            "国土交通省は4日、北陸新幹線の敦賀から新大阪までの延伸区間について、今年度中としていた着工の判断を来年度以降に先送りすると発表した。",
            "京都府内のルートを巡り、地下水への影響を懸念する地元の理解が得られていないことが理由だという。",
            "沿線の自治体からは早期の着工を求める声が相次いでおり、福井県の知事は「大変遺憾だ」とのコメントを出した。",
            "同省は環境影響評価の手続きを続けながら、地元との協議を重ねる方針だ。",
        ],
        "title": "北陸新幹線の敦賀以西延伸、着工時期の判断を先送り",
        "published": "2026-03-04T11:00:00+00:00",
        "feed": {"published": "2026-03-04T11:00:00+00:00"},
    },
    # 28. Picture credits and share rows around a story.
    {
        "id": "ledger-photo-credits",
        "template": "ledger",
        "url": "https://www.dailyledger.example/world/2026/mar/05/iceland-eruption",
        "headline": "Iceland evacuates Grindavík again as eruption begins",
        "page_date": "2026-03-05T03:55:00+00:00",
        "caption": "Lava fountains seen from the Reykjanes peninsula early on Thursday.",
        "photo": "Halldór Kolbeins/AFP via Getty Images",
        "section": "World",
        "language": "en",
        "promo": "Live: follow the latest on the Reykjanes eruption",
        "body": [
            "Iceland evacuated the fishing town of Grindavík and the Blue Lagoon spa early on "
            "Thursday after a volcanic eruption began on the Reykjanes peninsula, the country's "
            "meteorological office said.",
            "A fissure about three kilometres long opened north of the town shortly after 3am, "
            "sending lava fountains up to 50 metres into the air.",
            "The eruption is the tenth in the area since December 2023. Defensive walls built "
            "around the town and the nearby power station held back earlier lava flows.",
            "Keflavík international airport remained open and flights were operating normally, "
            "the airport operator said.",
        ],
        "title": "Iceland evacuates Grindavík again as eruption begins",
        "published": "2026-03-05T03:55:00+00:00",
        "feed": {"published": "2026-03-05T04:00:00+00:00"},
    },
    # 29. Syndicated copy with a republishing note at the end.
    {
        "id": "wire-syndicated-note",
        "template": "wire",
        "site": "Science Wire",
        "url": "https://sciencewire.example/environment/2026/03/03/kelp-forests",
        "headline": "Kelp forests recover along Tasmania's east coast",
        "page_date": "2026-03-03T21:00:00+00:00",
        "labels": ["First published on 3 March 2026"],
        "tail": [
            "This article is republished from a university newsroom under a Creative Commons "
            "licence. All rights reserved by the original publisher."
        ],
        "language": "en",
        "body": [
            "Giant kelp is growing back in patches along Tasmania's east coast, where more than "
            "95% of the forests disappeared over the past half-century as the sea warmed.",
            "Divers surveying eleven sites last summer found young kelp at seven of them, most "
            "grown from heat-tolerant strains that researchers planted in 2022.",
            "The recovery is still small, the researchers say, and a single marine heatwave could "
            "undo it. But it shows that restoration can work where the water does not stay too "
            "warm for too long.",
            "Sea urchins, which graze on kelp and have spread south with warmer currents, are "
            "being removed by commercial divers with the help of a state subsidy.",
        ],
        "title": "Kelp forests recover along Tasmania's east coast",
        "published": "2026-03-03T21:00:00+00:00",
        "feed": {"published": "2026-03-03T21:00:00+00:00"},
    },
    # 30. A long feature with subheads and several promos.
    {
        "id": "tribune-feature-subheads",
        "template": "tribune",
        "url": "https://lakesidetribune.example/news/2026/03/04/lake-levels",
        "headline": "Why the lake keeps rising, and what it means for the shore",
        "page_date": "2026-03-04T06:00:00-06:00",
        "section": "Environment",
        "author": "Rosa Delgado",
        "language": "en",
        "body": [
            "For the third spring in a row, homeowners along the south shore are watching the "
            "lake creep toward their decks and seawalls, and asking how much higher it will go.",
            "The answer, according to the federal agency that tracks the Great Lakes, depends "
            "mostly on how much snow falls this month in the basin's northern watersheds.",
            "## A wet decade",
            "Lake levels swing over years, not seasons. After record lows in 2013, a string of wet "
            "years pushed the lake to record highs in 2020, eroding bluffs and swallowing beaches.",
            "Levels dipped in 2022 and 2023 but have risen again, and are now about a foot above "
            "their long-term average for early March.",
            "## Shoreline choices",
            "Engineers say seawalls can make erosion worse for neighbors by deflecting waves. The "
            "county now encourages natural shorelines with native plants and stone, and offers "
            "small grants to homeowners who choose them.",
            "Some towns are going further. Lakeview Township bought out eleven homes on an eroding "
            "bluff last year and turned the land into a park.",
            "## What to watch",
            "The next forecast, published in mid-April, will show whether the lake is likely to set "
            "a new seasonal record this summer.",
        ],
        "title": "Why the lake keeps rising, and what it means for the shore",
        "published": "2026-03-04T12:00:00+00:00",
        "feed": {"published": "2026-03-04T12:00:00+00:00"},
    },
    # 31. PTI-style dateline copy in an Indian outlet's layout, with an inputs credit.
    {
        "id": "wire-pti-dateline",
        "template": "wire",
        "site": "Deccan Courier",
        "url": "https://deccancourier.example/india/2026/03/04/mumbai-coastal-road",
        "headline": "Mumbai coastal road's northern stretch opens to traffic",
        "page_date": "2026-03-04T19:20:00+05:30",
        "labels": ["Updated: 04 Mar 2026, 07:20 PM IST"],
        "tail": ["With inputs from PTI"],
        "language": "en",
        "agency": "PTI",
        "body": [
            "Mumbai, Mar 4 (PTI) The northern stretch of Mumbai's coastal road between Worli and "
            "Bandra opened to traffic on Wednesday, cutting travel time along the city's western "
            "seafront by about half an hour.",
            "The 10.6-km road, built partly on reclaimed land, connects to the Bandra-Worli sea "
            "link through a pair of new interchanges.",
            "Civic officials said around 70,000 vehicles are expected to use the road every day. "
            "Fishermen in Worli Koliwada have asked for wider gaps between pillars so that boats "
            "can pass safely.",
        ],
        "title": "Mumbai coastal road's northern stretch opens to traffic",
        "published": "2026-03-04T13:50:00+00:00",
        "feed": {"published": "2026-03-04T13:50:00+00:00"},
    },
    # 32. An English page in the feed's zone, where the page date carries an offset already.
    {
        "id": "tribune-offset-date",
        "template": "tribune",
        "url": "https://lakesidetribune.example/sports/2026/03/05/hockey-final",
        "headline": "Lakers win state hockey title in double overtime",
        "page_date": "2026-03-05T22:50:00-06:00",
        "section": "Sports",
        "language": "en",
        "body": [
            "Senior forward Mia Larsen scored 3:12 into the second overtime to give Lakeside its "
            "first state girls hockey title with a 3-2 win over Northfield on Thursday night.",
            "Northfield had tied the game with 41 seconds left in regulation on a power play goal "
            "by Ava Pike.",
            "Lakeside goalie Grace Kim made 38 saves, including a glove stop on a breakaway in the "
            "first overtime.",
            "The team will be honored at a rally in the school gym on Monday.",
        ],
        "title": "Lakers win state hockey title in double overtime",
        "published": "2026-03-06T04:50:00+00:00",
        "feed": {"published": "2026-03-06T04:55:00+00:00", "timezone": "America/Chicago"},
    },
]


def render(p: dict) -> str:
    if p["template"] == "euro":
        p = {**p, "labels": p.get("labels_override") or LABELS[p["lang"]]}
    if p["template"] == "brief" and p.get("headline_in_page") is False:
        html = brief({**p, "headline": p["title"]})
        return html.replace(
            f"<title>{escape(p['title'])} :: Valley Gazette</title>",
            f"<title>{escape(p['headline'])}</title>",
        ).replace(f'<font size="+2"><b>{escape(p["title"])}</b></font><br>', "")
    if p["template"] == "wire" and "tail" not in p:
        p = {**p, "tail": []}
    return TEMPLATES[p["template"]]({**p, "body": p.get("body") or []})


def main() -> None:
    out = HERE / "html"
    out.mkdir(exist_ok=True)
    gold: dict[str, dict] = {}
    for p in PAGES:
        (out / f"{p['id']}.html").write_text(render(p), encoding="utf-8")
        body = p.get("body")
        if body and p.get("gold_body_drop_last"):
            body = body[:-1]
        gold[p["id"]] = {
            "body": _gold_body(body) if body else None,
            "source": SOURCE,
            "url": p["url"],
            "title": p.get("title"),
            "published": p.get("published"),
            "language": p.get("language"),
            "outcome": p.get("outcome", "ok"),
            "agency": p.get("agency"),
            "feed": p.get("feed", {}),
        }
    (HERE / "gold.json").write_text(
        json.dumps(gold, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(gold)} pages to {out}")


if __name__ == "__main__":
    main()
