"""Verifying the audit log's hash chain (chain.py): the first broken link, if any.

Walks the events oldest first, one chunk at a time: each event's hash must be the digest of
its previous hash and its content, and its previous hash must be the hash of the event before
it. The oldest remaining event's previous hash is taken as given (`audit-purge` deletes the
oldest events). The newest event must be the chain's head (deleting the newest events shows).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.utils import timezone

from . import chain
from .models import AuditEvent, ChainHead


@dataclass
class Broken:
    id: int | None
    at: str
    action: str
    problem: str


@dataclass
class Verification:
    ok: bool
    events: int
    head: str
    first_broken: Broken | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        if self.ok:
            return f"审计日志完整：共 {self.events} 条，哈希链没有断裂（链头 {self.head[:16]}）。"
        b = self.first_broken
        where = f"第一处断裂在编号 {b.id} 的记录（{b.at}，{b.action}）" if b.id else "链头"
        return (f"审计日志的哈希链已断裂：{where}：{b.problem}"
                "请保留现状，并从备份中取出同一时期的审计日志对照。")


def _when(event: AuditEvent) -> str:
    return f"{timezone.localtime(event.at):%Y-%m-%d %H:%M:%S}"


def verify_chain(chunk: int = 5000) -> Verification:
    previous: str | None = None
    count = 0
    last: AuditEvent | None = None
    fields = ("id", "prev_hash", "hash", *chain.FIELDS)
    for event in AuditEvent.objects.order_by("id").only(*fields).iterator(chunk_size=chunk):
        count += 1
        if not event.hash:
            return _broken(count, event, "这条记录没有哈希，是绕过系统直接写入数据库的。")
        if previous is not None and event.prev_hash != previous:
            return _broken(count, event, "它记下的前一条记录的哈希与实际的前一条不符："
                                         "前一条记录被改动过，或它与前一条之间的记录被删除了。")
        if chain.digest(event.prev_hash, event.chain_values()) != event.hash:
            return _broken(count, event, "这条记录的内容与它的哈希不符：记录在写入后被改动过。")
        previous, last = event.hash, event
    head = ChainHead.objects.filter(pk=1).first()
    head_hash = head.hash if head else ""
    if last is not None and head_hash != last.hash:
        return Verification(False, count, head_hash, Broken(
            None, "", "", "最新一条记录的哈希与链头不符：最新的记录被删除了，或链头被改动过。"))
    return Verification(True, count, head_hash, None)


def _broken(count: int, event: AuditEvent, problem: str) -> Verification:
    head = ChainHead.objects.filter(pk=1).values_list("hash", flat=True).first() or ""
    return Verification(False, count, head, Broken(event.pk, _when(event),
                                                   event.get_action_display(), problem))
