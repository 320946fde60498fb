from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core.forms import StyledFormMixin

from .roles import ROLE_AREA_LEVELS, Role

PLACE_LIMIT = 3000  # areas or units offered in one drop-down


class LoginForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class MembershipForm(StyledFormMixin, forms.Form):
    """A role and where it holds: an area (district … grid) or, for the hotline centre's and the
    departments' posts, an organisational unit."""

    role = forms.ChoiceField(label=_("Role"))
    area = forms.TypedChoiceField(label=_("Area"), coerce=int, required=False, empty_value=None,
                                  help_text=_("For posts bound to an area: administrators, community and grid "
                                              "staff, supervisors, family doctors."))
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False, empty_value=None,
                                  help_text=_("For posts of a unit: hotline seats, shift leaders, dispatchers, "
                                              "department handlers."))

    def __init__(self, *args, roles=(), areas=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—")] + [(r, Role(r).label) for r in roles]
        self.fields["role"].widget.attrs["data-unit-roles"] = " ".join(
            r for r in roles if ROLE_AREA_LEVELS.get(r) is None)
        indent = {"district": "", "street": "· ", "community": "· · ", "grid": "· · · "}
        self.fields["area"].choices = [("", "—")] + [
            (a.pk, f"{indent.get(a.level, '')}{a.name} ({a.get_level_display()} {a.code})")
            for a in list(areas)[:PLACE_LIMIT]]
        self.fields["unit"].choices = [("", "—")] + [(u.pk, f"{u.name} ({u.get_kind_display()})")
                                                     for u in list(units)[:PLACE_LIMIT]]

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role:
            by_unit = ROLE_AREA_LEVELS.get(role) is None
            if by_unit and not data.get("unit"):
                self.add_error("unit", _("Choose the unit this post belongs to."))
            elif not by_unit and not data.get("area"):
                self.add_error("area", _("Choose the area this post covers."))
            elif by_unit:
                data["area"] = None
            else:
                data["unit"] = None
        return data


class StaffCreateForm(MembershipForm):
    """A new staff account with its first role; the password is generated and shown once."""

    username = forms.RegexField(label=_("User name"), max_length=150, regex=r"^[\w.@+-]+\Z",
                                help_text=_("Letters, digits and . @ + - _ only; used to log in."),
                                error_messages={"invalid": _("Use letters, digits and . @ + - _ only.")})
    display_name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    phone = forms.CharField(label=_("Work phone"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    field_order = ["username", "display_name", "phone", "role", "area", "unit"]


class OwnPasswordForm(StyledFormMixin, PasswordChangeForm):
    """Django's own form: the old password, then the new one twice, checked by the validators
    of AUTH_PASSWORD_VALIDATORS (length, not common, not like the user name, not all digits)."""
