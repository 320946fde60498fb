"""Indicator values cached per lowest area × period, the refresh runs, and targets with their source."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.core.history import HistoryEvent
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


class IndicatorRollup(models.Model):
    """Σ numerators and Σ denominators of the cached rows under an area-code prefix — the codes of
    the levels above the grid (4 digits: a city's, 6: district, 9: street, 12: community) — per
    indicator and period. Written with the rows they add up, in the same transaction
    (``actions._replace``), so a city's dashboard reads one row per figure instead of adding up
    its ten thousand grids' rows."""

    indicator = models.CharField(_("indicator"), max_length=60)
    period = models.CharField(_("period"), max_length=24)
    prefix = models.CharField(_("area code prefix"), max_length=15)
    digits = models.PositiveSmallIntegerField(_("digits"))  # len(prefix): a level of the tree
    numerator = models.FloatField(_("numerator"), default=0)
    denominator = models.FloatField(_("denominator"), default=0)

    class Meta:
        verbose_name = _("indicator roll-up")
        constraints = [models.UniqueConstraint(fields=["indicator", "period", "prefix"], name="stats_rollup_once")]
        indexes = [models.Index(fields=["prefix", "period"], name="stats_rollup_prefix_period"),
                   models.Index(fields=["period", "digits", "prefix"], name="stats_rollup_children")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period} {self.prefix}* {self.numerator}/{self.denominator}"


ROLLUP_DIGITS = (4, 6, 9, 12)


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


# --- report forms (报表) ---------------------------------------------------------------------------
class ReportTemplate(models.Model):
    """A report form: its cells (indicators filled from the data, or entries typed in), the period
    it covers (half-year, year…), the area level that fills it and its due rule: ``due_days`` after
    the period's last day (0: by the last day, e.g. S1 by 30 June)."""

    class PeriodKind(models.TextChoices):
        YEAR = "year", _("year")
        HALF = "half", _("half-year")
        QUARTER = "quarter", _("quarter")
        MONTH = "month", _("month")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    level = models.CharField(_("filled by the level"), max_length=10)  # an Area.level value
    due_days = models.SmallIntegerField(_("due, days after the period's last day"), default=0)
    source = models.CharField(_("source document"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    owner_code = models.CharField(_("defined by the area"), max_length=15, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ReportCell(models.Model):
    """One line of a report form: an indicator (filled from the cache) or an entry typed in."""

    class Kind(models.TextChoices):
        INDICATOR = "indicator", _("indicator")
        NUMBER = "number", _("number entered")
        TEXT = "text", _("text entered")

    template = models.ForeignKey(ReportTemplate, on_delete=models.CASCADE, related_name="cells")
    position = models.PositiveSmallIntegerField(_("position"))
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    indicator = models.CharField(_("indicator"), max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        ordering = ["template", "position"]
        constraints = [models.UniqueConstraint(fields=["template", "position"], name="stats_cell_once")]

    def __str__(self) -> str:
        return self.label


class ReportInstance(ScopedModel, VersionedModel):
    """A report form of one area for one period, on ``rules.REPORT_FLOW``."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        RETURNED = "returned", _("returned")

    template = models.ForeignKey(ReportTemplate, on_delete=models.PROTECT, related_name="instances")
    period = models.CharField(_("period"), max_length=24)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED,
                              db_index=True)
    due_date = models.DateField(_("due"))
    reviewer_code = models.CharField(_("reviewed by the area"), max_length=15, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    late = models.BooleanField(_("late"), default=False)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("review comments"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["template", "period", "area_code"]
        constraints = [models.UniqueConstraint(fields=["template", "period", "area_code"], name="stats_report_once")]

    def __str__(self) -> str:
        return f"{self.template} {self.period} {self.area_code}"


class ReportValue(models.Model):
    instance = models.ForeignKey(ReportInstance, on_delete=models.CASCADE, related_name="values")
    cell = models.ForeignKey(ReportCell, on_delete=models.PROTECT, related_name="+")
    number = models.FloatField(null=True, blank=True)
    text = models.CharField(max_length=500, blank=True)
    auto = models.BooleanField(default=False)  # filled from the indicator cache

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "cell"], name="stats_value_cell_once")]

    def __str__(self) -> str:
        return f"{self.cell_id}: {self.number if self.text == '' else self.text}"


class ReportEvent(HistoryEvent):
    """The history of a report: filled, edited, submitted, accepted, returned, unlocked."""

    class Kind(models.TextChoices):
        FILLED = "filled", _("filled from the data")
        EDITED = "edited", _("edited")
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        RETURNED = "returned", _("returned with comments")
        UNLOCKED = "unlocked", _("unlocked")

    instance = models.ForeignKey(ReportInstance, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)

    class Meta:
        ordering = ["at", "id"]


# --- assessment (考核) -----------------------------------------------------------------------------
class AssessmentScheme(models.Model):
    """A scoring standard (考核评分标准) as data: the areas of one level assessed per period by
    weighted rules over indicators; funding = base × score ÷ 100 + per person × the persons served
    (an indicator) × the period's share of a year."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    period_kind = models.CharField(_("period"), max_length=8, choices=ReportTemplate.PeriodKind.choices)
    level = models.CharField(_("assessed level"), max_length=10)
    base_funding = models.FloatField(_("base funding (yuan)"), default=0)
    per_person = models.FloatField(_("funding per person served and year (yuan)"), default=0)
    persons_indicator = models.CharField(_("persons served (indicator)"), max_length=60, blank=True)
    source = models.CharField(_("source document"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    owner_code = models.CharField(_("defined by the area"), max_length=15, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("assessment scheme")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class AssessmentRule(models.Model):
    """One scored indicator: its weight and rule — ``target``: the share of the target reached
    (capped at 1; for a lower-is-better indicator target ÷ value), ``band``: 0 at ``low``, full at
    ``high``, linear between."""

    class Rule(models.TextChoices):
        TARGET = "target", _("share of the target reached")
        BAND = "band", _("linear between two values")

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="rules")
    indicator = models.CharField(_("indicator"), max_length=60)
    weight = models.FloatField(_("weight"))
    rule = models.CharField(_("rule"), max_length=8, choices=Rule.choices, default=Rule.TARGET)
    low = models.FloatField(_("no points at"), null=True, blank=True)
    high = models.FloatField(_("full points at"), null=True, blank=True)

    class Meta:
        ordering = ["scheme", "id"]

    def __str__(self) -> str:
        return f"{self.indicator} × {self.weight}"


class AssessmentResult(ScopedModel):
    """The score, grade and funding of one area in one period; shown to the area once published."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.PROTECT, related_name="results")
    period = models.CharField(_("period"), max_length=24)
    score = models.FloatField(_("score"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, blank=True)
    funding = models.FloatField(_("funding (yuan)"), default=0)
    detail = models.JSONField(default=list, blank=True)  # per rule: indicator, value, target, points
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment result")
        ordering = ["scheme", "period", "area_code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "period", "area_code"], name="stats_result_once")]

    def __str__(self) -> str:
        return f"{self.scheme} {self.period} {self.area_code} {self.score}"


# --- surveys (问卷) ----------------------------------------------------------------------------------
class Survey(models.Model):
    """A questionnaire for what the data cannot count (知晓率, 满意率), answered by residents and
    recorded by staff; its rates per area are indicators (``stats.survey_awareness``, …)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source document"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    owner_code = models.CharField(_("defined by the area"), max_length=15, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("survey")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        AWARENESS = "awareness", _("knows (yes/no)")  # 知晓: yes counts
        SATISFACTION = "satisfaction", _("satisfaction (1–5)")  # 非常满意 1 … 非常不满意 5; 1–3 count

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)

    class Meta:
        ordering = ["survey", "position"]
        constraints = [models.UniqueConstraint(fields=["survey", "position"], name="stats_question_once")]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(ScopedModel):
    """One resident's answers, recorded in their grid: {question position: answer}."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    answers = models.JSONField(default=dict)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("survey response")
        ordering = ["-recorded_at", "-id"]
