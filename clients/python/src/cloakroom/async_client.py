"""The asyncio client."""

from __future__ import annotations

from typing import Any, Optional

import httpx

from . import _calls, _settings
from ._operations import Operations


class AsyncClient(Operations):
    """An asyncio client of cloakroomd, reusing its connections; every call is awaited.

    The same calls, settings and errors as `Client`.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: float = _settings.DEFAULT_TIMEOUT,
        transport: Optional[httpx.AsyncBaseTransport] = None,
    ) -> None:
        base, key = _settings.resolve(url, api_key)
        self._http = httpx.AsyncClient(
            base_url=base, headers=_settings.headers(key), timeout=timeout, transport=transport
        )

    async def _send(self, call: _calls.Call) -> Any:
        try:
            response = await self._http.request(call.method, call.path, json=call.body)
        except httpx.TransportError as error:
            raise _calls.unreachable(error) from None
        return call.result(response)

    async def aclose(self) -> None:
        """Closes the pooled connections."""
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
