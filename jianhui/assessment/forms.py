"""The scheme and its indicators as the county edits them, on the page and in the back office:
the formula picked from the registry's list, the weights rule checked over the whole set."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .formulas import choices
from .models import Indicator, Scheme

SCHEME_FIELDS = ["name", "as_of", "tie_break", "grading", "excellent_min", "good_min",
                 "pass_min", "excellent_share", "good_share", "visibility", "tilt_top_n", "note"]
INDICATOR_FIELDS = ["order", "code", "name", "role", "method", "formula", "applies_to",
                    "weight", "full_at", "per_item", "cap", "description"]


class SchemeForm(forms.ModelForm):
    class Meta:
        model = Scheme
        fields = SCHEME_FIELDS
        widgets = {"as_of": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "note": forms.Textarea(attrs={"rows": 2})}


class IndicatorForm(forms.ModelForm):
    formula = forms.ChoiceField(label="计算公式", required=False,
                                choices=[("", "（评审打分，不选）"), *choices()])

    class Meta:
        model = Indicator
        fields = INDICATOR_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class IndicatorFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [f.instance for f in self.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        problems = self.instance.weight_problems(kept)
        codes = [i.code for i in kept]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            problems.append(f"指标编号 {'、'.join(twice)} 重复：每项指标的编号须不同。")
        if problems:
            raise ValidationError(problems)


def indicators_formset(scheme: Scheme):
    """The indicators' formset: one empty line to add, six for a scheme still without any (the
    weights must add up to 100 in one save)."""
    extra = 1 if scheme.indicators.count() >= 3 else 6
    return forms.inlineformset_factory(
        Scheme, Indicator, form=IndicatorForm, formset=IndicatorFormSet,
        fields=INDICATOR_FIELDS, extra=extra, can_delete=True)



class NewSchemeForm(forms.ModelForm):
    """A new, empty draft: its key, year, campaign and assessment date; the rules and the
    indicators follow on the scheme's page."""

    class Meta:
        model = Scheme
        fields = ["key", "name", "year", "campaign", "as_of"]
        widgets = {"as_of": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, campaigns=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        self.fields["campaign"].empty_label = "请选择行动"
