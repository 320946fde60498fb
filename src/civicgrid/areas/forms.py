from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.core.forms import StyledFormMixin

from .models import Area


class AreaEditForm(StyledFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Urban or rural"), choices=Area.Kind.choices)
    responsible_name = forms.CharField(label=_("Responsible person"), max_length=50, required=False)
    responsible_phone = forms.RegexField(
        label=_("Work phone"), max_length=30, required=False, regex=r"^[0-9+\- ]*$",
        error_messages={"invalid": _("Only digits, spaces, + and - are allowed.")},
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("GeoJSON file"), help_text=_("A FeatureCollection with code and name properties."))
    dry_run = forms.BooleanField(label=_("Check only, do not save"), required=False, initial=True)
    allow_violations = forms.BooleanField(
        label=_("Save even with overlaps or gaps (they stay listed in the checks)"), required=False
    )

    MAX_BYTES = 50 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


class LookupForm(forms.Form):
    points = forms.CharField(
        label=_("Points"),
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "120.1234,30.2567\nA-17,120.1301,30.2611"}),
        help_text=_("One point per line: longitude,latitude — or id,longitude,latitude. At most 10,000 lines."),
    )

    def clean_points(self):
        lines = [ln.strip() for ln in self.cleaned_data["points"].splitlines() if ln.strip()]
        if len(lines) > 10_000:
            raise forms.ValidationError(_("At most 10,000 lines."))
        points = []
        for number, line in enumerate(lines, start=1):
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            ident = parts.pop(0) if len(parts) == 3 else str(number)
            try:
                lon, lat = float(parts[0]), float(parts[1])
                if len(parts) != 2 or not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ValueError
            except (ValueError, IndexError):
                raise forms.ValidationError(
                    _("Line %(n)s: write longitude,latitude in degrees (longitude −180…180, latitude −90…90).")
                    % {"n": number}
                )
            points.append((ident, lon, lat))
        return points
