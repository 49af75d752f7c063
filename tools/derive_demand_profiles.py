#!/usr/bin/env python3
"""Derive the demo city's demand profiles from the real datasets and print them as a C++ header.

Usage (from the repository root):

    python3 tools/derive_demand_profiles.py [DATA_DIR] > src/ingest/simulator/demand_profiles.h
    clang-format -i src/ingest/simulator/demand_profiles.h

DATA_DIR defaults to ../shared/data relative to the repository root (the directory above tools/).
Add --report to also print, on stderr, the diagnostics quoted in docs/demo-profiles.md.

Python 3.9+ standard library only (csv, datetime, statistics, math, zoneinfo). Deterministic: the
same data gives byte-identical output. Only derived numbers are printed; no data rows are copied.

Datasets used (each directory has a README.md describing its quirks):
  guangzhou-parking/              land-use occupancy profiles (C, O, R, H, S+T)
  parkapi-germany/                park-and-ride profile (and a German city-centre cross-check)
  birmingham-parking/             cross-check of daytime levels only (no land use, no nights)
  melbourne-onstreet/             on-street arrivals and dwell times (violations subset!)
  ev-charging-shenzhen-guangzhou/ EV connector occupancy
"""

import csv
import datetime as dt
import math
import os
import statistics as st
import sys
from collections import Counter, defaultdict

SLOTS5 = 288  # 5-minute slots per day
HALF_HOURS = 48
DAYTIME = (8 * 12, 20 * 12)  # 08:00-20:00, 5-minute indices, for the daily level
NOISE_WINDOW = (6 * 12, 21 * 12)  # 06:00-21:00: noise statistics (ParkAPI is 5-minute only then)

WEEKDAY, SATURDAY, SUNDAY = 0, 1, 2
DAY_TYPE_NAMES = ("weekday", "Saturday", "Sunday")


def day_type(date, holidays=()):
    if date in holidays:
        return SUNDAY
    wd = date.weekday()
    return SATURDAY if wd == 5 else SUNDAY if wd == 6 else WEEKDAY


# --------------------------------------------------------------------------------------------
# Generic statistics over one site's days: {date: [share or None] * 288} on a local 5-minute grid.


