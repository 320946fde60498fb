from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.core.forms import StyledFormMixin

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
    community = forms.CharField(label=_("community code"), max_length=12)
    name = forms.CharField(label=_("name"), max_length=150)
    credit_code = forms.CharField(label=_("unified social credit code"), max_length=18, required=False)
    contact_name = forms.CharField(label=_("contact person"), max_length=50)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=30)
    hotline = forms.CharField(label=_("service hotline"), max_length=30, required=False)
    manner = forms.CharField(label=_("manner of service"), max_length=300, required=False)
    items = forms.ModelMultipleChoiceField(label=_("service items"), queryset=ServiceItem.objects.all(),
                                           required=False, widget=forms.SelectMultiple(attrs={"size": 8}))


class ImportForm(StyledFormMixin, forms.Form):
    district = forms.CharField(label=_("district code"), max_length=6)
    file = forms.FileField(label=_("OpenStreetMap extract (.osm.pbf)"))
    facilities = forms.BooleanField(label=_("also import tagged facilities"), required=False, initial=True)
