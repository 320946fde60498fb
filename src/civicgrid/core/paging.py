"""Paging of API lists, in one place: ``offset`` from 0, ``limit`` from 1; a limit above the most
a page holds is cut to it, a negative or absurd value answers 422 naming the parameter."""

from __future__ import annotations

from ninja import Field, Schema

MAX_PAGE = 1000  # rows one request returns at most
MAX_OFFSET = 1_000_000_000  # beyond every table; far below the database's integer limits


class Page(Schema):
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="rows to skip (from 0)")
    limit: int = Field(100, ge=1, le=MAX_OFFSET, description=f"rows to return (at most {MAX_PAGE} are)")


def page(qs, paging: Page | None = None, *, offset: int = 0, limit: int = 100):
    """The slice of ``qs`` that ``paging`` asks for (or ``offset``/``limit``, checked alike)."""
    if paging is not None:
        offset, limit = paging.offset, paging.limit
    offset = min(max(int(offset), 0), MAX_OFFSET)
    limit = min(max(int(limit), 1), MAX_PAGE)
    return qs[offset: offset + limit]


class WidePage(Page):
    """Paging of short lists (areas, units) whose clients mostly want them whole."""

    limit: int = Field(500, ge=1, le=MAX_OFFSET, description=f"rows to return (at most {MAX_PAGE} are)")
