"""evmatch.Matcher: one event, many events, threads, both modes, errors."""

import json
import random
import threading

import pytest

import evmatch
from conftest import REPO

EXAMPLES = REPO / "examples"


def example_matcher():
    return evmatch.Matcher((EXAMPLES / "rules.json").read_bytes())


def example_events():
    return (EXAMPLES / "events.ndjson").read_bytes()


def expected_matches():
    lines = (EXAMPLES / "expected_matches.ndjson").read_text().splitlines()
    return [json.loads(line)["rules"] for line in lines]


def test_rules_from_a_document_a_dict_and_lists_of_patterns():
    text = (EXAMPLES / "rules.json").read_text()
    as_dict = json.loads(text)
    for rules in (text, text.encode(), as_dict):
        matcher = evmatch.Matcher(rules)
        assert matcher.rule_names == tuple(as_dict)
        assert len(matcher) == len(as_dict)
        assert matcher.memory_bytes > 0
    # A rule with several patterns matches when any does; order of first mention.
    matcher = evmatch.Matcher({"b": [{"x": [1]}, '{"y":[2]}'], "a": {"x": [1]}})
    assert matcher.rule_names == ("b", "a")
    assert matcher.match('{"x":1}') == ["b", "a"]
    assert matcher.match(b'{"y":2}') == ["b"]
    assert matcher.match({"z": 3}) == []


def test_the_bundled_example_matches_as_the_cli_expects():
    matcher = example_matcher()
    lines = [line for line in example_events().splitlines() if line.strip()]
    expected = expected_matches()
    assert [matcher.match(line) for line in lines] == expected
    assert [matcher.match(line, lazy=True) for line in lines] == expected
    assert list(matcher.match_many(example_events())) == expected
    assert list(matcher.match_many(example_events().decode())) == expected
    assert list(matcher.match_many(lines)) == expected
    assert list(matcher.match_many(iter(json.loads(line) for line in lines))) == expected


def test_invalid_rules_name_the_rule():
    with pytest.raises(evmatch.InvalidEventPatternError) as raised:
        evmatch.Matcher({"good": {"a": ["x"]}, "bad": {"a": [{"prefix": 1}]}})
    assert raised.value.rule_name == "bad"
    assert raised.value.json_pointer == "/a/0/prefix"
    with pytest.raises(evmatch.InvalidEventPatternError) as raised:
        evmatch.Matcher('{"r": {"a": []}}')
    assert raised.value.reason == "Empty arrays are not allowed"
    assert raised.value.json_pointer == "/r/a"
    assert raised.value.offset == '{"r": {"a": []}}'.index("[")
    with pytest.raises(ValueError, match="empty list of patterns"):
        evmatch.Matcher({"r": []})
    with pytest.raises(TypeError):
        evmatch.Matcher({1: {"a": ["x"]}})
    with pytest.raises(TypeError):
        evmatch.Matcher(42)


def test_invalid_events_raise_and_batches_go_on():
    matcher = evmatch.Matcher({"r": {"a": [1]}})
    for bad in (b"not json", b"[1]", b'{"a":1} trailing', b"", "\"x\""):
        with pytest.raises(evmatch.InvalidEventError) as raised:
            matcher.match(bad)
        assert raised.value.reason == "invalid JSON"
    data = b'{"a":1}\n\n{"a":2}\n{"a":\n{"a":1}\n'
    results = list(matcher.match_many(data, errors="return"))
    assert results[:2] == [["r"], []]
    assert isinstance(results[2], evmatch.InvalidEventError)
    assert results[2].offset == data.index(b'{"a":\n')
    assert results[2].index == 2
    assert results[3] == ["r"]
    seen = []
    with pytest.raises(evmatch.InvalidEventError) as raised:
        for names in matcher.match_many(data):
            seen.append(names)
    assert seen == [["r"], []]  # every result before the bad event was yielded
    assert raised.value.index == 2
    # Values json.dumps refuses are that element's error.
    results = list(matcher.match_many([{"a": 1}, {1, 2}, {"a": float("nan")}, {"a": 1}],
                                      errors="return"))
    assert results[0] == ["r"] and results[3] == ["r"]
    assert isinstance(results[1], TypeError) and results[1].index == 1
    assert isinstance(results[2], ValueError) and results[2].index == 2
    with pytest.raises(ValueError):
        matcher.match_many([], errors="ignore")
    with pytest.raises(ValueError):
        matcher.match_many([], threads=0)


