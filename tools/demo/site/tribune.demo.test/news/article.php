<!DOCTYPE html>
<html lang="en-IN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mumbai can expect an early, above-normal monsoon, forecasters say - Harbour Tribune</title>
<meta name="description" content="BMC brings desilting forward as flood-prone spots rise to 386.">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Harbour Tribune">
<meta property="og:title" content="Mumbai can expect an early, above-normal monsoon, forecasters say">
<meta property="og:description" content="BMC brings desilting forward as flood-prone spots rise to 386.">
<meta property="og:url" content="http://tribune.demo.test:{{PORT}}/2026/03/04/mumbai-monsoon-forecast.html">
<link rel="canonical" href="http://tribune.demo.test:{{PORT}}/2026/03/04/mumbai-monsoon-forecast.html">
<meta name="author" content="Priya Raghunathan">
<meta property="article:published_time" content="2026-03-04T11:30:00+05:30">
<script type="application/ld+json">
{
  "@context": "https://schema.org",
  "@type": "NewsArticle",
  "headline": "Mumbai can expect an early, above-normal monsoon, forecasters say",
  "description": "BMC brings desilting forward as flood-prone spots rise to 386.",
  "datePublished": "2026-03-04T11:30:00+05:30",
  "dateModified": "2026-03-04T11:30:00+05:30",
  "mainEntityOfPage": {
    "@type": "WebPage",
    "@id": "http://tribune.demo.test:{{PORT}}/2026/03/04/mumbai-monsoon-forecast.html"
  },
  "publisher": {
    "@type": "Organization",
    "name": "Harbour Tribune",
    "logo": {
      "@type": "ImageObject",
      "url": "http://tribune.demo.test:{{PORT}}/static/logo.png"
    }
  },
  "author": [
    {
      "@type": "Person",
      "name": "Priya Raghunathan"
    }
  ]
}
</script>
</head>
<body class="single-post tribune">
<div class="gdpr-consent">
<p>This website uses cookies to ensure you get the best experience. <a href="/">Learn more</a></p>
<button>Got it!</button>
</div>
<div class="top-strip">Mumbai | Wednesday, Mar 04, 2026 | <a href="/">e-Paper</a> | <a href="/">Subscribe</a></div>
<header class="tribune-header">
<a class="site-title" href="/">Harbour Tribune</a>
<nav id="primary-menu"><ul>
<li><a href="/">Home</a></li><li><a href="/">Mumbai</a></li><li><a href="/">Maharashtra</a></li><li><a href="/">India</a></li><li><a href="/">World</a></li><li><a href="/">Business</a></li><li><a href="/">Cricket</a></li><li><a href="/">Entertainment</a></li>
</ul></nav>
</header>
<div class="breaking-ticker"><strong>Trending:</strong> <a href="/">Local train timetable</a> &middot; <a href="/">Coastal road</a> &middot; <a href="/">Gold rate today</a></div>
<main class="content-area">
<article class="post">
<h1 class="entry-title">Mumbai can expect an early, above-normal monsoon, forecasters say</h1>
<div class="entry-meta"><span class="author">By Priya Raghunathan</span> | <span class="posted-on">Updated: Mar 04, 2026, 11:30 IST</span></div>
<div class="entry-content">
<p>MUMBAI: The southwest monsoon could reach Mumbai as early as the first week of June this year and bring above-normal rainfall to Maharashtra's coastal belt, according to an early seasonal outlook presented to civic officials on Tuesday.</p>
<p>The outlook, prepared by meteorologists at the regional weather office in Colaba, puts the chance of an above-normal season along the Konkan coast at around 60 per cent, citing cooling sea-surface temperatures in the equatorial Pacific and a warm Arabian Sea.</p>
<p>"It is early days, and a March outlook can change a great deal by May," said Dr Sunil Pawar, a senior scientist who presented the findings. "But the signals we are seeing all point the same way, towards a wetter-than-usual June and July for the city."</p>
<p>Mumbai receives about 2,300 mm of rain in a typical monsoon season, much of it in a handful of very heavy spells that regularly overwhelm the city's drains.</p>
<p>For the Brihanmumbai Municipal Corporation (BMC), the forecast adds urgency to pre-monsoon work. Civic officials said desilting of the major nullahs and the Mithi river had been brought forward by two weeks and would be completed by mid-May. The corporation has identified 386 flood-prone spots this year, up from 350 last year, and plans to install additional dewatering pumps at the worst of them.</p>
<p>Residents of low-lying areas such as Sion, Kurla and Andheri were sceptical. "Every year we hear the same promises," said Rekha Sawant, who runs a grocery shop near the Andheri subway, which floods almost every July. "If the rain is heavier this time, the pumps have to actually work."</p>
<p>Farmers elsewhere in Maharashtra, especially in drought-prone Marathwada, will also be watching closely, since a timely monsoon is crucial for the kharif sowing of soybean and cotton. The state agriculture department said it would issue district-level advisories once the first official long-range forecast is released in April.</p>
</div>
<div class="follow-us">Follow Harbour Tribune on <a href="#">WhatsApp</a> and <a href="#">X</a> for the latest updates.</div>
</article>
<aside class="related">
<h2>Related stories</h2>
<ul>
  <li><a href="/world/americas/brazil-floods-sao-paulo-state-death-toll.html">Brazil: Floods, landslides kill 11 in Sao Paulo state</a></li>
  <li><a href="/">More from Harbour Tribune</a></li>
</ul>
</aside>
<div class="widget newsletter">
<h3>Newsletter</h3>
<p>Subscribe to the Harbour Tribune morning brief: Mumbai's news in five minutes.</p>
<form action="/subscribe" method="post"><input type="email" name="email" placeholder="you@example.com"><button>Subscribe</button></form>
</div>
<section id="comments" class="comments">
<h2>Reader comments (2)</h2>
<ol>
<li class="comment"><span class="comment-author">Anand K</span> <time class="comment-time">Mar 04, 2026, 12:02 IST</time><p class="comment-body">Same story every March. Let us see the pumps working in July first.</p><a href="#comments" class="reply">Reply</a> <a href="#comments" class="report">Report</a></li>
<li class="comment"><span class="comment-author">Meera_Thane</span> <time class="comment-time">Mar 04, 2026, 12:40 IST</time><p class="comment-body">Good news for farmers in Marathwada if it holds.</p><a href="#comments" class="reply">Reply</a> <a href="#comments" class="report">Report</a></li>
</ol>
<p class="comments-policy">Comments are moderated and may take a few minutes to appear. Please keep it civil.</p>
</section>
</main>
<footer class="site-footer">
<p><a href="/">About us</a> | <a href="/">Advertise</a> | <a href="/">Privacy policy</a> | <a href="/">Terms and conditions</a> | <a href="/">Grievance redressal</a></p>
<p>&copy; 2026 Harbour Tribune Publications Pvt Ltd, Mumbai. All rights reserved.</p>
</footer>
</body>
</html>
