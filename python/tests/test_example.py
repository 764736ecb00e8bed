"""examples/python/match_events.py prints what `evmatch match` prints."""

import subprocess
import sys

from conftest import REPO


def test_the_python_example():
    printed = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "match_events.py")],
                             check=True, capture_output=True, text=True).stdout.splitlines()
    expected = (REPO / "examples" / "expected_matches.ndjson").read_text().splitlines()
    assert printed[:len(expected)] == expected
    assert printed[len(expected):] == [
        "test_event_pattern: True",
        "invalid pattern: prefix match pattern must be a string at /detail/state/0/prefix "
        "(offset 30)",
    ]
