"""EventBridge event patterns for Python, with the service's semantics.

evmatch matches JSON events against Amazon EventBridge event patterns exactly
as the service does (exact values, prefix, suffix, equals-ignore-case,
wildcard, anything-but, numeric, exists, cidr, $or, arrays), with AWS's error
texts, in a compiled C++ engine.

    import evmatch

    evmatch.test_event_pattern({"source": ["aws.ec2"]}, '{"source": "aws.ec2"}')  # True

    matcher = evmatch.Matcher({
        "stopped": {"detail-type": ["EC2 Instance State-change Notification"],
                    "detail": {"state": ["stopped"]}},
        "big-jpg": {"detail": {"object": {"key": [{"suffix": ".jpg"}],
                                          "size": [{"numeric": [">", 1048576]}]}}},
    })
    matcher.match(event_bytes)                       # ['stopped']
    for names in matcher.match_many(ndjson_bytes, threads=2):
        ...

Events and patterns are JSON text (str, or bytes-like, read as they are) or
Python values (dict, ...) serialised with json.dumps. Invalid patterns raise
InvalidEventPatternError (a ValueError) carrying AWS's reason text, the JSON
Pointer and the byte offset of the problem; events that are not JSON objects
raise InvalidEventError.

Submodules: evmatch.s3 (S3 event notifications), evmatch.integrity (ETags and
checksums as S3 computes them).
"""

import itertools as _itertools

from evmatch import _evmatch
from evmatch._evmatch import (
    AwsError,
    Error,
    InvalidEventError,
    InvalidEventPatternError,
    Pattern,
    explain,
    test_event_pattern,
    validate,
    validate_rules,
)

__all__ = [
    "AwsError",
    "Error",
    "InvalidEventError",
    "InvalidEventPatternError",
    "Matcher",
    "Pattern",
    "explain",
    "test_event_pattern",
    "validate",
    "validate_rules",
]

# Events one native call of match_many takes from an iterable.
_BATCH = 4096


class Matcher(_evmatch._Matcher):
    """A compiled set of named rules, matched against events all at once.

    Matcher(rules) compiles `rules`: a dict mapping each rule name to a pattern
    or a list of patterns (a rule matches when any of its patterns does), or
    the JSON text of such a document. Patterns are JSON text or dicts. An
    invalid pattern raises InvalidEventPatternError naming the rule
    (`rule_name`) and the place in the pattern.

    match(event) returns the names of the matching rules; match_many(events)
    matches many events, on several threads, without holding the GIL. A
    Matcher is immutable and may be shared between threads.
    """

    def match_many(self, events, *, threads=1, lazy=False, errors="raise"):
        """Yields, for each event, the list of the rules it matches.

        `events` is NDJSON (bytes-like or str: one JSON object per line,
        blank lines skipped) or an iterable of events (each as match()
        takes it). Events are matched in batches on `threads` threads with the
        GIL released, so other Python threads run meanwhile; results come in
        input order.

        An event that cannot be matched (malformed, not an object, too large,
        too deep; or a value json.dumps refuses) raises its exception when
        its turn comes with errors="raise", after every earlier result was
        yielded; with errors="return" the exception object is yielded in its
        place and matching goes on. InvalidEventError.offset is the event's
        byte offset in NDJSON input and `index` its position (0-based).
        """
        if errors not in ("raise", "return"):
            raise ValueError('errors must be "raise" or "return"')
        if not isinstance(threads, int) or threads < 1:
            raise ValueError("threads must be an integer >= 1")
        if isinstance(events, str):
            events = events.encode("utf-8")
        if isinstance(events, (bytes, bytearray, memoryview)):
            batches = self._ndjson_batches(events, threads, lazy)
        else:
            batches = self._iterable_batches(iter(events), threads, lazy)
        return self._results(batches, errors == "raise")

    def _ndjson_batches(self, data, threads, lazy):
        job = self._ndjson_job(data, threads, lazy)
        while (batch := job.next()) is not None:
            yield batch

    def _iterable_batches(self, iterator, threads, lazy):
        while True:
            batch = list(_itertools.islice(iterator, _BATCH))
            if not batch:
                return
            yield self._match_events(batch, threads, lazy)

    @staticmethod
    def _results(batches, raise_errors):
        # Each batch is (results, number of exception objects among them).
        index = 0
        for results, errors in batches:
            if errors:
                for position, result in enumerate(results):
                    if isinstance(result, BaseException):
                        result.index = index + position
                        if raise_errors:
                            yield from results[:position]
                            raise result
            yield from results
            index += len(results)

    def __repr__(self):
        return f"<evmatch.Matcher with {len(self)} rules>"


for _name in __all__:
    globals()[_name].__module__ = "evmatch"
del _name
