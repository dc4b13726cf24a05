"""JSON on the wire: timestamps become timezone-aware datetimes and back, names camelCase."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Mapping, Optional

# Free-form JSON the caller owns: returned exactly as sent, no timestamp guessing inside.
# (`fields`: a log line's structured data.)
_OPAQUE_KEYS = frozenset({"payload", "result", "error", "metadata", "data", "fields"})
# Keys that hold timestamps without ending in "At" (`at`: a log line's time).
_TIMESTAMP_KEYS = frozenset({"at", "waitingSince"})
_TIMESTAMP_LIST_KEYS = frozenset({"fireTimes"})
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$"
)


def parse_timestamp(text: str) -> Optional[datetime]:
    """An ISO 8601 timestamp with an offset as an aware datetime; None if ``text`` is not one.

    Written out rather than ``datetime.fromisoformat``: before Python 3.11 that accepts
    neither ``Z`` nor other than 3 or 6 fraction digits.
    """
    match = _ISO.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    if offset == "Z":
        tz = timezone.utc
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tz
        )
    except ValueError:
        return None


def from_wire(value: Any, key: Optional[str] = None) -> Any:
    """A server answer with its timestamps (``createdAt``, ``fireTimes``...) as datetimes."""
    if isinstance(value, dict):
        return {
            k: (v if k in _OPAQUE_KEYS else from_wire(v, k)) for k, v in value.items()
        }
    if isinstance(value, list):
        if key in _TIMESTAMP_LIST_KEYS:
            return [_timestamp_or_same(item) for item in value]
        return [from_wire(item) for item in value]
    if isinstance(value, str) and key is not None and (key.endswith("At") or key in _TIMESTAMP_KEYS):
        return _timestamp_or_same(value)
    return value


def _timestamp_or_same(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    parsed = parse_timestamp(value)
    return value if parsed is None else parsed


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with ``Z``. A naive datetime is refused: its zone would be a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"naive datetime {value!r}: give it a timezone, e.g. datetime.now(timezone.utc)"
        )
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(value: Any) -> str:
    """JSON text for a request body or ``?input=``; datetimes as ISO 8601 UTC.

    NaN and infinities are refused here: JSON cannot carry them and the server would refuse
    the whole call.
    """
    return json.dumps(value, default=_default, allow_nan=False, separators=(",", ":"))


def camel(name: str) -> str:
    """``max_attempts`` → ``maxAttempts``; a name already camelCase is kept."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel_keys(values: Mapping[str, Any]) -> Dict[str, Any]:
    """The top-level keys of an input camelCased, None values dropped (= not given)."""
    return {camel(k): v for k, v in values.items() if v is not None}
