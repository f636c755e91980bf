"""``provenance features``: per-output channel features as a Parquet (or CSV) table."""

from __future__ import annotations

import argparse
import time
from typing import Any

from ..files import atomic_path
from .common import (
    DEFAULT_CHANNELS,
    add_command,
    add_data_options,
    add_feature_options,
    add_force,
    add_scale_options,
    feature_options,
    load,
    say,
)

__all__ = ["add_parser", "run"]

TABLE_SUFFIXES = (".parquet", ".pq", ".csv")


def add_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "features",
        help="write per-output channel features to Parquet (or CSV)",
        description="Compute (or read from the cache) every channel's features of every "
        "output and write one row per (model, prompt): model, prompt_id, then the feature "
        "columns (embedding dimensions, style features, identity leaks, lexical totals). "
        "The table reads in pandas, Polars or R. With --shard-rows (automatic above 200000 "
        "outputs) it is written shard by shard, rows grouped by blocks of prompts.",
        examples=[
            "provenance features outputs.jsonl --out features.parquet",
            "provenance features outputs.jsonl --channels style,identity --out style.csv",
        ],
    )
    add_data_options(p)
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="the table to write: .parquet (or .pq), or .csv",
    )
    add_force(p)
    p.add_argument(
        "--channels",
        default=",".join(DEFAULT_CHANNELS),
        help="comma-separated channels to compute",
    )
    add_feature_options(p)
    add_scale_options(p)
    p.set_defaults(func=run, outputs={"out": TABLE_SUFFIXES})


def run(args: argparse.Namespace) -> int:
    from ..features import compute_features, feature_tables, parse_channels

    channels = parse_channels(args.channels)
    features = compute_features(load(args), channels, feature_options(args))
    shape = [0, 0]
    csv = args.out.lower().endswith(".csv")

    def write(tmp: Any) -> None:  # part by part: sharded features stay bounded in memory
        writer = None
        for k, part in enumerate(feature_tables(features, channels)):
            shape[0] += len(part)
            shape[1] = part.shape[1]
            if csv:
                part.to_csv(tmp, index=False, mode="w" if k == 0 else "a", header=k == 0)
                continue
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(part, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    with atomic_path(args.out) as tmp:
        write(tmp)
    say(f"wrote {args.out}: {shape[0]} rows x {shape[1]} columns in "
        f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    return 0
