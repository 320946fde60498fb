"""Indicator values cached per lowest area × period, the refresh runs, and targets with their source."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import ScopedModel, VersionedModel


class IndicatorValue(ScopedModel):
    """Numerator and denominator of one indicator in one lowest area (a grid for most) and period.
    Levels above add them up (Σ ÷ Σ). Written only by the refresh (``actions.do_refresh``)."""

    indicator = models.CharField(_("indicator"), max_length=60)
    period = models.CharField(_("period"), max_length=24)  # core.periods code: 2025, 2025S1, 2025Q3, 202509
    kind = models.CharField(_("period kind"), max_length=8)
    numerator = models.FloatField(_("numerator"), default=0)
    denominator = models.FloatField(_("denominator"), default=0)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [models.UniqueConstraint(fields=["indicator", "period", "area_code"], name="stats_value_once")]
        indexes = [models.Index(fields=["period", "area_code"], name="stats_value_period_area")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period} {self.area_code} {self.numerator}/{self.denominator}"


class RefreshRun(models.Model):
    """One refresh of the cache: full (every indicator, period and area) or incremental (the areas
    the audit log shows touched since the last run)."""

    class Kind(models.TextChoices):
        FULL = "full", _("full")
        INCREMENTAL = "incremental", _("incremental")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    periods = models.PositiveIntegerField(_("periods"), default=0)
    prefixes = models.JSONField(_("areas refreshed"), default=list, blank=True)
    values = models.PositiveIntegerField(_("values written"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        verbose_name = _("refresh run")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class Target(ScopedModel, VersionedModel):
    """A target of an indicator for an area and everything below it (unless a lower area has its
    own), for a period (``2025``, ``2025Q2``) or, with no period, for the plan's horizon. Its
    source says where it comes from: the seed document and the phrase, or a plan document. The
    quarterly breakdown (季度分解表) of a year's target are targets of the quarters with
    ``breakdown_of`` pointing to it. ``area_code`` empty: the whole deployment (the city)."""

    indicator = models.CharField(_("indicator"), max_length=60)
    area_code = models.CharField(_("jurisdiction code"), max_length=15, db_index=True, blank=True)
    period = models.CharField(_("period"), max_length=24, blank=True)
    horizon = models.CharField(_("horizon"), max_length=50, blank=True)  # "十三五末 (2020)"
    value = models.FloatField(_("target"))
    source = models.CharField(_("source document"), max_length=200)
    phrase = models.CharField(_("phrase"), max_length=500, blank=True)
    breakdown_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="breakdown", verbose_name=_("breakdown of"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    seeded = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["indicator", "area_code", "period"]
        constraints = [models.UniqueConstraint(fields=["indicator", "area_code", "period"], name="stats_target_once")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.area_code or '*'} {self.period or self.horizon} {self.value}"
