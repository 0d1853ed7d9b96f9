"""``/help/reading``: how to read the results, the report and the joint agenda, for mediators."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from parley.web.pages.rendering import render
from parley.web.pages.route import PageRoute

__all__ = ["HELP_SECTIONS", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: the page's sections, in order: each is an anchor and the catalog key ``help.<name>``
HELP_SECTIONS = (
    "map",
    "axes",
    "groups",
    "small_groups",
    "repness",
    "consensus",
    "gac",
    "common_ground",
    "bridging",
    "kinds",
    "one_sided",
)


@router.get("/help/reading", name="help_reading")
def reading(request: Request) -> Response:
    """Explain every score and section of the results, the report and the agenda."""
    return render(request, "pages/help_reading.html", {"sections": HELP_SECTIONS})
