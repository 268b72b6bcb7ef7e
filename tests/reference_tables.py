"""Readers for the official tables we compare against (test helpers, not product code).

Each reader returns {(Location, Units): value}. Written independently of the importer: plain
csv/json reading of files MLCommons or the submitters published.
"""

from __future__ import annotations

import csv
import datetime
import glob
import json
import os
from pathlib import Path

SCENARIO_UNITS = {"singlestream": "Latency (ms)", "multistream": "Latency (ms)", "offline": "Samples/s",
                  "server": "Queries/s", "interactive": "Queries/s"}
POWER_UNITS = {"singlestream": "millijoules", "multistream": "millijoules", "offline": "Watts",
               "server": "Watts", "interactive": "Watts"}


def checker_table(path: str) -> dict[tuple[str, str], float]:
    """A results CSV written by the official checker (one row per Location and Units)."""
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            units = row.get("Units") or SCENARIO_UNITS.get(row["Scenario"].lower(), "")
            out[(row["Location"], units)] = float(row["Result"])
    return out


def submitter_summaries(round_dir: str) -> dict[tuple[str, str], float]:
    """Every DIVISION/SUBMITTER/summary.csv a submitter committed (checker output)."""
    out = {}
    for path in glob.glob(os.path.join(round_dir, "*", "*", "summary.csv")) + glob.glob(
            os.path.join(round_dir, "*", "*", "results", "summary.csv")):
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            for row in csv.DictReader(f):
                try:
                    value = float(row["Result"])
                except (KeyError, TypeError, ValueError):
                    continue
                loc = (row.get("Location") or "").strip()
                if not loc:
                    continue
                scen = loc.rsplit("/", 1)[-1].lower()
                units = (row.get("Units") or "").strip() or SCENARIO_UNITS.get(scen, "")
                if units in ("Watts", "millijoules") or value <= 0:
                    pass
                out[(loc, units)] = value
    return out


def final_report(path: str) -> dict[tuple[str, str], float]:
    """MLCommons' summary_results.json (the final-report script's output)."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for row in json.load(f):
            out[(row["Location"], row["Performance_Units"])] = float(row["Performance_Result"])
            if row.get("Power_Result") is not None:
                out[(row["Location"], row["Power_Units"])] = float(row["Power_Result"])
    return out


def our_values(rows: list[dict]) -> dict[tuple[str, str], float | None]:
    """Our rows keyed the same ways: by the checker's unit names and by ours."""
    out: dict[tuple[str, str], float | None] = {}
    for r in rows:
        for units in (r["official_units"], r["result_units"]):
            out[(r["location"], units)] = r["result"]
        if r["power_result"] is not None:
            out[(r["location"], r["power_units"])] = r["power_result"]
    return out


def compare(ours: dict, theirs: dict, rel: float = 1e-4) -> tuple[list, list]:
    """(missing keys, mismatches as (key, ours, theirs))."""
    missing, bad = [], []
    for key, value in theirs.items():
        if key not in ours:
            missing.append(key)
            continue
        mine = ours[key]
        if mine is None or abs(mine - value) > rel * max(abs(value), 1e-12):
            bad.append((key, mine, value))
    return missing, bad


def checker_power(run: Path) -> tuple[float, float]:
    """The official checker's power method, written out independently with datetime:
    (average of the positive Watts samples strictly inside the detail log's power window,
    window length in seconds)."""
    fmt = "%m-%d-%Y %H:%M:%S.%f"
    keys: dict = {}
    for line in (run / "mlperf_log_detail.txt").read_text(errors="replace").splitlines():
        if line.startswith(":::MLLOG"):
            rec = json.loads(line[8:])
            keys.setdefault(rec["key"], rec["value"])
    begin = datetime.datetime.strptime(keys["power_begin"], fmt)
    end = datetime.datetime.strptime(keys["power_end"], fmt)
    watts = []
    for line in (run / "spl.txt").read_text().splitlines():
        if line.startswith("Time"):
            parts = line.split(",")
            t = datetime.datetime.strptime(parts[1], fmt)
            if begin < t < end and float(parts[3]) > 0:
                watts.append(float(parts[3]))
    return sum(watts) / len(watts), (end - begin).total_seconds()
