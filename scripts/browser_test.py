"""Drives headless Chromium through cloakroomd's pages as two devices: demo sign-in on both,
"Your sessions" on each, "End all other sessions", the sign-in lockout, and the admin dashboard.
Checks the DOM each page dumps and saves a screenshot of every step.

Usage: python3 scripts/browser_test.py .build/debug/cloakroomd OUTPUT_FOLDER"""
import html.parser
import json
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from devtools import Browser  # noqa: E402
from e2e_support import Daemon, check, checks, failures  # noqa: E402

OUTPUT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".build/browser-test")
LAPTOP = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36"


class Page(html.parser.HTMLParser):
    """The dumped DOM as elements with attributes and text, for checks by id and class."""

    def __init__(self, markup):
        super().__init__()
        self.elements = []
        self.open = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in ("input", "meta", "link", "br", "img"):
            self.open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index]["tag"] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data

    def by_id(self, ident):
        return next((e for e in self.elements if e["attrs"].get("id") == ident), None)

    def by_class(self, name):
        return [e for e in self.elements if name in (e["attrs"].get("class") or "").split()]

    def text(self, ident):
        element = self.by_id(ident)
        return " ".join(element["text"].split()) if element else None


shot_number = [0]


def snapshot(browser, name):
    """Saves a screenshot and returns the parsed DOM of the current page."""
    shot_number[0] += 1
    browser.screenshot(os.path.join(OUTPUT, f"{shot_number[0]:02d}-{name}.png"))
    return Page(browser.dom())


def sign_in(browser, base, user, password):
    browser.open(f"{base}/signin")
    browser.submit(
        f"document.getElementById('user').value = {user!r};"
        f"document.getElementById('password').value = {password!r};"
        "document.getElementById('signin').submit();"
    )


