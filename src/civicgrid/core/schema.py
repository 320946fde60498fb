"""Helpers for API schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import WithJsonSchema


def choices(enum_cls, name: str):
    """``enum_cls`` as a parameter or field type whose OpenAPI schema is written in place, titled
    ``name``: several models have a nested ``Kind`` and the schema has one name space, so a shared
    component named after the class would describe only one of them."""
    return Annotated[enum_cls, WithJsonSchema({"title": name, "type": "string",
                                               "enum": [str(c.value) for c in enum_cls]})]
