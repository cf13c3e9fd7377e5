"""The blocking client."""

from __future__ import annotations

from typing import Any, Optional

import httpx

from . import _calls, _settings
from ._operations import Operations


class Client(Operations):
    """A blocking client of cloakroomd, reusing its connections. Thread-safe; make one per app.

    ``url`` and ``api_key`` default to the CLOAKROOM_URL and CLOAKROOM_API_KEY environment
    variables. Every call raises `ServiceUnavailable` when the server is unreachable, times out
    or answers 503, and an `APIError` (with its ``code``) when it refuses.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: float = _settings.DEFAULT_TIMEOUT,
        transport: Optional[httpx.BaseTransport] = None,
    ) -> None:
        base, key = _settings.resolve(url, api_key)
        self._http = httpx.Client(
            base_url=base, headers=_settings.headers(key), timeout=timeout, transport=transport
        )

    def _send(self, call: _calls.Call) -> Any:
        try:
            response = self._http.request(call.method, call.path, json=call.body)
        except httpx.TransportError as error:
            raise _calls.unreachable(error) from None
        return call.result(response)

    def close(self) -> None:
        """Closes the pooled connections."""
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
