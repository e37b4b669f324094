"""Moved to ``tools/demo`` (tooling, not product): a shim for importers not yet updated."""

from pipeline.cli.tooling import load_tool

_demo = load_tool("demo", "demo")
DEMO_ROOT, demo_hosts, serve, write_demo_feeds = (
    _demo.DEMO_ROOT,
    _demo.demo_hosts,
    _demo.serve,
    _demo.write_demo_feeds,
)
