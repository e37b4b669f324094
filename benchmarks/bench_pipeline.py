"""End-to-end ingest throughput on a synthetic loopback site: poll, fetch+extract, load.

Serves N generated article pages (realistic chrome, ~400 words each, distinct texts) from one
feed per outlet on 127.0.0.1, runs ``pipeline.run.passes.run_pass`` without the dbt build, and prints
the time of each stage, pages per second and the peak RSS of this process and its workers.

    .venv/bin/python benchmarks/bench_pipeline.py --pages 400 --outlets 4

Per-host politeness is set to 0 here (it would otherwise dominate: it is a deliberate wait).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import resource
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WORDS = [
    "officials",
    "said",
    "the",
    "government",
    "minister",
    "council",
    "city",
    "region",
    "police",
    "court",
    "river",
    "army",
    "election",
    "vote",
    "talks",
    "ceasefire",
    "flood",
    "storm",
    "rain",
    "market",
    "prices",
    "trade",
    "port",
    "ships",
    "workers",
    "strike",
    "union",
    "hospital",
    "school",
    "report",
    "agency",
    "spokesman",
    "residents",
    "morning",
    "evening",
    "week",
    "capital",
    "province",
    "border",
    "bridge",
    "road",
    "train",
    "power",
    "water",
    "fire",
    "forest",
    "rescue",
    "families",
]
PLACES = ["Kherson", "Mumbai", "Nairobi", "Osaka", "Manchester", "Sao Paulo", "Lagos", "Lima"]


def article_html(outlet: int, n: int) -> bytes:
    rng = random.Random(outlet * 100_000 + n)
    paras = []
    for _ in range(8):
        words = [rng.choice(WORDS) for _ in range(50)]
        words[rng.randrange(50)] = rng.choice(PLACES)
        paras.append("<p>" + " ".join(words).capitalize() + ".</p>")
    title = f"Report {n} from outlet {outlet}: {rng.choice(PLACES)} {rng.choice(WORDS)}"
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title} | Outlet {outlet}</title>"
        f"<meta property='og:title' content='{title}'>"
        "<meta property='article:published_time' content='2026-03-03T10:00:00+00:00'></head>"
        "<body><div class='cookie'>We use cookies. <button>Accept</button></div>"
        "<nav><a href='/'>Home</a> <a href='/'>World</a> <a href='/'>Sport</a></nav>"
        f"<main><article><h1>{title}</h1><p>Published 3 March 2026</p>{''.join(paras)}"
        "<p>(AFP)</p></article><aside><h2>Related</h2><ul><li><a href='/'>More</a></li></ul>"
        "</aside></main><footer>© 2026 Outlet</footer></body></html>"
    ).encode()


def feed_xml(outlet: int, port: int, pages: int) -> bytes:
    items = "".join(
        f"<item><title>Report {n}</title>"
        f"<link>http://o{outlet}.bench.test:{port}/a/{n}.html</link>"
        "<pubDate>Tue, 03 Mar 2026 10:00:00 +0000</pubDate></item>"
        for n in range(pages)
    )
    return f'<rss version="2.0"><channel><title>o{outlet}</title>{items}</channel></rss>'.encode()


def make_server(pages_per_outlet: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            return

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0]
            outlet = int(host.split(".")[0][1:])
            port = self.server.server_address[1]
            if self.path == "/feed.xml":
                body, ctype = feed_xml(outlet, port, pages_per_outlet), "application/rss+xml"
            elif self.path.startswith("/a/"):
                body, ctype = article_html(outlet, int(self.path[3:-5])), "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


def _sample_tree_rss(peak: list[float], stop: threading.Event) -> None:
    import psutil

    me = psutil.Process()
    while not stop.is_set():
        total = 0
        for p in [me, *me.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        peak[0] = max(peak[0], total / 2**20)
        stop.wait(0.2)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pages", type=int, default=400, help="total article pages")
    ap.add_argument("--outlets", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2, help="extraction worker processes")
    args = ap.parse_args()

    from pipeline.run.passes import run_pass
    from pipeline.settings import FeedConfig, Settings

    per = args.pages // args.outlets
    server = make_server(per)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            feeds=[
                FeedConfig(id=f"o{i}", url=f"http://o{i}.bench.test:{port}/feed.xml")
                for i in range(args.outlets)
            ],
            db_path=Path(tmp) / "bench.duckdb",
            allow_private_hosts=True,
            resolve={f"o{i}.bench.test": "127.0.0.1" for i in range(args.outlets)},
            per_host_delay=0,
            respect_robots=False,
            extract_workers=args.workers,
            max_items_per_feed=max(per, 1),
            batch_size=100,
        )
        stages: list[tuple[float, str]] = []
        peak, stop = [0.0], threading.Event()
        threading.Thread(target=_sample_tree_rss, args=(peak, stop), daemon=True).start()
        t0 = time.monotonic()
        summary = run_pass(
            settings, build=False, progress=lambda m: stages.append((time.monotonic() - t0, m))
        )
        total = time.monotonic() - t0
    server.shutdown()
    for t, msg in stages:
        print(f"{t:7.2f}s  {msg}")
    stop.set()
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = summary.loaded.get("articles", 0)
    print(
        f"\npages={args.pages} outlets={args.outlets} workers={args.workers}: {n} articles loaded in "
        f"{total:.1f}s -> {n / total:.1f} articles/s end to end (no dbt build)\n"
        f"peak RSS: main process {self_rss:.0f} MiB; whole process tree (main + forkserver +"
        f" workers, sampled every 0.2 s) {peak[0]:.0f} MiB"
    )


if __name__ == "__main__":
    main()
