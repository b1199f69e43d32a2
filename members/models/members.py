"""Members, their memberships of units over time, their yearly dues and move requests (domain.md §3)."""

import datetime
import re
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from chapters.models import Unit
from core import years
from core.text import fold, nfc, sort_key

from .facts import DatedFactsMixin

MIN_BIRTH_YEAR = 1900
PHONE_RE = re.compile(r"^[0-9+ .]+$")
ERASED_NAME = "Đã xóa dữ liệu cá nhân"


def digits(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isdigit())


@lru_cache(maxsize=50_000)
def name_keys(full_name: str) -> tuple[str, str]:
    """(accent-free key, Vietnamese sort key) of a name; cached, as a list repeats the same names many times."""
    return fold(full_name)[:150], sort_key(full_name)[:600]


def member_search_key(full_name: str, phone: str = "", card_number: str = "") -> str:
    """One accent-free key for the list search: the name, then the phone digits and the card number."""
    parts = [name_keys(full_name)[0]]
    if phone:
        parts.append(digits(phone))
    if card_number:
        parts.append(card_number.lower())
    return " | ".join(parts)


class MemberQuerySet(models.QuerySet):
    def search(self, text: str):
        """Name without accents ("nguyen van duc"), phone digits ("0912 345") or card number ("HN-0123")."""
        key = fold(text)
        if not key:
            return self
        if PHONE_RE.match(key) and len(digits(key)) >= 3:
            return self.filter(search_key__contains=digits(key))
        if any(ch.isdigit() for ch in key) and " " not in key:
            # Letters and digits in one word: a card number, found by its beginning (an indexed prefix).
            return self.filter(card_number__startswith=nfc(text).upper())
        return self.filter(search_key__contains=key)

    def on(self, day: datetime.date):
        """Members of the association on `day` (joined on or before it, not yet left)."""
        return self.filter(joined_on__lte=day).filter(Q(left_on__isnull=True) | Q(left_on__gt=day))

    def current(self):
        return self.filter(left_on__isnull=True)

    def holding_cards(self, scope: str, numbers) -> "MemberQuerySet":
        """Members holding one of the card `numbers` in the province whose path is `scope`, unordered. By the
        card scope, the key of the unique constraint that defines a clash, not by the units' paths: PostgreSQL reads
        the matches through the card-number index alone. Their units are best read after them (`prefetch_related`):
        joined, PostgreSQL hashes every unit of the tree first (~7 ms per probe on a province)."""
        return self.filter(card_scope=scope, card_number__any=list(numbers)).order_by()

    def ordered(self):
        return self.order_by("sort_key", "pk")


