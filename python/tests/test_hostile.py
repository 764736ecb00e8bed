"""Hostile and wrong inputs raise clear exceptions; none crashes the interpreter."""

import pytest

import evmatch

MATCHER = evmatch.Matcher({"r": {"a": [{"prefix": "x"}]}, "deep": {"a": {"b": {"c": [1]}}}})


def hostile_texts():
    yield b"[" * 100000
    yield b'{"a":' * 100000
    yield b'{"a":"' + b"x" * (2 << 20) + b'"}'  # over the 1 MiB event limit
    yield b'{"a":"\xc3\x28"}'  # invalid UTF-8
    yield b'{"a":"x\x00"}'  # a raw control character
    yield b"\x00" * 100
    yield b'{"a":1e999999}'
    yield b'{"a":' + b"9" * 100000 + b"}"


@pytest.mark.parametrize("text", list(hostile_texts()), ids=lambda t: repr(t[:12]))
def test_hostile_events(text):
    for lazy in (False, True):
        try:
            result = MATCHER.match(text, lazy=lazy)
        except evmatch.InvalidEventError as error:
            assert error.reason
        else:
            assert isinstance(result, list)
    with pytest.raises(evmatch.InvalidEventError):
        evmatch.test_event_pattern({"a": [1]}, text)
    results = list(MATCHER.match_many([text, b'{"a":"xy"}'], errors="return"))
    assert results[1] == ["r"]


def test_deep_events():
    # Nesting no rule path reaches is skipped without recursion, whatever its depth.
    deep = b'{"a":' * 70 + b"1" + b"}" * 70
    assert MATCHER.match(deep) == []
    assert MATCHER.match(deep, lazy=True) == []
    with pytest.raises(evmatch.InvalidEventError) as raised:
        MATCHER.match(deep[:-1])  # one brace short
    assert raised.value.reason == "invalid JSON"
    # The evaluator refuses events deeper than EventBridge's 64 levels.
    with pytest.raises(evmatch.InvalidEventError):
        evmatch.test_event_pattern({"a": [1]}, deep)


def test_hostile_patterns():
    cases = [
        "[" * 100000,
        '{"a":' * 1000 + "[1]" + "}" * 1000,
        '{"a": [' + "1," * 3000 + "1]}",
        b'{"a": ["\xff"]}',
        "",
        '{"a": [{"numeric": [">", "1"]}]}',
    ]
    for text in cases:
        with pytest.raises(evmatch.InvalidEventPatternError) as raised:
            evmatch.Pattern(text)
        assert raised.value.reason


def test_wrong_types():
    for value in (None, 42, 1.5, [1], True):
        with pytest.raises(evmatch.InvalidEventPatternError):
            evmatch.Pattern(value)  # serialised, then refused: not an object
        with pytest.raises(evmatch.InvalidEventError):
            evmatch.test_event_pattern({"a": [1]}, value)
    for value in ({1, 2}, object(), {"a": float("nan")}):
        with pytest.raises((TypeError, ValueError)):
            evmatch.Pattern(value)
        with pytest.raises((TypeError, ValueError)):
            MATCHER.match(value)
    with pytest.raises(UnicodeEncodeError):
        MATCHER.match('{"a": "\udc80"}')  # a lone surrogate is not UTF-8
    deep = {}
    inner = deep
    for _ in range(100000):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(RecursionError):
        MATCHER.match(deep)
    with pytest.raises(TypeError):
        MATCHER.match_many(12)
