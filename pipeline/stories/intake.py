"""A batch of new articles as the story clusterer takes it in: table ``dd_new`` with each
article's story clock, key and fingerprint (computed here when the workers did not stage one)."""

from __future__ import annotations

import duckdb
import numpy as np

from pipeline.stories.clusters import Row
from pipeline.stories.fingerprints import FINGERPRINT_VERSION, INHERITED, N_BAND_KEYS, fingerprint
from pipeline.stories.keys import article_key

_INPUT_COLUMNS = (
    "article_id",
    "published_at",
    "fetched_at",
    "outlet",
    "title",
    "agency",
    "agency_evidence",
    "body",
)
_FP_COLUMNS = ("fingerprint_version", "fp_shingles", "fp_lede", "fp_band_keys")


def prepare_batch(con: duckdb.DuckDBPyConnection, source: str) -> list[Row]:
    """Copy the batch into ``dd_new`` with story clock, key and fingerprint (computing the
    fingerprints the workers did not stage)."""
    cols = {r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()}
    missing = [c for c in _INPUT_COLUMNS if c not in cols]
    if missing:
        raise ValueError(f"{source}: missing columns {missing}")
    staged = all(c in cols for c in _FP_COLUMNS)
    fp_sql = (
        f"""CASE WHEN fingerprint_version = '{FINGERPRINT_VERSION}'
                  AND len(fp_band_keys) = {N_BAND_KEYS}
                  AND fp_shingles IS NOT NULL AND fp_lede IS NOT NULL
             THEN true ELSE false END AS fp_ok,
             fp_shingles, fp_lede, fp_band_keys"""
        if staged
        else "false AS fp_ok, NULL::UINTEGER[] AS fp_shingles, NULL::UINTEGER[] AS fp_lede,"
        " NULL::BIGINT[] AS fp_band_keys"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE dd_new AS
        SELECT article_id, epoch_us(coalesce(published_at, fetched_at)) AS ts,
               epoch_us(fetched_at) AS fetched_us, published_at, fetched_at, outlet, title,
               CASE WHEN agency_evidence = '{INHERITED}' THEN NULL ELSE agency END
                   AS own_agency,
               CASE WHEN agency_evidence = '{INHERITED}' OR agency IS NULL THEN NULL
                    ELSE agency_evidence END AS own_evidence,
               {fp_sql}, body, NULL::BIGINT AS art_key
        FROM {source}
        """
    )
    rows = con.execute(
        "SELECT article_id, ts, fetched_us, outlet, own_agency, own_evidence FROM dd_new"
    ).fetchall()
    todo = con.execute("SELECT article_id, body FROM dd_new WHERE NOT fp_ok").fetchall()
    if todo:
        _fill_fingerprints(con, todo)
    keys = {r[0]: article_key(r[0]) for r in rows}
    con.register(
        "dd_keys_in",
        {
            "article_id": np.array(list(keys), dtype=object),
            "art_key": np.array(list(keys.values()), dtype=np.int64),
        },
    )
    con.execute(
        "UPDATE dd_new SET art_key = k.art_key FROM dd_keys_in k"
        " WHERE dd_new.article_id = k.article_id"
    )
    con.unregister("dd_keys_in")
    return [
        Row(keys[aid], aid, ts, fus, outlet, agency, evidence, new=True)
        for aid, ts, fus, outlet, agency, evidence in rows
    ]


def _fill_fingerprints(con: duckdb.DuckDBPyConnection, todo: list[tuple[str, str]]) -> None:
    """Fingerprints for rows the workers did not stage (older batches, re-extraction)."""
    ids, sh_id, sh_v, le_id, le_v, bk_id, bk_v = [], [], [], [], [], [], []
    for aid, body in todo:
        fp = fingerprint(body or "")
        ids.append(aid)
        sh_id += [aid] * len(fp.shingles)
        sh_v += fp.shingles
        le_id += [aid] * len(fp.lede)
        le_v += fp.lede
        bk_id += [aid] * len(fp.band_keys)
        bk_v += fp.band_keys
    for name, idcol, vals, dtype in (
        ("dd_fp_sh", sh_id, sh_v, np.uint32),
        ("dd_fp_le", le_id, le_v, np.uint32),
        ("dd_fp_bk", bk_id, bk_v, np.int64),
    ):
        con.register(
            name,
            {"article_id": np.array(idcol, dtype=object), "v": np.array(vals, dtype=dtype)},
        )
    con.register("dd_fp_ids", {"article_id": np.array(ids, dtype=object)})
    con.execute(
        """
        UPDATE dd_new SET fp_ok = true,
               fp_shingles = coalesce(f.sh, []::UINTEGER[]),
               fp_lede = coalesce(f.le, []::UINTEGER[]),
               fp_band_keys = f.bk
        FROM (
            SELECT i.article_id, sh.sh, le.le, bk.bk
            FROM dd_fp_ids i
            LEFT JOIN (SELECT article_id, list(v::UINTEGER ORDER BY v) AS sh
                       FROM dd_fp_sh GROUP BY article_id) sh USING (article_id)
            LEFT JOIN (SELECT article_id, list(v::UINTEGER ORDER BY v) AS le
                       FROM dd_fp_le GROUP BY article_id) le USING (article_id)
            LEFT JOIN (SELECT article_id, list(v::BIGINT) AS bk
                       FROM dd_fp_bk GROUP BY article_id) bk USING (article_id)
        ) f
        WHERE dd_new.article_id = f.article_id
        """
    )
    for name in ("dd_fp_sh", "dd_fp_le", "dd_fp_bk", "dd_fp_ids"):
        con.unregister(name)
