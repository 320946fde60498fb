from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core.forms import StyledFormMixin

from .models import ImportBatch, Person, PersonTag


class PersonForm(StyledFormMixin, forms.Form):
    """Register or edit a person; the rules live in ``people.prepare_person`` (shared with imports)."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    id_type = forms.ChoiceField(label=_("ID type"), choices=Person.IdType.choices, initial=Person.IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    residence = forms.ChoiceField(label=_("Residence type"), choices=Person.Residence.choices)
    building = forms.IntegerField(label=_("Building"), widget=forms.Select)
    house = forms.TypedChoiceField(label=_("Room"), coerce=int, required=False, empty_value=None,
                                   help_text=_("The registered room (house) of the building, if any."))
    household = forms.ChoiceField(label=_("Household"), required=False)
    relation = forms.CharField(label=_("Relation to the head"), max_length=20, required=False)
    tags = forms.MultipleChoiceField(label=_("Service groups"), choices=PersonTag.Tag.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    NEW_HOUSEHOLD = "new"

    def __init__(self, *args, buildings=(), houses=(), households=(), editing=False, places_url="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].widget.choices = [("", "—")] + [(b.pk, b.address) for b in buildings]
        # The room and household lists follow the chosen building (htmx swaps them in).
        self.fields["building"].widget.attrs.update({
            "hx-get": places_url, "hx-target": "#person-places", "hx-trigger": "change",
            "hx-include": "this", "hx-swap": "innerHTML"})
        self.fields["house"].choices = [("", "—")] + [(h.pk, _("%(unit)s entrance, room %(number)s") % {
            "unit": h.unit, "number": h.number}) for h in houses]
        self.fields["household"].choices = [
            ("", _("— not in a household —")), (self.NEW_HOUSEHOLD, _("a new household, this person its head"))] + [
            (str(h.pk), _("household %(number)s (head: %(head)s)") % {"number": h.number, "head": h.head or "—"})
            for h in households]
        if editing:
            for name in ("building", "house", "household"):
                del self.fields[name]  # moving and joining a household are their own actions
            self.fields["id_number"].help_text = _("Leave empty to keep the registered number.")
            self.fields["phone"].help_text = _("Leave empty to keep the registered phone.")


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason (recorded in the audit log)"), min_length=2, max_length=200)


class AddressMatchForm(StyledFormMixin, forms.Form):
    """The address as a hotline seat or grid worker types it (門牌, 楼栋, units and rooms allowed)."""

    q = forms.CharField(label=_("Address"), min_length=2, max_length=200, widget=forms.TextInput(attrs={
        "type": "search", "autocomplete": "off", "enterkeyhint": "search", "autofocus": True,
    }))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("e.g. %(address)s") % {"address": "文三街6号枫丹新村1幢 2单元301"}


class ImportForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Ledger of"), choices=ImportBatch.Kind.choices)
    file = forms.FileField(label=_("File (.xlsx or .csv)"), widget=forms.ClearableFileInput(attrs={
        "accept": ".xlsx,.csv"}))
