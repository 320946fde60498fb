"""civicgrid cases — the case loop from the command line.

  civicgrid cases classes                 the event classes with their time limits
  civicgrid cases deadlines               run the deadline job now (warn, escalate, supervise)
  civicgrid cases show NUMBER             one case and its history
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from civicgrid.cases import actions
from civicgrid.cases.models import Case
from civicgrid.core.scoping import SYSTEM


class Command(BaseCommand):
    help = "Event classes, the deadline job and case histories."

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["classes", "deadlines", "show"])
        parser.add_argument("number", nargs="?")
        parser.add_argument("--language", default="zh-hans")

    def handle(self, *args, verb, number=None, language="zh-hans", **opts):
        with translation.override(language):
            if verb == "classes":
                for cls in actions.case_classes().order_by("kind", "code"):
                    self.stdout.write(f"{cls.code:6} {cls.get_kind_display():8} {cls.major}/{cls.name}  "
                                      f"{cls.limit_label()}  {cls.department or '-'}")
            elif verb == "deadlines":
                counts = actions.do_check_deadlines(actor=SYSTEM)
                self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
            else:
                case = Case.objects.filter(number=number or "").select_related("cls", "lead_unit").first()
                if case is None:
                    raise CommandError(f"no case {number!r}")
                self.stdout.write(f"{case.number} [{case.get_status_display()}] {case.cls} · {case.title}")
                self.stdout.write(f"  grid {case.area_code} · tier {case.get_tier_display()} {case.tier_code}"
                                  f" · lead {case.lead_unit or '-'} · deadline "
                                  f"{timezone.localtime(case.deadline):%Y-%m-%d %H:%M}" if case.deadline else "")
                for e in case.events.select_related("unit").order_by("at", "id"):
                    self.stdout.write(f"  {timezone.localtime(e.at):%Y-%m-%d %H:%M} {e.get_kind_display()} "
                                      f"{e.from_status}→{e.to_status} {e.actor_name or 'system'} "
                                      f"{e.unit or ''} {e.note}".rstrip())
