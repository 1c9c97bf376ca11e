#!/usr/bin/env python3
"""Sums PostgreSQL's statement log (log_min_duration_statement = 0, as `LOG_STATEMENTS=1
benches/profile` sets it) by statement, per load of the profile (split at its markers).

    benches/statements.py [LOG]   # default: the newest /var/log/postgresql/*.log

Times are PostgreSQL's own (parse, bind, execute of each statement: wall time in the backend,
including waits for locks, the WAL flush and the CPU), not CPU time."""
import collections
import glob
import os
import re
import sys

path = sys.argv[1] if len(sys.argv) > 1 else max(glob.glob("/var/log/postgresql/*.log"), key=os.path.getmtime)
LINE = re.compile(r"duration: ([\d.]+) ms\s+(statement|parse|bind|execute)[^:]*: (.*)")
loads = {"(before the first load)": collections.defaultdict(lambda: [0.0, 0])}
current = loads["(before the first load)"]
for line in open(path, errors="replace"):
    m = LINE.search(line)
    if not m:
        continue
    ms, phase, text = float(m.group(1)), m.group(2), re.sub(r"\s+", " ", m.group(3))
    mark = re.match(r"SELECT 'profile: (.*)'", text)
    if mark:
        current = loads.setdefault(mark.group(1).strip(), collections.defaultdict(lambda: [0.0, 0]))
        continue
    # One key per statement shape: multi-row VALUES lists of any length count as one.
    text = re.sub(r"(\(\$\d+(, \$\d+)*(::\w+)?\))(, \(\$\d+(, \$\d+)*(::\w+)?\))+", r"\1, …", text)
    entry = current[(phase, text[:110])]
    entry[0] += ms
    entry[1] += 1
for name, stats in loads.items():
    total = sum(v[0] for v in stats.values())
    if not total:
        continue
    print(f"== {name}: {total / 1000:.2f} s in all")
    for (phase, text), (ms, n) in sorted(stats.items(), key=lambda kv: -kv[1][0])[:18]:
        print(f"{ms / 1000:8.3f} s {n:7d}  {phase:9} {text}")
