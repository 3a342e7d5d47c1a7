#!/usr/bin/env python3
# Slurm's captured answers (tests/data/slurm) as if their jobs had written into
# another slurm logs dir: slurm_capture_as.py CAPTURE.json NEW_DIR > OUT.json
# (JSON writes "/" as "\/" there, so both paths are replaced in that form).
import sys

doc = open(sys.argv[1]).read()
old = "/tmp/jobmon-e2e-1Rh8C7/slurm_logs".replace("/", "\\/")
new = sys.argv[2].replace("/", "\\/")
sys.stdout.write(doc.replace(old, new))
