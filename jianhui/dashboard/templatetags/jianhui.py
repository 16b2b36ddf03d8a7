"""Template filters: numbers, rates and masked personal data as the cadres read them."""

from __future__ import annotations

from fractions import Fraction

from django import template

from jianhui.lib.codes import mask_id_number, mask_phone
from jianhui.lib.numbers import percent

register = template.Library()


@register.filter
def thousands(value) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "" if value is None else str(value)


@register.filter
def pct(value) -> str:
    return percent(Fraction(value)) if value is not None else ""


@register.filter
def signed(value) -> str:
    """Change since the previous day: +3, −2, or 持平."""
    if not value:
        return "较前一日持平"
    return f"较前一日 {'+' if value > 0 else '−'}{abs(value):,}"


@register.filter
def masked_id(value) -> str:
    return mask_id_number(value or "")


@register.filter
def masked_phone(value) -> str:
    return mask_phone(value or "")


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination and filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def indent(depth) -> str:
    """Full-width spaces for a tree level in a <select>."""
    return "\u3000" * int(depth or 0)


@register.filter
def figure_texts(figures, columns) -> list[tuple[str, str]]:
    """(shown text, key) of each column of a column specification (lib/tables.py)."""
    return [(c.text(figures), c.key) for c in columns]


@register.simple_tag
def jurisdiction_options(jurisdictions, selected, indented=True):
    """The <option>s of a jurisdiction filter, the chosen one selected: built in one join, as
    a province's list pages name hundreds of jurisdictions (a template loop over them cost more
    than the page's queries)."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    selected = selected or ""
    return mark_safe("".join(
        f'<option value="{escape(j.code)}"{" selected" if j.code == selected else ""}>'
        f'{indent(j.depth) if indented else ""}{escape(j.name)}</option>'
        for j in jurisdictions))


@register.simple_tag
def roster_rows(members, can_reveal, can_edit):
    """An enterprise page's roster rows, built in one join: 50 rows of template tags (and an
    include for the reveal link) were a third of the page's time. The link is the closed state
    of unions/_reveal.html."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    rows = []
    for m in members:
        key = escape(m.public_key)
        row = (f"<tr><td>{escape(m.name)}</td><td>{escape(m.gender)}</td>"
               f'<td class="mono">{escape(mask_id_number(m.id_number or ""))}</td>'
               f'<td class="mono">{escape(mask_phone(m.phone or "")) or "—"}</td>'
               f"<td>{m.joined_on.isoformat() if m.joined_on else ''}</td>"
               f"<td>{m.left_on.isoformat() if m.left_on else '—'}</td>")
        if can_reveal:
            row += (f'<td><div class="reveal"><a href="/members/{key}/reveal/" '
                    f'hx-get="/members/{key}/reveal/" hx-target="closest .reveal" '
                    'hx-swap="outerHTML">查看完整信息</a></div></td>')
        if can_edit:
            row += f'<td><a href="/members/{key}/edit/">编辑</a></td>'
        rows.append(row + "</tr>")
    return mark_safe("".join(rows))