def random_rules_and_events(seed, rules=60, events=3000):
    rng = random.Random(seed)
    values = ["a", "b", "c", "ab", "", "x"]

    def leaf():
        kind = rng.randrange(6)
        if kind == 0:
            return [rng.choice(values)]
        if kind == 1:
            return [{"prefix": rng.choice(values)}]
        if kind == 2:
            return [{"numeric": [">", rng.randrange(10)]}]
        if kind == 3:
            return [{"exists": rng.random() < 0.5}]
        if kind == 4:
            return [{"anything-but": rng.choice(values)}]
        return [rng.randrange(10), rng.choice(values)]

    fields = ["f", "g", "h"]
    rule_set = {
        f"rule-{i}": {"d": {field: leaf() for field in rng.sample(fields, rng.randrange(1, 3))}}
        for i in range(rules)
    }

    def value():
        return rng.choice([rng.choice(values), rng.randrange(10), [rng.choice(values), 3], None])

    event_list = [
        {"d": {field: value() for field in fields if rng.random() < 0.7}} for _ in range(events)
    ]
    return rule_set, event_list


def test_many_events_on_threads_equal_one_at_a_time_and_the_reference():
    rules, events = random_rules_and_events(7)
    matcher = evmatch.Matcher(rules)
    ndjson = "\n".join(json.dumps(e) for e in events).encode()
    one_by_one = [matcher.match(e) for e in events]
    # The reference: each rule's pattern evaluated alone.
    patterns = {name: evmatch.Pattern(p) for name, p in rules.items()}
    for event, names in zip(events[:300], one_by_one):
        assert names == [name for name, p in patterns.items() if p.matches(event)]
    for threads in (1, 2, 3, 8):
        for lazy in (False, True):
            assert list(matcher.match_many(ndjson, threads=threads, lazy=lazy)) == one_by_one
            assert list(matcher.match_many(events, threads=threads, lazy=lazy)) == one_by_one


def test_ndjson_larger_than_one_native_batch():
    matcher = evmatch.Matcher({"even": {"n": [{"numeric": ["=", 0]}]}, "any": {"n": [{"exists": True}]}})
    # About 20 MiB, so match_many crosses several of its 4 MiB batches.
    pad = "x" * 2000
    lines = [f'{{"n":{i % 2},"pad":"{pad}"}}' for i in range(10000)]
    results = list(matcher.match_many("\n".join(lines), threads=2))
    assert len(results) == len(lines)
    assert results[:3] == [["even", "any"], ["any"], ["even", "any"]]
    assert results.count(["even", "any"]) == 5000
    # A malformed line deep in the input: its index and byte offset are exact.
    lines[7777] = '{"n": 1, "pad": "unterminated}'
    data = "\n".join(lines).encode()
    for threads in (1, 3):
        results = list(matcher.match_many(data, threads=threads, errors="return"))
        assert len(results) == len(lines)
        error = results[7777]
        assert isinstance(error, evmatch.InvalidEventError)
        assert (error.index, error.offset) == (7777, data.index(b'{"n": 1, "pad": "unterm'))
        assert results[7778] == ["even", "any"]


def test_python_threads_share_one_matcher():
    rules, events = random_rules_and_events(11, events=1000)
    matcher = evmatch.Matcher(rules)
    expected = [matcher.match(e) for e in events]
    outcomes = {}

    def run(k):
        if k % 2:
            outcomes[k] = list(matcher.match_many(events, threads=2))
        else:
            outcomes[k] = [matcher.match(e) for e in events]

    workers = [threading.Thread(target=run, args=(k,)) for k in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert all(outcomes[k] == expected for k in range(6))


def test_bytes_like_inputs_are_read_in_place():
    matcher = evmatch.Matcher({"r": {"a": ["é"]}})
    event = '{"a":"é"}'
    for form in (event, event.encode(), bytearray(event.encode()), memoryview(event.encode())):
        assert matcher.match(form) == ["r"]
    with pytest.raises(BufferError):
        matcher.match(memoryview(b'{"a":"x"}  ')[::2])  # not contiguous