class SiteStats:
    """Half-hour curve, daily levels and short-term noise of one site (car park or station)."""

    def __init__(self, name, days, type_of, n_types):
        self.name = name
        self.n_types = n_types
        sums = [[0.0] * HALF_HOURS for _ in range(n_types)]
        counts = [[0] * HALF_HOURS for _ in range(n_types)]
        self.days_by_type = [0] * n_types
        self.levels = [[] for _ in range(n_types)]  # (date, daytime mean)
        for date, values in days.items():
            t = type_of(date)
            if all(v is None for v in values):
                continue
            self.days_by_type[t] += 1
            for i, v in enumerate(values):
                if v is not None:
                    sums[t][i // 6] += v
                    counts[t][i // 6] += 1
            day = [v for v in values[DAYTIME[0] : DAYTIME[1]] if v is not None]
            if len(day) >= 0.8 * (DAYTIME[1] - DAYTIME[0]):
                self.levels[t].append((date, sum(day) / len(day)))
        # A half-hour mean needs at least two days' worth of readings.
        self.curve = [
            [sums[t][k] / counts[t][k] if counts[t][k] >= 12 else None for k in range(HALF_HOURS)]
            for t in range(n_types)
        ]
        # Day-to-day variability of the daytime level, per day type (needs >= 3 days).
        self.level_ss_abs = 0.0
        self.level_m2_dof = 0.0
        self.level_dof = 0
        mean_level = [None] * n_types
        for t in range(n_types):
            lv = [x for _, x in self.levels[t]]
            if len(lv) >= 3:
                m = sum(lv) / len(lv)
                mean_level[t] = m
                self.level_ss_abs += sum((x - m) ** 2 for x in lv)
                self.level_m2_dof += m * m * (len(lv) - 1)
                self.level_dof += len(lv) - 1
        # Short-term noise: residual around the site's own day-type curve scaled by the day's level
        # (what a simulator adds on top of curve * day_factor), and raw 5-minute steps.
        res_sq = res_lag = res_n = 0.0
        step_sq = step_n = 0.0
        for date, values in days.items():
            t = type_of(date)
            lvl = dict(self.levels[t]).get(date)
            if lvl is None or not mean_level[t]:
                continue
            factor = lvl / mean_level[t]
            prev_e = prev_v = None
            for i in range(NOISE_WINDOW[0], NOISE_WINDOW[1]):
                v = values[i]
                c = curve_at(self.curve[t], i)
                if v is None or c is None:
                    prev_e = prev_v = None
                    continue
                e = v - c * factor
                res_sq += e * e
                res_n += 1
                if prev_e is not None:
                    res_lag += e * prev_e
                    step_sq += (v - prev_v) ** 2
                    step_n += 1
                prev_e, prev_v = e, v
        self.noise_var = res_sq / res_n if res_n else None
        self.noise_ar1 = res_lag / res_sq if res_sq > 0 else None
        self.step_var = step_sq / step_n if step_n else None


def curve_at(curve48, i5):
    """Linear interpolation of half-hour means (at slot centres) to 5-minute index i5."""
    x = (i5 + 0.5) / 6.0 - 0.5  # position in half-hour slot units, slot centres at integers
    k0 = math.floor(x)
    w = x - k0
    a = curve48[k0 % HALF_HOURS]
    b = curve48[(k0 + 1) % HALF_HOURS]
    if a is None or b is None:
        return a if b is None else b if a is None else None
    return a * (1 - w) + b * w


class Pooled:
    """A land-use profile: the equal-weight mean of its sites' curves plus pooled noise figures."""

    def __init__(self, sites, n_types):
        self.sites = sites
        self.curve = []
        self.filled_slots = 0
        for t in range(n_types):
            # A site missing a few half hours of a day type gets them interpolated, so that the mean
            # is over the same sites all day; a site missing the whole day type is left out of it.
            curves = []
            for s in sites:
                c = fill_gaps(s.curve[t])
                if c is not None:
                    self.filled_slots += sum(x is None for x in s.curve[t])
                    curves.append(c)
            self.curve.append([sum(c[k] for c in curves) / len(curves) for k in range(HALF_HOURS)])
        dof = sum(s.level_dof for s in sites)
        # Relative: pooled squared deviations over pooled squared means (a level-weighted mean of
        # the sites' relative variances, so nearly empty sites don't dominate).
        self.level_sd_rel = math.sqrt(sum(s.level_ss_abs for s in sites) /
                                      sum(s.level_m2_dof for s in sites))
        self.level_sd_abs = math.sqrt(sum(s.level_ss_abs for s in sites) / dof)
        nv = [s.noise_var for s in sites if s.noise_var is not None]
        self.noise_sd = math.sqrt(sum(nv) / len(nv))
        ar = [s.noise_ar1 for s in sites if s.noise_ar1 is not None]
        self.noise_ar1 = sum(ar) / len(ar)
        sv = [s.step_var for s in sites if s.step_var is not None]
        self.step_sd = math.sqrt(sum(sv) / len(sv))
        self.days = [max(s.days_by_type[t] for s in sites) for t in range(n_types)]

    def peak(self, t):
        k = max(range(HALF_HOURS), key=lambda k: self.curve[t][k])
        return k, self.curve[t][k]


def fill_gaps(curve):
    """Circular linear interpolation of None slots; None if fewer than half the slots are known."""
    known = [k for k, v in enumerate(curve) if v is not None]
    if len(known) < len(curve) // 2:
        return None
    out = list(curve)
    n = len(curve)
    for k, v in enumerate(curve):
        if v is None:
            a = max((j for j in known if j < k), default=known[-1] - n)
            b = min((j for j in known if j > k), default=known[0] + n)
            w = (k - a) / (b - a)
            out[k] = curve[a % n] * (1 - w) + curve[b % n] * w
    return out


def hhmm(k):
    return "%02d:%02d" % (k // 2, 30 * (k % 2))


def longest_runs(values, min_len):
    """(start, length, value) of runs of identical non-None values at least min_len long."""
    out = []
    s = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[s]:
            if i - s >= min_len and values[s] is not None:
                out.append((s, i - s, values[s]))
            s = i
    return out


# --------------------------------------------------------------------------------------------
# Guangzhou: land-use profiles.

SHARED_OUTAGE_PARKS = 6
GZ_HOLIDAYS = {dt.date(2018, 6, 18)}  # Dragon Boat Festival (Mon); 16-18 June was the holiday


def load_guangzhou(data_dir):
    d = os.path.join(data_dir, "guangzhou-parking")
    with open(os.path.join(d, "inf.csv"), encoding="utf-8-sig", newline="") as f:
        inf = {r["ID"]: r for r in csv.DictReader(f)}
    with open(os.path.join(d, "occupancy.csv"), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    times = [dt.datetime.strptime(r[0].strip(), "%d/%m/%Y %H:%M") for r in rows]  # day first!
    info = {"rows": len(rows), "first": times[0], "last": times[-1], "parks": {}}
    sites = {}
    # Shared outages: runs of >= 3 h starting within 15 minutes of each other in >= 6 car parks
    # (e.g. 2018-06-11 18:40-18:45, held into the next morning) are filled gaps, not quiet nights.
    long_runs = {}
    for j, pid in enumerate(header[1:], 1):
        long_runs[pid] = longest_runs([int(r[j]) for r in rows], 36)
    starts = [s for runs in long_runs.values() for s, _, _ in runs if s > 0]  # 0: data start
    shared = {s for s in starts if sum(1 for x in starts if abs(x - s) <= 3) >= SHARED_OUTAGE_PARKS}
    by_day = defaultdict(list)
    for s in sorted(shared):
        by_day[times[s].date()].append(times[s].strftime("%H:%M"))
    info["shared_outages"] = ["%s %s-%s" % (d, v[0], v[-1]) for d, v in sorted(by_day.items())]
    for j, pid in enumerate(header[1:], 1):
        counts = [int(r[j]) for r in rows]
        stated = int(inf[pid]["CAPACITY"])
        over = sum(c > stated for c in counts)
        cap = stated
        if over > 0.05 * len(counts):  # stated capacity is evidently wrong: use the observed max
            cap = max(counts)
        floor = min(counts)
        negative = sum(c < 0 for c in counts)
        # Frozen stretches (gaps filled by repeating the last value). A run of identical readings
        # is excluded, except its first reading, when it is >= 18 h long, or part of a shared
        # outage, or when it covers >= 2 h of 09:00-18:00 at a value above the car park's minimum.
        # Other quiet nights and daytime runs at the minimum (the floor) are kept.
        frozen = [False] * len(counts)
        for s, n, v in longest_runs(counts, 24):
            in_day = sum(1 for k in range(s, s + n) if 9 <= times[k].hour < 18)
            if n >= 216 or (n >= 36 and s in shared) or (v != floor and in_day >= 24):
                for k in range(s + 1, s + n):
                    frozen[k] = True
        days = defaultdict(lambda: [None] * SLOTS5)
        clamped = 0
        for k, (t, c) in enumerate(zip(times, counts)):
            if frozen[k] or c < 0:
                continue
            share = c / cap
            if share > 1.0:
                clamped += 1
                share = 1.0
            days[t.date()][t.hour * 12 + t.minute // 5] = share
        kind = pid.rstrip("0123456789")
        info["parks"][pid] = {
            "kind": kind,
            "stated": stated,
            "cap": cap,
            "over": over,
            "max": max(counts),
            "clamped": clamped,
            "frozen": sum(frozen),
            "negative": negative,
            "floor": floor,
            "night_at_floor": sum(1 for t, c in zip(times, counts) if t.hour < 6 and c == floor)
            / sum(1 for t in times if t.hour < 6),
        }
        sites[pid] = SiteStats(pid, days, lambda d: day_type(d, GZ_HOLIDAYS), 3)
    return sites, info


# --------------------------------------------------------------------------------------------
# ParkAPI Germany: park-and-ride.

PARKAPI_HOLIDAYS = {dt.date(2020, 10, 3)}  # German Unity Day (a Saturday; shops closed)
# Dresden's P+R sites are the car parks listed in their own group on dresden.de (place_url
# "areaContainer-7"), at suburban rail/tram stops; elsewhere the place name says "P+R" or
# "Park & Ride".
PR_NAME_MARKERS = ("P+R", "Park & Ride", "Park+Ride", "P + R")
PR_DRESDEN_GROUP = "areaContainer-7-"
STALE_LIMIT = dt.timedelta(hours=12)  # an empty cell means "no change" - but not for ever
MIN_READINGS = 500  # over 45 days; fewer means a dead or nearly dead feed
LIVE_HOURS = 10


def load_parkapi(data_dir, want):
    """Per place: sorted list of (utc datetime, free) for the places selected by want(place_id)."""
    d = os.path.join(data_dir, "parkapi-germany", "daily")
    series = defaultdict(list)
    n_rows = 0
    files = sorted(f for f in os.listdir(d) if f.endswith(".csv"))
    for name in files:
        with open(os.path.join(d, name), encoding="utf-8", newline="") as f:
            rd = csv.reader(f)
            header = next(rd)  # column sets differ between days: always map by name
            cols = [(i, p) for i, p in enumerate(header[1:], 1) if want(p)]
            for r in rd:
                n_rows += 1
                t = dt.datetime.fromisoformat(r[0])
                for i, p in cols:
                    if i < len(r) and r[i] != "":
                        series[p].append((t, int(r[i])))
    return series, n_rows, len(files)


def parkapi_meta(data_dir):
    with open(os.path.join(data_dir, "parkapi-germany", "meta-data.csv"), encoding="utf-8",
              newline="") as f:
        return {r["place_id"]: r for r in csv.DictReader(f)}


def parkapi_days(readings, cap, tz):
    """Carry the last reading forward on a local 5-minute grid, up to STALE_LIMIT."""
    days = defaultdict(lambda: [None] * SLOTS5)
    if not readings:
        return days
    start = readings[0][0].replace(minute=readings[0][0].minute // 5 * 5, second=0)
    end = readings[-1][0]
    j = 0
    last = None
    t = start
    step = dt.timedelta(minutes=5)
    while t <= end:
        while j < len(readings) and readings[j][0] <= t + dt.timedelta(seconds=59):
            last = readings[j]
            j += 1
        if last is not None and t - last[0] <= STALE_LIMIT and last[1] >= 0:
            share = min(max((cap - last[1]) / cap, 0.0), 1.0)
            lt = t.astimezone(tz)
            days[lt.date()][lt.hour * 12 + lt.minute // 5] = share
        t += step
    # Drop the partial first and last local days, and days on which the feed was not visibly
    # alive: fewer than LIVE_HOURS of the 15 hours 06:00-20:59 with at least one reading (some
    # feeds deliver only the snapshot row at the start of each file for days on end).
    live = defaultdict(set)
    for t, _ in readings:
        lt = t.astimezone(tz)
        if 6 <= lt.hour < 21:
            live[lt.date()].add(lt.hour)
    ends = (min(days), max(days))
    for date in list(days):
        if date in ends or len(live[date]) < LIVE_HOURS:
            del days[date]
    return days


def load_park_and_ride(data_dir):
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Berlin")
    meta = parkapi_meta(data_dir)

    def is_pr(pid):
        m = meta.get(pid)
        if not m:
            return False
        return any(x in m["place_name"] for x in PR_NAME_MARKERS) or (
            m["source_id"] == "dresden-parken" and PR_DRESDEN_GROUP in m["place_url"])

    series, n_rows, n_files = load_parkapi(data_dir, is_pr)
    candidates = sorted(p for p in meta if is_pr(p))
    sites = {}
    info = {"candidates": candidates, "files": n_files, "rows": n_rows, "places": {}}
    for pid in candidates:
        readings = series.get(pid, [])
        free = [x for _, x in readings]
        entry = {"readings": len(readings), "num_all": meta[pid]["num_all"],
                 "name": meta[pid]["place_name"], "city": meta[pid]["city_name"]}
        info["places"][pid] = entry
        if len(readings) < MIN_READINGS or len(set(free)) < 10:
            entry["used"] = False
            continue
        num_all = int(meta[pid]["num_all"]) if meta[pid]["num_all"] else 0
        # Capacity: num_all, unless more spaces than that are reported free (num_all out of date)
        # or num_all is missing; then the largest free count seen (P+R sites empty out at night).
        cap = max(num_all, max(free))
        entry.update(used=True, cap=cap, max_free=max(free), negative=sum(x < 0 for x in free))
        days = parkapi_days(readings, cap, tz)
        sites[pid] = SiteStats(pid, days, lambda d: day_type(d, PARKAPI_HOLIDAYS), 3)
    return sites, info


def parkapi_city_centre_check(data_dir):
    """Cross-check only: all other active places with a usable capacity, equal weight."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Berlin")
    meta = parkapi_meta(data_dir)
    series, _, _ = load_parkapi(data_dir, lambda p: p in meta and meta[p]["num_all"])
    sites = []
    cities = set()
    bad = 0
    for pid, readings in sorted(series.items()):
        m = meta[pid]
        if any(x in m["place_name"] for x in PR_NAME_MARKERS) or PR_DRESDEN_GROUP in m["place_url"]:
            continue
        free = [x for _, x in readings]
        cap = int(m["num_all"])
        if len(readings) < MIN_READINGS or len(set(free)) < 10 or cap < 50:
            continue
        if max(free) > cap or min(free) < 0:  # capacity wrong or negative counts: skip the place
            bad += 1
            continue
        cities.add(m["city_name"])
        sites.append(SiteStats(pid, parkapi_days(readings, cap, tz),
                               lambda d: day_type(d, PARKAPI_HOLIDAYS), 3))
    return sites, len(cities), bad


# --------------------------------------------------------------------------------------------
# Birmingham: cross-check of daytime levels.


def birmingham_check(data_dir):
    path = os.path.join(data_dir, "birmingham-parking", "birmingham_parking.csv")
    seen = set()
    per = defaultdict(lambda: defaultdict(list))  # park -> (type, half hour) -> shares
    counts = Counter()
    with open(path, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            key = (r["SystemCodeNumber"], r["LastUpdated"])
            counts["rows"] += 1
            if key in seen:
                counts["duplicates"] += 1
                continue
            seen.add(key)
            occ, cap = int(r["Occupancy"]), int(r["Capacity"])
            if occ < 0:
                counts["negative"] += 1
                continue
            if occ > cap:
                counts["clamped"] += 1
            if r["SystemCodeNumber"].startswith("NIA"):
                continue  # arena car parks: event-driven
            t = dt.datetime.strptime(r["LastUpdated"], "%Y-%m-%d %H:%M:%S")
            # Readings are ~30 min apart at irregular minutes: bin to the nearest half hour.
            k = round((t.hour * 60 + t.minute) / 30)
            per[r["SystemCodeNumber"]][(day_type(t.date()), k)].append(min(occ / cap, 1.0))
    curves = {}
    for t in range(3):
        row = {}
        for k in range(16, 34):
            vals = [sum(v) / len(v) for p in per.values() for (tt, kk), v in p.items()
                    if tt == t and kk == k]
            if vals:
                row[k] = sum(vals) / len(vals)
        curves[t] = row
    return curves, counts, len(per)


# --------------------------------------------------------------------------------------------
# Melbourne on-street (violations subset).

GRACE_MINUTES = 5


def hm(s):
    h, m = s.split(":")
    return int(h) * 60 + int(m)


def load_melbourne(data_dir):
    d = os.path.join(data_dir, "melbourne-onstreet")
    ev = []
    files = sorted(f for f in os.listdir(os.path.join(d, "events")) if f.endswith(".csv"))
    for name in files:
        with open(os.path.join(d, "events", name), encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                a = dt.datetime.strptime(r["arrival_time"], "%Y/%m/%d %H:%M")
                am = a.hour * 60 + a.minute
                limit = hm(r["vio_time"]) - am
                excess = int(r["vio_stay_time"])
                dwell = hm(r["departure_time"]) - am
                ev.append({"arr": a, "limit": limit, "excess": excess, "dwell": dwell,
                           "bay": r["street_marker"], "dep": hm(r["departure_time"])})
    with open(os.path.join(d, "bay_status_snapshot_2018-09-08.csv"), encoding="utf-8-sig",
              newline="") as f:
        snap = {r["st_marker_id"]: r["status"] for r in csv.DictReader(f)}
    return ev, snap, len(files)


def lognormal_fit(xs):
    logs = [math.log(x) for x in xs]
    return st.fmean(logs), st.stdev(logs)


def quantiles(xs, qs=(10, 25, 50, 75, 90)):
    q = st.quantiles(xs, n=100, method="inclusive")
    return [q[p - 1] for p in qs]


def analyse_melbourne(data_dir):
    ev, snap, n_files = load_melbourne(data_dir)
    out = {"events": len(ev), "files": n_files}
    bad = [e for e in ev if e["dwell"] < 0 or e["dwell"] != e["limit"] + e["excess"]]
    out["inconsistent"] = len(bad)
    ev = [e for e in ev if e not in bad] if bad else ev
    bays = sorted({e["bay"] for e in ev})
    dates = sorted({e["arr"].date() for e in ev})
    n_days = [sum(1 for d in dates if d.weekday() < 5), sum(1 for d in dates if d.weekday() >= 5)]
    out.update(bays=len(bays), days=n_days, first=dates[0], last=dates[-1])
    out["min_excess"] = min(e["excess"] for e in ev)
    out["below_grace"] = sum(e["excess"] < GRACE_MINUTES for e in ev)

    # Overstaying arrivals per bay per hour, by hour of arrival.
    cnt = [[0] * 24 for _ in range(2)]
    for e in ev:
        cnt[1 if e["arr"].weekday() >= 5 else 0][e["arr"].hour] += 1
    out["overstay_rate"] = [[c / (n_days[w] * len(bays)) for c in cnt[w]] for w in range(2)]

    # Excess over the limit, by posted limit.
    by_limit = defaultdict(list)
    for e in ev:
        by_limit[e["limit"]].append(e)
    rows = []
    for limit in sorted(by_limit):
        es = by_limit[limit]
        if len(es) < 50:
            continue
        exc = [e["excess"] for e in es if e["excess"] >= GRACE_MINUTES]
        # Excess is only recorded from a threshold on (the 5-minute grace; 16 min where the limit is
        # 0). Fit a lognormal to excess - (threshold - 0.5 min), the half minute being the minute
        # rounding: excess = shift + LogNormal(mu, sigma).
        shift = min(exc) - 0.5
        mu, sigma = lognormal_fit([x - shift for x in exc])
        rows.append({"limit": limit, "n": len(es), "share": len(es) / len(ev),
                     "bays": len({e["bay"] for e in es}), "q": quantiles(exc), "mu": mu,
                     "sigma": sigma, "shift": shift, "mean": st.fmean(exc)})
    out["by_limit"] = rows
    limits_of_bay = defaultdict(set)
    for e in ev:
        limits_of_bay[e["bay"]].add(e["limit"])
    out["multi_limit_bays"] = sum(len(x) > 1 for x in limits_of_bay.values())
    timed = [e for e in ev if e["limit"] > 0]
    out["dwell_q"] = quantiles([e["dwell"] for e in timed])
    out["dwell_fit"] = lognormal_fit([e["dwell"] for e in timed])
    out["dwell_mean"] = st.fmean(e["dwell"] for e in timed)
    out["timed_n"] = len(timed)

    # Overstay share of all stays: not in the data (every row is an overstay). Calibrate with the
    # 2018 occupancy snapshot (Saturday ~11:18) via Little's law, on the bays present in both.
    joined = sorted(set(bays) & set(snap))
    jset = set(joined)
    occupied = sum(snap[b] == "Present" for b in joined) / len(joined)
    t0 = 11 * 60 + 18
    sats = sorted(d for d in dates if d.weekday() == 5)
    v_occ = []
    for d in sats:
        occ = {e["bay"] for e in ev if e["arr"].date() == d and e["bay"] in jset
               and e["arr"].hour * 60 + e["arr"].minute <= t0 < e["dep"]}
        v_occ.append(len(occ) / len(joined))
    v = st.fmean(v_occ)
    win = [e for e in ev if e["arr"].date() in sats and e["bay"] in jset
           and 10 * 60 <= e["arr"].hour * 60 + e["arr"].minute < 12 * 60]
    lam_v = len(win) / (len(sats) * len(joined) * 120.0)  # per bay per minute
    limits = [e["limit"] for e in win if e["limit"] > 0]
    mean_limit = st.fmean(limits)
    mean_dwell_v = st.fmean(e["dwell"] for e in win)

    def share(mean_dwell_compliant):
        lam_c = (occupied - v) / mean_dwell_compliant
        return lam_v / (lam_v + lam_c)

    assumed = (mean_limit + GRACE_MINUTES) / 2  # compliant stays ~uniform on (0, limit + grace]
    out.update(joined=len(joined), snap_bays=len(snap), snap_occupied_all=sum(
        s == "Present" for s in snap.values()) / len(snap), snap_occupied=occupied, v_occ=v_occ,
        v=v, lam_v_hour=lam_v * 60, mean_limit=mean_limit, mean_dwell_v=mean_dwell_v,
        little_v=lam_v * mean_dwell_v, compliant_dwell=assumed, overstay_share=share(assumed),
        overstay_share_lo=share(mean_limit / 4),
        overstay_share_hi=share(mean_limit + GRACE_MINUTES),
        sats=len(sats))
    s = out["overstay_share"]
    out["total_rate"] = [[x / s for x in row] for row in out["overstay_rate"]]
    return out


# --------------------------------------------------------------------------------------------
# EV chargers.

EV_FROZEN_RUN = 72  # 6 h without any change: a filled outage
EV_BROKEN_FRACTION = 0.5  # a station frozen for more than half the period is offline


def analyse_ev(data_dir):
    d = os.path.join(data_dir, "ev-charging-shenzhen-guangzhou")
    stations = {}
    n_rows = 0
    for city in ("shenzhen", "guangzhou"):
        with open(os.path.join(d, "ev_occupancy_%s.csv" % city), encoding="utf-8-sig",
                  newline="") as f:
            for r in csv.DictReader(f):
                n_rows += 1
                key = (city, r["station_id"])
                stations.setdefault(key, []).append(
                    (dt.datetime.strptime(r["time"], "%Y-%m-%d %H:%M:%S"), int(r["total"]),
                     int(r["busy"]), int(r["free"])))
    info = {"rows": n_rows, "stations": len(stations), "broken": [], "piles": 0}
    sites = []
    min_busy_sum = piles_ok = 0
    pile_slots = offline_pile_slots = 0
    broken_piles = 0
    excluded_slots = total_slots = 0
    frozen_day_counts = Counter()
    for key, rows in sorted(stations.items()):
        rows.sort()
        busy = [b for _, _, b, _ in rows]
        total_piles = max(t for _, t, _, _ in rows)
        info["piles"] += total_piles
        frozen = [False] * len(rows)
        for s, n, _ in longest_runs(busy, EV_FROZEN_RUN):
            for k in range(s + 1, s + n):
                frozen[k] = True
        total_slots += len(rows)
        excluded_slots += sum(frozen)
        for k, (t, _, _, _) in enumerate(rows):
            if frozen[k]:
                frozen_day_counts[t.date()] += 1
        # Unavailable: frozen with every connector "busy" - a station reporting all connectors
        # unavailable without any change for 6 h or more is offline or faulted, not full.
        for k, (_, tot, b, _) in enumerate(rows):
            pile_slots += tot
            if frozen[k] and b == tot:
                offline_pile_slots += tot
        if sum(frozen) > EV_BROKEN_FRACTION * len(rows):
            info["broken"].append((key, total_piles, sum(frozen) / len(rows),
                                   sum(b == t for _, t, b, _ in rows) / len(rows)))
            broken_piles += total_piles
            continue
        days = defaultdict(lambda: [None] * SLOTS5)
        for k, (t, tot, b, fr) in enumerate(rows):
            if frozen[k] or tot <= 0 or b < 0 or b + fr != tot:
                continue
            days[t.date()][t.hour * 12 + t.minute // 5] = b / tot  # total may change: per row
        ok = [b for k, (_, _, b, _) in enumerate(rows) if not frozen[k]]
        min_busy_sum += min(ok)
        piles_ok += total_piles
        sites.append(SiteStats("%s-%s" % key, days,
                               lambda dd: 0 if dd.weekday() < 5 else 1, 2))
    info["broken_piles"] = broken_piles
    info["offline_share"] = offline_pile_slots / pile_slots
    info["median_piles"] = st.median(max(t for _, t, _, _ in rows) for rows in stations.values())
    info["min_busy_share"] = min_busy_sum / piles_ok
    info["excluded_share"] = excluded_slots / total_slots
    info["worst_days"] = frozen_day_counts.most_common(3)
    pooled = Pooled(sites, 2)
    hourly = [[(pooled.curve[w][2 * h] + pooled.curve[w][2 * h + 1]) / 2 for h in range(24)]
              for w in range(2)]
    all_dates = sorted({t.date() for rows in stations.values() for t, _, _, _ in rows})
    info["days"] = [sum(1 for x in all_dates if x.weekday() < 5),
                    sum(1 for x in all_dates if x.weekday() >= 5)]
    info["first"], info["last"] = all_dates[0], all_dates[-1]
    return pooled, hourly, info, sites


# --------------------------------------------------------------------------------------------
# Output.


def f3(x):
    return "%.3ff" % x


def f4(x):
    return "%.4ff" % x


def arr(values, fmt=f3):
    return "{" + ", ".join(fmt(v) for v in values) + "}"


def comment(text, indent=""):
    """Reflow text into // lines of at most 100 columns (clang-format leaves comments alone).

    Blank lines separate paragraphs; lines starting with a space are kept as they are (indented
    formulas and lists); other consecutive lines are joined and wrapped."""
    paras = []  # (preformatted, text)
    for line in text.strip("\n").split("\n"):
        if not line.strip():
            paras.append((True, ""))
        elif line.startswith(" "):
            paras.append((True, line))
        elif paras and not paras[-1][0]:
            paras[-1] = (False, paras[-1][1] + " " + line.strip())
        else:
            paras.append((False, line.strip()))
    out = []
    prefix = indent + "// "
    for pre, para in paras:
        if pre:
            out.append((prefix + para).rstrip())
            continue
        line = ""
        for word in para.split():
            if line and len(prefix) + len(line) + 1 + len(word) > 100:
                out.append(prefix + line)
                line = word
            else:
                line = word if not line else line + " " + word
        out.append(prefix + line)
    return "\n".join(out)


def emit_profile(var, name, paragraphs, pooled):
    p = pooled
    pk = [p.peak(t) for t in range(3)]
    paragraphs = list(paragraphs) + [
        "Days averaged (the most any site has): %d weekdays, %d Saturdays, %d Sundays/holidays. "
        "Peaks: weekday %.2f at %s, "
        "Saturday %.2f at %s, Sunday %.2f at %s (slot start times)." % (
            p.days[0], p.days[1], p.days[2], pk[0][1], hhmm(pk[0][0]), pk[1][1], hhmm(pk[1][0]),
            pk[2][1], hhmm(pk[2][0]))]
    lines = [comment(x) for x in paragraphs]
    lines.append("inline constexpr OccupancyProfile %s = {" % var)
    lines.append('    .name = "%s",' % name)
    lines.append("    .car_parks = %d," % len(p.sites))
    lines.append("    .days = {%d, %d, %d}," % tuple(p.days))
    lines.append("    .occupancy_share = {{")
    for t in range(3):
        lines.append("        // %s" % DAY_TYPE_NAMES[t])
        lines.append("        %s," % arr(p.curve[t]))
    lines.append("    }},")
    lines.append("    .day_level_sd_rel = %s," % f3(p.level_sd_rel))
    lines.append("    .day_level_sd_share = %s," % f3(p.level_sd_abs))
    lines.append("    .noise_sd_share = %s," % f4(p.noise_sd))
    lines.append("    .noise_ar1_5min = %s," % f3(p.noise_ar1))
    lines.append("    .step5_sd_share = %s," % f4(p.step_sd))
    lines.append("};")
    return "\n".join(lines)


def holiday_check(gz_sites, parks):
    """Mean daytime level on the holiday vs on weekdays and Sundays, for two land uses."""
    parts = []
    for kind, label in (("C", "commercial"), ("O", "office")):
        hol, wk, sun = [], [], []
        for pid, s in gz_sites.items():
            if parks[pid]["kind"] != kind:
                continue
            lv = {d: x for t in range(3) for d, x in s.levels[t]}
            hol += [x for d, x in lv.items() if d in GZ_HOLIDAYS]
            wk += [x for d, x in lv.items() if d.weekday() < 5 and d not in GZ_HOLIDAYS]
            sun += [x for d, x in lv.items() if d.weekday() == 6]
        parts.append("%s daytime level %.2f on the holiday, %.2f on Sundays, %.2f on weekdays" % (
            label, st.fmean(hol), st.fmean(sun), st.fmean(wk)))
    return "; ".join(parts)


def emit_header(gz_sites, gz_info, pr_sites, pr_info, cc_sites, mel, ev):
    out = []
    w = out.append
    w(comment("""
Demand profiles for the demo city's simulated occupancy feed, derived from real data sets.

GENERATED - do not edit by hand. Regenerate from the repository root with
  python3 tools/derive_demand_profiles.py [DATA_DIR] > src/ingest/simulator/demand_profiles.h
  clang-format -i src/ingest/simulator/demand_profiles.h
DATA_DIR defaults to ../shared/data; each data set's README.md there describes its quirks. Only
derived numbers are stored here, none of the data. Method, caveats and a summary table:
docs/demo-profiles.md.

Car-park tables (OccupancyProfile): occupancy_share[day-type row][slot] is the mean share of capacity
(0..1) occupied in half hour `slot` (slot k covers [30k, 30k + 30) minutes local time), equal weight
per car park. Public holidays use the Sunday row. Intended use for one car park of capacity C:
  f    = Normal(1, day_level_sd_rel), the day factor, drawn once per day (keep it > 0)
  c(t) = occupancy_share[row][.] interpolated linearly between slot centres (30k + 15)
  a    = noise_ar1_5min, s = noise_sd_share
  e(t) = a * e(t - 5 min) + sqrt(1 - a * a) * s * Normal(0, 1)
  occupied(t) = round(C * clamp(c(t) * f + e(t), 0, 1))
A series made that way has 5-minute changes of about step5_sd_share, which is given as a check.
Statistics: day_level_* from each site's 08:00-20:00 mean per day, per day type (days with >= 80%
of readings; sd pooled over sites and day types); noise_* from the residual of each 5-minute
reading 06:00-21:00 against the site's own day-type curve times that day's factor; step5_* from
raw 5-minute differences 06:00-21:00. "sd" is a standard deviation; shares are 0..1.
"""))
    w("#pragma once")
    w("")
    w("#include <array>")
    w("#include <cstdint>")
    w("")
    w("namespace pg::ingest::simulator {")
    w("")
    w("// Row indices of the day-type dimension, in the order of the simulator's DayType")
    w("// {kWeekday, kSaturday, kSunday}. Public holidays use the Sunday row.")
    w("inline constexpr int kWeekdayRow = 0;")
    w("inline constexpr int kSaturdayRow = 1;")
    w("inline constexpr int kSundayRow = 2;")
    w("inline constexpr int kDayTypeRows = 3;")
    w("inline constexpr int kHalfHourSlots = 48;  // slot k covers [30k, 30k + 30) minutes")
    w("")
    w("struct OccupancyProfile {")
    w("  const char* name;")
    w("  int car_parks;  // sites averaged, equal weight")
    w("  std::array<int, kDayTypeRows> days;  // days averaged per day type (most any site has)")
    w("  // [day-type row][half-hour slot], share of capacity occupied, 0..1.")
    w("  std::array<std::array<float, kHalfHourSlots>, kDayTypeRows> occupancy_share;")
    w("  float day_level_sd_rel;    // sd of a day's level / mean level: sd of the day factor")
    w("  float day_level_sd_share;  // the same sd in share points (absolute)")
    w("  float noise_sd_share;      // sd of the short-term residual, share points")
    w("  float noise_ar1_5min;      // lag-1 autocorrelation of that residual at 5 minutes")
    w("  float step5_sd_share;      // sd of raw 5-minute changes, share points (check only)")
    w("};")
    w("")

    gz_rows = gz_info["rows"]
    parks = gz_info["parks"]
    fixed = ", ".join("%s %d -> %d" % (p, x["stated"], x["cap"]) for p, x in parks.items()
                      if x["cap"] != x["stated"])
    w(comment("""
Land-use profiles kCommercialProfile, kOfficeProfile, kResidentialProfile, kHospitalProfile,
kLeisureProfile: data set
guangzhou-parking (30 car parks in Guangzhou, China; June 2018). occupancy.csv: column TIME
(DD/MM/YYYY HH:MM, day first; UTF-8 BOM and CRLF handled) and one column of occupied spaces per car
park ID, %d rows on a complete 5-minute grid %s to %s; inf.csv: ID, TYPE (land use; C commercial,
O office, R residential, H hospital, S sport & leisure, T tourism) and CAPACITY.

Method, per car park: share = occupied / capacity, clamped to 1.0 (no negative counts occur). Where
the stated capacity is exceeded in more than 5%% of readings it is evidently wrong and the observed
maximum is used instead (%s). Frozen stretches (filled gaps) are excluded: runs of identical
readings >= 18 h long; or >= 3 h long and starting within 15 minutes of such runs in >= 6 car parks
(a shared outage: %s); or covering >= 2 h of 09:00-18:00 at a value above the car park's minimum.
Other quiet nights are kept. 2018-06-18 (Dragon Boat Festival, a Monday) counts as a Sunday: its levels
match the Sundays (%s). Then
each half hour's mean over the days of each type, and the plain mean over the car parks of the
profile. Night levels are high (several car parks never go below a round number such as 30, 200 or
250, see docs/demo-profiles.md): treat them as upper bounds.
""" % (gz_rows, gz_info["first"].strftime("%Y-%m-%d %H:%M"),
       gz_info["last"].strftime("%Y-%m-%d %H:%M"), fixed,
       ", ".join(gz_info["shared_outages"]) or "none", holiday_check(gz_sites, parks))))
    w("")

    def gz_paragraphs(title, kinds):
        ids = [p for p in parks if parks[p]["kind"] in kinds]
        parts = []
        for p in ids:
            x = parks[p]
            parts.append("%s (%d%s)" % (p, x["cap"], "" if x["cap"] == x["stated"] else
                                        ", stated %d" % x["stated"]))
        frozen = sum(parks[p]["frozen"] for p in ids)
        clamped = sum(parks[p]["clamped"] for p in ids)
        return ids, [
            title,
            "Data: guangzhou-parking occupancy.csv columns %s (%d rows each), capacity from "
            "inf.csv CAPACITY - %d car parks, capacity in brackets: %s." % (
                "/".join(ids), gz_rows, len(ids), ", ".join(parts)),
            "Anomalies: %d readings above capacity clamped to 1.0; %d readings in frozen stretches "
            "excluded; method as in the Guangzhou block above." % (clamped, frozen)]

    specs = [
        ("kCommercialProfile", "commercial", "Commercial: shopping and mixed commercial car parks.", "C"),
        ("kOfficeProfile", "office", "Office: office-building car parks.", "O"),
        ("kResidentialProfile", "residential", "Residential: residential-compound car parks. The peak "
         "is at night (residents' cars); the daytime dip is what moves.", "R"),
        ("kHospitalProfile", "hospital", "Hospital: hospital car parks. Morning and afternoon clinic "
         "peaks with a lunchtime dip on weekdays.", "H"),
        ("kLeisureProfile", "leisure", "Leisure: sport & leisure (S) and tourism (T) car parks together.",
         "ST"),
    ]
    pooled = {}
    for var, name, title, kinds in specs:
        ids, paras = gz_paragraphs(title, kinds)
        P = Pooled([gz_sites[i] for i in ids], 3)
        pooled[var] = P
        if var == "kLeisureProfile":
            flat = [x for p in ("S2", "T2") for c in gz_sites[p].curve for x in c]
            paras.append(
                "S2 (6000) and T2 (2000) stay between %.2f and %.2f in every half hour and pull "
                "the mean down; S1 is event-driven (weekday peak %.2f, Sunday peak %.2f). So "
                "the mean is lower and flatter than the curve of a typical single venue." % (
                    min(flat), max(flat), max(gz_sites["S1"].curve[0]),
                    max(gz_sites["S1"].curve[2])))
        w(emit_profile(var, name, paras, P))
        w("")

    # Park and ride.
    used = [p for p, e in pr_info["places"].items() if e.get("used")]
    unused = [p for p, e in pr_info["places"].items() if not e.get("used")]
    P = Pooled([pr_sites[p] for p in used], 3)
    pooled["kParkAndRideProfile"] = P
    places = pr_info["places"]

    def cap_note(e):
        if e["num_all"] and int(e["num_all"]) == e["cap"]:
            return "%d" % e["cap"]
        return "%d, num_all %s" % (e["cap"], e["num_all"] or "missing")

    paras = [
        "Park-and-ride: P+R car parks at suburban rail/tram stops. The Guangzhou data has no P+R "
        "category, so this profile comes from Germany.",
        "Data: parkapi-germany daily/*.csv (%d daily files, %d rows; column timestamp in UTC, "
        "converted to Europe/Berlin; one column of FREE spaces per place_id, mapped by header name "
        "because the column sets differ between days) and meta-data.csv (place_name, num_all, "
        "place_url); 2020-09-01..2020-10-15, during COVID-19 but before the November 2020 "
        "lockdown. P+R sites: place_name containing \"P+R\" or \"Park & Ride\", plus Dresden's own "
        "P+R group (place_url areaContainer-7: car parks at suburban stations). %d sites with a "
        "live feed, capacity in brackets: %s." % (
            pr_info["files"], pr_info["rows"], len(used),
            ", ".join("%s %s (%s)" % (places[p]["city"], places[p]["name"], cap_note(places[p]))
                      for p in used)),
        "Method: occupied = capacity - free; an empty cell means \"unchanged or not scraped\", so "
        "the last value is carried forward on a 5-minute grid for up to 12 h; a site's day counts "
        "only if it had readings in >= 10 of the 15 hours 06:00-20:59 (some feeds deliver nothing "
        "but the snapshot row at the start of each daily file for days on end). Capacity = "
        "num_all, or the largest free count seen where that is larger (num_all out of date) or "
        "num_all is missing - P+R sites empty out at night. 2020-10-03 (German Unity Day, a "
        "Saturday) counts as a Sunday. Half hours a site lacks are interpolated from its "
        "neighbours (%d slots in all)." % P.filled_slots,
        "Anomalies: no negative free counts at these sites; shares clamped to 0..1. Not used (no "
        "feed, or fewer than %d readings in 45 days): %s. The sites differ widely: weekday peaks "
        "from %.2f to %.2f." % (
            MIN_READINGS, ", ".join(places[p]["name"] for p in unused),
            min(max(pr_sites[p].curve[0]) for p in used),
            max(max(pr_sites[p].curve[0]) for p in used)),
    ]
    w(emit_profile("kParkAndRideProfile", "park-and-ride", paras, P))
    w("")

    cc, n_cities, n_bad_cap = cc_sites
    CC = Pooled(cc, 3)
    pooled["kCityCentreGermanyProfile"] = CC
    paras = [
        "City-centre garages in Germany: NOT a land-use class, a European cross-check and "
        "alternative for kCommercialProfile (same data and method as kParkAndRideProfile).",
        "Data: the %d other parkapi-germany places in %d cities with num_all >= 50, >= %d "
        "readings and >= 10 distinct values - shopping, office, station and theatre garages "
        "mixed." % (len(cc), n_cities, MIN_READINGS),
        "Anomalies: %d otherwise eligible places whose free count exceeds num_all or goes "
        "negative are left out rather than repaired. Shops close on Sundays in Germany, hence "
        "the low Sunday row; Guangzhou's commercial Sunday is its busiest day." % n_bad_cap,
    ]
    w(emit_profile("kCityCentreGermanyProfile", "city-centre (Germany)", paras, CC))
    w("")
    w("// In the order of the simulator's LandUse {kCommercial, kOffice, kResidential, kHospital,")
    w("// kLeisure, kParkAndRide}: kLandUseProfiles[static_cast<int>(use)].")
    w("inline constexpr int kLandUseProfileCount = 6;")
    w("inline constexpr std::array<const OccupancyProfile*, kLandUseProfileCount> kLandUseProfiles = {")
    w("    &kCommercialProfile, &kOfficeProfile,  &kResidentialProfile,")
    w("    &kHospitalProfile,   &kLeisureProfile, &kParkAndRideProfile};")
    w("")

    # On-street.
    m = mel
    w(comment("""
On-street bays, from melbourne-onstreet (City of Melbourne in-ground bay sensors, %s..%s,
%d daily files, %d events, %d bays, %d weekdays and %d weekend days).

IMPORTANT: that data set holds ONLY stays that overstayed the posted limit. Arrival rates of all
stays and the share of stays that overstay are therefore NOT in the data; they are derived below
with the assumption spelled out. Columns used: arrival_time (date and time), departure_time (time
of day, same date), vio_time (posted limit = vio_time - arrival), vio_stay_time (minutes over the
limit), street_marker (bay). Checks: departure - arrival == limit + vio_stay_time in all %d rows;
no stay crosses midnight. Overstays are recorded only from 5 minutes over the limit (grace period;
%d rows below 5 minutes, sensor glitches, dropped from the dwell fits) and from 16 minutes where
the limit is 0.
""" % (m["first"], m["last"], m["files"], m["events"], m["bays"], m["days"][0], m["days"][1],
       m["events"], m["below_grace"])))
    w("")
    w("// Row indices of the week-part dimension (Monday-Friday, Saturday-Sunday).")
    w("inline constexpr int kWeekdaysRow = 0;")
    w("inline constexpr int kWeekendRow = 1;")
    w("inline constexpr int kWeekPartRows = 2;")
    w("inline constexpr int kHourSlots = 24;  // slot h covers [h:00, h+1:00)")
    w("inline constexpr int kOnStreetGraceMinutes = %d;" % GRACE_MINUTES)
    w("")
    w(comment("""
MEASURED. Arrivals of stays that went on to overstay, per bay per hour, by hour of arrival
[week-part row][hour]: events / (days of that week part x %d bays). The bays are those with at least one
overstay in the period; a network with more bays would give proportionally lower rates. Most
restrictions apply about 07:30-18:30, so night hours are near zero by construction.
""" % m["bays"]))
    w("inline constexpr std::array<std::array<float, kHourSlots>, kWeekPartRows>")
    w("    kOnStreetOverstayArrivalsPerBayHour = {{")
    w("        %s," % arr(m["overstay_rate"][0], f4))
    w("        %s," % arr(m["overstay_rate"][1], f4))
    w("    }};")
    w("")
    w(comment("""
DERIVED (not in the data). Share of all stays that overstay the limit. Little's law at one
calibration point, Saturday 11:18, on the %d bays present both in the events and in
bay_status_snapshot_2018-09-08.csv (column status, taken ~11:18 on Saturday 2018-09-08):
  occupied share (snapshot, 2018)                 O = %.3f
  share occupied by an overstaying stay (2016, mean of %d Saturdays at 11:18)  V = %.3f
  overstaying arrivals 10:00-12:00 on Saturdays   = %.4f per bay-hour
  compliant stays: mean dwell assumed (L + grace) / 2 = %.1f min, i.e. uniform on (0, L + 5 min],
  with L = %.1f min, the mean posted limit of those overstays
  overstay share = lambda_v / (lambda_v + (O - V) / mean compliant dwell) = %.3f
With a mean compliant dwell of L / 4 or of L + 5 min instead the share is %.3f or %.3f (the
bounds below). The snapshot is from 2018 and the events from 2016; bays were renumbered in
between, hence the join on st_marker_id to the bays present in both.
""" % (m["joined"], m["snap_occupied"], m["sats"], m["v"], m["lam_v_hour"], m["compliant_dwell"],
       m["mean_limit"], m["overstay_share"], m["overstay_share_lo"], m["overstay_share_hi"])))
    w("inline constexpr float kOnStreetOverstayShareOfStays = %s;" % f3(m["overstay_share"]))
    w("inline constexpr float kOnStreetOverstayShareOfStaysLow = %s;" % f3(m["overstay_share_lo"]))
    w("inline constexpr float kOnStreetOverstayShareOfStaysHigh = %s;" % f3(m["overstay_share_hi"]))
    w("")
    w(comment("""
DERIVED (not in the data). Arrivals of all stays per bay per hour [week-part row][hour] =
kOnStreetOverstayArrivalsPerBayHour / kOnStreetOverstayShareOfStays, i.e. assuming the overstay
share is the same at every hour. Meaningful 07:00-18:59 only; outside the restricted hours
overstays (and so these values) are near zero by construction - a simulator should put its own
floor under night arrivals.
"""))
    w("inline constexpr std::array<std::array<float, kHourSlots>, kWeekPartRows>")
    w("    kOnStreetArrivalsPerBayHour = {{")
    w("        %s," % arr(m["total_rate"][0], f4))
    w("        %s," % arr(m["total_rate"][1], f4))
    w("    }};")
    w("")
    w(comment("""
Occupied share of all %d sensor bays in the 2018 snapshot (Saturday ~11:18): a calibration point
for a simulated on-street area (MEASURED, one moment only).
""" % m["snap_bays"]))
    w("inline constexpr float kOnStreetSaturdayLateMorningOccupiedShare = %s;" %
      f3(m["snap_occupied_all"]))
    w("")
    w("struct OverstayByLimit {")
    w("  int limit_minutes;        // posted limit; 0 = no parking allowed at that time")
    w("  float share_of_overstays;  // share of all overstay events")
    w("  // Minutes over the limit: p10, p25, p50, p75, p90.")
    w("  std::array<float, 5> excess_minutes_quantiles;")
    w("  // excess_minutes = excess_shift_minutes + LogNormal(mu, sigma) (minutes).")
    w("  float excess_shift_minutes;")
    w("  float excess_lognormal_mu;")
    w("  float excess_lognormal_sigma;")
    w("  int events;  // overstay events behind this row")
    w("  int bays;    // distinct bays among them")
    w("};")
    w("")
    w(comment("""
MEASURED. How far overstays go beyond the posted limit, per limit (rows with >= 50 events). The
limit of a bay changes with the time of day (%s); share_of_overstays is a share of events, not of
bays. Fit: mu, sigma = mean and sd of ln(excess - shift).
""" % ("%d of %d bays show more than one limit" % (m["multi_limit_bays"], m["bays"]))))
    w("inline constexpr std::array<OverstayByLimit, %d> kOnStreetOverstayByLimit = {{" %
      len(m["by_limit"]))
    for r in m["by_limit"]:
        w("    {%d, %s, %s, %s, %s, %s, %d, %d}," % (
            r["limit"], f3(r["share"]), arr(r["q"], lambda x: "%.1ff" % x), "%.1ff" % r["shift"],
            f3(r["mu"]), f3(r["sigma"]), r["n"], r["bays"]))
    w("}};")
    w("")
    w("struct DwellMinutes {")
    w("  std::array<float, 5> quantiles;  // p10, p25, p50, p75, p90, minutes")
    w("  float mean;                      // minutes")
    w("  float lognormal_mu;              // of ln(minutes)")
    w("  float lognormal_sigma;")
    w("};")
    w("")
    w(comment("""
MEASURED. Dwell time (departure - arrival) of overstaying stays at bays with a limit > 0
(%d events). Compliant stays are not in the data; the derivation above assumes they are uniform on
(0, limit + 5 min]. A simulator can draw: overstay with probability kOnStreetOverstayShareOfStays,
then dwell = limit + excess (kOnStreetOverstayByLimit), else dwell = Uniform(0, limit + 5).
""" % m["timed_n"]))
    w("inline constexpr DwellMinutes kOnStreetOverstayDwellMinutes = {%s, %s, %s, %s};" % (
        arr(m["dwell_q"], lambda x: "%.1ff" % x), "%.1ff" % m["dwell_mean"], f3(m["dwell_fit"][0]),
        f3(m["dwell_fit"][1])))
    w("")

    # EV.
    P, hourly, info, _ = ev
    broken = ", ".join("%s %s (%d connectors)" % (k[0].capitalize(), k[1], n)
                       for k, n, _, _ in info["broken"])
    w(comment("""
EV chargers, from ev-charging-shenzhen-guangzhou/ev_occupancy_{shenzhen,guangzhou}.csv (columns
time, station_id, total, busy; %d rows, %d stations, %d connectors, 5-minute grid %s..%s, %d
weekdays and %d weekend days incl. New Year's Day). "busy" means "not available" in the app, so it
includes connectors out of service.

connectors_in_use_share[week-part row][hour] = hourly mean of busy / total, equal weight per station
(total is read per row: one station changes size). Frozen stretches (busy unchanged >= 6 h; almost
all stations froze from about 2021-12-21 22:15 to 12-22 22:20 and 2021-12-15 17:30 to 12-16 10:40)
are excluded:
%.1f%% of station-slots. %d stations frozen more than half the time are left out entirely: %s.
Overnight charging dominates: busiest around midnight, quietest mid-morning and afternoon, with a
lunchtime bump (probably time-of-use electricity tariffs).

offline_share: share of connector-time at stations frozen with every connector busy for >= 6 h -
offline or faulted, not full (MEASURED, all %d stations). never_free_share_max: connectors that
were never free in the clean data, summed over the stations used - an upper bound on connectors
out of service for the whole period (some may just be always in use). Noise figures are per station
(median %d connectors); for a station of n connectors scale noise_sd_share by about sqrt(%d / n).
""" % (info["rows"], info["stations"], info["piles"], info["first"], info["last"], info["days"][0],
       info["days"][1], 100 * info["excluded_share"], len(info["broken"]), broken, info["stations"],
       info["median_piles"], info["median_piles"])))
    w("struct EvChargerProfile {")
    w("  int stations;    // stations averaged, equal weight")
    w("  int connectors;  // connectors at those stations")
    w("  std::array<int, kWeekPartRows> days;")
    w("  // [week-part row][hour], share of connectors busy (in use or unavailable), 0..1.")
    w("  std::array<std::array<float, kHourSlots>, kWeekPartRows> connectors_in_use_share;")
    w("  float day_level_sd_rel;    // as in OccupancyProfile")
    w("  float day_level_sd_share;  // as in OccupancyProfile")
    w("  float noise_sd_share;      // as in OccupancyProfile, per station of median size")
    w("  float noise_ar1_5min;      // as in OccupancyProfile")
    w("  float step5_sd_share;      // as in OccupancyProfile")
    w("  float offline_share;       // connector-time offline/faulted (stuck at all busy)")
    w("  float never_free_share_max;  // upper bound on connectors out of service throughout")
    w("};")
    w("")
    used_piles = info["piles"] - info["broken_piles"]
    w("inline constexpr EvChargerProfile kEvChargerProfile = {")
    w("    .stations = %d," % (info["stations"] - len(info["broken"])))
    w("    .connectors = %d," % used_piles)
    w("    .days = {%d, %d}," % tuple(P.days))
    w("    .connectors_in_use_share = {{")
    w("        %s," % arr(hourly[0]))
    w("        %s," % arr(hourly[1]))
    w("    }},")
    w("    .day_level_sd_rel = %s," % f3(P.level_sd_rel))
    w("    .day_level_sd_share = %s," % f3(P.level_sd_abs))
    w("    .noise_sd_share = %s," % f4(P.noise_sd))
    w("    .noise_ar1_5min = %s," % f3(P.noise_ar1))
    w("    .step5_sd_share = %s," % f4(P.step_sd))
    w("    .offline_share = %s," % f3(info["offline_share"]))
    w("    .never_free_share_max = %s," % f3(info["min_busy_share"]))
    w("};")
    w("")
    w("}  // namespace pg::ingest::simulator")
    return "\n".join(out) + "\n", pooled


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    data_dir = args[0] if args else os.path.join(repo, "..", "shared", "data")
    if not os.path.isdir(data_dir):
        sys.exit("data directory not found: %s" % data_dir)
    gz_sites, gz_info = load_guangzhou(data_dir)
    pr_sites, pr_info = load_park_and_ride(data_dir)
    cc_sites = parkapi_city_centre_check(data_dir)
    mel = analyse_melbourne(data_dir)
    ev = analyse_ev(data_dir)
    text, pooled = emit_header(gz_sites, gz_info, pr_sites, pr_info, cc_sites, mel, ev)
    sys.stdout.write(text)
    if "--report" in argv:
        write_report(gz_sites, gz_info, pr_sites, pr_info, pooled, mel, ev, data_dir)


def write_report(gz_sites, gz_info, pr_sites, pr_info, pooled, mel, ev, data_dir):
    r = sys.stderr.write
    r("== profiles: name | weekday peak | Saturday peak | Sunday peak | night (03:00) wk | "
      "day sd rel | noise sd | ar1 | step sd\n")
    for name, P in pooled.items():
        pk = [P.peak(t) for t in range(3)]
        r("%-20s %s %.2f | %s %.2f | %s %.2f | %.2f | %.3f | %.4f | %.3f | %.4f\n" % (
            name, hhmm(pk[0][0]), pk[0][1], hhmm(pk[1][0]), pk[1][1], hhmm(pk[2][0]), pk[2][1],
            P.curve[0][6], P.level_sd_rel, P.noise_sd, P.noise_ar1, P.step_sd))
    r("== guangzhou per park: cap(stated) max over clamped frozen floor night@floor wkpeak\n")
    for pid, x in gz_info["parks"].items():
        s = gz_sites[pid]
        r("%s %d(%d) max %d over %d clamped %d frozen %d floor %d night@floor %.2f wkpeak %.2f "
          "night %.2f\n" % (pid, x["cap"], x["stated"], x["max"], x["over"], x["clamped"],
                            x["frozen"], x["floor"], x["night_at_floor"], max(s.curve[0]),
                            s.curve[0][6]))
    r("== P+R per site: weekday peak, night\n")
    for pid, s in pr_sites.items():
        r("%s days %s wkpeak %.2f night %.2f cap %s\n" % (
            pid, s.days_by_type, max(s.curve[0]), s.curve[0][6], pr_info["places"][pid]["cap"]))
    curves, counts, n = birmingham_check(data_dir)
    r("== Birmingham (%d car parks excl. NIA): %s\n" % (n, dict(counts)))
    for t in range(3):
        k = max(curves[t], key=curves[t].get)
        r("%s peak %s %.2f; 08:00 %.2f\n" % (DAY_TYPE_NAMES[t], hhmm(k), curves[t][k],
                                            curves[t][16]))
    r("== Melbourne\n")
    for k, v in mel.items():
        if k not in ("overstay_rate", "total_rate", "by_limit"):
            r("%s: %s\n" % (k, v))
    for w_ in range(2):
        h = max(range(24), key=lambda h: mel["total_rate"][w_][h])
        r("week part %d: total arrivals peak %02d:00 %.3f/bay-h; overstays %.4f; day sum %.2f "
          "(overstays %.3f)\n" % (w_, h, mel["total_rate"][w_][h], mel["overstay_rate"][w_][h],
                                 sum(mel["total_rate"][w_]), sum(mel["overstay_rate"][w_])))
    P, hourly, info, _ = ev
    r("== EV: %s\n" % {k: v for k, v in info.items()})
    for w_ in range(2):
        hmax = max(range(24), key=lambda h: hourly[w_][h])
        hmin = min(range(24), key=lambda h: hourly[w_][h])
        r("week part %d: max %02d:00 %.2f, min %02d:00 %.2f, mean %.2f\n" % (
            w_, hmax, hourly[w_][hmax], hmin, hourly[w_][hmin], sum(hourly[w_]) / 24))


if __name__ == "__main__":
    main(sys.argv)
