"""What an untagged plain YAML scalar means: text, a number, a boolean, null, or a date kept as text.

libyaml only parses; what ``yes`` or ``012`` means is decided here, by the rules lessons have always
been read with: YAML 1.2 (``yes`` is text, ``012`` is twelve), or YAML 1.1 for a file that says
``%YAML 1.1``. The tables and the conversions follow ruamel.yaml's, which envlab used before, step by
step, so that a value it could not read (``-_``, ``._``, an integer of 5000 digits) is still refused
with the same words.
"""

from __future__ import annotations

import math
import re

Version = tuple[int, int]

#: The version a file without a ``%YAML`` directive is read as.
DEFAULT_VERSION: Version = (1, 2)

_V12, _V11 = frozenset({(1, 2)}), frozenset({(1, 1)})
_BOTH = _V12 | _V11
# (versions, kind, pattern, the first characters a scalar of that kind can start with), in the order
# they are tried: the first that matches wins.
_RULES: list[tuple[frozenset[Version], str, re.Pattern[str], str]] = [
    (_V12, "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    (_V11, "bool", re.compile(r"""^(?:y|Y|yes|Yes|YES|n|N|no|No|NO
        |true|True|TRUE|false|False|FALSE
        |on|On|ON|off|Off|OFF)$""", re.X), "yYnNtTfFoO"),
    (_V12, "float", re.compile(r"""^(?:
         [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""", re.X), "-+0123456789."),
    (_V11, "float", re.compile(r"""^(?:
         [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""", re.X), "-+0123456789."),
    (_V12, "int", re.compile(r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""", re.X), "-+0123456789"),
    (_V11, "int", re.compile(r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0?[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+
        |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""", re.X), "-+0123456789"),
    (_BOTH, "merge", re.compile(r"^(?:<<)$"), "<"),
    (_BOTH, "null", re.compile(r"^(?: ~ |null|Null|NULL | )$", re.X), "~nN\0"),
    (_BOTH, "timestamp", re.compile(r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", re.X), "0123456789"),
    (_BOTH, "value", re.compile(r"^(?:=)$"), "="),
]


def _table(version: Version) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for versions, kind, pattern, first in _RULES:
        if version in versions:
            for char in first:
                # "\0" stands for the empty scalar, which only null matches.
                table.setdefault("" if char == "\0" else char, []).append((kind, pattern))
    return table


_TABLES = {version: _table(version) for version in ((1, 1), (1, 2))}


def resolve(value: str, version: Version) -> str:
    """The kind of an untagged plain scalar: bool, float, int, merge, null, timestamp, value or str.

    A version other than 1.1 and 1.2 has no implicit kinds at all, as before: everything is text.
    """
    for kind, pattern in _TABLES.get(version, {}).get(value[:1], ()):
        if pattern.match(value):
            return kind
    return "str"


_BOOLS = {"yes": True, "no": False, "y": True, "n": False, "true": True, "false": False, "on": True, "off": False}


def scalar_value(kind: str, value: str, version: Version) -> object:
    """The Python value of a plain scalar of ``kind`` (from :func:`resolve`); a date stays the text it is.

    Raises:
        ValueError: The number cannot be converted (too many digits, nothing but a sign or a dot).
        IndexError: The same, for a few spellings the conversion indexes past (``-_``, ``0b_``).
    """
    if kind == "int":
        return _integer(value, version)
    if kind == "float":
        return _float(value, version)
    if kind == "bool":
        return _BOOLS[value.lower()]
    if kind == "null":
        return None
    return value  # str, and a timestamp: the models decide what they accept, 2026-02-30 is no YAML error


def _integer(text: str, version: Version) -> int:
    # The order of these tests decides which error a broken spelling raises (see the module docstring):
    # in YAML 1.2 "0b_" and "-_" have no digit to read, in 1.1 they have no number to convert.
    digits = text.replace("_", "")
    sign = 1
    if digits[0] in "+-":
        sign = -1 if digits[0] == "-" else 1
        digits = digits[1:]
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if digits.startswith(prefix):
            if version > (1, 1) and len(digits) < 3:
                raise IndexError("string index out of range")
            return sign * int(digits[2:], base)
    if version != (1, 2) and len(digits) > 1 and digits[0] == "0":
        return sign * int(digits, 8)
    if version != (1, 2) and ":" in digits:
        return sign * int(_sexagesimal([int(part) for part in digits.split(":")]))
    if version > (1, 1) and not digits:
        raise IndexError("string index out of range")
    return sign * int(digits)


def _float(text: str, version: Version) -> float:
    digits = text.replace("_", "").lower()
    sign = -1 if digits[0] == "-" else 1
    if digits[0] in "+-":
        digits = digits[1:]
    if digits == ".inf":
        return sign * math.inf
    if digits == ".nan":
        return math.nan
    if version != (1, 2) and ":" in digits:
        return sign * float(_sexagesimal([float(part) for part in digits.split(":")]))
    return sign * float(digits)


def _sexagesimal(parts: list[int] | list[float]) -> float:
    # Summed from the last part up, as before, so a float comes out with the same rounding.
    value: float = 0
    base = 1
    for part in reversed(parts):
        value += part * base
        base *= 60
    return value
