"""Runs the example app of Examples/hummingbird-app as its users would meet it: sign in, the
private page, sign out; reads that send no cookie; a cross-site post refused; the sixth wrong
password within a minute answered 429. Standard library only.

Usage: python3 scripts/example_check.py Examples/hummingbird-app/.build/debug/App"""
import http.client
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from e2e_support import check, checks, failures, free_port  # noqa: E402

BINARY = os.path.abspath(sys.argv[1])


def request(port, method, path, cookie=None, form=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = {"Sec-Fetch-Site": "same-origin"} if headers is None else dict(headers)
    if cookie:
        sent["Cookie"] = cookie
    if form is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=form, headers=sent)
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, response.headers, body


def session_cookie(headers):
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("__Host-session="):
            return value.split(";")[0]
    return None


def main():
    folder = tempfile.mkdtemp(prefix="cloakroom-example-")
    port = free_port()
    env = dict(os.environ, APP_PORT=str(port), APP_DATABASE=os.path.join(folder, "sessions.sqlite"))
    log = open(os.path.join(folder, "app.log"), "wb")
    process = subprocess.Popen([BINARY], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                request(port, "GET", "/")
                break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError("the example app did not start; see " + log.name)
                time.sleep(0.1)

        status, headers, body = request(port, "GET", "/")
        check(status == 200 and "Sign in" in body, "the home page shows the sign-in form")
        check(session_cookie(headers) is None, "a visitor who only looks gets no cookie")

        status, headers, _ = request(port, "POST", "/login", form="user=ada&password=correct+horse")
        cookie = session_cookie(headers)
        check(status == 303 and headers.get("Location") == "/private", f"sign-in redirects (got {status})")
        check(cookie is not None, "sign-in sets the session cookie")
        set_cookie = headers.get("Set-Cookie") or ""
        for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
            check(attribute in set_cookie, f"the cookie has {attribute}")

        status, headers, body = request(port, "GET", "/", cookie=cookie)
        check("Signed in as ada" in body, "the home page knows the user")
        check(session_cookie(headers) is None, "a read-only page sends no Set-Cookie")
        check(headers.get("Content-Security-Policy") is not None, "pages carry a Content-Security-Policy")
        check(headers.get("X-Content-Type-Options") == "nosniff", "pages carry nosniff")

        status, _, body = request(port, "GET", "/private", cookie=cookie)
        check(status == 200 and "only for you" in body, "the private page shows for the signed-in user")
        token = body.split('name="_csrf" value="')[1].split('"')[0] if '_csrf' in body else ""
        check(len(token) == 43, "the sign-out form carries a CSRF token")

        status, _, _ = request(port, "POST", "/logout", cookie=cookie, form="",
                               headers={"Origin": "https://evil.example"})
        check(status == 403, f"a cross-site sign-out post is refused (got {status})")
        status, _, _ = request(port, "POST", "/logout", cookie=cookie, form="")
        check(status == 403, f"a same-site post without the token is refused (got {status})")
        status, headers, _ = request(port, "POST", "/logout", cookie=cookie, form=f"_csrf={token}")
        check(status == 303, f"sign-out with the token works (got {status})")
        status, headers, _ = request(port, "GET", "/private", cookie=cookie)
        check(status == 303 and headers.get("Location") == "/", "after sign-out the old cookie is dead")

        statuses = []
        for _ in range(6):
            status, headers, _ = request(port, "POST", "/login", form="user=bob&password=guess")
            statuses.append(status)
        check(statuses[:5] == [401] * 5, f"five wrong passwords answer 401: {statuses[:5]}")
        check(statuses[5] == 429 and headers.get("Retry-After"), f"the sixth answers 429 with Retry-After: {statuses[5]}")
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
    if failures:
        print(f"{len(failures)} of {checks[0]} example checks FAILED", flush=True)
        sys.exit(1)
    print(f"{checks[0]} of {checks[0]} example checks passed", flush=True)


if __name__ == "__main__":
    main()
