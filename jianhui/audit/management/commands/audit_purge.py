"""`jianhui audit-purge --before YYYY-MM-DD`: delete audit events older than the retention.

Refuses any date inside the retention (JIANHUI_AUDIT_RETENTION_DAYS, at least 180 days); the
database trigger would refuse those rows anyway. Deletes with raw SQL (the ORM refuses every
delete of an event) and records that it ran, with the count, as a new event.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from jianhui.audit.log import operator, record
from jianhui.audit.models import Action, AuditEvent
from jianhui.lib.commands import BaseCommand, CommandError


def latest_allowed(today: dt.date | None = None) -> dt.date:
    """The latest --before date the retention allows."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=settings.JIANHUI_AUDIT_RETENTION_DAYS)


class Command(BaseCommand):
    help = "删除早于保留期的审计日志（--before 之前的记录）。保留期内的记录不能删除。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--before", required=True, metavar="YYYY-MM-DD",
                            help="删除该日 0 点（北京时间）之前的记录")
        parser.add_argument("--dry-run", action="store_true", help="只统计将删除的条数，不删除")
        parser.add_argument("--yes", action="store_true", help="不再询问确认（用于定时任务）")
        parser.add_argument("--json", action="store_true", help="在标准输出打印 JSON 结果")

    def handle(self, *args, **options) -> None:
        try:
            before = dt.date.fromisoformat(options["before"])
        except ValueError:
            raise CommandError(f"日期「{options['before']}」无法识别：请写成 YYYY-MM-DD，如 2024-01-01。") from None
        days = settings.JIANHUI_AUDIT_RETENTION_DAYS
        limit = latest_allowed()
        if before > limit:
            raise CommandError(
                f"审计日志须保留至少 {days} 天：--before 最晚只能是 {limit:%Y-%m-%d}，"
                f"收到 {before:%Y-%m-%d}。未删除任何记录。"
            )
        cutoff = timezone.make_aware(dt.datetime.combine(before, dt.time.min))
        table = connection.ops.quote_name(AuditEvent._meta.db_table)
        column = connection.ops.quote_name("at")
        param = connection.ops.adapt_datetimefield_value(cutoff)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} < %s", [param])
            due = cursor.fetchone()[0]
        result = {"before": before.isoformat(), "retention_days": days, "deleted": 0,
                  "dry_run": options["dry_run"], "due": due}
        if not options["dry_run"]:
            if due and not options["yes"]:
                self._confirm(due, before)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {table} WHERE {column} < %s", [param])
                    result["deleted"] = cursor.rowcount
                record(Action.DELETE, model=AuditEvent._meta.label, username=operator(),
                       object_key=f"before {before:%Y-%m-%d}", object_repr="超过保留期的审计日志",
                       reason=f"清理 {before:%Y-%m-%d} 之前、超过 {days} 天保留期的审计日志",
                       detail={"before": before.isoformat(), "deleted": result["deleted"],
                               "retention_days": days})
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        verb = "将删除" if options["dry_run"] else "已删除"
        count = due if options["dry_run"] else result["deleted"]
        self.stderr.write(f"{verb} {before:%Y-%m-%d} 之前的审计日志 {count} 条（保留期 {days} 天）。")

    def _confirm(self, due: int, before: dt.date) -> None:
        if not sys.stdin.isatty():
            raise CommandError(f"将删除 {due} 条审计日志：非交互运行时请加 --yes 确认。")
        answer = input(f"确认删除 {before:%Y-%m-%d} 之前的 {due} 条审计日志？输入 yes 确认：")
        if answer.strip().lower() != "yes":
            raise CommandError("已取消，未删除任何记录。")
