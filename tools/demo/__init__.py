"""The bundled offline demo web: a small fictional news web (``site/``) and its loopback server.

Used by ``newsflow demo``, ``newsflow airflow``, the end-to-end tests and the extraction
evaluation (its pages carry ground truth in ``site/MANIFEST.yaml``).
"""

from tools.demo.server import DEMO_ROOT, demo_hosts, make_handler, serve, write_demo_feeds

__all__ = ["DEMO_ROOT", "demo_hosts", "make_handler", "serve", "write_demo_feeds"]