def main():
    os.makedirs(OUTPUT, exist_ok=True)
    for name in os.listdir(OUTPUT):
        if name.endswith(".png"):
            os.remove(os.path.join(OUTPUT, name))
    folder = tempfile.mkdtemp(prefix="cloakroom-browser-")
    daemon = Daemon(folder, env={"CLOAKROOM_DEMO_SIGN_IN": "true"})
    # http://localhost is a secure context to browsers: Secure, __Host- cookies work without TLS.
    base = f"http://localhost:{daemon.port}"
    laptop = Browser("laptop", LAPTOP, OUTPUT)
    phone = Browser("phone", PHONE, OUTPUT)
    started = time.time()
    try:
        print("== sign in on the laptop", flush=True)
        sign_in(laptop, base, "ada", "demo")
        check(laptop.url().endswith("/account"), f"laptop sign-in leads to /account, got {laptop.url()}")
        page = snapshot(laptop, "laptop-signed-in")
        check(page.text("user") == "ada", f"account page names the user, got {page.text('user')}")
        rows = page.by_class("session")
        check(len(rows) == 1, f"one session after the first sign-in, got {len(rows)}")
        check(page.by_id("current") is not None, "the laptop's session is marked as this device")
        check(page.by_id("end-others") is None, "no 'end all others' with a single session")

        print("== sign in on the phone", flush=True)
        sign_in(phone, base, "ada", "demo")
        page = snapshot(phone, "phone-two-devices")
        rows = page.by_class("session")
        check(len(rows) == 2, f"two sessions listed on the phone, got {len(rows)}")
        current = page.by_class("current")
        check(len(current) == 1 and "Android" in current[0]["text"], "the phone's row is the current one")
        check(any("macOS" in row["text"] for row in rows), "the laptop shows as Chrome on macOS")
        check(all("127.0.0.1" in row["text"] or "::1" in row["text"] for row in rows), "rows show the IP address")

        print("== end all other sessions from the laptop", flush=True)
        laptop.open(f"{base}/account")
        page = Page(laptop.dom())
        check(len(page.by_class("session")) == 2, "the laptop sees both sessions")
        laptop.submit("document.getElementById('end-others').submit();")
        page = snapshot(laptop, "laptop-ended-others")
        check(laptop.url().endswith("/account?ended=1"), f"after ending others: {laptop.url()}")
        check(page.text("info") == "1 session ended.", f"notice says one ended, got {page.text('info')}")
        rows = page.by_class("session")
        check(len(rows) == 1 and page.by_id("current") is not None, "only the laptop's session is left")

        phone.open(f"{base}/account")
        snapshot(phone, "phone-signed-out")
        check(phone.url().endswith("/signin"), f"the phone's session is dead: sent to sign-in, got {phone.url()}")

        print("== the sixth wrong password within a minute is refused", flush=True)
        statuses = []
        for attempt in range(6):
            sign_in(phone, base, "mallory", "wrong" if attempt < 5 else "demo")
            statuses.append(Page(phone.dom()).text("error"))
        page = snapshot(phone, "lockout")
        check(all(s and "not right" in s for s in statuses[:5]), f"five wrong passwords refused: {statuses[:5]}")
        check(statuses[5] and "Too many sign-in attempts" in statuses[5], f"sixth attempt locked out: {statuses[5]}")
        sign_in(phone, base, "grace", "demo")
        check(phone.url().endswith("/account"), f"another account still signs in, got {phone.url()}")

        print("== admin dashboard", flush=True)
        laptop.open(f"{base}/admin")
        check(laptop.url().endswith("/admin/signin"), f"the dashboard asks for sign-in, got {laptop.url()}")
        laptop.submit(
            f"document.getElementById('key').value = {daemon.key!r};"
            "document.getElementById('admin-signin').submit();"
        )
        check(laptop.url().endswith("/admin"), f"admin sign-in leads to the dashboard, got {laptop.url()}")
        laptop.submit(
            "document.getElementById('lookup-user').value = 'demo:grace';"
            "document.getElementById('lookup').submit();"
        )
        page = snapshot(laptop, "dashboard")
        live = page.text("live")
        check(live is not None and live.isdigit() and int(live) >= 1, f"live sessions counted, got {live}")
        check(page.text("store-status") == "ok", f"store status ok, got {page.text('store-status')}")
        operations = page.text("operations") or ""
        check(re.search(r"create\s*[1-9]", operations) is not None, f"operations table lists create: {operations[:120]}")
        user_rows = (page.by_id("user-sessions") or {}).get("text", "")
        check("Chrome on Android" in user_rows, f"the looked-up user's session is listed: {user_rows[:160]}")
        create_rate = page.text("create-rate")
        check(create_rate not in (None, "–"), f"the dashboard shows a create rate, got {create_rate}")
        check(page.by_id("end-user") is not None, "the dashboard offers to end the user's sessions")
        # The last hour's charts: server-drawn SVG, laid out and coloured by the stylesheet (the
        # policy allows no inline style), with the current minute's point already drawn.
        for chart in ("chart-create", "chart-resume", "chart-errors", "chart-p99"):
            element = page.by_id(chart)
            check(element is not None and element["tag"] == "svg", f"the dashboard draws {chart}")
            box = laptop.evaluate(f"JSON.stringify(document.getElementById('{chart}').getBoundingClientRect())")
            width = json.loads(box or "{}").get("width", 0)
            check(width > 200, f"{chart} is laid out ({width:.0f} px wide)")
        dots = laptop.evaluate("document.querySelectorAll('#chart-create circle.dot').length")
        check(isinstance(dots, int) and dots >= 1, f"the creates chart has a point for this minute: {dots}")
        stroke = laptop.evaluate("getComputedStyle(document.querySelector('#chart-create .grid')).stroke")
        check(stroke not in (None, "", "none"), f"the stylesheet colours the charts: grid stroke {stroke}")
        latest = page.text("chart-create-latest")
        check(latest not in (None, "–"), f"the creates chart shows the latest rate: {latest}")
        laptop.submit("document.getElementById('end-user').submit();")
        page = snapshot(laptop, "dashboard-user-ended")
        check(page.text("info") == "1 session ended.", f"ending the user's sessions: {page.text('info')}")
        phone.open(f"{base}/account")
        check(phone.url().endswith("/signin"), f"the admin ended the phone's session, got {phone.url()}")
    finally:
        laptop.close()
        phone.close()
        daemon.stop()
    shots = sorted(name for name in os.listdir(OUTPUT) if name.endswith(".png"))
    check(len(shots) == shot_number[0], f"{shot_number[0]} screenshots saved, found {len(shots)}")
    for name in shots:
        size = os.path.getsize(os.path.join(OUTPUT, name))
        check(size > 20_000, f"screenshot {name} has content ({size} bytes)")
    elapsed = time.time() - started
    if failures:
        print(f"{len(failures)} of {checks[0]} browser checks FAILED", flush=True)
        sys.exit(1)
    print(f"{checks[0]} of {checks[0]} browser checks passed in {elapsed:.1f}s; screenshots in {OUTPUT}", flush=True)


if __name__ == "__main__":
    main()
