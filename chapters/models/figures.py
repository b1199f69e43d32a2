from django.db import models
from simple_history.models import HistoricalRecords

from core.years import YEAR_VALIDATORS

from .tree import Unit


class BaselineFigure(models.Model):
    """A unit's own yearly figures of its area. A unit without its own entry takes the sum of its children's."""

    FIELDS = ["population", "households", "adults", "party_members", "residential_groups", "clans", "agencies"]

    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="baseline_figures", db_index=False
    )
    year = models.PositiveSmallIntegerField("năm", validators=YEAR_VALIDATORS)
    population = models.PositiveBigIntegerField("dân số", null=True, blank=True)
    households = models.PositiveBigIntegerField("số hộ gia đình", null=True, blank=True)
    adults = models.PositiveBigIntegerField("số người trưởng thành", null=True, blank=True)
    party_members = models.PositiveBigIntegerField("số đảng viên", null=True, blank=True)
    residential_groups = models.PositiveIntegerField("số thôn, tổ dân phố", null=True, blank=True)
    clans = models.PositiveIntegerField("số dòng họ", null=True, blank=True)
    agencies = models.PositiveIntegerField("số cơ quan, đơn vị, trường học", null=True, blank=True)
    notes = models.CharField("ghi chú", max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "số liệu nền"
        verbose_name_plural = "số liệu nền"
        ordering = ["unit", "-year"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="baseline_unique_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit} – {self.year}"

    period_field = "year"  # the field a closed-year or closed-unit message belongs to

    def period_keys(self):
        return [(self.unit, self.year)]


class Summary(models.Model):
    """One figure of one unit's own facts in one period (design.md §3). Roll-ups are summed at read time."""

    class Period(models.TextChoices):
        YEAR = "Y", "Cả năm"
        H1 = "H1", "6 tháng đầu năm"
        H2 = "H2", "6 tháng cuối năm"

    # Indexed as the first column of `summary_unique`: a second index on it only slowed every write.
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="summaries", db_index=False)
    year = models.PositiveSmallIntegerField()
    period = models.CharField(max_length=2, choices=Period.choices)
    figure = models.CharField(max_length=80)
    value = models.BigIntegerField()
    computed_at = models.DateTimeField(null=True, blank=True, help_text="When the facts were last summed.")

    class Meta:
        verbose_name = "số liệu tổng hợp"
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "period", "figure"], name="summary_unique"),
        ]
        indexes = [models.Index(fields=["year", "period", "figure"], name="summary_period_figure")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}{self.period} {self.figure}={self.value}"


class CommuneTotal(models.Model):
    """A commune's rolled-up figures (its whole subtree) for one year, on one tree as asked for one period
    (`as_of`, e.g. "2025:Y"): the province's and the nation's roll-ups add these instead of every chapter's rows
    (chapters.summaries). Refreshed with the summaries; `digest` names the commune's part of the tree they were
    summed over, and a reader uses them only when its own tree has the same part. A row with figure "" marks a
    commune that is stored (all its figures may be zero)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    tree = models.CharField(max_length=5)
    as_of = models.CharField(max_length=24)
    year = models.PositiveSmallIntegerField()
    period = models.CharField(max_length=2)
    figure = models.CharField(max_length=80)
    value = models.BigIntegerField()
    digest = models.CharField(max_length=24)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "số liệu cộng dồn của xã"
        indexes = [models.Index(fields=["tree", "as_of", "unit", "year"], name="communetotal_lookup")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.tree} {self.as_of} {self.year}{self.period} {self.figure}={self.value}"


class CommuneTotalPending(models.Model):
    """A commune whose stored totals (`CommuneTotal`) no longer match its units' summaries. Written in the same
    transaction as the summaries that made them stale, deleted by the refresh that sums them again (in the
    background, chapters.summaries.commune_totals_drain); a reader never uses a pending commune's stored totals,
    so no screen shows figures older than its summaries, however late the refresh runs."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "xã chờ cộng dồn lại"

    def __str__(self) -> str:
        return f"{self.unit_id} {self.queued_at:%Y-%m-%d %H:%M:%S}"


class SummaryGeneration(models.Model):
    """One row: the token that names this database's cached roll-ups (chapters.summaries).

    The cache is shared (Redis) and outlives a database: a restored backup, a test database, a rebuilt summary
    table each get a new token, so no roll-up cached for other data is ever read back.
    """

    token = models.UUIDField()
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "thế hệ số liệu tổng hợp"

    def __str__(self) -> str:
        return str(self.token)