class Member(DatedFactsMixin, models.Model):
    """A member of the association. Leaving keeps the record (left_on, left_reason); counts at any date come
    from her memberships (Membership), of which `unit` mirrors the current (or last) one."""

    class Gender(models.TextChoices):
        MALE = "M", "Nam"
        FEMALE = "F", "Nữ"

    class LeftReason(models.TextChoices):
        MOVED_AWAY = "moved_away", "Chuyển đi nơi khác"
        LEFT = "left", "Thôi sinh hoạt, xin ra hội"
        DECEASED = "deceased", "Từ trần"

    class Status(models.TextChoices):
        ACTIVE = "active", "Đang sinh hoạt"
        MOVED_AWAY = "moved_away", "Đã chuyển đi"
        LEFT = "left", "Đã ra hội"
        DECEASED = "deceased", "Đã từ trần"

    # No index of its own on the foreign keys below that lead a composite index or unique constraint of their model
    # (member_unit_sort; membership_member, membership_unit_since; due_unique_member_year, due_unit_year): those serve
    # every look-up by the key and the deletion checks, and each extra index was written for every row a file adds.
    unit = models.ForeignKey(
        Unit,
        verbose_name="chi hội",
        on_delete=models.PROTECT,
        related_name="members",
        help_text="Chi hội, ban khuyến học hoặc tổ hội nơi hội viên sinh hoạt.",
        db_index=False,
    )
    full_name = models.CharField("họ và tên", max_length=150)
    name_key = models.CharField(max_length=150, editable=False, default="")
    search_key = models.CharField(max_length=255, editable=False, default="")
    sort_key = models.CharField(max_length=600, editable=False, default="")
    gender = models.CharField("giới tính", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("ngày sinh", null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField("năm sinh", help_text="Tự điền theo ngày sinh nếu có.")
    ethnicity = models.CharField("dân tộc", max_length=50, default="Kinh", blank=True)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    joined_on = models.DateField("ngày vào hội")
    left_on = models.DateField("ngày ra hội", null=True, blank=True, help_text="Từ ngày này không còn là hội viên.")
    left_reason = models.CharField("lý do ra hội", max_length=20, choices=LeftReason.choices, blank=True)
    card_number = models.CharField("số thẻ hội viên", max_length=30, blank=True)
    card_issued_on = models.DateField("ngày cấp thẻ", null=True, blank=True)
    # The path of the province above the unit when the member has a card: card numbers are unique within a
    # province, which the database enforces on (card_scope, card_number) — see docs/decisions.md.
    card_scope = models.CharField(max_length=255, blank=True, default="", editable=False)
    party_member = models.BooleanField("đảng viên", default=False)
    occupation = models.CharField("nghề nghiệp", max_length=100, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    citizen_id = models.CharField(
        "số CCCD", max_length=12, blank=True, help_text="Chỉ ghi khi thật cần; được che khi hiển thị."
    )
    household = models.ForeignKey(
        "members.Household",
        verbose_name="hộ gia đình",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    erased_at = models.DateTimeField("đã xóa dữ liệu cá nhân lúc", null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["name_key", "search_key", "sort_key", "card_scope"])

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "hội viên"
        verbose_name_plural = "hội viên"
        ordering = ["sort_key", "pk"]
        indexes = [
            models.Index(fields=["unit", "sort_key"], name="member_unit_sort"),
            models.Index(fields=["sort_key", "id"], name="member_sort"),
            models.Index(fields=["card_number"], name="member_card", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_key", "birth_year"], name="member_dupe"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["card_scope", "card_number"],
                condition=~Q(card_number=""),
                name="member_card_unique_in_province",
                violation_error_message="Số thẻ này đã cấp cho một hội viên khác trong cùng tỉnh.",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="member_left_after_joined",
                violation_error_message="Ngày ra hội không được trước ngày vào hội.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.prepare()
        super().save(*args, **kwargs)
        self.remember_facts()

    def prepare(self) -> None:
        """Derived columns (normalised name, search and sort keys); bulk paths call it before bulk_create."""
        self.full_name = nfc(self.full_name)
        self.card_number = nfc(self.card_number).upper()
        if self.birth_date:
            self.birth_year = self.birth_date.year
        self.name_key, self.sort_key = name_keys(self.full_name)
        self.search_key = member_search_key(self.full_name, self.phone, self.card_number)[:255]
        if not self.card_number:
            self.card_scope = ""
        elif self.unit_id and (not self.card_scope or not self.unit.path.startswith(self.card_scope)):
            self.card_scope = self.province_path()

    def fact_values(self):
        # Both facts are kept against the current unit: moves are guarded through the memberships.
        return {"joined": (self.unit_id, self.joined_on), "left": (self.unit_id, self.left_on)}

    @property
    def status(self) -> str:
        if self.left_on is None:
            return self.Status.ACTIVE
        return self.left_reason or self.Status.LEFT

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def clean(self):
        self.full_name = nfc(self.full_name)
        self.ethnicity = nfc(self.ethnicity)
        self.phone = nfc(self.phone)
        self.address = nfc(self.address)
        self.occupation = nfc(self.occupation)
        self.card_number = nfc(self.card_number).upper()
        self.citizen_id = nfc(self.citizen_id).replace(" ", "")
        today = years.today()
        errors: dict[str, str] = {}
        if not self.full_name:
            errors["full_name"] = "Họ và tên không được để trống."
        if self.birth_date:
            if self.birth_year and self.birth_year != self.birth_date.year:
                errors["birth_year"] = (
                    f"Năm sinh {self.birth_year} không khớp với ngày sinh {self.birth_date:%d/%m/%Y}."
                )
            self.birth_year = self.birth_date.year
        if self.birth_year is None:
            errors.setdefault("birth_year", "Hãy ghi năm sinh.")
        elif not MIN_BIRTH_YEAR <= self.birth_year <= today.year:
            errors.setdefault("birth_year", f"Năm sinh phải từ {MIN_BIRTH_YEAR} đến {today.year}.")
        elif self.birth_date and self.birth_date > today:
            errors["birth_date"] = "Ngày sinh không được sau hôm nay."
        if self.phone and not PHONE_RE.match(self.phone):
            errors["phone"] = "Số điện thoại chỉ gồm chữ số, dấu cách, dấu + và dấu chấm."
        elif self.phone and not 8 <= len(digits(self.phone)) <= 15:
            errors["phone"] = "Số điện thoại phải có từ 8 đến 15 chữ số."
        if self.citizen_id and not (len(self.citizen_id) == 12 and self.citizen_id.isdigit()):
            errors["citizen_id"] = "Số CCCD phải gồm đúng 12 chữ số."
        if self.joined_on:
            born = self.birth_date or (datetime.date(self.birth_year, 1, 1) if "birth_year" not in errors else None)
            if self.joined_on > today:
                errors["joined_on"] = "Ngày vào hội không được sau hôm nay."
            elif born and self.joined_on < born:
                errors["joined_on"] = "Ngày vào hội không được trước ngày sinh."
        if self.left_on or self.left_reason:
            if not self.left_on:
                errors["left_on"] = "Hãy ghi ngày ra hội."
            elif not self.left_reason:
                errors["left_reason"] = "Hãy chọn lý do ra hội."
            elif self.left_on > today:
                errors["left_on"] = "Ngày ra hội không được sau hôm nay."
            elif self.joined_on and self.left_on < self.joined_on:
                errors["left_on"] = "Ngày ra hội không được trước ngày vào hội."
        if self.card_issued_on and self.card_issued_on > today:
            errors["card_issued_on"] = "Ngày cấp thẻ không được sau hôm nay."
        if self.unit_id:
            if self.unit.level != Unit.Level.GRASSROOTS:
                errors["unit"] = "Hãy chọn chi hội, ban khuyến học hoặc tổ hội (không chọn hội cấp xã trở lên)."
            elif self.card_number and "card_number" not in errors and not getattr(self, "card_checked", False):
                # Imports set card_checked after checking a whole file's card numbers in a few queries.
                clash = self.card_number_clash()
                if clash:
                    # The other member may be outside the user's scope: name her chapter, not her.
                    errors["card_number"] = (
                        f"Số thẻ {self.card_number} đã cấp cho một hội viên khác trong cùng tỉnh ({clash.unit})."
                    )
        if errors:
            raise ValidationError(errors)

    def province_path(self) -> str:
        """The path of the province above the member's unit (the scope of card numbers)."""
        unit = self.unit
        cached = getattr(unit, "_province_path", None)  # bulk paths share unit objects: one query per unit
        if cached is None or not unit.path.startswith(cached):
            province = (
                Unit.objects.filter(pk__in=unit.ancestor_ids, level=Unit.Level.PROVINCE)
                .only("path")
                .order_by("depth")
                .first()
            )
            cached = unit._province_path = province.path if province else unit.path
        return cached

    def card_number_clash(self) -> "Member | None":
        """Another member of the same province holding this card number."""
        return (
            Member.objects.holding_cards(self.province_path(), [self.card_number])
            .exclude(pk=self.pk)
            .prefetch_related("unit")
            .first()
        )


class Membership(DatedFactsMixin, models.Model):
    """A member's stay in one unit: from `since` (inclusive) to `until` (exclusive; open when null).

    "Members of unit U on day D" and moves between chapters are exact from these rows (design.md §3).
    """

    class Start(models.TextChoices):
        JOINED = "joined", "Vào hội"
        MOVED_IN = "moved_in", "Chuyển đến"

    class End(models.TextChoices):
        MOVED_OUT = "moved_out", "Chuyển đi chi hội khác"
        LEFT = "left", "Ra hội"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="memberships", db_index=False
    )
    since = models.DateField("từ ngày")
    until = models.DateField("đến trước ngày", null=True, blank=True)
    start = models.CharField("bắt đầu", max_length=10, choices=Start.choices, default=Start.JOINED)
    end = models.CharField("kết thúc", max_length=10, choices=End.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "quá trình sinh hoạt"
        verbose_name_plural = "quá trình sinh hoạt"
        ordering = ["member", "since", "pk"]
        indexes = [
            models.Index(fields=["unit", "since"], name="membership_unit_since"),
            models.Index(fields=["member", "since"], name="membership_member"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(until__isnull=True), name="membership_one_open_per_member"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="membership_dates_in_order",
                violation_error_message="Ngày kết thúc không được trước ngày bắt đầu.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.unit_id} {self.since}–{self.until or ''}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.remember_facts()

    def fact_values(self):
        return {"since": (self.unit_id, self.since), "until": (self.unit_id, self.until)}


class Due(models.Model):
    """A member's dues for one year: whole đồng, paid on a date. `unit` is where she paid (the fact's unit)."""

    member = models.ForeignKey(
        Member, verbose_name="hội viên", on_delete=models.CASCADE, related_name="dues", db_index=False
    )
    unit = models.ForeignKey(
        Unit, verbose_name="chi hội", on_delete=models.PROTECT, related_name="dues", db_index=False
    )
    year = models.PositiveSmallIntegerField("năm")
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    paid_on = models.DateField("ngày nộp")
    notes = models.CharField("ghi chú", max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "hội phí"
        verbose_name_plural = "hội phí"
        ordering = ["member", "-year"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="due_unique_member_year")]
        indexes = [models.Index(fields=["unit", "year"], name="due_unit_year")]

    def __str__(self) -> str:
        return f"{self.member_id} – {self.year}"

    period_field = "year"  # the field a closed-year or closed-unit message belongs to

    def period_keys(self):
        return [(self.unit, self.year)]

    def clean(self):
        today = years.today()
        errors = {}
        if self.year and not 1990 <= self.year <= today.year + 1:
            errors["year"] = f"Năm nộp hội phí phải từ 1990 đến {today.year + 1}."
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = "Số tiền hội phí phải lớn hơn 0."
        if self.paid_on and self.paid_on > today:
            errors["paid_on"] = "Ngày nộp không được sau hôm nay."
        if errors:
            raise ValidationError(errors)


class MoveRequest(models.Model):
    """A move to a chapter outside the sender's scope: the receiving chapter's secretary accepts or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", "Chờ chi hội nhận trả lời"
        ACCEPTED = "accepted", "Đã nhận"
        DECLINED = "declined", "Đã từ chối"
        CANCELLED = "cancelled", "Đã hủy"

    member = models.ForeignKey(Member, verbose_name="hội viên", on_delete=models.CASCADE, related_name="move_requests")
    from_unit = models.ForeignKey(Unit, verbose_name="từ chi hội", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, verbose_name="đến chi hội", on_delete=models.PROTECT, related_name="+")
    on = models.DateField("ngày chuyển")
    note = models.CharField("ghi chú", max_length=255, blank=True)
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("lý do", max_length=255, blank=True)

    class Meta:
        verbose_name = "đề nghị chuyển sinh hoạt"
        verbose_name_plural = "đề nghị chuyển sinh hoạt"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="pending"), name="moverequest_one_pending_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.to_unit}"
