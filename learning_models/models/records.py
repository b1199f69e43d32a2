"""A title record: one subject's registration for one title in one year, its scores and the decision on it."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from chapters.models import Unit
from core.text import fold, nfc, sort_key
from core.years import YEAR_VALIDATORS

from .catalogue import CriteriaSet, TitleType


class TitleRecordQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(year=year)

    def holding(self, year: int):
        """Records whose recognition is valid in `year` (a 3-year unit title counts in each of its years)."""
        return self.filter(status=TitleRecord.Status.RECOGNISED, year__lte=year, valid_until_year__gte=year)

    def ordered(self):
        return self.order_by("sort_key", "pk")


class TitleRecord(models.Model):
    """Registration → self-assessment → review at the chapter → proposal by the commune → recognition or refusal.

    Scores live on the record (a JSON object criterion code → points, checked against the criteria set), so a
    score without a registration cannot exist. A recognised or refused record is locked: only an officer's
    recorded unlock opens it again.
    """

    class Status(models.TextChoices):
        REGISTERED = "registered", "Đã đăng ký"
        SELF_ASSESSED = "self_assessed", "Đã tự chấm điểm"
        REVIEWED = "reviewed", "Chi hội đã bình xét"
        PROPOSED = "proposed", "Hội xã đã đề nghị"
        RECOGNISED = "recognised", "Được công nhận"
        REFUSED = "refused", "Không được công nhận"

    class Level(models.IntegerChoices):
        ONE = 1, "Mức 1"
        TWO = 2, "Mức 2"

    title_type = models.ForeignKey(
        TitleType, verbose_name="danh hiệu", on_delete=models.PROTECT, related_name="records", db_index=False
    )
    year = models.PositiveSmallIntegerField("năm", validators=YEAR_VALIDATORS)
    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name="bộ tiêu chí", on_delete=models.PROTECT, related_name="records"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="thuộc đơn vị",
        on_delete=models.PROTECT,
        related_name="title_records",
        help_text="Chi hội của hộ gia đình, dòng họ, cá nhân; chính đơn vị với danh hiệu của đơn vị.",
        db_index=False,
    )
    household = models.ForeignKey(
        "members.Household",
        verbose_name="hộ gia đình",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="title_records",
    )
    clan = models.ForeignKey(
        "members.Clan",
        verbose_name="dòng họ",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="title_records",
    )
    subject_unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", null=True, blank=True, on_delete=models.PROTECT, related_name="titles_held"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name="hội viên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="title_records",
    )
    subject_name = models.CharField(
        "tên", max_length=255, help_text="Chủ hộ, tên dòng họ, tên đơn vị hoặc họ tên cá nhân, như in trên giấy."
    )
    subject_key = models.CharField(max_length=300, editable=False, default="")
    sort_key = models.CharField(max_length=600, editable=False, default="")
    search_key = models.CharField(max_length=255, editable=False, default="")
    registered_on = models.DateField("ngày đăng ký")
    status = models.CharField("trạng thái", max_length=20, choices=Status.choices, default=Status.REGISTERED)
    scores = models.JSONField("điểm", default=dict, blank=True)
    total = models.DecimalField("tổng điểm", max_digits=6, decimal_places=1, null=True, blank=True)
    evidence = models.TextField("minh chứng, ghi chú", blank=True)
    review_date = models.DateField("ngày họp bình xét", null=True, blank=True)
    review_note = models.CharField("biên bản bình xét", max_length=255, blank=True)
    proposed_on = models.DateField("ngày đề nghị", null=True, blank=True)
    level = models.PositiveSmallIntegerField("mức", choices=Level.choices, null=True, blank=True)
    decision_number = models.CharField("số quyết định", max_length=60, blank=True)
    decision_date = models.DateField("ngày quyết định", null=True, blank=True)
    decision_issuer = models.CharField("cơ quan ra quyết định", max_length=255, blank=True)
    valid_until_year = models.PositiveSmallIntegerField("hiệu lực đến năm", null=True, blank=True)
    refusal_reason = models.CharField("lý do không công nhận", max_length=500, blank=True)
    locked = models.BooleanField("đã khóa", default=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["sort_key", "search_key", "subject_key"])

    objects = TitleRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "hồ sơ danh hiệu"
        verbose_name_plural = "hồ sơ danh hiệu"
        ordering = ["sort_key", "pk"]
        indexes = [
            models.Index(fields=["unit", "year", "title_type", "sort_key"], name="titlerecord_unit_table"),
            models.Index(fields=["title_type", "year", "status"], name="titlerecord_type_year"),
            models.Index(fields=["decision_number"], name="titlerecord_decision"),
        ]
        constraints = [
            # One key for every kind of subject ("h12", "c3", "u45", "m6", "p45:nguyen van an"), so that the
            # rule "one record per subject, title and year" is a plain unique index that imports check in bulk.
            models.UniqueConstraint(
                fields=["title_type", "year", "subject_key"],
                name="titlerecord_unique_subject",
                violation_error_message="Đối tượng này đã đăng ký danh hiệu này trong năm.",
            ),
            models.CheckConstraint(
                # At most one of household, clan and unit (written as two ORs: cheap to check in bulk).
                condition=(Q(household__isnull=True) | Q(clan__isnull=True, subject_unit__isnull=True))
                & (Q(clan__isnull=True) | Q(subject_unit__isnull=True)),
                name="titlerecord_one_subject",
                violation_error_message="Một hồ sơ chỉ thuộc về một đối tượng.",
            ),
            models.CheckConstraint(
                condition=~Q(status="recognised") | ~Q(decision_number=""),
                name="titlerecord_recognised_has_decision",
                violation_error_message="Hồ sơ được công nhận phải có số quyết định.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} – {self.title_type} {self.year}"

    def save(self, *args, **kwargs):
        self.prepare()
        super().save(*args, **kwargs)

    period_field = "year"  # the field a closed-year or closed-unit message belongs to

    def period_keys(self):
        return [(self.unit, self.year)]

    @property
    def subject_kind(self) -> str:
        if self.household_id:
            return TitleType.Subject.HOUSEHOLD
        if self.clan_id:
            return TitleType.Subject.CLAN
        if self.subject_unit_id:
            return TitleType.Subject.UNIT
        return TitleType.Subject.PERSON

    def prepare(self, *, name_sort_key: str | None = None) -> None:
        """Derived columns (bulk writes call this themselves, since they bypass save()). An import passes the
        household's own sort key (the same function of the same name) to spare computing it again."""
        self.subject_name = nfc(self.subject_name)
        self.search_key = fold(self.subject_name)[:255]
        self.subject_key = self.key_for(
            household_id=self.household_id,
            clan_id=self.clan_id,
            subject_unit_id=self.subject_unit_id,
            member_id=self.member_id,
            unit_id=self.unit_id,
            name=self.subject_name,
        )
        if name_sort_key is not None:
            self.sort_key = name_sort_key[:600]
        elif self.household_id or self.member_id or not (self.clan_id or self.subject_unit_id):
            self.sort_key = sort_key(self.subject_name)[:600]  # people: by given name
        else:
            self.sort_key = sort_key(" ".join(reversed(self.subject_name.split())))[:600]  # in reading order

    @staticmethod
    def key_for(*, household_id=None, clan_id=None, subject_unit_id=None, member_id=None, unit_id=None, name=""):
        if household_id:
            return f"h{household_id}"
        if clan_id:
            return f"c{clan_id}"
        if subject_unit_id:
            return f"u{subject_unit_id}"
        if member_id:
            return f"m{member_id}"
        return f"p{unit_id}:{fold(name)}"[:300]

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.RECOGNISED, self.Status.REFUSED)

    @property
    def status_badge(self) -> str:
        return {
            self.Status.RECOGNISED: "ok",
            self.Status.REFUSED: "bad",
            self.Status.PROPOSED: "warn",
            self.Status.REVIEWED: "warn",
        }.get(self.status, "")
