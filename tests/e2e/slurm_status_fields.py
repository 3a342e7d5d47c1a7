#!/usr/bin/env python3
"""Flattens `jobmon-status --json` into one "KEY<TAB>VALUE" line per field, so
a shell test can assert any field with one grep:
  JOB.status                      failed
  JOB.scheduler.job_ids           ["37"]
  JOB.rank.3.state                timeout
  JOB.rank.3.scheduler.node       vm
Jobs are keyed by name, rank_issues by rank; other lists of objects by
position. Strings are written raw (newlines as \\n), everything else as
JSON (null, true, 3, ["37"]). Fails loudly on a document that is not JSON.
"""
import json
import sys


def flat(prefix, value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            flat(f"{prefix}.{k}" if prefix else k, v, out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            flat(f"{prefix}.{v.get('rank', i)}", v, out)
    elif isinstance(value, str):
        out.append((prefix, value.replace("\n", "\\n")))
    else:
        out.append((prefix, json.dumps(value)))


def main():
    doc = json.load(open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin)
    out = []
    for job in doc["jobs"]:
        issues = job.pop("rank_issues", [])
        flat(job["name"], job, out)
        for issue in issues:
            flat(f"{job['name']}.rank.{issue['rank']}", issue, out)
    for k, v in out:
        print(f"{k}\t{v}")


if __name__ == "__main__":
    main()
