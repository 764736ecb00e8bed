# Type stubs for the evmatch package (see help(evmatch) for the prose).
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, Union, overload

from evmatch import integrity as integrity
from evmatch import s3 as s3

# JSON text (str, or bytes-like read as it is) or a value json.dumps accepts.
JsonInput = Union[str, bytes, bytearray, memoryview, Mapping[str, Any], Any]
# A rules document: name -> pattern or list of patterns, or its JSON text.
RulesInput = Union[Mapping[str, Union[JsonInput, Sequence[JsonInput]]], str, bytes]

class Error(Exception):
    """Base class of evmatch's errors."""

    code: str  # canonical status code, "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED", ...

class InvalidEventPatternError(Error, ValueError):
    """A pattern EventBridge would refuse; str(error) is AWS's reason text."""

    reason: str
    json_pointer: str  # RFC 6901, "" for the whole pattern
    offset: int  # byte offset into the pattern (or rules document) text
    rule_name: str  # "" for a lone pattern

class InvalidEventError(Error, ValueError):
    """An event that is not a JSON object EventBridge would accept."""

    reason: str
    offset: int  # byte offset into the event (the input, for NDJSON)
    index: int  # position among match_many's events (match_many only)

class AwsError(Error, ValueError):
    """A request AWS refuses with a named error code ("BadDigest", ...)."""

class Pattern:
    """One validated event pattern; immutable, shareable between threads."""

    def __init__(self, pattern: JsonInput) -> None: ...
    def to_json(self) -> str: ...
    @property
    def combinations(self) -> int: ...
    def matches(self, event: JsonInput) -> bool: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

def test_event_pattern(event_pattern: Union[JsonInput, Pattern], event: JsonInput) -> bool: ...
def explain(event_pattern: Union[JsonInput, Pattern], event: JsonInput) -> dict[str, Any]: ...
def validate(pattern: JsonInput) -> list[InvalidEventPatternError]: ...
def validate_rules(rules: RulesInput) -> list[InvalidEventPatternError]: ...

class Matcher:
    """A compiled set of named rules, matched against events all at once."""

    def __init__(self, rules: RulesInput) -> None: ...
    def match(self, event: JsonInput, *, lazy: bool = False) -> list[str]: ...
    @overload
    def match_many(
        self,
        events: Union[str, bytes, bytearray, memoryview, Iterable[JsonInput]],
        *,
        threads: int = 1,
        lazy: bool = False,
        errors: Literal["raise"] = "raise",
    ) -> Iterator[list[str]]: ...
    @overload
    def match_many(
        self,
        events: Union[str, bytes, bytearray, memoryview, Iterable[JsonInput]],
        *,
        threads: int = 1,
        lazy: bool = False,
        errors: Literal["return"],
    ) -> Iterator[Union[list[str], Exception]]: ...
    def __len__(self) -> int: ...
    @property
    def rule_names(self) -> tuple[str, ...]: ...
    @property
    def memory_bytes(self) -> int: ...
