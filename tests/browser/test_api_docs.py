"""Open the interactive API docs in Chromium: they render, load nothing from elsewhere,
and break none of their own Content-Security-Policy (CSP Level 3, section 6).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect


def test_api_docs_render_from_local_files_under_a_strict_csp(page, store):
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    response = page.goto("/api/v1/docs")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Tunemeter API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    page.locator(".opblock-summary").first.click()
    page.wait_for_load_state("networkidle")
    origin = urlsplit(store.url).netloc
    foreign = [u for u in requests if urlsplit(u).netloc not in (origin, "")]
    assert foreign == [], foreign
    assert any(u.endswith("/api/v1/openapi.json") for u in requests)
    violations = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert violations == [], violations
