"""The pages' route class: errors become pages, a missing login becomes a redirect.

The JSON API answers errors as ``application/problem+json``; a person in a browser should see
a page in their language instead. Every page route uses ``PageRoute``, which catches the
errors a page handler (or one of its dependencies) raises and renders them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from parley.errors import ParleyError, RateLimitError
from parley.web.pages.rendering import is_htmx, page_translator, render
from parley.web.pages.security import CsrfError, LoginRequired

__all__ = ["PageRoute", "error_page", "login_redirect", "render_error"]

_log = logging.getLogger(__name__)


def login_redirect(request: Request) -> Response:
    """Send the browser to the login page, coming back to this page afterwards."""
    target = request.url.path if request.method == "GET" else "/f"
    location = f"/login?next={quote(target, safe='/')}"
    if is_htmx(request):  # htmx follows HX-Redirect with a full page load
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def error_page(request: Request, message: str, status_code: int) -> Response:
    """Render the error page, or for htmx the message alone, swapped into ``#flash``."""
    if is_htmx(request):
        response = render(
            request, "pages/_flash.html", {"message": message}, status_code=status_code
        )
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "pages/error.html", {"message": message}, status_code=status_code)


def render_error(request: Request, status: int, title: str, detail: str) -> Response:
    """Render an error outside the page routes (an unknown path, a 500) as a page.

    This is the ``html`` renderer for ``parley.web.problems.install_error_handlers``. Only a
    404's message is translated; other details come from parley's errors (English).
    """
    t = page_translator(request)
    if status == 404:
        message = t("error.not_found")
    elif status >= 500:
        message = t("error.generic")
    else:
        message = detail or title
    return error_page(request, message, status)


class PageRoute(APIRoute):
    """An APIRoute that renders parley's errors as pages in the visitor's language."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler so that page errors become pages and redirects."""
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            t = page_translator(request)
            try:
                return await handler(request)
            except LoginRequired:
                return login_redirect(request)
            except CsrfError:
                return error_page(request, t("error.csrf"), 403)
            except RequestValidationError:
                return error_page(request, t("error.generic"), 400)
            except RateLimitError as error:
                response = error_page(request, str(error), 429)
                response.headers["Retry-After"] = str(max(1, round(error.retry_after)))
                return response
            except ParleyError as error:
                status = getattr(error, "status", 400)
                message = t("error.not_found") if status == 404 else str(error)
                if status >= 500:
                    _log.warning("page %s failed: %s", request.url.path, error)
                return error_page(request, message, status)

        return page_handler
