"""Read a rendered <form> back into POST data, the way a browser would submit it unchanged."""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = {"attrs": a, "data": {}}
            self.forms.append(self._current)
            return
        if self._current is None:
            return
        data = self._current["data"]
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    data.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name and "disabled" not in a:
            self._select = name
            data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            data[name] = [""]

    def handle_data(self, text):
        if self._textarea and self._current is not None:
            self._current["data"][self._textarea][0] += text

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._current = None


def form_data(html: str, index: int = -1, **selector) -> dict[str, list[str] | str]:
    """POST data of a form in `html`: the one whose attributes match `selector` (e.g.
    id="enterprise_form"), else the `index`-th. Single values are plain strings."""
    parser = _Forms()
    parser.feed(html)
    forms = parser.forms
    if selector:
        forms = [f for f in forms if all(f["attrs"].get(k) == v for k, v in selector.items())]
    data = forms[index]["data"]
    return {k: v[0] if len(v) == 1 else v for k, v in data.items()}
