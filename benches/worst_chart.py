#!/usr/bin/env python3
"""The worst flowchart a version may declare, as a catalogue file (benches/run, P8).

The demo's licence power (demo/catalogue.yaml, PD-SCJG-XK-001) under another code, its chart
replaced by MAX_STEPS steps and MAX_TRANSITIONS transitions (aggregates/src/flowchart/mod.rs):
a chain from the start to the end, so every step is reachable and can finish, and the rest
of the transitions between pseudo-random steps (a fixed seed: every run draws the same
chart), which is what makes layout slow (crossings). Usage: worst_chart.py STEPS TRANSITIONS
"""
import json
import random
import sys

import yaml

steps_n, transitions_n = int(sys.argv[1]), int(sys.argv[2])
with open("demo/catalogue.yaml", encoding="utf-8") as f:
    demo = yaml.safe_load(f)
power = next(p for p in demo["powers"] if p["code"] == "PD-SCJG-XK-001")
power["code"] = "PD-BENCH-WORST"
power["name"] = "食品经营许可（最大流程图压测）"

ids = [f"s{i}" for i in range(steps_n)]
steps = [{"id": ids[0], "name": "收件", "kind": "start", "role": "窗口受理人员"}]
steps += [{"id": i, "name": f"环节{n}", "role": "审查人员"} for n, i in enumerate(ids[1:-1], 1)]
steps.append({"id": ids[-1], "name": "办结", "kind": "end", "result": "办结"})
transitions = [
    {"from": ids[n], "outcome": f"转{ids[n + 1]}", "to": ids[n + 1]} for n in range(steps_n - 1)
]
rng = random.Random(27)
while len(transitions) < transitions_n:
    a = rng.randrange(0, steps_n - 1)  # the end step has no way out
    b = rng.randrange(1, steps_n)  # nothing leads back to the start
    if a == b:
        continue
    transitions.append({"from": ids[a], "outcome": f"结果{len(transitions)}", "to": ids[b]})
power["version"]["flowchart"] = {"steps": steps, "transitions": transitions}
# JSON is YAML: the file is read by `yangguang catalogue import`.
json.dump({"powers": [power]}, sys.stdout, ensure_ascii=False, indent=1)
