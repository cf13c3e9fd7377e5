"""Each API call once: its method, path and body, and how its answer reads. The sync and async
clients only send them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple
from urllib.parse import quote

import httpx

from .errors import ServiceUnavailable, error_for
from .models import IssuedSession, LimitDecision, Session, SessionList, TokenPair


@dataclass(frozen=True)
class Call:
    """One request to cloakroomd and the reader of its successful answer."""

    method: str
    path: str
    body: Optional[Dict[str, Any]]
    read: Callable[[Any], Any]
    # Error codes that answer `absent` instead of raising (a resume of an unknown ID is None).
    absent_codes: Tuple[str, ...] = ()
    absent: Any = None

    def result(self, response: httpx.Response) -> Any:
        if response.status_code < 300:
            return self.read(response.json() if response.content else None)
        code, message = _error_fields(response)
        if code in self.absent_codes and response.status_code < 500:
            return self.absent
        raise error_for(response.status_code, code, message)


def _error_fields(response: httpx.Response):
    try:
        error = response.json()["error"]
        return str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        return "unexpected_answer", f"cloakroomd answered {response.status_code} without its error shape"


def unreachable(error: Exception) -> ServiceUnavailable:
    """The error for a transport failure; its text names the kind of failure, never the request."""
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "could not be reached"
    return ServiceUnavailable(f"cloakroomd {kind} ({type(error).__name__}); check CLOAKROOM_URL and that it runs")


def _without_none(body: Mapping[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def _user_path(user_id: str) -> str:
    return "/v1/users/" + quote(user_id, safe="") + "/sessions"


def create(user_id=None, data=None, ip=None, user_agent=None) -> Call:
    body = _without_none({"user_id": user_id, "data": data, "ip": ip, "user_agent": user_agent})
    return Call("POST", "/v1/sessions", body, IssuedSession.from_json)


def resume(session_id: str, ip=None, user_agent=None) -> Call:
    body = _without_none({"id": session_id, "ip": ip, "user_agent": user_agent})
    return Call(
        "POST",
        "/v1/sessions/resume",
        body, lambda value: Session.from_json(value["session"]),
        absent_codes=("session_not_found", "session_unreadable", "invalid_session_id"),
    )


def update(session_id: str, set=None, unset: Optional[Iterable[str]] = None, increment=None, if_version=None) -> Call:
    body = _without_none(
        {
            "id": session_id,
            "set": dict(set) if set else None,
            "unset": list(unset) if unset else None,
            "increment": dict(increment) if increment else None,
            "if_version": if_version,
        }
    )
    return Call("POST", "/v1/sessions/update", body, lambda value: Session.from_json(value["session"]))


def rotate(session_id: str, user_id=None) -> Call:
    body = _without_none({"id": session_id, "user_id": user_id})
    return Call("POST", "/v1/sessions/rotate", body, IssuedSession.from_json)


def end(session_id: str) -> Call:
    return Call("POST", "/v1/sessions/end", {"id": session_id}, lambda _: None)


def list_sessions(user_id: str, limit=None, cursor=None) -> Call:
    query = "&".join(f"{name}={quote(str(value), safe='')}" for name, value in (("limit", limit), ("cursor", cursor)) if value is not None)
    return Call("GET", _user_path(user_id) + ("?" + query if query else ""), None, SessionList.from_json)


def end_user_sessions(user_id: str, except_id=None) -> Call:
    return Call("DELETE", _user_path(user_id), _without_none({"except": except_id}), lambda value: value["ended"])


def end_user_session(user_id: str, handle: str) -> Call:
    path = _user_path(user_id) + "/" + quote(handle, safe="")
    return Call("DELETE", path, None, lambda _: True, ("session_not_found", "not_found"), False)


def grant_tokens(session_id: str, scope=None) -> Call:
    return Call("POST", "/v1/tokens", _without_none({"id": session_id, "scope": scope}), TokenPair.from_json)


def refresh_tokens(refresh_token: str) -> Call:
    return Call("POST", "/v1/tokens/refresh", {"refresh_token": refresh_token}, TokenPair.from_json)


def introspect_token(token: str) -> Call:
    return Call("POST", "/v1/tokens/introspect", {"token": token}, lambda value: value)


def revoke_token(token: str) -> Call:
    return Call("POST", "/v1/tokens/revoke", {"token": token}, lambda value: value["revoked"])


def check_limit(bucket: str, key: str, cost=None) -> Call:
    body = _without_none({"bucket": bucket, "key": key, "cost": cost})
    return Call("POST", "/v1/limits/check", body, LimitDecision.from_json)


def reset_limit(bucket: str, key: str) -> Call:
    return Call("POST", "/v1/limits/reset", {"bucket": bucket, "key": key}, lambda _: None)


def health() -> Call:
    return Call("GET", "/health", None, lambda value: value)
