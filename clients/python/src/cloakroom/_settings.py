"""Where the client's server and key come from: arguments first, then the environment."""

from __future__ import annotations

import os
from typing import Optional, Tuple

from .errors import ConfigurationError

DEFAULT_TIMEOUT = 5.0


def resolve(url: Optional[str], api_key: Optional[str]) -> Tuple[str, str]:
    """The server URL and API key, from the arguments or CLOAKROOM_URL and CLOAKROOM_API_KEY."""
    url = url or os.environ.get("CLOAKROOM_URL")
    api_key = api_key or os.environ.get("CLOAKROOM_API_KEY")
    if not url:
        raise ConfigurationError("No cloakroomd URL: pass url= or set CLOAKROOM_URL (e.g. http://127.0.0.1:8080)")
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError("CLOAKROOM_URL must start with http:// or https://")
    if not api_key:
        raise ConfigurationError("No cloakroomd API key: pass api_key= or set CLOAKROOM_API_KEY")
    return url.rstrip("/"), api_key


def headers(api_key: str) -> dict:
    return {"Authorization": f"Bearer {api_key}", "Accept": "application/json", "User-Agent": "cloakroom-python/0.1"}
