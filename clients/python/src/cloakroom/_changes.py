"""Which keys a request changed: the data as read is remembered in JSON form and compared with the
data at the end, so only changed keys are sent (concurrent requests changing other keys lose
nothing) and a change inside a nested value is seen without marking the session modified."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Tuple


def json_forms(data: Mapping[str, Any]) -> Dict[str, str]:
    """Each value's canonical JSON text, keyed as the data is."""
    return {key: _form(key, value) for key, value in data.items()}


def changed_keys(original: Mapping[str, str], data: Mapping[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """The keys to set (new or changed values) and to unset (gone) since ``original``."""
    to_set = {key: value for key, value in data.items() if original.get(key) != _form(key, value)}
    to_unset = [key for key in original if key not in data]
    return to_set, to_unset


def _form(key: str, value: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"Session keys must be strings; got {type(key).__name__}")
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"The session value under {key!r} is not JSON ({error}); store JSON values only") from None
