from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.core.forms import StyledFormMixin
from civicgrid.core.idnumber import InvalidIdentifier, normalise_phone, validate_uscc

from .models import Facility, FacilityKind, ServiceItem


class FacilityForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=FacilityKind.choices)
    name = forms.CharField(label=_("name"), max_length=150)
    level = forms.ChoiceField(label=_("serves"), choices=Facility.Level.choices, initial=Facility.Level.COMMUNITY)
    lon = forms.FloatField(label=_("longitude"))
    lat = forms.FloatField(label=_("latitude"))
    area_m2 = forms.DecimalField(label=_("floor area (m²)"), required=False, min_value=0, decimal_places=1)
    capacity = forms.IntegerField(label=_("capacity (beds, seats)"), required=False, min_value=0)
    opening_hours = forms.CharField(label=_("opening hours"), max_length=100, required=False)
    operator = forms.CharField(label=_("operator"), max_length=150, required=False)
    offpeak_hours = forms.CharField(label=_("open to residents (off-peak)"), max_length=100, required=False,
                                    help_text=_("For a resident unit's facility opened at off-peak times."))
    services = forms.ModelMultipleChoiceField(label=_("services offered"), queryset=ServiceItem.objects.all(),
                                              required=False, widget=forms.SelectMultiple(attrs={"size": 8}))
    unit = forms.IntegerField(label=_("resident unit (organisation number)"), required=False, min_value=1)
    active = forms.BooleanField(label=_("in service"), required=False, initial=True)


class ApplyForm(StyledFormMixin, forms.Form):
    """A provider's application: the community chosen from the list, the credit code and the phones
    checked here (GB 32100 check character; digits) so that errors show beside their fields."""

    community = forms.ChoiceField(label=_("community"))
    name = forms.CharField(label=_("name"), max_length=150)
    credit_code = forms.CharField(label=_("unified social credit code"), max_length=18, required=False,
                                  help_text=_("18 characters, on the business licence."),
                                  widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}))
    contact_name = forms.CharField(label=_("contact person"), max_length=50)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=30,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    hotline = forms.CharField(label=_("service hotline"), max_length=30, required=False,
                              widget=forms.TextInput(attrs={"inputmode": "tel"}))
    manner = forms.CharField(label=_("manner of service"), max_length=300, required=False)
    items = forms.ModelMultipleChoiceField(label=_("service items"), queryset=ServiceItem.objects.all(),
                                           required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for c in communities:
            street = c.parent.name if c.parent_id else ""
            groups.setdefault(street, []).append((c.code, c.name))
        self.fields["community"].choices = [("", _("— choose the community —"))] + list(groups.items())

    def item_groups(self):
        """The service items as checkboxes grouped by category, for the collapsible picker."""
        chosen = {str(v) for v in (self["items"].value() or [])}
        by_category: dict = {}
        for item in ServiceItem.objects.select_related("category").order_by("code"):
            by_category.setdefault(item.category, []).append({"item": item, "checked": str(item.pk) in chosen})
        return [{"category": cat, "items": items, "checked": sum(i["checked"] for i in items)}
                for cat, items in by_category.items()]

    def clean_credit_code(self):
        value = self.cleaned_data["credit_code"].strip()
        if not value:
            return ""
        try:
            return validate_uscc(value)
        except InvalidIdentifier as exc:
            raise forms.ValidationError(str(exc))

    def _phone(self, name):
        value = self.cleaned_data[name].strip()
        if not value:
            return ""
        try:
            return normalise_phone(value)
        except InvalidIdentifier as exc:
            raise forms.ValidationError(str(exc))

    def clean_contact_phone(self):
        return self._phone("contact_phone")

    def clean_hotline(self):
        return self._phone("hotline")


class ImportForm(StyledFormMixin, forms.Form):
    district = forms.CharField(label=_("district code"), max_length=6)
    file = forms.FileField(label=_("OpenStreetMap extract (.osm.pbf)"))
    facilities = forms.BooleanField(label=_("also import tagged facilities"), required=False, initial=True)
