"""Issued daily bulletins (每天一通报): frozen, numbered 第N期 within their campaign."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Bulletin(models.Model):
    """One issue. `content` is exactly what `jianhui bulletin daily --json` prints and
    `document` the .docx as issued; neither changes after issue. A correction is a new issue
    that `corrects` the old one and says why."""

    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.PROTECT,
                                 related_name="bulletins", verbose_name="行动")
    issue_no = models.PositiveIntegerField("期号")
    on = models.DateField("通报日期")
    content = models.JSONField("通报数据")
    names = models.JSONField("名称", default=dict,
                             help_text="通报中出现的辖区代码、信用代码对应的名称（签发时）。")
    document = models.BinaryField("通报文件（.docx）")
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="corrections", verbose_name="更正的期次")
    correction_note = models.CharField("更正说明", max_length=500, blank=True)
    issued_at = models.DateTimeField("签发时间", auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name="签发人")
    issued_by_name = models.CharField("签发人姓名", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "每日通报"
        ordering = ["campaign", "-issue_no"]
        constraints = [models.UniqueConstraint(fields=["campaign", "issue_no"],
                                               name="bulletin_issue_once")]

    def __str__(self) -> str:
        return f"{self.campaign.key} 第{self.issue_no}期（{self.on:%Y-%m-%d}）"

    @property
    def file_name(self) -> str:
        return f"建会入会工作通报第{self.issue_no}期（{self.on:%Y-%m-%d}）.docx"
