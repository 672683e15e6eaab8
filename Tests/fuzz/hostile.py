"""Hostile values and a JSON writer that can say what `json.dumps` will not.

`encode` writes JSON from Python values but also splices in `Raw` text unchanged (numbers such as
`1e999` or `-0`, broken syntax) and `bytes` as the inside of a string unchanged (invalid UTF-8, a literal
NUL); `Pairs` writes an object with duplicate keys. Strings with lone surrogates come out as `\\ud800`
escapes.
"""

from __future__ import annotations

import json
import random


class Raw:
    """JSON text spliced into a document unchanged."""

    def __init__(self, text: str | bytes):
        self.data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text

    def __repr__(self) -> str:
        return f"Raw({self.data[:40]!r})"


class Pairs(list):
    """An object written from (key, value) pairs, so keys may repeat."""


def encode(value) -> bytes:
    """The JSON text of `value`, with `Raw` spliced in and `bytes` written as raw string contents."""
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, bytes):
        return b'"' + value + b'"'
    if isinstance(value, (str, bool, int, float)) or value is None:
        return json.dumps(value, ensure_ascii=True).encode()
    if isinstance(value, Pairs):
        return b"{" + b",".join(encode(key) + b":" + encode(item) for key, item in value) + b"}"
    if isinstance(value, dict):
        return b"{" + b",".join(encode(key) + b":" + encode(item) for key, item in value.items()) + b"}"
    if isinstance(value, (list, tuple)):
        return b"[" + b",".join(encode(item) for item in value) + b"]"
    raise TypeError(f"cannot encode {type(value).__name__}")


def deep_array(depth: int) -> Raw:
    """`[[[…]]]` nested `depth` levels."""
    return Raw("[" * depth + "]" * depth)


def deep_object(depth: int) -> Raw:
    """`{"a":{"a":…{}}}` nested `depth` levels."""
    return Raw('{"a":' * depth + "{}" + "}" * depth)


# Numbers as JSON text: the edges of Int64 and Double, forms JSON allows that parsers get wrong, and
# forms it does not allow at all.
NUMBERS = [
    "0", "-0", "-0.0", "0.0", "1", "-1", "2", "3", "5", "1.5", "0.5", "1.0", "1e0", "1E+0", "10e-1",
    "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "170141183460469231731687303715884105728",
    "9007199254740993", "9e15", "-9e15", "8999999999999999", "1e15", "1e16", "1e19", "1e20", "-1e20",
    "1e308", "-1e308", "1.7976931348623157e308", "1e309", "1e999", "-1e999", "1e-999", "4.9e-324", "5e-324",
    "2.2250738585072014e-308", "1e9999999999999999999", "1e-9999999999999999999",
    "123456789012345678901234567890123456789012345678901234567890", "0." + "0" * 400 + "1",
    "1" + "0" * 400, "0.1e1", "100000", "1000000", "1000001", "-1000000", "-1000001", "86400", "86401",
    "3650", "3651", "100", "101", "2147483647", "-2147483648", "4294967296", "0.9999999999999999",
    "1.0000000000000002", "0.98", "1e-320",
]
BAD_NUMBERS = ["NaN", "-NaN", "Infinity", "-Infinity", "0x10", "01", "-01", "1.", ".5", "+1", "--1", "1e", "1e+",
               "-", "1_000", "１", "0b1", "1e1.5"]

STRINGS = [
    "", " ", "x", "\u0000", "a\u0000b", "\ud800", "\udfff", "\ud83d", "x\ud800y", "\udc00\ud800", "\U0001F600",
    "e\u0301", "\u202e", "\ufeff", "\uffff", "\r\n", "\t", "\\", '"', "%00", "%zz", "<script>", "' OR 1=1 --",
    "../../etc/passwd", "\u00e9" * 300, "\U0001F600" * 300, "e\u0301" * 500, "a" * 201, "a" * 10_001,
    "lp_" + "0" * 64, "0" * 32, "pos", "PER", "null", "true", "3", "1e999",
]
RAW_STRINGS = [b"\xff\xfe", b"a\x00b", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xc0\xaf",
               b"line\nbreak", b"tab\there", b"\x7f"]


def any_value(rng: random.Random, depth: int = 0):
    """A random hostile JSON value: a number, string, raw bytes, container, deep nesting or broken text."""
    kind = rng.randrange(12 if depth < 2 else 8)
    if kind == 0:
        return Raw(rng.choice(NUMBERS))
    if kind == 1:
        return rng.choice(STRINGS)
    if kind == 2:
        return rng.choice(RAW_STRINGS)
    if kind == 3:
        return rng.choice([None, True, False, [], {}])
    if kind == 4:
        return Raw(rng.choice(BAD_NUMBERS))
    if kind == 5:
        return rng.choice([deep_array(rng.choice([63, 64, 65, 200, 10_000])),
                           deep_object(rng.choice([63, 64, 65, 10_000]))])
    if kind == 6:
        return "x" * rng.choice([1_000, 100_000, 1_000_001])
    if kind == 7:
        return Raw(rng.choice(NUMBERS))
    if kind == 8:
        return [any_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 9:
        return {rng.choice(STRINGS): any_value(rng, depth + 1) for _ in range(rng.randrange(4))}
    if kind == 10:
        return Pairs([("a", any_value(rng, depth + 1)), ("a", any_value(rng, depth + 1))])
    return [rng.choice(["x", "", "\u0000", "\ud800"])] * rng.choice([1_001, 10_001])


def mutate(value, rng: random.Random, replacement=None):
    """A copy of the JSON-like `value` with one random node (or the root) replaced by a hostile value."""
    replacement = any_value(rng) if replacement is None else replacement
    if isinstance(value, dict) and value and rng.random() < 0.85:
        key = rng.choice(list(value))
        copy = dict(value)
        roll = rng.random()
        if roll < 0.1:
            del copy[key]
        elif roll < 0.2:
            copy[rng.choice(STRINGS)] = replacement
        else:
            copy[key] = mutate(value[key], rng, replacement)
        return copy
    if isinstance(value, list) and value and rng.random() < 0.85:
        copy = list(value)
        index = rng.randrange(len(copy))
        if rng.random() < 0.15:
            copy.insert(index, replacement)
        else:
            copy[index] = mutate(copy[index], rng, replacement)
        return copy
    return replacement
