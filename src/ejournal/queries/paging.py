"""Pages of a list: ``limit`` items after an opaque cursor, the sort key and id
of the last item of the previous page (so a page stays right when items are
added or voided meanwhile, which an offset would not)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from ejournal.domain.errors import Invalid

MAX_LIMIT = 500

Row = dict[str, Any]


@dataclass(frozen=True)
class Page:
    """``limit`` items after ``after`` (the previous page's ``next``)."""

    limit: int = 100
    after: str | None = None


PAGE = Page()


def cursor(key: str, item_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([key, item_id])).decode().rstrip("=")


def _position(after: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4))
        key, item_id = orjson.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        raise Invalid("after is not a cursor this list gave", field="after") from None
    if not (isinstance(key, str) and isinstance(item_id, str)):
        raise Invalid("after is not a cursor this list gave", field="after")
    return key, item_id


def paged(rows: Iterable[tuple[str, Row]], id_field: str, page: Page) -> Row:
    """``{items, next}``: the rows (sort key, item) in (key, id) order after the
    cursor, ``next`` being the cursor of the last one when more follow."""
    if not 1 <= page.limit <= MAX_LIMIT:
        raise Invalid(f"limit must be 1..{MAX_LIMIT}", field="limit")
    ordered = sorted(
        (((k, str(r[id_field])), r) for k, r in rows), key=lambda kr: kr[0]
    )
    if page.after is not None:
        start = _position(page.after)
        ordered = [(k, r) for k, r in ordered if k > start]
    items = ordered[: page.limit]
    more = len(ordered) > page.limit
    return {
        "items": [r for _, r in items],
        "next": cursor(*items[-1][0]) if more else None,
    }
