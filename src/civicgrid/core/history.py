"""One append-only history base for every workflow object (cases, providers, people, …).

Each row says who (the user row and the name at the time), what (``kind``), from which state to
which, when, why (``note``) and where (``area_code``, so history is scoped like its object). Rows
are only ever added: the model and its querysets refuse to update or delete them, and on the
database a trigger refuses UPDATE (``AppendOnly`` in a migration), whoever connects.
"""

from __future__ import annotations

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(PermissionError, RuntimeError):
    """An attempt to change or remove a history row."""


class HistoryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")


class HistoryEvent(models.Model):
    """Abstract: one step in the life of an object. Subclasses add the foreign key to their object
    (and override ``kind`` with their choices)."""

    kind = models.CharField(_("what"), max_length=30)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    # The user name at the time, kept when the account is renamed or removed ("" for the system
    # or an anonymous resident).
    actor_name = models.CharField(_("who"), max_length=150, blank=True, default="")
    from_status = models.CharField(_("from"), max_length=20, blank=True, default="")
    to_status = models.CharField(_("to"), max_length=20, blank=True, default="")
    note = models.CharField(_("note"), max_length=1000, blank=True, default="")
    area_code = models.CharField(_("jurisdiction code"), max_length=15, db_index=True, blank=True, default="")

    objects = HistoryQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(f"{self._meta.label} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} is append-only")


def actor_fields(actor) -> dict:
    """``actor`` and ``actor_name`` of a history or audit row: the user row for a real user, the
    name for anyone authenticated (the SYSTEM actor has no row)."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return {
        "actor": actor if authenticated and getattr(actor, "pk", None) is not None else None,
        "actor_name": actor.get_username()[:150] if authenticated else "",
    }


def actor_name(actor) -> str:
    return actor_fields(actor)["actor_name"]


def actor_row(actor):
    """The user row of ``actor`` for a foreign key (None for the system or an anonymous visitor)."""
    return actor_fields(actor)["actor"]


# --- a migration operation: the database refuses UPDATE of a history table ------------------------
_SQLITE_UP = ("CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
              "BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;")
_SQLITE_DOWN = "DROP TRIGGER IF EXISTS {table}_no_update;"
_PG_UP = """
CREATE OR REPLACE FUNCTION core_history_refuse() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {table}_no_update ON {table};
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION core_history_refuse();
"""
_PG_DOWN = "DROP TRIGGER IF EXISTS {table}_no_update ON {table};"


def AppendOnly(table: str) -> migrations.RunPython:  # noqa: N802 - reads like an operation class
    """A migration operation installing the UPDATE-refusing trigger on ``table`` (SQLite and
    PostgreSQL; DELETE stays possible for the cascade of a removed object, which the application
    never does)."""

    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        sql = {"sqlite": _SQLITE_UP, "postgresql": _PG_UP}.get(vendor)
        if sql:
            schema_editor.execute(sql.format(table=table), params=None)

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        sql = {"sqlite": _SQLITE_DOWN, "postgresql": _PG_DOWN}.get(vendor)
        if sql:
            schema_editor.execute(sql.format(table=table), params=None)

    return migrations.RunPython(forwards, backwards, elidable=False)
