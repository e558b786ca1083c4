"""Drives the admin console in a real headless Chromium (Debian's, through Playwright) against a
running cluster, as its users would: the platform admin creates a tenant, a tenant admin signs in
with a key and with a user account, stores a provider key, creates and revokes an API key, sees
calls in the overview and the usage explorer, edits a schema, publishes content.

Usage: check_console.py BASE_URL ADMIN_KEY STAND_IN_URL SCREENSHOT_DIR
Prints one JSON object (what it saw) as its last line; exits non-zero on the first failed check.
Fails when the page logs a JavaScript error or a CSP violation, or asks for anything from another origin.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright, expect

BASE, ADMIN_KEY, STAND_IN, SHOTS = sys.argv[1:5]
ORIGIN = urlparse(BASE)
PROVIDER_KEY = "sk-console-provider-secret-7f3a9c2e41"
PASSWORD = "console horse battery"
seen = {}


# CI runs on a loaded 2-core machine: generous bounds (each waits for an event, not for a time).
expect.set_options(timeout=30_000)


def call(method, path, body=None, headers=None):
    """A request to the API (outside the browser): (status, parsed body or text)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        status = error.code
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def wait_until(page, script, what, seconds=30):
    """Polls `script` (a function) with page.evaluate until it is true. Not wait_for_function: when
    its first check fails it polls through eval, which the console's CSP (script-src 'self')
    refuses, so it failed whenever the page was not ready at once."""
    deadline = time.time() + seconds
    while not page.evaluate(script):
        check(time.time() < deadline, f"{what} within {seconds} s")
        time.sleep(0.1)


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def open_page(page, path):
    page.goto(f"{BASE}/console#/{path}")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main .loading")).to_have_count(0, timeout=20_000)


def sign_in_with_key(page, tab, key):
    page.get_by_role("tab", name=tab).click()
    page.locator("input[name=key]").fill(key)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def text_of_page(page):
    """Everything a user (or a script in the page) could read: the DOM, input values, storage."""
    return page.evaluate(
        """() => document.documentElement.outerHTML
            + [...document.querySelectorAll('input, textarea, select')].map((e) => e.value).join('\\n')
            + JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage}) + location.href"""
    )


