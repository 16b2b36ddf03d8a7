"""辖区: the jurisdiction tree, keyed by code, else by name under the same parent.

A file may create the top jurisdiction (empty 上级辖区, type 省, 市, 县 or 区) and refer to parents that
are rows of the same file. Jurisdictions are few (hundreds per province), so they are saved one
by one in tree order, which keeps the materialised paths right through Jurisdiction.save().
"""

from __future__ import annotations

from dataclasses import dataclass

from jianhui.regions.models import TOP_KINDS, Jurisdiction, JurisdictionKind

from ..readers import Columns
from ..values import JURISDICTION_KIND, visible_text
from .base import OUTSIDE, Importer, RowReader, inside


@dataclass
class Node:
    number: int
    name: str
    code: str
    parent_ref: str
    kind: str
    cells: dict
    parent: Node | Jurisdiction | None = None
    existing: Jurisdiction | None = None
    saved: Jurisdiction | None = None

    def parent_code(self) -> str | None:
        if self.parent is None:
            return None
        return self.parent.code


class JurisdictionImporter(Importer):
    kind = "jurisdictions"
    label = "辖区"
    columns = Columns(
        names=("辖区名称", "辖区代码", "上级辖区", "类型"),
        required=("辖区名称", "上级辖区"),
        aliases={"名称": "辖区名称", "代码": "辖区代码", "辖区类型": "类型", "上级": "上级辖区",
                 "上级辖区名称": "上级辖区", "上级辖区代码": "上级辖区"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.nodes: list[Node] = []
        self.plan: list[tuple[Node, str]] = []

    def add(self, number: int, cells: dict[str, object]) -> None:
        r = RowReader(self, number, cells)
        name = r.get("辖区名称", visible_text("辖区名称"), required=True, max_length=64)
        code = (r.get("辖区代码", visible_text("辖区代码"), max_length=32) or "").replace(" ", "")
        if "/" in code:
            r.fail("辖区代码", code, "辖区代码不能包含“/”：请只用数字或字母。")
        parent_ref = (r.get("上级辖区") or "").replace(" ", "")
        kind = r.get("类型", JURISDICTION_KIND) or ""
        if not parent_ref and kind and kind not in TOP_KINDS:
            r.fail("上级辖区", "", f"{name or ''}的上级辖区为空：只有顶级的省、市、县或区可以不填上级辖区，请填写上级辖区的名称或代码。")
        if r.ok:
            self.nodes.append(Node(number, name, code, parent_ref, kind, cells))

    def check(self) -> None:
        db = list(Jurisdiction.objects.all())
        db_code = {j.code: j for j in db}
        db_name: dict[str, list[Jurisdiction]] = {}
        for j in db:
            db_name.setdefault(j.name, []).append(j)
        file_code: dict[str, Node] = {}
        file_name: dict[str, list[Node]] = {}
        for node in self.nodes:
            if node.code:
                if node.code in file_code:
                    self.error(node.number, "辖区代码", node.code,
                               f"辖区代码「{node.code}」在文件中重复（第 {file_code[node.code].number} 行已有）：请删除重复行。")
                    continue
                file_code[node.code] = node
            file_name.setdefault(node.name, []).append(node)
        ok = [n for n in self.nodes if not n.code or file_code.get(n.code) is n]
        for node in ok:
            self._resolve_parent(node, file_code, file_name, db_code, db_name)
        if self.scope is not None:
            ok = [n for n in ok if self._in_scope(n, db_code)]
        by_place: dict[tuple, Node] = {}
        for node in ok:
            place = (node.parent_code(), node.name)
            if place in by_place:
                self.error(node.number, "辖区名称", node.name,
                           f"同一上级辖区下的「{node.name}」在文件中重复（第 {by_place[place].number} 行已有）："
                           "请删除重复行。")
                continue
            by_place[place] = node
        if self.report.errors:
            return
        self._identify(ok, db_code, db)
        self._order(ok)

    def _resolve_parent(self, node: Node, file_code, file_name, db_code, db_name) -> None:
        ref = node.parent_ref
        if not ref:
            return
        if ref in file_code:
            node.parent = file_code[ref]
        elif ref in db_code:
            node.parent = db_code[ref]
        else:
            found = file_name.get(ref, []) + [
                j for j in db_name.get(ref, []) if j.code not in file_code]
            if len(found) == 1:
                node.parent = found[0]
            elif found:
                self.error(node.number, "上级辖区", ref,
                           f"有 {len(found)} 个名为「{ref}」的辖区：请把上级辖区改填为辖区代码。")
            else:
                self.error(node.number, "上级辖区", ref,
                           f"找不到上级辖区「{ref}」：请填写系统中已有或本文件中的辖区名称或代码。")
        if node.parent is node:
            self.error(node.number, "上级辖区", ref, "上级辖区不能是它自己：请核对。")
            node.parent = None

    def _in_scope(self, node: Node, db_code: dict) -> bool:
        """A restricted user creates and changes jurisdictions only below the ones they hold
        a role in: the nearest existing ancestor must lie in scope, and so must the
        jurisdiction itself when it already exists."""
        existing = db_code.get(node.code) if node.code else None
        if existing is not None and not inside(self.scope, existing.path):
            self.error(node.number, "辖区代码", node.code, f"辖区“{existing.name}”{OUTSIDE}")
            return False
        if node.parent is None and node.parent_ref:
            return True  # the parent could not be found: already an error
        anchor, seen = node.parent, {id(node)}
        while isinstance(anchor, Node) and id(anchor) not in seen:  # up to the database
            seen.add(id(anchor))
            anchor = anchor.parent
        if isinstance(anchor, Node):
            return True  # a cycle: reported by _order
        if anchor is not None and inside(self.scope, anchor.path):
            return True
        where = f"上级辖区“{anchor.name}”" if anchor is not None else "新建顶级辖区"
        self.error(node.number, "上级辖区", node.parent_ref, f"{where}{OUTSIDE}")
        return False

    def _identify(self, nodes: list[Node], db_code: dict, db: list[Jurisdiction]) -> None:
        by_place = {(j.parent.code if j.parent else None, j.name): j
                    for j in Jurisdiction.objects.select_related("parent")}
        taken = set(db_code) | {n.code for n in nodes if n.code}
        for node in nodes:
            node.existing = db_code.get(node.code) if node.code else None
            same_place = by_place.get((node.parent_code(), node.name))
            if node.existing is None and same_place is not None:
                if node.code:
                    self.error(node.number, "辖区名称", node.name,
                               f"「{node.parent_code() or '顶级'}」下已有名为「{node.name}」的辖区"
                               f"（代码 {same_place.code}）：请改用该代码或换一个名称。")
                    continue
                node.existing = same_place
            if node.existing is None and not node.code:
                node.code = self._new_code(node, taken)
                taken.add(node.code)
            kind = node.kind or (node.existing.kind if node.existing else (
                JurisdictionKind.COUNTY if node.parent is None else JurisdictionKind.TOWN))
            node.kind = kind
            if node.existing:
                old = node.existing
                if isinstance(node.parent, Jurisdiction) and node.parent.path.startswith(old.path):
                    self.error(node.number, "上级辖区", node.parent_ref,
                               "上级辖区不能是它自己或它的下级：请核对。")
                    continue
                changed = (old.name, old.kind, old.parent.code if old.parent else None) != (
                    node.name, kind, node.parent_code())
            else:
                changed = True
            action = self.decide(node.number, "辖区代码" if node.code else "辖区名称",
                                 node.code or node.name, node.existing is not None, changed)
            if action:
                self.plan.append((node, action))

    def _new_code(self, node: Node, taken: set[str]) -> str:
        prefix = node.parent_code() or ""
        for n in range(1, 10000):
            code = f"{prefix}{n:02d}"
            if code not in taken:
                return code
        raise AssertionError("no free code")

    def _order(self, nodes: list[Node]) -> None:
        """Parents before children; a cycle (a row made the child of its own descendant) is an error."""
        position = {id(n): i for i, n in enumerate(nodes)}
        for node in nodes:
            seen = {id(node)}
            parent = node.parent
            while isinstance(parent, Node):
                if id(parent) in seen:
                    self.error(node.number, "上级辖区", node.parent_ref,
                               "上级辖区形成了循环（某辖区成了自己下级的下级）：请核对上级辖区。")
                    return
                seen.add(id(parent))
                parent = parent.parent
        def depth(node: Node) -> int:
            d, parent = 0, node.parent
            while isinstance(parent, Node):
                d, parent = d + 1, parent.parent
            return d
        self.plan.sort(key=lambda p: (depth(p[0]), position[id(p[0])]))

    def write(self) -> None:
        for node, action in self.plan:
            if action == "unchanged":
                node.saved = node.existing
                continue
            parent = node.parent.saved if isinstance(node.parent, Node) else node.parent
            j = node.existing or Jurisdiction(code=node.code, order=node.number)
            j.name, j.kind, j.parent = node.name, node.kind, parent
            j.save()
            node.saved = j
