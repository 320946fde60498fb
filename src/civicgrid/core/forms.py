"""Form helpers shared by every app: Bootstrap classes on widgets, errors marked invalid."""

from django import forms


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
