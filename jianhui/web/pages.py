"""Reading a request: its as-of date, its page of a list, an object within its Scope."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.functional import cached_property

from jianhui.regions.models import Jurisdiction
from jianhui.statistics import generation


def as_of(request: HttpRequest) -> dt.date:
    """The `as_of` date of the request (YYYY-MM-DD), today if absent or unreadable."""
    raw = request.GET.get("as_of", "").strip()
    if raw:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            messages.warning(request, f"日期“{raw}”无法识别，应为 YYYY-MM-DD，已按今天统计。")
    return timezone.localdate()


class BoundedPaginator(Paginator):
    """Counts at most `limit` rows (COUNT over a LIMIT subquery), so that a page of a list of
    millions does not count millions: beyond the limit the list says "20,000+" and offers the
    pages up to it (narrow the filters to reach the rest)."""

    limit = 20_000

    @cached_property
    def count(self) -> int:
        items = self.object_list
        if hasattr(items, "query"):
            # Without the ordering and the annotations nothing filters on (a union status,
            # an employee figure per row): only which rows there are.
            return items.order_by().values("pk")[:self.limit + 1].count()
        return len(items)

    @property
    def capped(self) -> bool:
        return self.count > self.limit

    @property
    def count_text(self) -> str:
        return f"{self.limit:,}+" if self.capped else f"{self.count:,}"

    @cached_property
    def num_pages(self) -> int:
        shown = min(self.count, self.limit)
        return max(1, -(-shown // self.per_page)) if shown else 1


def paginate(request: HttpRequest, items, per_page: int | None = None,
             large_order: tuple[str, ...] | None = None) -> Page:
    """A page of `items`. With `large_order`, a list beyond the count limit is listed in that
    order instead (an index's: sorting millions of rows by joined names for every page is
    what made such a list slow); the page's `reordered` says so."""
    per_page = per_page or settings.JIANHUI_PAGE_SIZE
    paginator = BoundedPaginator(items, per_page)
    reordered = large_order is not None and paginator.capped
    if reordered:
        count = paginator.count
        paginator = BoundedPaginator(items.order_by(*large_order), per_page)
        paginator.count = count
    page = paginator.get_page(request.GET.get("page"))
    page.reordered = reordered
    return page


def get_scoped(queryset, scope, **lookup):
    """Fetch one object within `scope` (the request's Scope, or any reach `within` takes):
    out of scope is simply not found (404)."""
    try:
        return queryset.within(scope).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"未找到该{queryset.model._meta.verbose_name}，或不在您的辖区范围内。") from exc


def jurisdiction_options(scope) -> list:
    """The jurisdictions `scope` reaches, for a list's filter (regions' Option rows in tree
    order), kept until the next write: a province's list pages name hundreds on every request."""
    return generation.remembered(("jurisdiction options", scope.paths, scope.organisations),
                                 lambda: Jurisdiction.objects.within(scope).options())
