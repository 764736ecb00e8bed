"""The raw text of JSON values in a file, as the C++ conformance runner reads it.

json.loads would turn 3.0e2 into 300.0 and 1e400 into inf; the conformance
cases mean the text as written, so the runner takes each value's span.
"""

import json

_WS = " \t\r\n"


def _skip_ws(text, i):
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _string_end(text, i):
    i += 1  # the opening quote
    while text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def value_end(text, i):
    """Index just past the JSON value starting at text[i]."""
    if text[i] == '"':
        return _string_end(text, i)
    if text[i] in "[{":
        depth = 0
        while True:
            c = text[i]
            if c == '"':
                i = _string_end(text, i)
                continue
            if c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
    while i < len(text) and text[i] not in ",]}" + _WS:
        i += 1
    return i


def members(text, i):
    """{key: raw text} of the object starting at text[i]."""
    out = {}
    i = _skip_ws(text, i + 1)
    while text[i] != "}":
        key_end = _string_end(text, i)
        key = json.loads(text[i:key_end])
        start = _skip_ws(text, _skip_ws(text, key_end) + 1)  # past the ':'
        end = value_end(text, start)
        out[key] = text[start:end]
        i = _skip_ws(text, end)
        if text[i] == ",":
            i = _skip_ws(text, i + 1)
    return out


def elements(text):
    """Raw text of each element of the array `text`."""
    out = []
    i = _skip_ws(text, 1)
    while text[i] != "]":
        end = value_end(text, i)
        out.append(text[i:end])
        i = _skip_ws(text, end)
        if text[i] == ",":
            i = _skip_ws(text, i + 1)
    return out


def meant(raw):
    """A case's text: a JSON string stands for its content, anything else for itself."""
    return json.loads(raw) if raw.startswith('"') else raw
