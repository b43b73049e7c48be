"""Reading a plugin's ``Requires-Dist: codex-ml ...`` line without importing packaging when it is simple.

``packaging.requirements`` pulls in markers, tags, sysconfig and platform (about a quarter of a cold
``plugins list``). Almost every plugin states a plain range such as ``codex-ml[run]>=0.1,<0.2``, and the
installed core has a plain numeric version, so those are compared here as PEP 440 release tuples; any
line with a marker, a wildcard, a pre/post/dev/local version or an operator not listed below goes to
packaging, which stays the reference (a test checks both agree).
"""
from __future__ import annotations

import re

_LINE = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;]*)$")
_CLAUSE = re.compile(r"^\s*(?P<op>~=|==|!=|<=|>=|<|>)\s*(?P<version>\d+(?:\.\d+)*)\s*$")
_RELEASE = re.compile(r"^\d+(?:\.\d+)*$")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _allows(op: str, wanted: tuple[int, ...], installed: tuple[int, ...]) -> bool:
    if op == "~=":
        prefix = wanted[:-1]
        return _allows(">=", wanted, installed) and installed[:len(prefix)] == prefix
    left, right = _padded(installed, wanted)
    return {"==": left == right, "!=": left != right, "<=": left <= right, ">=": left >= right,
            "<": left < right, ">": left > right}[op]


def fast_check(line: str, distribution: str, installed: str) -> tuple[bool, str] | None:
    """:func:`requirement_verdict` for a simple line; None when packaging must decide."""
    match = _LINE.match(line)
    if match is None or not _RELEASE.match(installed):
        return None
    if _canonical(match.group("name")) != _canonical(distribution):
        return (False, "") if ";" not in line else None
    spec = match.group("spec").strip().strip("()")
    if ";" in line:
        return None
    if not spec:
        return (False, "")
    clauses = [_CLAUSE.match(part) for part in spec.split(",")]
    if any(c is None for c in clauses) or (any(c.group("op") == "~=" and "." not in c.group("version") for c in clauses)):
        return None
    version = _release(installed)
    ok = all(_allows(c.group("op"), _release(c.group("version")), version) for c in clauses)
    return (True, "" if ok else ",".join(f"{c.group('op')}{c.group('version')}" for c in clauses))


def requirement_verdict(line: str, distribution: str, installed: str) -> tuple[bool, str]:
    """``(applies, excluded_by)``: whether the line constrains ``distribution``, and the specifier that
    excludes ``installed`` ("" when it is allowed)."""
    quick = fast_check(line, distribution, installed)
    if quick is not None:
        return quick
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return (False, "")
    if _canonical(requirement.name) != _canonical(distribution) or not requirement.specifier:
        return (False, "")
    if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
        return (False, "")
    if installed == "unknown" or requirement.specifier.contains(installed, prereleases=True):
        return (True, "")
    return (True, str(requirement.specifier))
