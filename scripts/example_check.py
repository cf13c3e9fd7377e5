"""Runs the Hummingbird apps a user copies, as their users would meet them. Standard library only.

- The example app (Examples/hummingbird-app): sign in, the private page, sign out; reads that
  send no cookie; a cross-site post refused; the sixth wrong password within a minute answered
  429.
- With --vapor, the Vapor example app (Examples/vapor-app), which has the same pages and also
  "your sessions" with sign-out everywhere else, checked as well.
- With --article, the app of the "Using Cloakroom with Hummingbird" article
  (Snippets/UsingCloakroomWithHummingbird.swift, serving on PORT when set): the code the article
  shows, run rather than copied into a test.

Usage: python3 scripts/example_check.py [--article | --vapor] BINARY"""
import http.client
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from e2e_support import check, checks, failures, free_port  # noqa: E402

ARTICLE = sys.argv[1] == "--article"
VAPOR = sys.argv[1] == "--vapor"
BINARY = os.path.abspath(sys.argv[-1])


def request(port, method, path, cookie=None, form=None, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = {"Sec-Fetch-Site": "same-origin"} if headers is None else dict(headers)
    if cookie:
        sent["Cookie"] = cookie
    if form is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=form if body is None else body, headers=sent)
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, response.headers, body


def session_cookie(headers):
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("__Host-session="):
            return value.split(";")[0]
    return None


def example_checks(port):
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
    if VAPOR:
        sessions_checks(port, cookie, token)

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


def sessions_checks(port, cookie, token):
    """The counter counts; "your sessions" lists both devices; sign-out everywhere else ends the other."""
    _, _, body = request(port, "GET", "/private", cookie=cookie)
    check("seen it 2 time(s)" in body, "the per-session counter counts visits")
    _, headers, _ = request(port, "POST", "/login", form="user=ada&password=correct+horse",
                            headers={"Sec-Fetch-Site": "same-origin", "User-Agent": "Phone"})
    phone = session_cookie(headers)
    check(phone is not None and phone != cookie, "a second sign-in gets a session of its own")
    _, _, body = request(port, "GET", "/sessions", cookie=cookie)
    check("signed in 2 time(s)" in body and "(this one)" in body, "your sessions lists both, this one marked")
    status, _, _ = request(port, "POST", "/sessions/end-others", cookie=cookie, form="")
    check(status == 403, f"sign-out everywhere else without the token is refused (got {status})")
    status, headers, _ = request(port, "POST", "/sessions/end-others", cookie=cookie, form=f"_csrf={token}")
    check(status == 303, f"sign-out everywhere else with the token works (got {status})")
    status, headers, _ = request(port, "GET", "/private", cookie=phone)
    check(status == 303 and headers.get("Location") == "/", "the other device is signed out")
    _, _, body = request(port, "GET", "/sessions", cookie=cookie)
    check("signed in 1 time(s)" in body, "only this session is left")


def article_checks(port):
    status, headers, _ = request(port, "POST", "/login", form="user=ada&password=secret")
    cookie = session_cookie(headers)
    check(status == 303 and cookie is not None, f"the article's sign-in redirects and sets the cookie (got {status})")
    status, headers, body = request(port, "GET", "/cart", cookie=cookie)
    check(status == 200 and body == "[]", f"a new cart is empty (got {status} {body!r})")
    check(session_cookie(headers) is None, "reading the cart sends no Set-Cookie")
    check(headers.get("X-Frame-Options") == "DENY", "answers carry the security headers")
    status, _, body = request(port, "POST", "/cart", cookie=cookie, body='{"name":"tea"}',
                              headers={"Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"})
    check(status == 200 and body == '["tea"]', f"an item sent as JSON is added (got {status} {body!r})")
    status, _, body = request(port, "POST", "/cart", cookie=cookie, form="name=cake")
    check(body == '["tea","cake"]', f"the cart keeps items sent as JSON and as a form (got {body!r})")
    status, _, body = request(port, "POST", "/basket", cookie=cookie, form="name=jam")
    check(body == '["jam"]', f"modify adds to the basket in one step (got {body!r})")
    status, _, _ = request(port, "POST", "/cart", cookie=cookie, form="name=x", headers={"Sec-Fetch-Site": "cross-site"})
    check(status == 403, f"a cross-site post is refused (got {status})")
    status, _, body = request(port, "GET", "/settings", cookie=cookie)
    token = body.split('name="_csrf" value="')[1].split('"')[0] if 'name="_csrf" value="' in body else ""
    check(len(token) == 43, "the settings form carries the CSRF field")
    status, _, _ = request(port, "POST", "/account/email", cookie=cookie, form="")
    check(status == 403, f"once the session has a token, a post without it is refused (got {status})")
    status, _, _ = request(port, "POST", "/account/email", cookie=cookie, form=f"_csrf={token}")
    check(status == 200, f"a fresh sign-in may change the e-mail address (got {status})")
    status, _, body = request(port, "GET", "/api/ping")
    check(status == 200 and body == "pong", f"the rate-limited API group answers (got {status})")
    status, _, _ = request(port, "POST", "/logout", cookie=cookie, form=f"_csrf={token}")
    check(status == 303, f"sign-out redirects (got {status})")
    status, _, body = request(port, "GET", "/cart", cookie=cookie)
    check(body == "[]", "after sign-out the old cookie's cart is gone")
    statuses = [request(port, "POST", "/login", form="user=bob&password=guess")[0] for _ in range(6)]
    check(statuses == [401] * 5 + [429], f"five wrong passwords answer 401, the sixth 429: {statuses}")


def main():
    folder = tempfile.mkdtemp(prefix="cloakroom-example-")
    port = free_port()
    env = dict(os.environ, APP_PORT=str(port), PORT=str(port), APP_DATABASE=os.path.join(folder, "sessions.sqlite"))
    log = open(os.path.join(folder, "app.log"), "wb")
    # The article's app keeps `sessions.sqlite` in its working folder.
    process = subprocess.Popen([BINARY], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    try:
        deadline = time.time() + 30
        while True:
            try:
                request(port, "GET", "/")
                break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError("the app did not start; see " + log.name)
                time.sleep(0.1)
        (article_checks if ARTICLE else example_checks)(port)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
    what = "article app" if ARTICLE else "example"
    if failures:
        print(f"{len(failures)} of {checks[0]} {what} checks FAILED", flush=True)
        sys.exit(1)
    print(f"{checks[0]} of {checks[0]} {what} checks passed", flush=True)


if __name__ == "__main__":
    main()
