#!/usr/bin/env python3
"""The Python module against the C++ library, measured in one run.

    python3 bench/python_benchmark.py DATA_DIR [--build build/bench] [--rounds 5]

DATA_DIR holds citylots2 (events.jsonl.gz, rules/). For the EXACT and COMBO
rule categories it times Matcher.match over every event given as bytes, then
runs the C++ citylots_benchmark (Matcher::Match, one event per call) on the
same events in the same run and prints the ratio. It also times match_many
over the whole NDJSON with one and two threads, and test_event_pattern calls
per second for a typical pattern and event (what emulators pay per call).

The machines are noisy: each round measures both sides of a ratio one after
the other, and the figures are medians over --rounds rounds (rates and
per-round ratios).
"""

import argparse
import gzip
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time


def rate(count, run):
    """Items per second of one call of run() doing `count` items."""
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def cpp_rates(build, data, categories):
    """items/s of Match_<category>_Evmatch from one citylots_benchmark run."""
    binary = build / "bench" / "citylots_benchmark"
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [str(binary), str(data),
             "--benchmark_filter=^Match_(" + "|".join(categories) + ")_Evmatch$",
             "--benchmark_min_time=0.5",
             f"--benchmark_out={out.name}", "--benchmark_out_format=json"],
            check=True, stdout=subprocess.DEVNULL)
        report = json.load(open(out.name))
    return {row["name"].split("_")[1]: row["items_per_second"] for row in report["benchmarks"]}


def row(label, python, cpp=None, ratio=None):
    cpp_text = f"{cpp:>14,.0f}" if cpp is not None else " " * 14
    ratio_text = f"{ratio:>7.2f}" if ratio is not None else ""
    print(f"{label:<44} {python:>14,.0f} {cpp_text} {ratio_text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=pathlib.Path)
    parser.add_argument("--build", type=pathlib.Path, default=pathlib.Path("build/bench"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(args.build / "python"))
    import evmatch

    print(f"evmatch from {evmatch.__file__}", file=sys.stderr)
    print("reading events...", file=sys.stderr)
    with gzip.open(args.data / "events.jsonl.gz", "rb") as f:
        ndjson = f.read()
    events = [line for line in ndjson.split(b"\n") if line]
    categories = ["EXACT", "COMBO"]

    median = statistics.median
    print(f"{'measure':<44} {'Python':>14} {'C++':>14} {'ratio':>7}")
    matchers = {c: evmatch.Matcher((args.data / "rules" / f"{c}.json").read_bytes())
                for c in categories}
    python_rates = {c: [] for c in categories}
    cpp = {c: [] for c in categories}
    for number in range(args.rounds):
        print(f"round {number + 1}/{args.rounds}: Python, then citylots_benchmark",
              file=sys.stderr)
        for c in categories:
            match = matchers[c].match
            python_rates[c].append(rate(len(events), lambda: [match(e) for e in events]))
        for c, value in cpp_rates(args.build, args.data, categories).items():
            cpp[c].append(value)
    for c in categories:
        ratios = [p / q for p, q in zip(python_rates[c], cpp[c])]
        row(f"Matcher.match, {c} (events/s)", median(python_rates[c]), median(cpp[c]),
            median(ratios))

    matcher = matchers["COMBO"]
    many = {1: [], 2: []}
    for _ in range(args.rounds):
        for threads in (1, 2):
            many[threads].append(rate(
                len(events), lambda: sum(1 for _ in matcher.match_many(ndjson, threads=threads))))
    row("match_many, COMBO, 1 thread (events/s)", median(many[1]))
    row("match_many, COMBO, 2 threads (events/s)", median(many[2]), None,
        median(b / a for a, b in zip(many[1], many[2])))
    print(f"  (ratio: 2 threads / 1 thread; the machine has {os.cpu_count()} CPUs)")

    pattern = json.dumps({"source": ["aws.ec2"],
                          "detail-type": ["EC2 Instance State-change Notification"],
                          "detail": {"state": ["stopped", "terminated"]}})
    event = json.dumps({"version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
                        "detail-type": "EC2 Instance State-change Notification",
                        "source": "aws.ec2", "account": "123456789012",
                        "time": "2015-11-11T21:29:54Z", "region": "us-east-1",
                        "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-1"],
                        "detail": {"instance-id": "i-1", "state": "stopped"}})
    calls = 100000
    as_text = [rate(calls, lambda: [evmatch.test_event_pattern(pattern, event)
                                    for _ in range(calls)]) for _ in range(args.rounds)]
    row("test_event_pattern, EC2 rule, str (calls/s)", median(as_text))
    as_dicts = (json.loads(pattern), json.loads(event))
    as_dict = [rate(calls, lambda: [evmatch.test_event_pattern(*as_dicts)
                                    for _ in range(calls)]) for _ in range(args.rounds)]
    row("test_event_pattern, EC2 rule, dict (calls/s)", median(as_dict))


if __name__ == "__main__":
    main()
