#!/usr/bin/env python3
"""Matches the bundled example events against the bundled rules from Python.

    PYTHONPATH=build/release/python python3 examples/python/match_events.py

Prints one line per event, as `evmatch match` does, then checks a pattern
the way `aws events test-event-pattern` does and shows an invalid one.
"""

import json
import pathlib

import evmatch

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent

matcher = evmatch.Matcher((EXAMPLES / "rules.json").read_bytes())
events = (EXAMPLES / "events.ndjson").read_bytes()
for number, names in enumerate(matcher.match_many(events, threads=2), 1):
    print(json.dumps({"event": number, "rules": names}))

pattern = {"source": ["aws.ec2"], "detail": {"state": [{"equals-ignore-case": "STOPPED"}]}}
event = {"source": "aws.ec2", "detail": {"state": "stopped"}}
print("test_event_pattern:", evmatch.test_event_pattern(pattern, event))
try:
    evmatch.Pattern({"detail": {"state": [{"prefix": 5}]}})
except evmatch.InvalidEventPatternError as error:
    print(f"invalid pattern: {error} at {error.json_pointer} (offset {error.offset})")
