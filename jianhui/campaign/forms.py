"""Forms of the campaign's pages: moving a case on the work board, and the phone forms for a
摸底 survey and a field visit. The rules live in the models' clean() and services.py; the
forms only read and label the input (large touch targets come from campaign.css)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import UnionOrganisation
from jianhui.web.editing import DateInput

from .models import Concern, Flag, OutreachKind, Route, TrainingKind, Willingness
from .models.pipeline import MANUAL_STAGES

YES_NO = [("", "不清楚"), ("1", "有"), ("0", "没有")]


def _not_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError("日期不能晚于今天：现场工作记录的是已经发生的事。")
    return value


class MoveForm(forms.Form):
    """Move a card to another stage: the note is required (who, when and why is recorded)."""

    stage = forms.ChoiceField(label="调整到", choices=[(s.value, s.label) for s in MANUAL_STAGES])
    on = forms.DateField(label="日期", widget=DateInput(), initial=timezone.localdate)
    flag = forms.ChoiceField(label="标记", choices=Flag.choices, required=False)
    flag_reason = forms.CharField(label="标记原因", max_length=500, required=False)
    note = forms.CharField(
        label="说明", max_length=500,
        error_messages={"required": "请填写说明：为什么调整到这个阶段（例如走访情况、企业答复）。"},
        widget=forms.TextInput(attrs={"placeholder": "例如：老板同意本月召开职工大会"}))

    def clean_on(self):
        return _not_future(self.cleaned_data["on"])


class SurveyForm(forms.Form):
    """A 摸底 visit (services.record_survey): the employee figures go to the enterprise's
    EmployeeSurvey, the one the statistics use from that day on."""

    surveyed_on = forms.DateField(label="摸底日期", widget=DateInput(), initial=timezone.localdate)
    surveyor = forms.CharField(label="摸底人", max_length=64)
    employees = forms.IntegerField(label="职工人数", min_value=0,
                                   widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    female_employees = forms.IntegerField(label="女职工人数", min_value=0, required=False,
                                          widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    migrant_workers = forms.IntegerField(label="农民工人数", min_value=0, required=False,
                                         widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    has_party_org = forms.TypedChoiceField(label="有无党组织", choices=YES_NO, required=False,
                                           coerce=lambda v: v == "1", empty_value=None,
                                           widget=forms.RadioSelect)
    willingness = forms.ChoiceField(label="建会意愿", choices=Willingness.choices,
                                    widget=forms.RadioSelect)
    route = forms.ChoiceField(label="建议建会方式", choices=[("", "暂不确定"), *Route.choices],
                              required=False, widget=forms.RadioSelect)
    federation = forms.ModelChoiceField(label="拟加入的联合工会", required=False,
                                        queryset=UnionOrganisation.objects.none(),
                                        empty_label="（单独建会不填）")
    concerns = forms.MultipleChoiceField(label="企业顾虑", choices=Concern.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    concern_note = forms.CharField(label="顾虑说明", max_length=500, required=False,
                                   help_text="企业负责人的原话或具体顾虑。")
    note = forms.CharField(label="备注", required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, federations=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if federations is not None:
            self.fields["federation"].queryset = federations

    def clean_surveyed_on(self):
        return _not_future(self.cleaned_data["surveyed_on"])


class OutreachForm(forms.Form):
    """One contact with the enterprise (走访、电话、座谈) and the next step it led to."""

    kind = forms.ChoiceField(label="方式", choices=OutreachKind.choices, widget=forms.RadioSelect,
                             initial=OutreachKind.VISIT)
    on = forms.DateField(label="日期", widget=DateInput(), initial=timezone.localdate)
    by_name = forms.CharField(label="走访人（本方）", max_length=64)
    contact_person = forms.CharField(label="企业对接人", max_length=64, required=False)
    outcome = forms.CharField(label="情况和结果", widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": "请填写这次联系的情况和结果。"})
    next_step = forms.CharField(label="下一步", max_length=256, required=False)
    next_due = forms.DateField(label="下一步期限", widget=DateInput(), required=False)
    concerns = forms.MultipleChoiceField(label="企业顾虑", choices=Concern.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    concern_note = forms.CharField(label="顾虑说明", max_length=500, required=False,
                                   help_text="企业负责人的原话或具体顾虑。")

    def clean_on(self):
        return _not_future(self.cleaned_data["on"])


class TrainingForm(forms.Form):
    """A training or briefing (专题培训) and its attendees, one per line: a name, then the
    credit code of their enterprise when they came from one."""

    kind = forms.ChoiceField(label="类型", choices=TrainingKind.choices)
    on = forms.DateField(label="日期", widget=DateInput())
    place = forms.CharField(label="地点", max_length=128)
    topic = forms.CharField(label="主题", max_length=256)
    organiser = forms.CharField(label="组织单位", max_length=128)
    jurisdiction = forms.ModelChoiceField(label="举办辖区", queryset=Jurisdiction.objects.none(),
                                          empty_label=None)
    attendees = forms.CharField(
        label="参训人员", widget=forms.Textarea(attrs={"rows": 8}),
        help_text="每行一人：姓名，企业人员在姓名后加空格和所在企业的统一社会信用代码，"
                  "例如“张三 91510623MA6XXXXXXX”；干部只写姓名（计入举办辖区）。")

    def __init__(self, *args, jurisdictions=None, enterprises=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdictions
        self.enterprises = enterprises

    def clean_on(self):
        return _not_future(self.cleaned_data["on"])

    def clean_attendees(self) -> list[tuple[str, object]]:
        rows, errors = [], []
        lines = [line.strip() for line in self.cleaned_data["attendees"].splitlines()]
        codes = {line.split()[-1].upper() for line in lines if len(line.split()) > 1}
        known = {e.credit_code: e for e in self.enterprises.filter(credit_code__in=codes)}
        for n, line in enumerate(lines, start=1):
            if not line:
                continue
            parts = line.split()
            if len(parts) == 1:
                rows.append((parts[0], None))
                continue
            name, code = " ".join(parts[:-1]), parts[-1].upper()
            if code not in known:
                errors.append(f"第 {n} 行：统一社会信用代码 {code} 不是您辖区内的企业，"
                              "请核对代码，或只写姓名。")
            else:
                rows.append((name, known[code]))
        if errors:
            raise forms.ValidationError(errors)
        if not rows:
            raise forms.ValidationError("请至少填写一名参训人员。")
        return rows
