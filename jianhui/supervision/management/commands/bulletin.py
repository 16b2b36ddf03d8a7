"""`jianhui bulletin daily`: the daily bulletin of a campaign for a date, as a GB/T 9704 .docx
(and its content as JSON). An issued bulletin is frozen: asking again returns it unchanged;
`--reissue` issues a correction under the next number."""

from __future__ import annotations

import json
from pathlib import Path

from jianhui.audit.log import operator
from jianhui.campaign.management.commands.progress import find_campaign
from jianhui.lib.commands import BaseCommand, CommandError, parse_date
from jianhui.lib.workdays import holiday_name, is_working_day
from jianhui.supervision.bulletin import BulletinError, issue, issued_document


class Command(BaseCommand):
    help = "每日通报：按行动和日期生成（或取出已签发的）建会入会工作通报（.docx），可同时输出 JSON。"
    requires_system_checks: list = []

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True, title="通报种类", help="通报种类：daily 每日通报",
                                    parser_class=type(parser))
        daily = sub.add_parser("daily", help="每天一通报", called_from_command_line=True)
        daily.add_argument("--campaign", help="行动编号，默认为通报日期进行中的行动")
        daily.add_argument("--date", type=parse_date, required=True, help="通报日期 YYYY-MM-DD")
        daily.add_argument("--out", required=True, help="保存 .docx 的路径")
        daily.add_argument("--json", action="store_true", help="同时把通报数据以 JSON 输出到标准输出")
        daily.add_argument("--reissue", action="store_true",
                           help="该日已签发的通报有误时，签发一期更正通报（新期号）")
        daily.add_argument("--note", default="", help="更正说明（与 --reissue 一起使用）")

    def handle(self, *args, **options) -> None:
        on = options["date"]
        campaign = find_campaign(options["campaign"], on)
        out = Path(options["out"])
        if out.suffix.lower() != ".docx":
            raise CommandError(f"--out 须是 .docx 文件，收到“{out}”：例如 --out 通报.docx。")
        if not out.parent.exists():
            raise CommandError(f"目录“{out.parent}”不存在：请先创建，或换一个保存位置。")
        try:
            bulletin, new = issue(campaign, on, reissue=options["reissue"], note=options["note"],
                                  by_name=operator())
        except BulletinError as exc:
            raise CommandError(str(exc)) from exc
        out.write_bytes(issued_document(bulletin))
        if options["json"]:
            self.stdout.write(json.dumps(bulletin.content, ensure_ascii=False))
        if new:
            what = f"已签发第{bulletin.issue_no}期通报"
            if bulletin.corrects_id:
                what += f"（更正第{bulletin.corrects.issue_no}期）"
        else:
            what = f"{on:%Y-%m-%d} 已于此前签发第{bulletin.issue_no}期通报，按原样输出（已冻结）"
        if new and not is_working_day(on):
            holiday = holiday_name(on)
            self.stderr.write(f"注意：{on:%Y-%m-%d} 不是工作日{f'（{holiday}）' if holiday else ''}，"
                              "当天无需报送日报。")
        lagging = len(bulletin.content["lagging"])
        self.stderr.write(f"{what}：{out}；{len(bulletin.content['ranking'])} 个片区，"
                          f"{lagging} 个进度滞后。")
