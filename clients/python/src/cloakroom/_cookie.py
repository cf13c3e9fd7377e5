"""The session cookie's settings, secure by default; weakening is asked for by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .errors import ConfigurationError


@dataclass(frozen=True)
class CookieSettings:
    """Name and attributes of the session cookie.

    The default is a ``__Host-`` cookie: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain, so no
    subdomain or plain-HTTP page can set or read it. For plain HTTP in development pass
    ``CookieSettings.insecure_for_development()``.
    """

    name: str = "__Host-session"
    secure: bool = True
    http_only: bool = True
    same_site: str = "Lax"
    path: str = "/"
    domain: Optional[str] = None

    def __post_init__(self) -> None:
        if self.same_site not in ("Lax", "Strict", "None"):
            raise ConfigurationError("same_site must be 'Lax', 'Strict' or 'None'")
        if self.name.startswith("__Host-") and (not self.secure or self.domain or self.path != "/"):
            raise ConfigurationError("A __Host- cookie needs secure=True, path='/' and no domain; rename it to weaken it")
        if self.name.startswith("__Secure-") and not self.secure:
            raise ConfigurationError("A __Secure- cookie needs secure=True; rename it to weaken it")
        if self.same_site == "None" and not self.secure:
            raise ConfigurationError("same_site='None' needs secure=True (browsers refuse it otherwise)")

    @classmethod
    def insecure_for_development(cls, name: str = "session") -> "CookieSettings":
        """A cookie sent over plain HTTP too: for local development only."""
        return cls(name=name, secure=False)
