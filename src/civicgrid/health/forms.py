"""Forms of the health pages (the actions check everything again)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.core.forms import StyledFormMixin

from .models import Contract, DiseaseReport, Referral, Visit


class SignForm(StyledFormMixin, forms.Form):
    person = forms.TypedChoiceField(label=_("resident"), coerce=int)
    package = forms.ChoiceField(label=_("service package"), choices=Contract.Package.choices)
    start_date = forms.DateField(label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    allergies = forms.CharField(label=_("allergies"), required=False, max_length=1000)
    history = forms.CharField(label=_("medical history"), required=False, max_length=1000)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, f"{p.name} · {p.address or p.area_code}") for p in people]


class VisitForm(StyledFormMixin, forms.Form):
    enrolment = forms.TypedChoiceField(label=_("programme"), coerce=int)
    on = forms.DateField(label=_("date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    mode = forms.ChoiceField(label=_("mode"), choices=Visit.Mode.choices)
    sbp = forms.CharField(label=_("systolic pressure (mmHg)"), required=False, max_length=10)
    dbp = forms.CharField(label=_("diastolic pressure (mmHg)"), required=False, max_length=10)
    fbg = forms.CharField(label=_("fasting glucose (mmol/L)"), required=False, max_length=10)
    classification = forms.CharField(label=_("classification"), required=False, max_length=50)
    note = forms.CharField(label=_("note"), required=False, max_length=1000)
    next_due = forms.DateField(label=_("next follow-up"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, enrolments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].choices = [(e.pk, e.programme.name) for e in enrolments if e.ended_on is None]


class EnrolForm(StyledFormMixin, forms.Form):
    programme = forms.ChoiceField(label=_("programme"))
    enrolled_on = forms.DateField(label=_("enrolled on"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    anchor_date = forms.DateField(label=_("event date"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, programmes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [(p.code, p.name) for p in programmes]


class ReferralForm(StyledFormMixin, forms.Form):
    direction = forms.ChoiceField(label=_("direction"), choices=Referral.Direction.choices)
    hospital = forms.TypedChoiceField(label=_("hospital"), coerce=int)
    reason = forms.CharField(label=_("reason"), max_length=1000)
    appointment_at = forms.DateTimeField(label=_("appointment"), required=False,
                                         widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, hospitals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].choices = [(h.pk, h.name) for h in hospitals]


class TeamForm(StyledFormMixin, forms.Form):
    """Form a "3+X" team for a health grid of 2–3 base grids of one community (the action checks it
    all again; 004b's size rule is reported after, not refused)."""

    name = forms.CharField(label=_("team name"), max_length=100)
    grid_codes = forms.MultipleChoiceField(label=_("base grids of the health grid"), widget=forms.CheckboxSelectMultiple,
                                           help_text=_("004b: 2–3 base grids, or about 500 households / 1,500 people."))
    centre = forms.CharField(label=_("health centre"), required=False, max_length=100)
    centre_medical_staff = forms.IntegerField(label=_("medical staff of the centre"), required=False, min_value=0,
                                              max_value=100000)

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for g in grids:
            label = _("%(name)s · %(h)s households, %(p)s people") % {"name": g["name"], "h": g["households"],
                                                                      "p": g["people"]}
            if g["team"]:
                label += " · " + _("already in %(team)s") % {"team": g["team"]}
            choices.append((g["code"], label))
        self.fields["grid_codes"].choices = choices


class DiseaseReportForm(StyledFormMixin, forms.Form):
    """An infectious-disease report card (the action checks the times and the person again)."""

    person = forms.TypedChoiceField(label=_("patient"), coerce=int)
    disease = forms.ChoiceField(label=_("disease"))
    case_type = forms.ChoiceField(label=_("case type"), choices=DiseaseReport.CaseType.choices)
    diagnosed_at = forms.DateTimeField(label=_("diagnosed or discovered at"),
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reported_at = forms.DateTimeField(label=_("reported at"), required=False,
                                      help_text=_("Empty: now."),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    onset_date = forms.DateField(label=_("onset date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    basis = forms.CharField(label=_("basis of the diagnosis"), required=False, max_length=1000)
    symptoms = forms.CharField(label=_("symptoms"), required=False, max_length=1000)
    diagnosing_unit = forms.CharField(label=_("diagnosing unit"), required=False, max_length=1000)
    note = forms.CharField(label=_("note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people=(), diseases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, f"{p.name} · {p.address or p.area_code}") for p in people]
        self.fields["disease"].choices = [(d.code, f"{d.name}（{d.get_category_display()}）") for d in diseases]


class FindingForm(StyledFormMixin, forms.Form):
    """A health-supervision finding (卫生监督协管): it becomes a case of the class 卫生监督协管."""

    organisation = forms.TypedChoiceField(label=_("regulated party"), coerce=int)
    category = forms.ChoiceField(label=_("category"))
    title = forms.CharField(label=_("title"), required=False, max_length=60)
    description = forms.CharField(label=_("what was found"), max_length=1500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organisations=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, f"{o.name} · {o.address or o.area_code}") for o in organisations]
        self.fields["category"].choices = [(c.code, c.name) for c in categories]
