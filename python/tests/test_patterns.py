"""test_event_pattern, Pattern, validate and validate_rules."""

import json

import pytest

import evmatch
from conftest import REPO

EC2_RULE = {
    "source": ["aws.ec2"],
    "detail-type": ["EC2 Instance State-change Notification"],
    "detail": {"state": ["stopped", "terminated"]},
}
EC2_EVENT = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-abcd1111", "state": "stopped"},
}


def test_every_input_form_gives_the_same_answer():
    pattern_forms = [EC2_RULE, json.dumps(EC2_RULE), json.dumps(EC2_RULE).encode(),
                     evmatch.Pattern(EC2_RULE)]
    event_forms = [EC2_EVENT, json.dumps(EC2_EVENT), json.dumps(EC2_EVENT).encode(),
                   bytearray(json.dumps(EC2_EVENT).encode())]
    for pattern in pattern_forms:
        for event in event_forms:
            assert evmatch.test_event_pattern(pattern, event) is True
    running = dict(EC2_EVENT, detail={"state": "running"})
    assert evmatch.test_event_pattern(EC2_RULE, running) is False
    # Keywords as AWS's CLI names them.
    assert evmatch.test_event_pattern(event_pattern=EC2_RULE, event=EC2_EVENT)


def test_the_s3_example_pattern_and_event():
    pattern = (REPO / "examples" / "s3-jpg-upload" / "pattern.json").read_text()
    event = (REPO / "examples" / "s3-jpg-upload" / "event.json").read_bytes()
    assert evmatch.test_event_pattern(pattern, event) is True


def test_invalid_patterns_carry_aws_reason_pointer_and_offset():
    text = '{"detail": {"state": [{"prefix": 5}]}}'
    with pytest.raises(evmatch.InvalidEventPatternError) as raised:
        evmatch.test_event_pattern(text, EC2_EVENT)
    error = raised.value
    assert isinstance(error, ValueError) and isinstance(error, evmatch.Error)
    assert str(error) == error.reason == "prefix match pattern must be a string"
    assert error.json_pointer == "/detail/state/0/prefix"
    assert error.offset == text.index("5")
    assert error.rule_name == ""
    assert error.code == "INVALID_ARGUMENT"
    with pytest.raises(evmatch.InvalidEventPatternError) as raised:
        evmatch.Pattern({"a": ["x" * 5000]})  # over EventBridge's 4096 bytes
    assert raised.value.code == "RESOURCE_EXHAUSTED"
    assert "4096" in raised.value.reason


def test_invalid_events():
    for event in ("[1, 2]", b"{", "42", '{"a": 1} {"b": 2}', b'{"a": "\xff"}'):
        with pytest.raises(evmatch.InvalidEventError) as raised:
            evmatch.test_event_pattern({"a": [1]}, event)
        assert str(raised.value).startswith("Parameter Event is not valid.")
        assert raised.value.offset >= 0
    with pytest.raises(evmatch.InvalidEventError) as raised:
        evmatch.test_event_pattern({"a": [1]}, b'{"a": "\xff"}')
    assert raised.value.offset == 7


def test_pattern_objects():
    pattern = evmatch.Pattern('{"b": [3.0e2], "a": [{"prefix": "x"}]}')
    assert pattern.to_json() == '{"b":[300],"a":[{"prefix":"x"}]}'
    assert str(pattern) == pattern.to_json()
    assert repr(pattern) == "evmatch.Pattern('{\"b\":[300],\"a\":[{\"prefix\":\"x\"}]}')"
    assert pattern == evmatch.Pattern({"b": [300], "a": [{"prefix": "x"}]})
    assert len({pattern, evmatch.Pattern(pattern.to_json())}) == 1
    assert pattern.combinations == 1
    assert evmatch.Pattern({"$or": [{"a": [1]}, {"b": [2]}, {"c": [3]}]}).combinations == 3
    assert pattern.matches({"a": "xyz", "b": 300}) is True
    assert pattern.matches({"a": "xyz", "b": "300"}) is False


def test_validate_lists_errors_without_raising():
    assert evmatch.validate(EC2_RULE) == []
    [error] = evmatch.validate('{"a": []}')
    assert isinstance(error, evmatch.InvalidEventPatternError)
    assert (error.reason, error.json_pointer, error.offset) == (
        "Empty arrays are not allowed", "/a", 6)


def test_validate_rules_reports_every_invalid_rule():
    rules = {
        "ok": EC2_RULE,
        "empty": {"a": []},
        "two": [{"b": [1]}, '{"c": "x"}'],
    }
    errors = evmatch.validate_rules(rules)
    assert [(e.rule_name, e.reason, e.json_pointer) for e in errors] == [
        ("empty", "Empty arrays are not allowed", "/a"),
        ("two", '"c" must be an object or an array', "/c"),
    ]
    document = json.dumps({"ok": EC2_RULE, "bad": {"x": [{"numeric": [">"]}]}})
    [error] = evmatch.validate_rules(document)
    assert error.rule_name == "bad"
    assert error.json_pointer.startswith("/bad/x")
    assert document[error.offset:].startswith("[") or document[error.offset:].startswith("{")
    assert evmatch.validate_rules({"ok": EC2_RULE}) == []
    with pytest.raises(evmatch.InvalidEventPatternError):
        evmatch.validate_rules("[1, 2]")  # not a rules document at all


def test_help_reads_like_the_header():
    assert "EventBridge" in evmatch.__doc__
    for name in evmatch.__all__:
        item = getattr(evmatch, name)
        assert item.__doc__ and len(item.__doc__.strip()) > 20, name
        assert item.__module__ == "evmatch"
    for method in ("match", "match_many"):
        assert getattr(evmatch.Matcher, method).__doc__


def test_explain_says_why():
    why = evmatch.explain(EC2_RULE, dict(EC2_EVENT, detail={"state": "Stopped"}))
    assert why["matched"] is False
    conditions = why["patterns"][0]["root"]["conditions"]
    state = next(c for c in conditions if c["pointer"] == "/detail/state")
    assert state["status"] == "failed"
    assert state["values"] == [{"pointer": "/detail/state", "json": '"Stopped"'}]
    assert any("equals-ignore-case" in hint for hint in state["hints"])
    assert evmatch.explain(evmatch.Pattern(EC2_RULE), EC2_EVENT)["matched"] is True
    with pytest.raises(evmatch.InvalidEventPatternError):
        evmatch.explain({"a": []}, EC2_EVENT)
