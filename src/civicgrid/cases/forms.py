"""Forms of the case pages. They only shape input; the rules live in ``actions`` (which raise
``UserError`` naming the field, shown beside that field)."""

from __future__ import annotations

import uuid
from itertools import groupby

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.core.forms import StyledFormMixin

from .models import Case, CaseClass
from .photos import MAX_PHOTOS


def class_choices(kinds=None) -> list:
    """Active classes grouped by major class (大类) for a <select> with <optgroup>s."""
    from .actions import case_classes

    qs = case_classes()
    if kinds:
        qs = qs.filter(kind__in=kinds)
    rows = sorted(qs, key=lambda c: (c.kind, c.major, c.code))
    return [("", "—")] + [(major, [(c.code, f"{c.name} ({c.limit_label()})") for c in group])
                          for major, group in groupby(rows, key=lambda c: c.major)]


def new_token() -> str:
    return uuid.uuid4().hex


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked by ``photos.prepare_photos``."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos"))
        kwargs.setdefault("help_text", _("At most %(n)s photos (JPEG, PNG or WebP).") % {"n": MAX_PHOTOS})
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": "image/jpeg,image/png,image/webp", "capture": "environment",
                                  "multiple": True})

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [f for f in items if f]


def read_photos(files) -> list:
    """Uploaded files → checked photos; an oversized file is refused before it is read into memory."""
    from django.utils.translation import gettext

    from civicgrid.core.errors import UserError

    from .photos import MAX_PHOTOS, _max_bytes, prepare_photos

    files = list(files or [])
    if len(files) > MAX_PHOTOS:
        raise UserError(gettext("%(field)s: at most %(n)s photos.") % {"field": "photos", "n": MAX_PHOTOS},
                        field="photos")
    limit = _max_bytes()
    for f in files:
        if f.size > limit:
            raise UserError(gettext("%(field)s: a photo may be at most %(mb)s MB.")
                            % {"field": "photos", "mb": limit // 1048576}, field="photos")
    return prepare_photos([f.read() for f in files])


class CaseClassField(forms.ChoiceField):
    def __init__(self, kinds=None, **kwargs):
        kwargs.setdefault("label", _("Class"))
        super().__init__(choices=(), **kwargs)
        self._kinds = kinds

    def set_choices(self):
        self.choices = class_choices(self._kinds)

    def to_class(self, code: str) -> CaseClass | None:
        return CaseClass.objects.filter(code=code, active=True).first() if code else None


class TokenMixin(forms.Form):
    """A one-time token: the same form submitted twice files one case (``idempotency_key``)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", new_token())


POSITION_MISSING = _("Tap the map or use your location to place the event.")


class PositionMixin(forms.Form):
    """The map position (hidden lon/lat) is required: say so on the first submit, with the other
    fields' errors, not only after they are fixed."""

    def clean(self):
        data = super().clean()
        if "lon" not in self.errors and "lat" not in self.errors and (
                data.get("lon") is None or data.get("lat") is None):
            self.add_error("lon", POSITION_MISSING)
        return data

    def position_error(self) -> str | None:
        """The message beside the map: the position is missing, or garbled (the hidden fields hold
        something that is not a number — a tampered or broken page)."""
        errors = self.errors.get("lon") or self.errors.get("lat")
        if not errors:
            return None
        if errors[0] == str(POSITION_MISSING):
            return errors[0]
        return str(_("give the position as longitude and latitude in degrees (tap the map)."))


class ReportForm(PositionMixin, StyledFormMixin, TokenMixin):
    """A grid worker's or supervisor's patrol report from a phone (巡查上报)."""

    cls = CaseClassField(kinds=[CaseClass.Kind.EVENT, CaseClass.Kind.COMPONENT])
    title = forms.CharField(label=_("Title"), max_length=100, required=False,
                            help_text=_("Leave empty to use the class name."))
    description = forms.CharField(label=_("Description"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField()
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    address = forms.CharField(label=_("Place"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cls"].set_choices()


class IntakeForm(StyledFormMixin, TokenMixin):
    """A hotline seat files a call or a message (受理): caller, class, address, urgency."""

    CHANNELS = [(c.value, c.label) for c in (Case.Channel.HOTLINE, Case.Channel.MAILBOX, Case.Channel.WEBSITE,
                                             Case.Channel.LEADER)]
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNELS, initial=Case.Channel.HOTLINE)
    reporter_name = forms.CharField(label=_("Caller's name"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("Caller's phone"), max_length=20, required=False,
                                     widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    anonymous = forms.BooleanField(label=_("Anonymous caller"), required=False)
    cls = CaseClassField()
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Case.Urgency.choices, initial=Case.Urgency.NORMAL)
    title = forms.CharField(label=_("Title"), max_length=100, required=False,
                            help_text=_("Leave empty to use the class name."))
    description = forms.CharField(label=_("What the caller says"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label=_("Address"), max_length=200, widget=forms.TextInput(attrs={
        "autocomplete": "off"}))
    building = forms.IntegerField(required=False, widget=forms.HiddenInput)
    repeat_of = forms.CharField(required=False, widget=forms.HiddenInput)
    # A place the register does not know (a road, a park): the seat pins it on the map.
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cls"].set_choices()


class PublicReportForm(PositionMixin, StyledFormMixin, TokenMixin):
    """A resident reports a problem without an account."""

    cls = CaseClassField(kinds=[CaseClass.Kind.EVENT, CaseClass.Kind.COMPONENT])
    description = forms.CharField(label=_("What is the problem?"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label=_("Where (optional)"), max_length=200, required=False)
    photos = PhotosField()
    reporter_name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("Your phone (optional, to be told the result)"), max_length=20,
                                     required=False, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cls"].set_choices()


class TrackForm(StyledFormMixin, forms.Form):
    code = forms.CharField(label=_("Query code"), max_length=12, min_length=8, widget=forms.TextInput(attrs={
        "autocomplete": "off", "autocapitalize": "characters"}))


class RateForm(StyledFormMixin, forms.Form):
    rating = forms.TypedChoiceField(label=_("How satisfied are you with the result?"), coerce=int,
                                    choices=[(k, v) for k, v in Case.RATINGS.items()], widget=forms.RadioSelect)
    note = forms.CharField(label=_("Comment (optional)"), max_length=300, required=False)


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason (recorded in the audit log)"), min_length=2, max_length=200)
