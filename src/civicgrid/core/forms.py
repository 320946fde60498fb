"""Form helpers shared by every app: Bootstrap classes on widgets, errors marked invalid."""

from django import forms
from django.utils.translation import gettext as _


class StyledFormMixin:
    """Give each widget Bootstrap's class for its kind; mark fields with errors ``is-invalid``.

    Render with ``{% include "civicgrid/form_fields.html" %}``, which writes label, widget,
    help text and each error (naming the field) for every visible field.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        from .text import refused_character, refused_message, without_controls

        # The text rule of ``core.text``: control characters removed, a lone surrogate refused beside
        # the field (Django's CharField refuses NUL already).
        for name, value in list(getattr(self, "cleaned_data", {}).items()):
            if isinstance(value, str) and name in self.fields:
                if refused_character(value) is not None:
                    self.add_error(name, refused_message(self.fields[name].label or name))
                else:
                    self.cleaned_data[name] = without_controls(value)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


_SEPARATORS = (":", "：", " ")


def without_field_name(message: str, names) -> str:
    """``message`` without a leading internal field name (``note: …``, ``note为必填项``, ``lon/lat（位置）：…``):
    a page shows the message beside the field, under its label, so the name adds nothing and
    would show the user a code. Names are tried longest first."""
    text = str(message).strip()
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        if text.startswith(name):
            rest = text[len(name):]
            if rest[:1] in _SEPARATORS:
                return rest.lstrip(":： ").strip() or text
            if rest[:1] and not rest[:1].isascii():  # "note为必填项": the Chinese sentence goes on
                return _("This field is required.") if rest.startswith("为必填项") else rest
    return text


def labelled(message: str, form) -> str:
    """Every internal field name of ``form`` written in ``message`` replaced by the field's label."""
    import re

    text = str(message)
    for name in sorted(form.fields, key=len, reverse=True):
        label = str(form.fields[name].label or name)
        text = re.sub(rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_])", label, text)
    return text


def add_action_error(form, exc) -> None:
    """Show an action's ``UserError`` beside the field it names, marked invalid, in words: the raw
    field name at its start dropped (the label is shown), any other field name turned into its
    label. An error of no field of the form goes above the form."""
    name = exc.field if exc.field in form.fields else None
    message = without_field_name(exc.message, [name]) if name else exc.message
    form.add_error(name, labelled(message, form))
    if name:
        widget = form.fields[name].widget
        if "is-invalid" not in widget.attrs.get("class", ""):
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
