"""A quick verdict on a document against a JSON Schema, for the keywords foldcheck's schemas use.

``import jsonschema`` costs the pre-commit hook as much start-up as numpy (about a quarter of
the check of a manifest), while a manifest that foldcheck wrote is valid nearly always. So the
reader asks ``conforms`` first and imports jsonschema only to explain a document that does not
conform, or one whose schema uses a keyword this module does not know (then ``conforms`` says
None). Each keyword follows Draft 2020-12 exactly as jsonschema applies it (``pattern`` with
``re.search``, integers include 2.0, booleans are not numbers); tests compare the two on
mutated manifests.
"""

from __future__ import annotations

import re
from typing import Any

# Keywords that only annotate: they never make a document invalid.
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "examples", "default"})
_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "number": lambda v: _is_number(v),
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or v.is_integer()),
}


def conforms(instance: Any, schema: dict[str, Any]) -> bool | None:
    """True if ``instance`` is valid against ``schema``, False if not, None if ``schema`` uses
    a keyword (or a type name) this module does not check."""
    verdict: bool | None = True
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or keyword in ("then", "else"):
            continue
        check = _KEYWORDS.get(keyword)
        result = check(instance, value, schema) if check else None
        if result is False:
            return False
        if result is None:
            verdict = None
    return verdict


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type(instance: Any, names: Any, _: dict[str, Any]) -> bool | None:
    names = [names] if isinstance(names, str) else names
    if any(name not in _TYPES for name in names):
        return None
    return any(_TYPES[name](instance) for name in names)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 1 and 1.0 are equal, True and 1 are not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    return type(a) is type(b) and bool(a == b)


def _all(results: Any) -> bool | None:
    verdict: bool | None = True
    for result in results:
        if result is False:
            return False
        if result is None:
            verdict = None
    return verdict


def _properties(instance: Any, value: dict[str, Any], _: dict[str, Any]) -> bool | None:
    if not isinstance(instance, dict):
        return True
    return _all(conforms(instance[key], sub) for key, sub in value.items() if key in instance)


def _items(instance: Any, value: Any, _: dict[str, Any]) -> bool | None:
    if not isinstance(value, dict):
        return None  # a boolean schema or a (pre-2020) tuple form
    if not isinstance(instance, list):
        return True
    return _all(conforms(item, value) for item in instance)


def _if(instance: Any, value: Any, schema: dict[str, Any]) -> bool | None:
    if not isinstance(value, dict):
        return None
    condition = conforms(instance, value)
    if condition is None:
        return None
    branch = schema.get("then" if condition else "else")
    return True if branch is None else conforms(instance, branch)


def _number_bound(test: Any) -> Any:
    def check(instance: Any, value: Any, _: dict[str, Any]) -> bool | None:
        return not _is_number(instance) or bool(test(instance, value))

    return check


def _sized(kind: type[str] | type[list[Any]], test: Any) -> Any:
    def check(instance: Any, value: Any, _: dict[str, Any]) -> bool | None:
        return not isinstance(instance, kind) or bool(test(len(instance), value))

    return check


_KEYWORDS: dict[str, Any] = {
    "type": _type,
    "required": lambda i, v, _: not isinstance(i, dict) or all(key in i for key in v),
    "properties": _properties,
    "const": lambda i, v, _: _same(i, v),
    "enum": lambda i, v, _: any(_same(i, option) for option in v),
    "minimum": _number_bound(lambda i, v: i >= v),
    "exclusiveMinimum": _number_bound(lambda i, v: i > v),
    "minLength": _sized(str, lambda n, v: n >= v),
    "minItems": _sized(list, lambda n, v: n >= v),
    "pattern": lambda i, v, _: not isinstance(i, str) or re.search(v, i) is not None,
    "items": _items,
    "if": _if,
}
