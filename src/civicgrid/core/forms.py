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
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
