"""Core data: the append-only audit log and small shared counters."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditQuerySet(models.QuerySet):
    def delete(self):  # noqa: D401 - the audit trail is never thinned out by the application
        raise PermissionError("the audit log is append-only")

    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")


class AuditLog(models.Model):
    """Audit log (审计日志): one row per action, login and refused access. Never changed."""

    class Outcome(models.TextChoices):
        OK = "ok", _("succeeded")  # the action took effect
        DENIED = "denied", _("denied")  # refused: out of scope, role missing
        FAILED = "failed", _("failed")  # attempted but rejected (bad password, invalid input)
        LOCKED = "locked", _("locked out")  # refused because of repeated failures

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # The user name at the time, kept even if the account is renamed or removed.
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    area_code = models.CharField(_("jurisdiction code"), max_length=15, blank=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.OK)
    source_ip = models.GenericIPAddressField(_("source IP"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr} {self.outcome}"

    @property
    def action_label(self) -> str:
        """The action in words (``core.audit_labels``)."""
        from .audit_labels import action_label

        return action_label(self.action)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


class Counter(models.Model):
    """A named integer bumped inside transactions, e.g. the version of the grid boundaries.

    Processes compare it with the value their in-memory caches were built from.
    """

    name = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def next_serial(name: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers of the sequence ``name``; returns the first.

    Call inside a transaction: the row lock serialises concurrent callers, and a rolled-back
    transaction gives its numbers back.
    """
    from django.db import connection, transaction

    # One statement (UPDATE … RETURNING, PostgreSQL and SQLite ≥ 3.35): the row lock it takes is
    # held until the caller commits, so the fewer round trips before that, the shorter the queue.
    sql = (f"UPDATE {connection.ops.quote_name(Counter._meta.db_table)} SET value = value + %s "
           f"WHERE name = %s RETURNING value")
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, name])
        row = cursor.fetchone()
        if row is None:  # the first number of this sequence
            with transaction.atomic():
                Counter.objects.get_or_create(name=name)
            cursor.execute(sql, [count, name])
            row = cursor.fetchone()
    return row[0] - count + 1


# --- abstract bases of the domain models ----------------------------------------------------------
class ScopedQuerySet(models.QuerySet):
    """Rows that carry the area code of their place; ``restrict`` is the one jurisdiction filter."""

    def restrict(self, user, capability: str | None = None, field: str = "area_code"):
        from .scoping import restrict

        return restrict(self, user, field, capability)


class ScopedModel(models.Model):
    """Abstract: a row that belongs to a place in the area tree. ``area_code`` is the code of the
    smallest area it lies in (a grid for most records); a user sees it when one of their
    memberships' codes is a prefix of it (``Model.objects.restrict(user, capability)``)."""

    area_code = models.CharField(_("jurisdiction code"), max_length=15, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """Abstract: a record edited in place. ``version`` is bumped by every change (actions compare
    it with the version the user's form was built from: ``core.workflow.lock``)."""

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class CatalogueModel(models.Model):
    """Abstract: a row of a code list kept as data (event classes, service items, …)."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class KeyFingerprint(models.Model):
    """The fingerprint of the data key this database's personal data is encrypted with (one row).

    Checked at every start (``core.keycheck``): a missing or different key file stops the platform
    with a clear message instead of running on a key that decrypts nothing."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.value


class Notification(models.Model):
    """A message to one user that work has come to them or a deadline is near (站内通知): stored,
    read or unread. Written by ``core.notify.notify`` after the action's transaction commits; each
    user reads only their own (``core.notify.visible_notifications``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=50)  # "cases.dispatch", "cases.warn", "circle.apply", …
    title = models.CharField(_("title"), max_length=200)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.title}"
