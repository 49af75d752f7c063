#!/usr/bin/env python3
"""The soak's verdict and plot (bench/soak.sh, docs/benchmarks.md "Soak").

    bench/plot_soak.py CSV [PNG] [--warmup-min 10] [--title TEXT]
                       [--obs-per-s 50000] [--guidance-per-s 2000]

Reads the CSV of bench/soak.cc (one line per interval) and prints the verdict:

- load held: after the warm-up, observations acknowledged and guidance answers per second average
  at least 98 % of their targets (an open-loop load the server cannot keep up with falls behind;
  its latencies, counted from the due times, then grow without bound);

- memory: after the warm-up, the server's RSS stays within ±10 % of its median (max ≤ 1.1 ×
  median and min ≥ 0.9 × median);
- latency: for ingest p99, guidance p99 and stream delivery-lag p99, the median of the intervals'
  p99 in the last third after warm-up is at most 1.5 × that of the first third (+1 ms, so that
  sub-millisecond noise is not a trend). Intervals whose p99 exceeds 5 × the run's median p99
  are listed as spikes (reported, not judged: the machine is shared).

The warm-up is --warmup-min minutes, or a third of the run when the run is shorter than three
warm-ups (a short check run). Then, given PNG, three panels over time: RSS with the ±10 % band,
the p99s (log scale), and the rates. Needs matplotlib for the plot (Debian: python3-matplotlib);
without it the verdict is still printed and the exit code is 3 (bench/soak.sh then falls back to
gnuplot). Exit code 0 when the verdict passes, 1 when it fails.
"""
import argparse
import csv
import statistics
import sys

LATENCIES = [("ingest_p99_ms", "ingest request p99"),
             ("guidance_p99_ms", "guidance p99"),
             ("stream_lag_p99_ms", "stream delivery lag p99")]


