"""``provenance features``: per-output channel features as a Parquet (or CSV) table."""

from __future__ import annotations

import argparse
from typing import Any

from .common import (
    add_command,
    add_data_options,
    add_feature_options,
    add_force,
    add_scale_options,
    feature_kwargs,
    load,
    scale_kwargs,
)
from .output import write_with

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
        "The table reads in pandas, Polars or R.",
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
        default="embedding,style,lexical,identity",
        help="comma-separated channels to compute",
    )
    add_feature_options(p)
    add_scale_options(p)
    p.set_defaults(func=run, outputs={"out": TABLE_SUFFIXES})


def run(args: argparse.Namespace) -> int:
    from ..features import compute_features, features_table, parse_channels

    channels = parse_channels(args.channels)
    features = compute_features(load(args), channels, **feature_kwargs(args), **scale_kwargs(args))
    table = features_table(features, channels)
    detail = f": {len(table)} rows x {table.shape[1]} columns"
    if args.out.lower().endswith(".csv"):
        write_with(lambda tmp: table.to_csv(tmp, index=False), args.out, detail)
    else:
        write_with(lambda tmp: table.to_parquet(tmp, index=False), args.out, detail)
    return 0
