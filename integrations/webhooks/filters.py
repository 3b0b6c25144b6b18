"""Filter conditions on event data, e.g. `{"field": "confidence", "op": "lt", "value": 0.5}`."""
import operator

OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains")
_MISSING = object()

_COMPARE = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt,
    "lte": operator.le, "gt": operator.gt, "gte": operator.ge,
}


def _lookup(data, path: str):
    """`confidence`, `user.email` (dots go into objects); a leading `data.` is allowed."""
    parts = path.split(".")
    if parts[0] == "data" and len(parts) > 1:
        parts = parts[1:]
    value = data
    for part in parts:
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def condition_matches(condition: dict, data: dict) -> bool:
    value = _lookup(data, condition["field"])
    op, expected = condition["op"], condition.get("value")
    if value is _MISSING:
        return op == "ne"
    try:
        if op == "in":
            return value in expected
        if op == "contains":
            if isinstance(value, str) and isinstance(expected, str):
                return expected.lower() in value.lower()
            return expected in value
        if op in ("lt", "lte", "gt", "gte") and (
            isinstance(value, bool) or not isinstance(value, (int, float, str))
            or type(value) is not type(expected) and not (
                isinstance(value, (int, float)) and isinstance(expected, (int, float))
            )
        ):
            return False
        return bool(_COMPARE[op](value, expected))
    except TypeError:
        return False


def filters_match(conditions: list[dict], data: dict) -> bool:
    """Every condition holds (an empty list matches everything)."""
    return all(condition_matches(c, data) for c in conditions)


def condition_validate(condition) -> dict:
    """Clean one condition; raises ValueError saying what is wrong with it (the admin shows
    it next to the condition's row)."""
    if not isinstance(condition, dict) or not isinstance(condition.get("field"), str) \
            or not condition["field"].strip():
        raise ValueError("Name a field of the event's data.")
    op = condition.get("op")
    if op not in OPERATORS:
        raise ValueError(f"The operator must be one of {', '.join(OPERATORS)}.")
    if "value" not in condition:
        raise ValueError("Give a value.")
    value = condition["value"]
    if op == "in" and not isinstance(value, list):
        raise ValueError("'in' takes a list of values.")
    if op in ("lt", "lte", "gt", "gte") and (
        isinstance(value, bool) or not isinstance(value, (int, float, str))
    ):
        raise ValueError(f"'{op}' compares with a number or text.")
    return {"field": condition["field"].strip(), "op": op, "value": value}


def filters_validate(conditions) -> list[dict]:
    """Clean a filter list from the API or the admin; raises ValueError with a readable message."""
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list):
        raise ValueError('Filters must be a list of {"field", "op", "value"} conditions.')
    cleaned = []
    for index, condition in enumerate(conditions):
        try:
            cleaned.append(condition_validate(condition))
        except ValueError as error:
            raise ValueError(f"Condition {index + 1}: {error}") from None
    return cleaned
