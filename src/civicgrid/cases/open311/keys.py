"""The administrators' page for Open311 API keys (/open311/keys/): issue a key (shown once) and
revoke one. Needs ``cases.manage``; keys are stored as SHA-256 hashes only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicgrid.cases.capabilities import CASES_MANAGE
from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import UserError
from civicgrid.core.forms import StyledFormMixin

from .. import actions, queries


class KeyForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Client name"), max_length=100,
                           help_text=gettext_lazy("Who uses the key, e.g. the city app or a partner hotline."))
    area = forms.ChoiceField(label=gettext_lazy("Area"), required=False,
                             help_text=gettext_lazy("Requests filed with the key must lie inside this area."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(user)


def area_choices(user) -> list[tuple[str, str]]:
    """The districts and streets the user manages (and, with unlimited scope, "anywhere")."""
    from civicgrid.areas.models import Area
    from civicgrid.areas.queries import visible_areas

    areas = visible_areas(user, CASES_MANAGE).filter(level__in=[Area.Level.DISTRICT, Area.Level.STREET]) \
        .order_by("code").only("code", "name")[:500]
    anywhere = [("", _("anywhere"))] if user.scope_codes(CASES_MANAGE) is None else []
    return anywhere + [(a.code, f"{a.name} ({a.code})") for a in areas]


@never_cache
@capability_required(CASES_MANAGE)
def keys_page(request):
    """List the keys; a POST issues one and shows it on this answer only (never stored, never
    put in a message cookie or the session)."""
    form = KeyForm(request.POST or None, user=request.user)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            row, key = actions.do_issue_open311_key(actor=request.user, name=form.cleaned_data["name"],
                                                    area_code=form.cleaned_data["area"])
        except UserError as exc:
            form.add_error("area" if exc.field == "area" else "name", exc.message)
        else:
            issued = {"row": row, "key": key}
            form = KeyForm(user=request.user)
    keys = queries.visible_open311_keys(request.user)
    return render(request, "cases/open311_keys.html", {
        "form": form, "issued": issued, "keys": keys,
        "endpoint": request.build_absolute_uri("/open311/v2/"),
    })


@require_POST
@capability_required(CASES_MANAGE)
def revoke_key(request, pk: int):
    row = queries.access_open311_key(request.user, pk)
    if row.active:
        actions.do_revoke_open311_key(row, actor=request.user)
        messages.success(request, _("Key %(name)s (%(prefix)s…) revoked; clients using it now get 403.")
                         % {"name": row.name, "prefix": row.prefix})
    return redirect("open311:keys")
