"""A real `batchjudge serve` with one user per role, and a headless chromium (Debian's,
driven by Playwright) that watches every request a page makes."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Route

from support.service_process import ServiceProcess, new_data_dir, token_of

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: Each page is photographed at both widths: a laptop and a small phone.
WIDTHS = (1280, 375)
#: One user per role: name -> (role, password).
USERS = {
    "ada": ("admin", "ada-password-1"),
    "tom": ("teacher", "tom-password-1"),
    "sam": ("student", "sam-password-1"),
}
INSTITUTION = "Northside"


@dataclass
class Site:
    """The running server, and the users' API tokens by name."""

    server: ServiceProcess
    tokens: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url


@contextmanager
def running_site(**env: str) -> Iterator[Site]:
    """A fresh server (SQLite) with the USERS; `env` adds BATCHJUDGE_* settings."""
    data = new_data_dir("bj-browser-")
    server = ServiceProcess(data, f"sqlite:///{data / 'batchjudge.sqlite3'}", **env)
    try:
        server.cli("db", "upgrade")
        tokens = {}
        for name, (role, password) in USERS.items():
            made = server.cli("users", "create", name, "--role", role, "--institution", INSTITUTION)
            tokens[name] = token_of(made)
            server.cli("users", "set-password", name, stdin=password + "\n")
        server.start(tokens["ada"])
        yield Site(server, tokens)
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


@dataclass
class Visit:
    """A browser tab on the site, recording what a test must not see: requests to any
    other host, and errors in the console (a Content-Security-Policy violation is one)."""

    site: Site
    context: BrowserContext
    page: Page
    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.site.url + path)

    def sign_in(self, name: str, then: str | None = None) -> None:
        """Sign in through the form as one of the USERS (and go on to `then`)."""
        self.go("/login" + (f"?next={quote(then, safe='')}" if then else ""))
        self.page.get_by_label("Name").fill(name)
        self.page.get_by_label("Password").fill(USERS[name][1])
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def shoot(self, name: str) -> None:
        """Full-page screenshots at each of WIDTHS: docs/screenshots/<name>-<width>.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 800})
            self.page.wait_for_timeout(150)  # let the layout settle after the resize
            self.page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
        self.page.set_viewport_size({"width": WIDTHS[0], "height": 800})


def launch_chromium(playwright_chromium: object) -> Browser:
    """Debian's chromium, headless."""
    browser: Browser = playwright_chromium.launch(  # type: ignore[attr-defined]
        executable_path=CHROMIUM, headless=True
    )
    return browser


@contextmanager
def visiting(browser: Browser, site: Site) -> Iterator[Visit]:
    """A fresh browser context (no cookies) whose requests to other hosts are blocked and
    recorded."""
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 800})
    own = urlsplit(site.url).netloc
    page = context.new_page()
    visit = Visit(site, context, page)

    def guard(route: Route, request: Request) -> None:
        host = urlsplit(request.url).netloc
        if request.url.startswith(("data:", "blob:")) or host == own:
            route.continue_()
        else:
            visit.external.append(request.url)
            route.abort()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            visit.console_errors.append(message.text)

    context.route("**/*", guard)
    page.on("console", on_console)
    try:
        yield visit
    finally:
        context.close()
