"""A person's record as the core kit's state machine: living here (active) until they move out of the
jurisdiction or die; every other change (registration, an edit, a household joined or left, a move
inside the jurisdiction, tags) is an event of the person's history without a change of state."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicgrid.core.workflow import Step, Workflow

from .capabilities import REGISTRY_EDIT
from .models import Person, PersonEvent

S, K = Person.Status, PersonEvent.Kind

PERSON_FLOW = Workflow(
    Person, history=PersonEvent, parent="person", audit_prefix="registry.person",
    stale=_("Someone else changed this person meanwhile; reload and try again."),
    steps=[
        Step("moved_out", {S.ACTIVE}, S.MOVED_OUT, K.MOVED_OUT, REGISTRY_EDIT, label=_("moved out"),
             conflict=_("This person is no longer registered as living here.")),
        Step("deceased", {S.ACTIVE}, S.DECEASED, K.DECEASED, REGISTRY_EDIT, label=_("deceased"),
             conflict=_("This person is no longer registered as living here.")),
        # A move inside the jurisdiction brings a person who had left back to living here.
        Step("move", (), S.ACTIVE, K.MOVED, REGISTRY_EDIT, label=_("moved within the jurisdiction")),
    ],
)
