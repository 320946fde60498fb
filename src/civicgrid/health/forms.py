"""Forms of the health pages (the actions check everything again)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.core.forms import StyledFormMixin

from .models import Contract, Referral, Visit


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
