#!/usr/bin/python3
"""Where do my datatrove jobs stand? A runnable example of the jobmon Python module.

    PYTHONPATH=build/python /usr/bin/python3 examples/python_status.py [PATH_OR_GLOB ...]

With no argument it looks at the real fixtures in tests/fixtures/datatrove
(copied from datatrove runs).
"""
import pathlib
import sys
import time

import jobmon

here = pathlib.Path(__file__).resolve().parent
targets = sys.argv[1:] or [here.parent / "tests" / "fixtures" / "datatrove"]

result = jobmon.scan(*targets)
for warning in result.warnings:
    print(f"warning: {warning['path']}: {warning['message']}", file=sys.stderr)

agg = jobmon.aggregate(result, sort="status")
for row in agg.rows:
    line = f"{row['status']:>8}  {row['name']}: {row['completed']}/{row['world_size']} ({row['percent']}%)"
    if row["eta_seconds"]:
        line += f", about {row['eta_seconds'] / 3600:.1f} h left"
    print(line)
    for issue in row["rank_issues"]:
        if issue["state"] == "failed":
            print(f"          rank {issue['rank']}: {issue['message']}")
print(agg.summary_line())

# The estimator on its own: ten units, one a minute, then silence.
eta = jobmon.Eta(total=100)
eta.set_start(0)
for minute in range(1, 11):
    eta.add(minute * 60.0, minute)
print("ETA right after the 10th unit:", round(eta.smoothed(now=600)["remaining_seconds"] / 60), "min")
print("ETA after an hour of silence: ", round(eta.smoothed(now=4200)["remaining_seconds"] / 60), "min")
