"""Python client for cloakroomd, with session back-ends for Flask (`cloakroom.flask`), Django
(`SESSION_ENGINE = "cloakroom.django"`) and Starlette / FastAPI (`cloakroom.starlette`)."""

from ._cookie import CookieSettings
from .async_client import AsyncClient
from .client import Client
from .errors import (
    APIError,
    CloakroomError,
    ConfigurationError,
    ServiceUnavailable,
    SessionNotFound,
    Unauthorized,
    VersionConflict,
)
from .models import IssuedSession, LimitDecision, Session, SessionList, SessionSummary, TokenPair

__all__ = [
    "APIError",
    "AsyncClient",
    "Client",
    "CloakroomError",
    "ConfigurationError",
    "CookieSettings",
    "IssuedSession",
    "LimitDecision",
    "ServiceUnavailable",
    "Session",
    "SessionList",
    "SessionNotFound",
    "SessionSummary",
    "TokenPair",
    "Unauthorized",
    "VersionConflict",
]
