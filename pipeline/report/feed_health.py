"""Feeds that need a person: the ones adaptive polling marks ``failing`` or ``dead``.

Why: a feed that has answered 404 for a week costs almost nothing once it backs off, so nothing
else makes it visible; the operator has to be told, with the last error, to fix or drop it.
Read from ``feed_polls`` (each feed's latest counted poll), not from the marts, so it works on
any database the pipeline wrote.
"""

from __future__ import annotations

from typing import Any

FEEDS_DOWN = """
WITH latest AS (
    SELECT feed_id, feed_url, polled_at, outcome, status_code, error, feed_state,
           next_due_at, schedule_note
    FROM feed_polls
    WHERE outcome <> 'deferred' AND feed_state IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY feed_id ORDER BY polled_at DESC) = 1
), last_ok AS (
    SELECT feed_id, max(polled_at) AS last_success
    FROM feed_polls WHERE outcome IN ('ok', 'not_modified', 'partial') GROUP BY feed_id
)
SELECT l.feed_id, l.feed_url, l.feed_state, l.outcome AS last_outcome, l.status_code,
       l.error AS last_error, l.polled_at AS last_polled, o.last_success, l.next_due_at,
       l.schedule_note
FROM latest l LEFT JOIN last_ok o USING (feed_id)
WHERE l.feed_state IN ('failing', 'dead')
ORDER BY l.feed_state = 'dead' DESC, o.last_success NULLS FIRST, l.feed_id
"""


def feeds_down(con: Any) -> list[dict[str, Any]]:
    """Dead feeds first, then failing ones, each with its last error and when it last worked.
    A file written before adaptive polling (no ``feed_state`` column) has none to show."""
    has = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'feed_polls' "
        "AND column_name = 'feed_state' AND schema_name = 'main'"
    ).fetchone()[0]
    if not has:
        return []
    cur = con.execute(FEEDS_DOWN)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
