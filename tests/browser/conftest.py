"""A headless Chromium, and the test page served from a loopback origin of its own.

The browser is the system's Chromium (Debian's ``chromium``), driven by Playwright. Without it
the browser tests are skipped with what to install; in CI (``CI=true``) they fail instead, so
a machine without a browser can never pass for one that ran them.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
PAGE_FOLDER = Path(__file__).with_name("page")
# signin.js bundled with the AWS SDK it imports (the Makefile builds it with esbuild).
SIGN_IN_BUNDLE = PAGE_FOLDER / "bundle" / "signin.js"
# A host name that is not loopback, pointed at this machine inside the browser only: a page
# served from it is a page on another site, for the browser as for the API.
ELSEWHERE = "localhost.evil.example"
# Playwright adds --headless and the fresh --user-data-dir itself (headless, user_data_dir).
FLAGS = [
    "--no-sandbox",  # the sandbox needs user namespaces, which containers often lack
    "--disable-gpu",
    "--no-first-run",
    # Nothing but the test's own requests: no background calls to Google's services, which a
    # closed network refuses (and which would slow every start).
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--host-resolver-rules=MAP {ELSEWHERE} 127.0.0.1",
]


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run the browser tests)", pytrace=False)
    pytest.skip(reason)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Only the local API's log matters here."""


@pytest.fixture(scope="session")
def page_port() -> Iterator[int]:
    """A static server for the test page on a port of its own: an origin apart from the API's."""
    handler = functools.partial(_QuietHandler, directory=str(PAGE_FOLDER))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def look_alike_host() -> str:
    """A host name the browser takes to this machine, but that is not loopback for CORS."""
    return ELSEWHERE


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(
            f"no Chromium at {CHROMIUM}: install Debian's chromium package "
            "(apt-get install chromium; `make test` does it when run as root), "
            "or set CHROMIUM to another Chromium"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: pip install -r requirements-dev.lock")
    with sync_playwright() as playwright:
        # A fresh profile every run: nothing cached or remembered from an earlier one.
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
        )
        context.set_default_timeout(15_000)
        yield context
        context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    page = browser.new_page()
    yield page
    page.close()


@pytest.fixture
def sign_in_page(page: Page, page_port: int) -> Page:
    """The sign-in page, opened from its loopback origin, its SDK bundle loaded."""
    source = PAGE_FOLDER / "signin.js"
    if not SIGN_IN_BUNDLE.is_file() or SIGN_IN_BUNDLE.stat().st_mtime < source.stat().st_mtime:
        bundle = SIGN_IN_BUNDLE.relative_to(PAGE_FOLDER.parents[1].parent)
        unavailable(f"{bundle} is missing or older than signin.js: `make test` or `make {bundle}`")
    page.goto(f"http://localhost:{page_port}/signin.html")
    page.wait_for_function("window.signIn !== undefined")
    return page
