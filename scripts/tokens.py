#!/usr/bin/env python3
"""Black-box checks of the tokens and limits API on real stores and several cloakroomd instances,
with tokens verified by an independent implementation (PyJWT on `cryptography`) against the
published JWKS.

Usage: scripts/tokens.py PATH/TO/BUILD-FOLDER   (holding cloakroomd and cloakroom)
Needs CLOAKROOM_TEST_POSTGRES and CLOAKROOM_TEST_REDIS (scripts/test-servers), and PyJWT with
`cryptography` (Debian: python3-jwt python3-cryptography).
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import jwt

import e2e_support
from e2e_support import Daemon, check, checks, failures

BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else ".build/debug"
e2e_support.BINARY = os.path.join(BUILD, "cloakroomd")
CLI = os.path.join(BUILD, "cloakroom")


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def grant(daemon, user, scope=None):
    status, reply = daemon.call("POST", "/v1/sessions", {"user_id": user})
    assert status == 201, (status, reply)
    body = {"id": reply["id"]}
    if scope:
        body["scope"] = scope
    status, pair = daemon.call("POST", "/v1/tokens", body)
    assert status == 200, (status, pair)
    return reply["id"], pair


def active(daemon, token):
    status, reply = daemon.call("POST", "/v1/tokens/introspect", {"token": token})
    check(status == 200, f"introspect answers 200, got {status} {reply}")
    return reply.get("active")


def verify_with_pyjwt(daemon, token, label, audience=None, issuer=None):
    """Verifies `token` with PyJWT against the daemon's JWKS, as a resource server would."""
    status, jwks = daemon.call("GET", "/.well-known/jwks.json", auth=False)
    check(status == 200, f"{label}: JWKS answers 200")
    header = jwt.get_unverified_header(token)
    matching = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    check(len(matching) == 1, f"{label}: the token's kid {header['kid']} is in the JWKS")
    if not matching:
        return None
    key = jwt.PyJWK(matching[0])
    try:
        claims = jwt.decode(token, key=key.key, algorithms=[matching[0]["alg"]], audience=audience, issuer=issuer,
                            options={"require": ["exp", "iat", "sid", "jti"]})
    except jwt.PyJWTError as error:
        check(False, f"{label}: PyJWT refused our token: {error!r}")
        return None
    # And PyJWT refuses it once tampered with: the check above is not vacuous.
    head, payload, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["sub"] = "mallory"
    tampered = f"{head}.{b64(json.dumps(forged).encode())}.{signature}"
    try:
        jwt.decode(tampered, key=key.key, algorithms=[matching[0]["alg"]], audience=audience, issuer=issuer)
        check(False, f"{label}: PyJWT accepted a tampered token")
    except jwt.InvalidSignatureError:
        pass
    return claims