def main():
    errors, foreign, violations = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
        # Reported by the browser itself; Playwright's init scripts are not subject to the page's CSP.
        context.add_init_script(
            """document.addEventListener('securitypolicyviolation', (e) => {
                 (window.__violations = window.__violations || []).push(e.violatedDirective + ' ' + e.blockedURI);
               });"""
        )
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        # The browser also logs each 4xx answer; those are problems the page shows (a wrong password,
        # a schema that cannot be used), not errors of the page.
        page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}")
                if m.type == "error" and "responded with a status of 4" not in m.text else None)
        page.on("dialog", lambda dialog: dialog.accept())

        def outside(request):
            url = urlparse(request.url)
            if url.scheme in ("data", "blob"):
                return
            if (url.scheme, url.netloc) != (ORIGIN.scheme, ORIGIN.netloc):
                foreign.append(request.url)

        page.on("request", outside)

        def collect_violations():
            violations.extend(page.evaluate("window.__violations || []"))

        # --- /docs: Swagger UI, every file from the gateway, renders this API's document.
        page.goto(f"{BASE}/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Strongbox")
        expect(page.locator(".opblock-tag-section").first).to_be_visible()
        seen["docsOperations"] = page.locator(".opblock").count()
        check(seen["docsOperations"] > 50, f"the operations are listed: {seen['docsOperations']}")
        collect_violations()

        # --- The platform admin creates a tenant; its admin key is shown once.
        page.goto(f"{BASE}/console")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        shot(page, "sign-in")
        sign_in_with_key(page, "Platform admin key", "not-the-admin-key-" + "x" * 20)
        expect(page.locator("form .problem, .field-problem")).to_contain_text("not the platform's admin key")
        sign_in_with_key(page, "Platform admin key", ADMIN_KEY)
        expect(page.locator("main h1")).to_have_text("Tenants")
        page.locator("input[name=name]").fill("Console Co")
        page.locator("input[name=slug]").fill("console-co")
        page.get_by_role("button", name="Create tenant").click()
        tenant_key = page.locator(".secret code").inner_text().strip()
        check(tenant_key.startswith("tnnt_"), f"the new tenant's key is shown once: {tenant_key!r}")
        expect(page.get_by_role("link", name="Console Co")).to_be_visible()
        shot(page, "tenants")
        page.get_by_role("link", name="Console Co").click()
        expect(page.get_by_role("heading", name="Platform-owned limits")).to_be_visible()
        page.locator("section:has(h2:text('Platform-owned limits')) input[name=requests]").fill("100000")
        page.get_by_role("button", name="Add limit").click()
        expect(page.locator("section:has(h2:text('Platform-owned limits')) table")).to_contain_text("100,000 requests per minute")
        open_page(page, "vault")
        expect(page.locator("main")).to_contain_text("Current master-key version")
        shot(page, "vault")
        collect_violations()
        sign_out(page)
        check(tenant_key not in text_of_page(page), "the tenant's key is gone once shown")

        # A user of the new tenant, promoted to admin through the API.
        status, registered = call(
            "POST", "/auth/register", {"email": "ada@example.com", "username": "ada", "password": PASSWORD},
            {"x-api-key": tenant_key})
        check(status == 201, f"register: {status} {registered}")
        status, _ = call("PATCH", f"/users/{registered['user']['id']}", {"role": "admin"}, {"x-api-key": tenant_key})
        check(status == 200, f"promote: {status}")

        # --- A tenant admin key signs in; a proxy key cannot.
        status, proxy_key = call("POST", "/api-keys", {"name": "embedded", "role": "proxy"}, {"x-api-key": tenant_key})
        sign_in_with_key(page, "Tenant admin key", proxy_key["key"])
        expect(page.locator(".field-problem, form .problem")).to_contain_text("needs an admin or readonly key")
        sign_in_with_key(page, "Tenant admin key", tenant_key)
        expect(page.locator("#who")).to_contain_text("API key (admin) · console-co")
        expect(page.locator("main h1")).to_have_text("Overview")
        sign_out(page)

        # --- The user signs in; the session survives a reload (the refresh cookie), not in storage.
        page.get_by_role("tab", name="User account").click()
        page.locator("input[name=tenant]").fill("console-co")
        page.locator("input[name=identifier]").fill("ada")
        page.locator("input[name=password]").fill("wrong password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.locator("form .problem")).to_contain_text("wrong identifier, password or tenant")
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.locator("#who")).to_contain_text("ada · console-co (admin)")
        cookies = {c["name"]: c for c in context.cookies()}
        cookie = cookies.get("strongbox_console")
        check(cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict", f"the refresh cookie: {cookie}")
        check(page.evaluate("document.cookie") == "", "the page cannot read the refresh cookie")

        # --- Credentials: add one; only its preview is anywhere in the page.
        open_page(page, "credentials")
        page.locator("select[name=service]").select_option("openai")
        page.locator("input[name=key]").fill(PROVIDER_KEY)
        page.locator("input[name=baseUrl]").fill(STAND_IN)
        page.get_by_role("button", name="Store key").click()
        expect(page.locator("main table")).to_contain_text("sk-...2e41")
        check(PROVIDER_KEY not in text_of_page(page), "the provider key appears nowhere in the page")
        check(PROVIDER_KEY[3:-4] not in text_of_page(page), "nor any part of it beyond the preview")
        shot(page, "credentials")
        page.reload()
        expect(page.locator("main table")).to_contain_text("sk-...2e41")
        check(PROVIDER_KEY[3:-4] not in text_of_page(page), "not after a reload either")

        # --- API keys: created, shown once, never again; revoked, and a call with it fails.
        open_page(page, "keys")
        page.locator("input[name=name]").fill("checkout app")
        page.locator("select[name=role]").select_option("proxy")
        page.get_by_role("button", name="Create key").click()
        new_key = page.locator(".secret code").inner_text().strip()
        check(new_key.startswith("tnnt_"), f"the new key is shown: {new_key!r}")
        expect(page.get_by_role("button", name="Copy")).to_be_visible()
        shot(page, "api-keys")
        page.reload()
        expect(page.locator("main table")).to_contain_text("checkout app")
        expect(page.locator("#who")).to_contain_text("ada")
        check(new_key not in text_of_page(page), "a reload never shows the key again")

        chat = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hello from the console test"}]}
        for _ in range(3):
            status, answer = call("POST", "/v1/chat/completions", chat, {"authorization": f"Bearer {new_key}"})
            check(status == 200, f"a call with the new key: {status} {answer}")
        status, failed = call("POST", "/v1/chat/completions", {**chat, "model": "openai/error-500"},
                              {"authorization": f"Bearer {new_key}"})
        check(status == 500, f"a failing call: {status}")

        row = page.locator("tr", has_text="checkout app")
        row.get_by_role("button", name="Revoke").click()
        expect(page.locator("main table")).not_to_contain_text("checkout app")
        status, refused = call("POST", "/v1/chat/completions", chat, {"authorization": f"Bearer {new_key}"})
        check(status == 401, f"the revoked key is refused: {status} {refused}")
        seen["revokedStatus"] = status

        # --- The calls in the overview's chart data and the usage table (stored asynchronously).
        deadline = time.time() + 60
        while True:
            status, events = call("GET", "/usage?limit=50", headers={"x-api-key": tenant_key})
            if status == 200 and len(events["items"]) >= 4:
                break
            check(time.time() < deadline, f"the usage events were stored: {status} {events}")
            time.sleep(0.25)
        open_page(page, "overview")
        wait_until(
            page, "() => !!(window.Chart && Chart.getChart('tokens-chart') && Chart.getChart('cost-chart'))",
            "the overview's two charts")
        chart = page.evaluate(
            """() => { const c = Chart.getChart('tokens-chart');
                 return { labels: c.data.labels, prompt: c.data.datasets[0].data, completion: c.data.datasets[1].data }; }""")
        check(len(chart["labels"]) == 30, f"30 days: {chart['labels']}")
        seen["chartTokensToday"] = chart["prompt"][-1] + chart["completion"][-1]
        check(seen["chartTokensToday"] > 0, f"today's tokens are in the chart's data: {chart}")
        seen["chartTokensTotal"] = sum(chart["prompt"]) + sum(chart["completion"])
        expect(page.locator("main")).to_contain_text("openai/gpt-4o-mini")
        shot(page, "overview")

        open_page(page, "usage")
        rows = page.locator("main table").first.locator("tbody tr")
        expect(rows.first).to_be_visible()
        seen["usageRows"] = rows.count()
        check(seen["usageRows"] >= 4, f"every call is a row: {seen['usageRows']}")
        expect(page.locator("main table").first).to_contain_text("openai/gpt-4o-mini")
        expect(page.locator("main table").first).to_contain_text("500")
        page.locator("select[name=groupBy]").select_option("model")
        expect(page.locator("main table").nth(1)).to_contain_text("openai/gpt-4o-mini")
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Export CSV").click()
        csv_path = download_info.value.path()
        with open(csv_path) as csv_file:
            csv_lines = [line for line in csv_file.read().splitlines() if line]
        seen["csvLines"] = len(csv_lines)
        check(len(csv_lines) >= 5, f"the CSV has a header and a line per call: {csv_lines}")
        expect(page.locator("main")).to_contain_text("Exported")
        shot(page, "usage")

        # --- A content type whose schema cannot be used: the problem with its pointer.
        open_page(page, "content-types")
        page.get_by_role("button", name="New type").click()
        page.locator("input[name=name]").fill("post")
        page.locator("textarea[name=schema]").fill(
            json.dumps({"type": "object", "properties": {"title": {"type": "string", "minLength": "three"}}}))
        page.get_by_role("button", name="Create type").click()
        pointer = page.locator(".problem .pointer, .field-problem .pointer")
        expect(pointer).to_have_text("/properties/title/minLength")
        seen["schemaPointer"] = pointer.inner_text()
        shot(page, "content-types")
        page.locator("textarea[name=schema]").fill(json.dumps(
            {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}))
        page.get_by_role("button", name="Create type").click()
        expect(page.locator("main table")).to_contain_text("post")

        # --- Content: create a draft, publish it, fetch it from its public URL.
        open_page(page, "content")
        page.get_by_text("New item").click()
        page.locator("input[name=title]").fill("Hello console")
        page.locator("input[name=slug]").fill("hello-console")
        page.locator("textarea[name=data]").fill(json.dumps({"title": 42}))
        page.get_by_role("button", name="Create item").click()
        expect(page.locator(".problem, .field-problem").first).to_contain_text("/title")
        page.locator("textarea[name=data]").fill(json.dumps({"title": "Hello console"}))
        page.get_by_role("button", name="Create item").click()
        row = page.locator("tr", has_text="Hello console")
        expect(row).to_contain_text("draft")
        status, _ = call("GET", "/public/console-co/content/post/hello-console")
        check(status == 404, f"a draft is not public: {status}")
        row.get_by_role("button", name="Publish").click()
        expect(page.locator("tr", has_text="Hello console")).to_contain_text("published")
        expect(page.locator("tr", has_text="Hello console").get_by_role("link", name="Public URL")).to_be_visible()
        status, public = call("GET", "/public/console-co/content/post/hello-console")
        check(status == 200 and public["data"]["title"] == "Hello console", f"published: {status} {public}")
        seen["publicTitle"] = public["data"]["title"]
        shot(page, "content")

        # --- Limits (current use as a bar) and routes (a target without a credential is refused).
        open_page(page, "limits")
        page.locator("input[name=name]").fill("tenant calls")
        page.locator("input[name=requests]").fill("1000")
        page.locator("select[name=window]").first.select_option("day")
        page.get_by_role("button", name="Add limit").click()
        expect(page.locator("main table")).to_contain_text("tenant calls")
        expect(page.locator("main table")).to_contain_text("100,000 requests per minute")
        expect(page.locator("main table [role=meter]").first).to_be_visible()
        shot(page, "limits")
        open_page(page, "routes")
        page.get_by_role("button", name="Add route").click()
        expect(page.locator("form .problem")).to_contain_text("anthropic")
        seen["routeProblem"] = page.locator("form .problem").inner_text()

        # --- The contact inbox's workflow; the mailing list; the users' roles.
        status, _ = call("POST", "/public/console-co/contact",
                         {"name": "Grace", "email": "grace@example.com", "message": "Do you ship to Mars?"})
        check(status == 202, f"a contact message: {status}")
        status, _ = call("POST", "/public/console-co/mailing-list/subscribe", {"email": "reader@example.com"})
        check(status == 202, f"a sign-up: {status}")
        open_page(page, "contact")
        message = page.locator("tr", has_text="Do you ship to Mars?")
        message.locator("select[name=status]").select_option("read")
        expect(page.locator("main .ok")).to_contain_text("Marked read")
        status, inbox = call("GET", "/contact?status=read", headers={"x-api-key": tenant_key})
        check([m["message"] for m in inbox["items"]] == ["Do you ship to Mars?"], f"marked read: {inbox}")
        open_page(page, "mailing-list")
        expect(page.locator("main table")).to_contain_text("reader@example.com")
        expect(page.locator("main table")).to_contain_text("pending")
        open_page(page, "users")
        expect(page.locator("main table")).to_contain_text("ada@example.com")

        # --- Every control has a label; the page works on a narrow window.
        unlabeled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea, button')].filter((e) =>
                 !(e.closest('label') || e.getAttribute('aria-label') || (e.tagName === 'BUTTON' && e.textContent.trim()))
               ).map((e) => e.outerHTML)""")
        check(not unlabeled, f"controls without a label: {unlabeled}")
        page.set_viewport_size({"width": 420, "height": 900})
        open_page(page, "overview")
        width = page.evaluate("document.documentElement.scrollWidth")
        check(width <= 440, f"no sideways scrolling on a narrow window: {width}px")
        shot(page, "narrow")
        page.set_viewport_size({"width": 1280, "height": 860})

        # --- Keyboard only: the first Tab stop skips to the content.
        page.reload()
        expect(page.locator("main h1")).to_have_text("Overview")
        page.keyboard.press("Tab")
        check(page.evaluate("document.activeElement.textContent") == "Skip to content", "the first stop skips to content")

        # --- Signing out revokes the session: the old cookie no longer refreshes.
        old_cookie = {c["name"]: c for c in context.cookies()}["strongbox_console"]["value"]
        collect_violations()
        sign_out(page)
        status, _ = call("POST", "/console/session/refresh", headers={"cookie": f"strongbox_console={old_cookie}"})
        check(status == 401, f"the signed-out session is revoked: {status}")
        page.reload()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        collect_violations()
        browser.close()

    check(not errors, f"the page logged errors: {errors}")
    check(not violations, f"CSP violations: {violations}")
    check(not foreign, f"requests to other origins: {foreign}")
    seen.update(errors=len(errors), violations=len(violations), foreign=len(foreign))
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
