#!/usr/bin/env python3
"""Renders `parkguide backtest --json` documents as the Markdown tables of docs/forecast.md.

    python3 tools/forecast_tables.py birmingham.json guangzhou.json ... > tables.md

Standard library only; the same input gives the same output.
"""
import json
import sys

METHODS = [("model", "model"), ("persistence", "persistence"),
           ("historical_average", "historical average"), ("hsl", "HSL")]


def tables(doc):
    out = []
    c = doc["coverage"]
    out.append(f"### {doc['dataset']}\n")
    out.append(f"Train {c['first']} – {c['train_until']}, test to {c['last']} "
               f"({doc['time_zone']}, calendar `{doc['calendar']}`).\n")
    out.append(f"Coverage: {c['series']} series, {c['series_scored']} scored, "
               f"{c['series_profile_only']} profile-only, {c['series_no_training']} without "
               f"training data; {c['samples']:,} samples ({c['duplicates']:,} duplicate, "
               f"{c['above_capacity']:,} above capacity and {c['negative']:,} negative — clamped, "
               f"{c['frozen']:,} frozen — dropped); {c['train_slots']:,} valid training slots, "
               f"{c['test_slots']:,} valid test slots, {c['test_origins']:,} forecast origins.\n")
    out.append("MAE as share of capacity (in spaces); **bold** is the best of the row.\n")
    out.append("| horizon | n | " + " | ".join(m[1] for m in METHODS) + " |")
    out.append("|---|---|" + "---|" * len(METHODS))
    for h in doc["horizons"]:
        best = min(h[m]["mae"] for m, _ in METHODS)
        cells = []
        for m, _ in METHODS:
            s = f"{h[m]['mae']:.4f} ({h[m]['mae_spaces']:.2f})"
            cells.append(f"**{s}**" if h[m]["mae"] == best else s)
        out.append(f"| {h['minutes']} min | {h['n']:,} | " + " | ".join(cells) + " |")
    out.append("\nRMSE as share of capacity (in spaces).\n")
    out.append("| horizon | " + " | ".join(m[1] for m in METHODS) + " |")
    out.append("|---|" + "---|" * len(METHODS))
    for h in doc["horizons"]:
        cells = [f"{h[m]['rmse']:.4f} ({h[m]['rmse_spaces']:.2f})" for m, _ in METHODS]
        out.append(f"| {h['minutes']} min | " + " | ".join(cells) + " |")
    out.append("\nP(at least one free space): Brier score (climatology in brackets) and "
               "reliability, predicted / observed (n) per decile of the forecast.\n")
    out.append("| horizon | Brier | " + " | ".join(f"{d/10:.1f}–{(d+1)/10:.1f}" for d in range(10))
               + " |")
    out.append("|---|---|" + "---|" * 10)
    for h in doc["horizons"]:
        p = h["p_free"]
        cells = []
        for b in p["reliability"]:
            cells.append("–" if b["n"] == 0 else
                         f"{b['predicted']:.2f} / {b['observed']:.2f} ({b['n']:,})")
        out.append(f"| {h['minutes']} min | {p['brier']:.4f} ({p['brier_climatology']:.4f}) | "
                   + " | ".join(cells) + " |")
    out.append("")
    return "\n".join(out)


def main():
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            print(tables(json.load(f)))


if __name__ == "__main__":
    main()