def two_instances_share_tokens(postgres_url):
    label = "two instances on postgres"
    folder = tempfile.mkdtemp(prefix="cloakroom-tokens-")
    schema = f"tokens_{os.urandom(4).hex()}"
    settings = {"CLOAKROOM_STORE": f"{postgres_url}?sslmode=disable&schema={schema}",
                "CLOAKROOM_REFRESH_GRACE_PERIOD": "5s", "CLOAKROOM_LIMITS": "login=5/1m"}
    a = Daemon(folder, settings)
    b = Daemon(folder, settings, key=a.key)  # same data folder: same API and signing keys
    try:
        # Issued on A, active on both; ended on B, inactive on both at once.
        session_id, pair = grant(a, "alice", scope="read write")
        access, refresh = pair["access_token"], pair["refresh_token"]
        check(pair["token_type"] == "Bearer" and pair["expires_in"] == 900, f"{label}: pair shape {pair}")
        check(session_id not in access and session_id not in refresh, f"{label}: no session ID in tokens")
        check(active(a, access) is True and active(b, access) is True, f"{label}: active on both instances")
        status, _ = b.call("POST", "/v1/sessions/end", {"id": session_id})
        check(status == 204, f"{label}: end on B")
        check(active(a, access) is False and active(b, access) is False,
              f"{label}: inactive on both instances right after the end")
        status, reply = a.call("POST", "/v1/tokens/refresh", {"refresh_token": refresh})
        check(status == 401 and reply["error"]["code"] == "invalid_refresh_token",
              f"{label}: refresh after the end: {status} {reply}")

        # Revoking one jti on A denies it on B; another token of the session stays active.
        session_id, first = grant(a, "bob")
        status, second = b.call("POST", "/v1/tokens", {"id": session_id})
        status, reply = a.call("POST", "/v1/tokens/revoke", {"token": first["access_token"]})
        check(status == 200 and reply == {"revoked": True}, f"{label}: revoke {status} {reply}")
        check(active(b, first["access_token"]) is False, f"{label}: revoked on A is inactive on B")
        check(active(b, second["access_token"]) is True, f"{label}: the session's other token stays active")

        # A chain of 100 refreshes across both instances; replaying token 50 ends the session.
        session_id, pair = grant(a, "carol", scope="read")
        chain = [pair["refresh_token"]]
        started = time.time()
        for index in range(100):
            daemon = a if index % 2 == 0 else b
            status, reply = daemon.call("POST", "/v1/tokens/refresh", {"refresh_token": chain[-1]})
            check(status == 200, f"{label}: refresh {index + 1} of 100: {status} {reply}")
            if status != 200:
                break
            chain.append(reply["refresh_token"])
            if index == 99:
                check(active(b, reply["access_token"]) is True, f"{label}: the 100th access token is active")
                check(reply.get("scope") == "read", f"{label}: the scope survives refreshes")
        elapsed = time.time() - started
        check(len(set(chain)) == 101, f"{label}: 101 distinct refresh tokens")
        time.sleep(5.2)  # past the grace period of the 100th rotation
        status, reply = a.call("POST", "/v1/tokens/refresh", {"refresh_token": chain[50]})
        check(status == 401 and reply["error"]["code"] == "refresh_token_reused",
              f"{label}: replaying token 50: {status} {reply}")
        status, _ = b.call("POST", "/v1/sessions/resume", {"id": session_id})
        check(status == 404, f"{label}: the session ended after the replay (resume on B: {status})")
        status, reply = b.call("POST", "/v1/tokens/refresh", {"refresh_token": chain[100]})
        check(status == 401, f"{label}: the newest refresh token died with the session: {status}")
        print(f"  100 refreshes across two instances in {elapsed:.2f}s; replay of token 50 ended the session",
              flush=True)

        # Two refreshes of one token racing on two instances: both succeed, same new token.
        session_id, pair = grant(a, "dave")
        token = pair["refresh_token"]
        raced = 0
        for _ in range(20):
            results = [None, None]

            def refresh(slot, daemon):
                results[slot] = daemon.call("POST", "/v1/tokens/refresh", {"refresh_token": token})

            threads = [threading.Thread(target=refresh, args=(0, a)), threading.Thread(target=refresh, args=(1, b))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            ok = all(status == 200 for status, _ in results)
            same = ok and results[0][1]["refresh_token"] == results[1][1]["refresh_token"]
            check(ok and same, f"{label}: concurrent refresh of one token: {results}")
            if not same:
                break
            raced += 1
            token = results[0][1]["refresh_token"]
        status, _ = a.call("POST", "/v1/sessions/resume", {"id": session_id})
        check(status == 200, f"{label}: the session survived {raced} concurrent double refreshes (resume: {status})")
        print(f"  {raced} of 20 concurrent double refreshes on two instances answered the same new token; "
              "the session lives", flush=True)

        # The login bucket is shared: 5 allowed across both instances, the 6th refused.
        answers = [(a if n % 2 == 0 else b).call("POST", "/v1/limits/check", {"bucket": "login", "key": "erin"})
                   for n in range(6)]
        allowed = [reply["allowed"] for _, reply in answers]
        check(allowed == [True] * 5 + [False], f"{label}: login bucket across instances: {allowed}")
        retry = answers[-1][1]["retry_after"]
        check(0 < retry <= 12, f"{label}: retry_after of the 6th login is within 12 s: {retry}")
        print(f"  login limit across two instances: 5 allowed, the 6th refused, retry_after {retry:.3f}s",
              flush=True)

        # An independent implementation verifies our tokens against our JWKS.
        _, pair = grant(b, "frank", scope="read")
        claims = verify_with_pyjwt(a, pair["access_token"], f"{label}: ES256 via PyJWT")
        if claims:
            check(claims["sub"] == "frank" and claims["scope"] == "read" and len(claims["sid"]) == 64,
                  f"{label}: claims read by PyJWT: {claims}")
            check(claims["exp"] - claims["iat"] == 900, f"{label}: exp - iat is the lifetime: {claims}")

        bad_tokens(a, pair["access_token"], label)
    finally:
        for daemon in (a, b):
            code = daemon.stop()
            check(code == 0, f"{label}: cloakroomd exits 0, got {code}")
        shutil.rmtree(folder, ignore_errors=True)


def bad_tokens(daemon, good, label):
    """Hand-forged bad tokens: each is inactive (200, active false), never an error."""
    status, jwks = daemon.call("GET", "/.well-known/jwks.json", auth=False)
    kid = jwks["keys"][0]["kid"]
    head, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    def encode(obj):
        return b64(json.dumps(obj).encode())

    public_key = jwt.PyJWK(jwks["keys"][0]).key
    from cryptography.hazmat.primitives import serialization
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    hs_input = f"{encode({'alg': 'HS256', 'kid': kid})}.{payload}"
    expired = dict(claims, exp=claims["iat"] - 1)
    cases = {
        "alg none": f"{encode({'alg': 'none', 'kid': kid})}.{payload}.",
        "alg none with a signature": f"{encode({'alg': 'none', 'kid': kid})}.{payload}.{signature}",
        "HS256 keyed with the public key": hs_input + "." + b64(hmac.new(pem, hs_input.encode(), hashlib.sha256).digest()),
        "unknown kid": f"{encode({'alg': 'ES256', 'kid': 'nobody'})}.{payload}.{signature}",
        "tampered payload": f"{head}.{encode(dict(claims, scope='admin'))}.{signature}",
        "tampered signature": f"{head}.{payload}.{signature[:-4]}AAAA",
        "expired claims (resigned by nobody)": f"{head}.{encode(expired)}.{signature}",
        "not base64": f"{head}.{payload}!.{signature}",
        "oversize (over the 8 KiB token limit)": "a" * 10000,
        "empty": "",
        "two parts": f"{head}.{payload}",
    }
    for name, token in cases.items():
        status, reply = daemon.call("POST", "/v1/tokens/introspect", {"token": token})
        check(status == 200 and reply.get("active") is False and "sub" not in reply,
              f"{label}: {name}: introspect {status} {reply}")
    status, reply = daemon.call("POST", "/v1/tokens/introspect", {"token": "a" * 20000})
    check(status == 413 and reply["error"]["code"] == "body_too_large",
          f"{label}: a body over 16 KiB is refused as too large: {status} {reply}")
    check(active(daemon, good) is True, f"{label}: the good token is still active after the bad ones")


def algorithms_and_rotation():
    """RS256 and EdDSA keys verify with PyJWT; adding a key keeps old tokens valid."""
    label = "algorithms and key rotation"
    folder = tempfile.mkdtemp(prefix="cloakroom-keys-")
    keys_file = os.path.join(folder, "jwt-keys.json")
    try:
        for algorithm in ("RS256", "EdDSA"):
            daemon = Daemon(folder, {"CLOAKROOM_STORE": "sqlite:./sessions.sqlite", "CLOAKROOM_JWT_ALGORITHM": algorithm,
                                     "CLOAKROOM_DATA_DIR": f"./data-{algorithm}",
                                     "CLOAKROOM_JWT_ISSUER": "https://sessions.example",
                                     "CLOAKROOM_JWT_AUDIENCE": "api"})
            _, pair = grant(daemon, "gina")
            check(jwt.get_unverified_header(pair["access_token"])["alg"] == algorithm, f"{label}: {algorithm} header")
            claims = verify_with_pyjwt(daemon, pair["access_token"], f"{label}: {algorithm} via PyJWT",
                                       audience="api", issuer="https://sessions.example")
            check(claims is not None and claims["aud"] == "api", f"{label}: {algorithm} audience {claims}")
            check(daemon.stop() == 0, f"{label}: {algorithm} daemon exits 0")

        subprocess.run([CLI, "jwt-keys", "add", "--file", keys_file, "--id", "old"], check=True, capture_output=True)
        settings = {"CLOAKROOM_STORE": "sqlite:./rotation.sqlite", "CLOAKROOM_JWT_KEYS_FILE": keys_file}
        daemon = Daemon(folder, settings)
        session_id, before = grant(daemon, "hugo")
        check(jwt.get_unverified_header(before["access_token"])["kid"] == "old", f"{label}: signed by 'old'")
        check(daemon.stop() == 0, f"{label}: daemon exits 0")
        subprocess.run([CLI, "jwt-keys", "add", "--file", keys_file, "--algorithm", "EdDSA", "--id", "new"],
                       check=True, capture_output=True)
        daemon = Daemon(folder, settings, key=daemon.key)
        status, after = daemon.call("POST", "/v1/tokens", {"id": session_id})
        check(status == 200 and jwt.get_unverified_header(after["access_token"])["kid"] == "new",
              f"{label}: after the rotation new tokens are signed by 'new'")
        check(active(daemon, before["access_token"]) is True, f"{label}: a token signed before the rotation verifies")
        verify_with_pyjwt(daemon, before["access_token"], f"{label}: old token via PyJWT after rotation")
        verify_with_pyjwt(daemon, after["access_token"], f"{label}: new token via PyJWT")
        status, jwks = daemon.call("GET", "/.well-known/jwks.json", auth=False)
        check([key["kid"] for key in jwks["keys"]] == ["new", "old"], f"{label}: JWKS lists both keys: {jwks}")
        check(all("d" not in key for key in jwks["keys"]), f"{label}: no private member in the JWKS")
        check(daemon.stop() == 0, f"{label}: daemon exits 0")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def limits_on_redis(redis_url):
    label = "limits on redis, two instances"
    folder = tempfile.mkdtemp(prefix="cloakroom-limits-")
    settings = {"CLOAKROOM_STORE": f"{redis_url}?prefix=limits{os.urandom(4).hex()}:",
                "CLOAKROOM_LIMITS": "login=5/1m,api=50/1s"}
    a = Daemon(folder, settings)
    b = Daemon(folder, settings, key=a.key)
    try:
        results = []
        lock = threading.Lock()

        def hammer(daemon):
            for _ in range(40):
                status, reply = daemon.call("POST", "/v1/limits/check", {"bucket": "api", "key": "client-1"})
                with lock:
                    results.append(reply.get("allowed") if status == 200 else status)

        threads = [threading.Thread(target=hammer, args=(daemon,)) for daemon in (a, b, a, b)]
        started = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.time() - started
        allowed = results.count(True)
        # 50 at once, plus one per 20 ms refilled while the 160 requests ran.
        ceiling = 50 + int(elapsed / 0.02) + 1
        check(len(results) == 160 and all(r in (True, False) for r in results), f"{label}: every check answered")
        check(50 <= allowed <= ceiling, f"{label}: {allowed} of 160 allowed in {elapsed:.2f}s, expected 50..{ceiling}")
        print(f"  api=50/1s across two instances: {allowed} of 160 concurrent checks allowed in {elapsed:.2f}s "
              f"(at most {ceiling} possible)", flush=True)
    finally:
        for daemon in (a, b):
            check(daemon.stop() == 0, f"{label}: cloakroomd exits 0")
        shutil.rmtree(folder, ignore_errors=True)


def main():
    started = time.time()
    postgres = os.environ.get("CLOAKROOM_TEST_POSTGRES")
    redis = os.environ.get("CLOAKROOM_TEST_REDIS")
    ci = os.environ.get("CI") == "true"
    if postgres:
        print("== tokens: two instances sharing PostgreSQL", flush=True)
        two_instances_share_tokens(postgres)
    else:
        check(not ci, "CLOAKROOM_TEST_POSTGRES is needed when CI=true")
    print("== tokens: algorithms, third-party verification, key rotation", flush=True)
    algorithms_and_rotation()
    if redis:
        print("== limits: two instances sharing Redis", flush=True)
        limits_on_redis(redis)
    else:
        check(not ci, "CLOAKROOM_TEST_REDIS is needed when CI=true")
    print(f"tokens: {checks[0] - len(failures)} of {checks[0]} checks passed in {time.time() - started:.1f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
