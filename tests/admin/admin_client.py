"""A browser-like HTTP client for admin tests: cookies, CSRF tokens from forms, no redirects."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class AdminClient:
    """Talks to the admin like a browser would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.csrf = ""

    def request(self, method: str, path: str, data: dict | None = None,
                headers: dict | None = None) -> tuple[int, str, Message]:  # fmt: skip
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with self.opener.open(req, timeout=60) as response:
                status, raw, hdrs = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, hdrs = error.code, error.read(), error.headers
        text = raw.decode("utf-8", errors="replace")
        token = re.search(r'name="csrf" value="([^"]+)"', text)
        if token:
            self.csrf = token.group(1)
        return status, text, hdrs

    def get(self, path: str) -> tuple[int, str, Message]:
        return self.request("GET", path)

    def post(
        self, path: str, data: dict | None = None, *, csrf: bool = True
    ) -> tuple[int, str, Message]:
        """POST a form, with the CSRF token of the last page unless ``csrf`` is False."""
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf", self.csrf)
        return self.request("POST", path, form)

    def setup(self, code: str, username: str = "owner", password: str = "owner-password-1") -> None:
        """Create the first administrator and stay logged in."""
        self.get("/setup")
        status, text, headers = self.post("/setup", {"setup_code": code, "username": username,
                                                     "password": password, "password2": password})  # fmt: skip
        assert status == 303 and headers["Location"].endswith("/"), (status, text[:500])
        self.get("/")

    def login(self, username: str, password: str) -> int:
        """Log in; returns the status of the POST (303 on success)."""
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})[0]


class LanguageClient(AdminClient):
    """A browser that sends ``Accept-Language: language`` with every request (None: none)."""

    def __init__(self, base: str, language: str | None = None) -> None:
        super().__init__(base)
        self.language = language

    def request(self, method: str, path: str, data: dict | None = None,
                headers: dict | None = None) -> tuple[int, str, Message]:  # fmt: skip
        sent = dict(headers or {})
        if self.language is not None:
            sent.setdefault("Accept-Language", self.language)
        return super().request(method, path, data, sent)
