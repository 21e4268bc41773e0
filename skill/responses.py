"""The app's response class: the security headers go on every response when it is
made (one list extended), not by an ``after_request`` hook walking them per request.

``create_app`` makes it the app's ``response_class``, so what Flask builds itself
(a view's string or tuple, ``redirect``, error pages) has them too; views that build
a response explicitly use this class.  A page with scripts or pictures of its own
replaces the default Content-Security-Policy (``DEFAULT_CSP``: nothing at all).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import flask
from werkzeug.datastructures import Headers

CSP = "Content-Security-Policy"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    CSP: "default-src 'none'",
    "Referrer-Policy": "no-referrer",
}
DEFAULT_CSP = SECURITY_HEADERS[CSP]
_SECURITY_LIST = list(SECURITY_HEADERS.items())

HeadersArg = Headers | Mapping[str, Any] | Iterable[tuple[str, Any]] | None


class Response(flask.Response):
    """A Flask response with the security headers, unless given others of the same name."""

    def __init__(
        self,
        response: Any = None,
        status: int | str | None = None,
        headers: HeadersArg = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        super().__init__(response, status, headers, mimetype, content_type, direct_passthrough)
        if headers:
            given = self.headers
            self.headers.extend([(k, v) for k, v in _SECURITY_LIST if k not in given])
        else:
            self.headers.extend(_SECURITY_LIST)
