"""Finds secrets where they must never be: every session ID, access token, refresh token and API
key the black-box scripts were handed is remembered (in this process and in the ledger file named
by CLOAKROOM_SECRETS_LEDGER), and files at rest, logs, event files and metrics pages are searched
for them. Standard library only.

Text is searched for base64url-like runs of 20+ characters, each looked up among the secrets, so
a scan costs one pass over the bytes however many secrets there are. The raw 32 bytes of the most
recent session IDs are searched too (a store that kept the ID instead of its hash)."""
import base64
import os
import re

SECRET_FIELDS = {"id", "except", "access_token", "refresh_token", "token"}
CANDIDATE = re.compile(rb"[A-Za-z0-9_.-]{20,}")
RAW_ID_WINDOW = 200

issued = set()
recent_ids = []


def remember(value):
    """Collects the secrets in a request or response body (a dict, list or string key)."""
    if isinstance(value, dict):
        for name, item in value.items():
            if name in SECRET_FIELDS and isinstance(item, str):
                remember_secret(item)
            else:
                remember(item)
    elif isinstance(value, list):
        for item in value:
            remember(item)


def remember_secret(secret):
    if not isinstance(secret, str) or len(secret) < 20 or secret in issued:
        return
    issued.add(secret)
    if len(secret) == 43:
        try:
            recent_ids.append(base64.urlsafe_b64decode(secret + "="))
            del recent_ids[:-RAW_ID_WINDOW]
        except ValueError:
            pass
    ledger = os.environ.get("CLOAKROOM_SECRETS_LEDGER")
    if ledger:
        with open(ledger, "a", encoding="utf-8") as file:
            file.write(secret + "\n")


def load_ledger(path):
    """Reads the secrets the scripts of this run wrote down."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as file:
            for line in file:
                line = line.strip()
                if line and line not in issued:
                    issued.add(line)
                    if len(line) == 43:
                        try:
                            recent_ids.append(base64.urlsafe_b64decode(line + "="))
                        except ValueError:
                            pass
        del recent_ids[:-RAW_ID_WINDOW]


def found_in(data):
    """The secrets (shortened for the report) found in `data` (bytes)."""
    hits = set()
    for match in CANDIDATE.finditer(data):
        text = match.group(0).decode("ascii")
        # A JWT is one run with dots; an ID may sit next to a dot in a log line.
        for candidate in {text, *text.split("."), text.strip(".-")}:
            if candidate in issued:
                hits.add(candidate[:8] + "…")
    for raw in recent_ids:
        if raw in data:
            hits.add("raw ID bytes " + raw[:4].hex() + "…")
    return sorted(hits)


# The one file meant to hold a secret: the first admin API key, owner-only, beside the keys file.
ADMIN_KEY_FILE = "admin-key.txt"


def scan_tree(root, skip=()):
    """Every file under `root` (but `skip` and the first admin key's own file): a list of
    'path: secrets' lines for files holding any."""
    leaks = []
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if name == ADMIN_KEY_FILE or path in skip or os.path.islink(path) or not os.path.isfile(path):
                continue
            try:
                with open(path, "rb") as file:
                    data = file.read()
            except OSError:
                continue
            hits = found_in(data)
            if hits:
                leaks.append(f"{path}: {', '.join(hits)}")
    return leaks
