"""Textual's header, for screens that recompose: a header removed just after it was mounted has no title to
update, and says so as Textual's own header expects (it ignores ``NoScreen``), instead of failing the app."""

from __future__ import annotations

from typing import Any

from textual.dom import NoScreen
from textual.widgets import Header
from textual.widgets._header import HeaderTitle


class TitleHeader(Header):
    """A :class:`~textual.widgets.Header` whose title update tolerates being recomposed away first."""

    def query_one(self, selector: Any, expect_type: Any = None) -> Any:
        if selector is HeaderTitle and not self.query(HeaderTitle):
            raise NoScreen("the header was removed before its title was shown")
        return super().query_one(selector, expect_type)
