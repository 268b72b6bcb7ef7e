"""A Playwright page in Debian's chromium that records script errors (test helper)."""

from __future__ import annotations

from typing import Any


def new_page(context: Any) -> Any:
    """A page whose `errors` list collects every uncaught script error."""
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    return pg