def read_rows(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = []
        for r in reader:
            if None in r or None in r.values():
                sys.exit(f"{path}:{reader.line_num}: {len(reader.fieldnames)} columns expected")
            rows.append({k: float(v) for k, v in r.items()})
    # The last line covers what finished after the run's end: a short interval, not a sample.
    if len(rows) > 2 and rows[-1]["elapsed_s"] - rows[-2]["elapsed_s"] < 0.5 * (
            rows[1]["elapsed_s"] - rows[0]["elapsed_s"]):
        rows = rows[:-1]
    return rows


def warmup_seconds(rows, warmup_min):
    length = rows[-1]["elapsed_s"] if rows else 0
    return min(warmup_min * 60, length / 3)


def memory_verdict(after):
    rss = [r["server_rss_mib"] for r in after]
    med = statistics.median(rss)
    lo, hi = min(rss), max(rss)
    ok = hi <= 1.1 * med and lo >= 0.9 * med
    print(f"memory: RSS after warm-up median {med:.1f} MiB, min {lo:.1f} ({(lo / med - 1) * 100:+.1f} %), "
          f"max {hi:.1f} ({(hi / med - 1) * 100:+.1f} %): {'PASS' if ok else 'FAIL'} (±10 %)")
    first, last = after[0]["server_rss_mib"], after[-1]["server_rss_mib"]
    span_h = (after[-1]["elapsed_s"] - after[0]["elapsed_s"]) / 3600
    if span_h > 0:
        print(f"        first {first:.1f} → last {last:.1f} MiB after warm-up "
              f"({(last - first) / span_h:+.1f} MiB/h)")
    return ok


def latency_verdict(after, column, label):
    values = [r[column] for r in after if r[column] > 0]
    if len(values) < 3:
        print(f"latency: {label}: too few intervals with samples")
        return True
    third = max(1, len(values) // 3)
    early, late = statistics.median(values[:third]), statistics.median(values[-third:])
    ok = late <= 1.5 * early + 1.0
    med = statistics.median(values)
    spikes = [(r["elapsed_s"], r[column]) for r in after if r[column] > 5 * med]
    print(f"latency: {label}: median of interval p99s {med:.2f} ms; first third {early:.2f}, "
          f"last third {late:.2f} ms: {'PASS' if ok else 'FAIL'} (last ≤ 1.5 × first + 1 ms); "
          f"max {max(values):.2f} ms; {len(spikes)} spike(s) > 5 × median"
          + (": " + ", ".join(f"{t / 60:.1f} min {v:.0f} ms" for t, v in spikes[:8]) if spikes else ""))
    return ok


def load_verdict(after, targets):
    ok = True
    for column, label, target in [("ingest_obs_per_s", "observations acknowledged/s", targets[0]),
                                  ("guidance_per_s", "guidance answers/s", targets[1])]:
        mean = statistics.mean(r[column] for r in after)
        held = mean >= 0.98 * target
        ok = ok and held
        print(f"load: {label}: mean {mean:,.0f} after warm-up, target {target:,.0f}: "
              f"{'PASS' if held else 'FAIL (not held)'}")
    events = statistics.mean(r["stream_events_per_s"] for r in after)
    connected = min(r["stream_connected"] for r in after)
    print(f"load: stream events delivered/s: mean {events:,.0f}; fewest clients connected {connected:.0f}")
    return ok


def verdict(rows, warmup_min, targets):
    warm = warmup_seconds(rows, warmup_min)
    after = [r for r in rows if r["elapsed_s"] > warm]
    print(f"verdict over {rows[-1]['elapsed_s'] / 60:.1f} min, warm-up {warm / 60:.1f} min excluded "
          f"({len(after)} intervals):")
    if len(after) < 3:
        print("too few intervals after the warm-up for a verdict")
        return False
    ok = load_verdict(after, targets)
    ok = memory_verdict(after) and ok
    for column, label in LATENCIES:
        ok = latency_verdict(after, column, label) and ok
    errors = sum(r[c] for r in rows for c in rows[0] if c.endswith("_err_status") or c.endswith("_err_conn"))
    print(f"errors: {errors:.0f} in all (non-200 answers and connection failures, every load)")
    print(f"flat: {'PASS' if ok else 'FAIL'}")
    return ok


def plot(rows, png, warmup_min, title, targets):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    t = [r["elapsed_s"] / 60 for r in rows]
    warm = warmup_seconds(rows, warmup_min) / 60
    after = [r["server_rss_mib"] for r in rows if r["elapsed_s"] / 60 > warm]
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(10, 10), sharex=True)
    ax1.plot(t, [r["server_rss_mib"] for r in rows], color="tab:blue", label="server RSS")
    if after:
        med = statistics.median(after)
        ax1.axhspan(0.9 * med, 1.1 * med, color="tab:blue", alpha=0.1, label="±10 % of median after warm-up")
    ax1.set_ylabel("RSS (MiB)")
    ax1.set_ylim(bottom=0)
    for ax in (ax1, ax2, ax3):
        ax.axvspan(0, warm, color="grey", alpha=0.12)
        ax.grid(alpha=0.3)
    ax1.legend(loc="lower right")
    for column, label in LATENCIES:
        if any(r[column] > 0 for r in rows):  # a load switched off is not drawn
            ax2.plot(t, [max(r[column], 0.01) for r in rows], label=label)
    ax2.set_yscale("log")
    ax2.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax2.set_ylabel("p99 per interval (ms)")
    ax2.legend(loc="upper right", fontsize="small")
    for column, label, target in [("ingest_obs_per_s", "observations acknowledged/s", targets[0]),
                                  ("stream_events_per_s", "stream events delivered/s", None),
                                  ("guidance_per_s", "guidance answers/s", targets[1])]:
        if not any(r[column] > 0 for r in rows):
            continue
        line, = ax3.plot(t, [max(r[column], 1) for r in rows], label=label)
        if target:
            ax3.axhline(target, color=line.get_color(), linestyle="--", linewidth=0.8)
    ax3.set_yscale("log")
    ax3.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax3.set_ylabel("per second")
    ax3.set_xlabel("minutes (grey: warm-up, excluded from the verdict; dashed: the targets)")
    ax3.legend(loc="lower right", fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    print(f"plot: {png}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("csv")
    p.add_argument("png", nargs="?")
    p.add_argument("--warmup-min", type=float, default=10)
    p.add_argument("--title", default="parkguide soak")
    p.add_argument("--obs-per-s", type=float, default=50000)
    p.add_argument("--guidance-per-s", type=float, default=2000)
    a = p.parse_args()
    rows = read_rows(a.csv)
    if not rows:
        print(f"{a.csv}: no intervals", file=sys.stderr)
        return 1
    ok = verdict(rows, a.warmup_min, (a.obs_per_s, a.guidance_per_s))
    if a.png:
        try:
            plot(rows, a.png, a.warmup_min, a.title, (a.obs_per_s, a.guidance_per_s))
        except ImportError:
            print("plot: matplotlib is not installed (python3-matplotlib)", file=sys.stderr)
            return 3
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
