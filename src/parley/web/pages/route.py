"""The pages' route class: a missing login becomes a redirect, a bad CSRF token a page.

Every other error goes to the app's one error mapping (``parley.web.problems``): the API
answers it as ``application/problem+json``, a page as an error page in the visitor's
language (``render_error``), with the same status and headers.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from parley.web.pages.error_messages import error_message
from parley.web.pages.rendering import is_htmx, page_translator, render
from parley.web.pages.security import CsrfError, LoginRequired

__all__ = ["PageRoute", "error_page", "login_redirect", "render_error"]


def login_redirect(request: Request) -> Response:
    """Send the browser to the login page, coming back to this page afterwards."""
    target = request.url.path if request.method == "GET" else "/f"
    location = f"/login?next={quote(target, safe='/')}"
    if is_htmx(request):  # htmx follows HX-Redirect with a full page load
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def error_page(
    request: Request, message: str, status_code: int, *, detail: str | None = None
) -> Response:
    """Render the error page, or for htmx the message alone, swapped into ``#flash``."""
    context = {"message": message, "detail": detail}
    if is_htmx(request):
        response = render(request, "pages/_flash.html", context, status_code=status_code)
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "pages/error.html", context, status_code=status_code)


def render_error(
    request: Request, status: int, title: str, detail: str, error: Exception | None = None
) -> Response:
    """Render an error outside the page routes (an unknown path, a 500) as a page.

    This is the ``html`` renderer for ``parley.web.problems.install_error_handlers``, the one
    error mapping of pages and API alike. The message is the translated one of the error's
    class or status (``error_messages``), never the error's own text, which may name internal
    ids; facilitators' pages (``/f/...``) add that English detail, folded away, below 500.
    """
    message = error_message(page_translator(request), error, status)
    own = request.url.path.startswith("/f/") and status < 500 and detail != message
    shown = detail if own else None
    return error_page(request, message, status, detail=shown)


class PageRoute(APIRoute):
    """An APIRoute that sends a visitor without a login to the login page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler: a missing login redirects, a bad CSRF token is a 403 page."""
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return login_redirect(request)
            except CsrfError:
                return error_page(request, page_translator(request)("error.csrf"), 403)

        return page_handler
