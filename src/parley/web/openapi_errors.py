"""The error answers in the OpenAPI document: every operation lists its 4xx as problem+json.

FastAPI documents only the success answer and a 422 in its own validation-error shape,
whereas parley answers every error as ``application/problem+json`` (``parley.web.problems``).
``describe_errors(app)`` adds the ``Problem`` schema and, to each operation, the 4xx answers
it can give, replacing FastAPI's 422; clients and fuzzers then know what to expect.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI

from .problems import PROBLEM_JSON

__all__ = ["PROBLEM_SCHEMA", "add_problem_answers", "describe_errors"]

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error, as RFC 9457 problem details.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "for 422: one entry per invalid field",
            "items": {
                "type": "object",
                "required": ["field", "location", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "location": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
_WHY = {
    400: "The request is wrong: a value, an option.",
    401: "No credentials, or unknown ones.",
    403: "Known, but not allowed to do this (or a missing CSRF token with a cookie).",
    404: "The conversation, statement, process or other thing does not exist.",
    409: "It clashes with what is stored.",
    413: "The request body is too large.",
    422: "The request does not match the schema, or holds a value the database cannot store.",
    429: "Too many requests; the Retry-After header says how many seconds to wait.",
}
_ALWAYS = (400, 401, 403, 404, 422, 429)
_WRITES = (409, 413)
_WRITE_METHODS = {"post", "put", "patch", "delete"}
_REF = {"$ref": "#/components/schemas/Problem"}


def _answer(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": f"{HTTPStatus(status).phrase}. {_WHY[status]}",
        "content": {PROBLEM_JSON: {"schema": _REF}},
    }
    if status == 429:
        answer["headers"] = {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        }
    return answer


def add_problem_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the Problem schema and each operation's 4xx answers to an OpenAPI document."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = _ALWAYS + (_WRITES if method in _WRITE_METHODS else ())
            responses = operation["responses"]
            for status in statuses:
                if str(status) == "422" or str(status) not in responses:
                    responses[str(status)] = _answer(status)
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused not in str(schema.get("paths", {})):
            components.pop(unused, None)
    return schema


def describe_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe the error answers (problem+json, 4xx) of every route."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problem_answers(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
