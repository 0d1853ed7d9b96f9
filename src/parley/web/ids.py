"""Ids from clients, kept within the database's range: one path check and one body type.

Every route (API and pages) depends on ``check_path_ids``: a path parameter named ``id`` or
``..._id`` holding an integer the id columns cannot hold answers 404 before any route code
or database lookup runs. Request bodies declare their ids as ``Id`` (422 beyond the range).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Request
from pydantic import Field

from parley.db.storable import MAX_ID, check_id
from parley.errors import NotFoundError

__all__ = ["Id", "check_path_ids"]

#: an id in a request body: 1 to MAX_ID (the 32-bit id columns of PostgreSQL)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
_INTEGER = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = 40  # longer numbers are shortened in the message


async def check_path_ids(request: Request) -> None:
    """Answer 404 for an id in the path beyond what the database's id columns hold."""
    # async, though it awaits nothing: FastAPI runs a plain function dependency in its thread
    # pool, and this one runs on every request (a thread hop cost more than the check)
    for name, value in request.path_params.items():
        if not (name == "id" or name.endswith("_id")) or not isinstance(value, str):
            continue
        text = value.strip()
        if not _INTEGER.fullmatch(text):
            continue  # not an integer: the route's own validation answers 422
        if len(text) > _MAX_DIGITS:
            raise NotFoundError(
                f"{name}={text[:_MAX_DIGITS]}... does not exist: ids are at most {MAX_ID}"
            )
        check_id(int(text), name=name)
