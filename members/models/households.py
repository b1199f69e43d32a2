"""Households of a residential area and the clans they belong to (domain.md §1, §6)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from chapters.models import Unit
from core.text import fold, nfc, sort_key


class NamedQuerySet(models.QuerySet):
    def search(self, text: str):
        key = fold(text)
        return self.filter(search_key__contains=key) if key else self

    def ordered(self):
        return self.order_by("sort_key", "pk")


class Clan(models.Model):
    """A clan (dòng họ) of an area, with its representative and, if it has one, its study-promotion board."""

    unit = models.ForeignKey(
        Unit,
        verbose_name="chi hội hoặc xã",
        on_delete=models.PROTECT,
        related_name="clans",
        help_text="Chi hội (thôn, tổ dân phố) hoặc hội cấp xã nơi dòng họ sinh sống.",
        db_index=False,
    )
    name = models.CharField("tên dòng họ", max_length=150, help_text="Ví dụ: Dòng họ Nguyễn Đình")
    search_key = models.CharField(max_length=255, editable=False, default="")
    sort_key = models.CharField(max_length=600, editable=False, default="")
    representative = models.CharField("người đại diện (trưởng họ)", max_length=150, blank=True)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    address = models.CharField("địa chỉ nhà thờ họ", max_length=255, blank=True)
    board = models.ForeignKey(
        Unit,
        verbose_name="ban khuyến học của dòng họ",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_clans",
        limit_choices_to={"host": Unit.Host.CLAN},
    )
    notes = models.TextField("ghi chú", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["search_key", "sort_key"])

    objects = NamedQuerySet.as_manager()

    class Meta:
        verbose_name = "dòng họ"
        verbose_name_plural = "dòng họ"
        ordering = ["sort_key", "pk"]
        indexes = [
            models.Index(fields=["unit", "sort_key"], name="clan_unit_sort"),
            # A whole province's list, in name order: the first page without sorting every clan.
            models.Index(fields=["sort_key", "id"], name="clan_sort"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.prepare()
        super().save(*args, **kwargs)

    def prepare(self) -> None:
        """Derived columns; bulk paths call it before bulk_create."""
        self.name = nfc(self.name)
        self.search_key = " | ".join(filter(None, [fold(self.name), fold(self.representative)]))[:255]
        # Clans sort by their own name ("Nguyễn Đình"), in reading order, not given-name first.
        self.sort_key = sort_key(" ".join(reversed(nfc(self.name).split())))[:600]

    def clean(self):
        self.name = nfc(self.name)
        self.representative = nfc(self.representative)
        self.address = nfc(self.address)
        errors = {}
        if not self.name:
            errors["name"] = "Tên dòng họ không được để trống."
        if self.unit_id and self.unit.level not in (Unit.Level.GRASSROOTS, Unit.Level.COMMUNE):
            errors["unit"] = "Hãy chọn chi hội (thôn, tổ dân phố) hoặc hội cấp xã của dòng họ."
        if self.board_id:
            if self.board.host != Unit.Host.CLAN or self.board.kind == Unit.Kind.ASSOCIATION:
                errors["board"] = f"{self.board} không phải là ban khuyến học (chi hội) của dòng họ."
            elif self.unit_id:
                area = self.unit if self.unit.kind == Unit.Kind.ASSOCIATION else (self.unit.parent or self.unit)
                if not self.board.path.startswith(area.path):
                    errors["board"] = f"{self.board} không thuộc {area.display_name}."
        if errors:
            raise ValidationError(errors)


class Household(models.Model):
    """A household of a residential chapter's area: its head, address, size and the members living in it."""

    unit = models.ForeignKey(
        Unit, verbose_name="chi hội khu dân cư", on_delete=models.PROTECT, related_name="households", db_index=False
    )
    code = models.CharField("mã hộ", max_length=30, blank=True, help_text="Mã riêng của chi hội, nếu có.")
    head_name = models.CharField("chủ hộ", max_length=150)
    search_key = models.CharField(max_length=255, editable=False, default="")
    sort_key = models.CharField(max_length=600, editable=False, default="")
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    people = models.PositiveSmallIntegerField("số nhân khẩu", default=1)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    clan = models.ForeignKey(
        Clan, verbose_name="dòng họ", null=True, blank=True, on_delete=models.SET_NULL, related_name="households"
    )
    notes = models.TextField("ghi chú", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["search_key", "sort_key"])

    objects = NamedQuerySet.as_manager()

    class Meta:
        verbose_name = "hộ gia đình"
        verbose_name_plural = "hộ gia đình"
        ordering = ["sort_key", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "code"],
                condition=~Q(code=""),
                name="household_unique_code_in_unit",
                violation_error_message="Mã hộ này đã dùng cho một hộ khác trong chi hội.",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "sort_key"], name="household_unit_sort"),
            # A whole province's list, in name order: the first page without sorting 3.5 million households.
            models.Index(fields=["sort_key", "id"], name="household_sort"),
        ]

    def __str__(self) -> str:
        return f"Hộ {self.head_name}" + (f" – {self.address}" if self.address else "")

    def save(self, *args, **kwargs):
        self.prepare()
        super().save(*args, **kwargs)

    def prepare(self) -> None:
        """Derived columns; bulk paths call it before bulk_create."""
        self.head_name = nfc(self.head_name)
        self.search_key = " | ".join(filter(None, [fold(self.head_name), fold(self.address), self.code.lower()]))[:255]
        self.sort_key = sort_key(self.head_name)[:600]

    def clean(self):
        self.head_name = nfc(self.head_name)
        self.address = nfc(self.address)
        self.code = nfc(self.code).upper()
        errors = {}
        if not self.head_name:
            errors["head_name"] = "Tên chủ hộ không được để trống."
        if self.people is not None and not 1 <= self.people <= 100:
            errors["people"] = "Số nhân khẩu phải từ 1 đến 100."
        if self.unit_id and self.unit.level != Unit.Level.GRASSROOTS:
            errors["unit"] = "Hãy chọn chi hội khu dân cư (thôn, tổ dân phố) của hộ."
        # Imports set code_checked after checking a whole file's codes in a few queries.
        if self.code and self.unit_id and "unit" not in errors and not getattr(self, "code_checked", False):
            clash = Household.objects.filter(unit_id=self.unit_id, code=self.code).exclude(pk=self.pk).first()
            if clash:
                errors["code"] = f"Mã hộ {self.code} đã dùng cho {clash} trong chi hội này."
        if errors:
            raise ValidationError(errors)
