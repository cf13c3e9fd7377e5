"""What a session ID looks like, so a malformed cookie is "no session" without a round trip."""

import re

# 32 random bytes as 43 base64url characters; the last one carries 2 zero bits.
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")


def looks_like_session_id(text: object) -> bool:
    """Whether ``text`` has the form of a session ID (not whether the session lives)."""
    return isinstance(text, str) and _SESSION_ID.fullmatch(text) is not None
