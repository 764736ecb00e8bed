"""The conformance cases of tests/conformance/cases through the Python API.

Every case runs through test_event_pattern, Pattern.matches, and a one-rule
Matcher (both modes); error cases check the exception's reason, pointer and
code. The same files drive the C++ and CLI conformance runs.
"""

import json

import pytest

import evmatch
from conftest import REPO
from json_spans import elements, members, meant

CASES_DIR = REPO / "tests" / "conformance" / "cases"


def load_cases():
    cases = []
    for path in sorted(CASES_DIR.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        top = members(text, text.index("{"))
        if "cases" in top:
            for raw in elements(top["cases"]):
                case = members(raw, 0)
                name = f"{path.stem}: {json.loads(case['name'])}"
                cases.append((name, case))
        else:  # the truth table: rows of conditions x columns of event values
            columns = elements(top["columns"])
            for row in elements(top["rows"]):
                row = members(row, 0)
                expect = json.loads(row["expect"])
                for column, match in zip(columns, expect):
                    event = '{"g":1}' if column == '"missing"' else '{"f":' + column + "}"
                    case = {"pattern": '{"f":' + row["condition"] + "}", "event": event,
                            "match": json.dumps(match)}
                    cases.append((f"{path.stem}: {row['condition']} on {column}", case))
    return cases


CASES = load_cases()


def has_duplicate_keys(text):
    found = []

    def pairs(items):
        keys = [key for key, _ in items]
        found.append(len(keys) != len(set(keys)))
        return dict(items)

    try:
        json.loads(text, object_pairs_hook=pairs)
    except ValueError:
        return False
    return any(found)


def test_every_case_was_read():
    expected = 0
    for path in CASES_DIR.glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        expected += len(doc["cases"]) if "cases" in doc else len(doc["rows"]) * len(doc["columns"])
    assert len(CASES) == expected


@pytest.mark.parametrize("name,case", CASES, ids=[name for name, _ in CASES])
def test_case(name, case):
    pattern = meant(case["pattern"])
    if "error" in case:
        with pytest.raises(evmatch.InvalidEventPatternError) as raised:
            evmatch.Pattern(pattern)
        error = raised.value
        assert str(error) == json.loads(case["error"])
        assert error.reason == json.loads(case["error"])
        assert error.json_pointer == json.loads(case["pointer"])
        assert 0 <= error.offset <= len(pattern.encode("utf-8"))
        limit = "code" in case and json.loads(case["code"]) == "ResourceExhausted"
        assert error.code == ("RESOURCE_EXHAUSTED" if limit else "INVALID_ARGUMENT")
        assert evmatch.validate(pattern)[0].reason == error.reason
        return
    event = meant(case["event"])
    expected = json.loads(case["match"])
    assert evmatch.test_event_pattern(pattern, event) is expected
    parsed = evmatch.Pattern(pattern)
    assert parsed.matches(event) is expected
    assert evmatch.Pattern(parsed.to_json()).matches(event) is expected
    matcher = evmatch.Matcher({"rule": pattern})
    want = ["rule"] if expected else []
    assert matcher.match(event) == want
    # Lazy matching may let the first of two equal keys decide (documented).
    if not has_duplicate_keys(event):
        assert matcher.match(event.encode("utf-8"), lazy=True) == want
