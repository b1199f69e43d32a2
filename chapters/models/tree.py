"""The organisation tree (design.md §2): one model for every node, the current tree as a materialised path,
and the history that lets any past date's tree be rebuilt (parent links, names, lineage)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.text import fold, nfc, unit_sort_key

PATH_SEPARATOR = "/"


class UnitQuerySet(models.QuerySet):
    def open_on(self, day: datetime.date):
        return self.filter(
            Q(active_from__isnull=True) | Q(active_from__lte=day),
            Q(active_until__isnull=True) | Q(active_until__gte=day),
        )

    def open_today(self):
        from django.utils import timezone

        return self.open_on(timezone.localdate())

    def subtree(self, unit: "Unit", *, include_self: bool = True):
        """All units below `unit` in the current tree: one indexed prefix query on the path."""
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)

    def search(self, text: str):
        key = fold(text)
        return self.filter(search_key__contains=key) if key else self

    def ordered(self):
        return self.order_by("level_rank", "sort_key", "pk")  # Unit.order_key in memory


class Unit(models.Model):
    """An association (province, district or commune level), a chapter, a board or a cell."""

    code_holders: list | None = None  # not a field: the units bearing `code`, when an importer loaded them

    class Kind(models.TextChoices):
        ASSOCIATION = "association", "Hội Khuyến học"
        CHAPTER = "chapter", "Chi hội"
        BOARD = "board", "Ban khuyến học"
        CELL = "cell", "Tổ hội"

    class Level(models.TextChoices):
        CENTRAL = "central", "Trung ương"
        PROVINCE = "province", "Tỉnh, thành phố"
        DISTRICT = "district", "Huyện, quận, thị xã"
        COMMUNE = "commune", "Xã, phường, đặc khu"
        GRASSROOTS = "grassroots", "Cơ sở"

    class Host(models.TextChoices):
        RESIDENTIAL = "residential", "Khu dân cư (thôn, tổ dân phố)"
        SCHOOL = "school", "Trường học"
        AGENCY = "agency", "Cơ quan"
        ENTERPRISE = "enterprise", "Doanh nghiệp"
        CLAN = "clan", "Dòng họ, chi họ"
        RELIGIOUS = "religious", "Tôn giáo"
        OTHER = "other", "Khác"

    LEVEL_RANKS = {Level.CENTRAL: 0, Level.PROVINCE: 1, Level.DISTRICT: 2, Level.COMMUNE: 3, Level.GRASSROOTS: 4}
    # Which kinds of unit a parent of each level may hold (design.md §2; domain.md §2).
    ALLOWED_CHILD_LEVELS = {
        Level.CENTRAL: {Level.PROVINCE},
        Level.PROVINCE: {Level.DISTRICT, Level.COMMUNE, Level.GRASSROOTS},
        Level.DISTRICT: {Level.COMMUNE, Level.GRASSROOTS},
        Level.COMMUNE: {Level.GRASSROOTS},
        Level.GRASSROOTS: {Level.GRASSROOTS},
    }

    kind = models.CharField("loại", max_length=20, choices=Kind.choices)
    level = models.CharField("cấp", max_length=20, choices=Level.choices)
    level_rank = models.PositiveSmallIntegerField(editable=False, default=4)
    host = models.CharField("nơi tổ chức", max_length=20, choices=Host.choices, blank=True)
    code = models.CharField(
        "mã",
        max_length=30,
        help_text="Mã thống kê với tỉnh và xã; mã riêng của hội với các đơn vị khác.",
    )
    name = models.CharField("tên", max_length=255)
    division_type = models.CharField("loại đơn vị hành chính", max_length=60, blank=True)
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    active_from = models.DateField("hoạt động từ", null=True, blank=True)
    active_until = models.DateField(
        "hoạt động đến", null=True, blank=True, help_text="Ngày cuối cùng đơn vị còn hoạt động."
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="đơn vị cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,
    )
    path = models.CharField(max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    search_key = models.CharField(max_length=255, editable=False, default="")
    sort_key = models.CharField(max_length=600, editable=False, default="")
    notes = models.TextField("ghi chú", blank=True)
    # Where the unit lies (WGS 84 degrees), for maps: loaded with the administrative divisions.
    latitude = models.FloatField("vĩ độ", null=True, blank=True)
    longitude = models.FloatField("kinh độ", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["path", "depth", "search_key", "sort_key", "level_rank"])

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        indexes = [
            # varchar_pattern_ops makes LIKE 'prefix%' use the index on PostgreSQL whatever the collation;
            # other databases ignore the operator class.
            models.Index(fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["code"], name="unit_code"),
            models.Index(fields=["parent", "sort_key"], name="unit_children"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_until__gte=models.F("active_from")),
                name="unit_dates_in_order",
                violation_error_message="Ngày ngừng hoạt động không được trước ngày bắt đầu hoạt động.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        # Derived columns only; the path of a new unit needs its id, so it is written right after the insert.
        self.set_derived()
        super().save(*args, **kwargs)
        path = (self.parent.path if self.parent_id else PATH_SEPARATOR) + f"{self.pk}{PATH_SEPARATOR}"
        if path != self.path:
            self.path = path
            self.depth = path.count(PATH_SEPARATOR) - 1
            Unit.objects.filter(pk=self.pk).update(path=path, depth=self.depth)

    def set_derived(self) -> None:
        """The columns derived from the unit's own fields (bulk writes that bypass save() call this too)."""
        self.name = nfc(self.name)
        self.code = nfc(self.code).upper()
        self.search_key = fold(self.name)[:255]
        self.sort_key = unit_sort_key(self.name)[:600]
        self.level_rank = self.LEVEL_RANKS.get(self.level, 4)

    @property
    def order_key(self) -> tuple:
        """Where the unit stands in a list of units, as `UnitQuerySet.ordered()` sorts them in SQL."""
        return (self.level_rank, self.sort_key, self.pk)

    @property
    def display_name(self) -> str:
        """ "Hội Khuyến học phường Bạch Đằng" for an association, the unit's own name otherwise."""
        if self.kind == self.Kind.ASSOCIATION and not fold(self.name).startswith("hoi"):
            name = self.name
            return f"Hội Khuyến học {name[:1].lower()}{name[1:]}" if self.division_type else f"Hội Khuyến học {name}"
        return self.name

    @property
    def is_open(self) -> bool:
        from django.utils import timezone

        return self.is_open_on(timezone.localdate())

    def is_open_on(self, day: datetime.date) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_until is None or self.active_until >= day
        )

    def as_on(self, day: datetime.date) -> "Unit":
        """This unit carrying the name and code it bore on `day` (reports print the name valid at the period's
        end). Returns self unchanged when no name record covers the day."""
        named = self.names.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day), Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        ).first()
        if named and (named.name, named.code) != (self.name, self.code):
            copy = Unit.objects.get(pk=self.pk)
            copy.name, copy.code = named.name, named.code
            return copy
        return self

    def parent_on(self, day: datetime.date) -> "Unit | None":
        """The unit's parent as it stood on `day`, from the parent history (the current parent without one)."""
        link = (
            self.parent_links.filter(
                Q(valid_from__isnull=True) | Q(valid_from__lte=day),
                Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            )
            .select_related("parent")
            .first()
        )
        return link.parent if link else self.parent

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, read from the path without a query."""
        return [int(part) for part in self.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR) if part]

    def ancestors(self, *, include_self: bool = False):
        ids = self.ancestor_ids if include_self else self.ancestor_ids[:-1]
        units = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
        return [units[i] for i in ids if i in units]

    def is_descendant_of(self, other: "Unit") -> bool:
        return self.path.startswith(other.path)

    def code_clash(self) -> "Unit | None":
        """Another unit bearing this code while this one is open. An importer that loaded every unit bearing the
        file's codes sets `code_holders` (those units) and no query is made per row."""
        start = self.active_from or datetime.date.min
        if self.code_holders is not None:
            for other in self.code_holders:
                if (
                    other.pk != self.pk
                    and (other.code or "").upper() == self.code
                    and (other.active_until is None or other.active_until >= start)
                    and (not self.active_until or other.active_from is None or other.active_from <= self.active_until)
                ):
                    return other
            return None
        # Codes are stored upper-cased (set_derived), so an exact match uses the index.
        clash = Unit.objects.filter(code=self.code).exclude(pk=self.pk)
        clash = clash.filter(Q(active_until__isnull=True) | Q(active_until__gte=start))
        if self.active_until:
            clash = clash.filter(Q(active_from__isnull=True) | Q(active_from__lte=self.active_until))
        return clash.first()

    def clean(self):
        self.name = nfc(self.name)
        self.code = nfc(self.code).upper()
        errors = {}
        if self.active_from and self.active_until and self.active_until < self.active_from:
            errors["active_until"] = "Ngày ngừng hoạt động không được trước ngày bắt đầu hoạt động."
        if self.kind == self.Kind.ASSOCIATION and self.level == self.Level.GRASSROOTS:
            errors["level"] = "Hội Khuyến học phải ở cấp tỉnh, huyện hoặc xã."
        if self.kind != self.Kind.ASSOCIATION and self.level != self.Level.GRASSROOTS:
            errors["level"] = "Chi hội, ban và tổ hội thuộc cấp cơ sở."
        if self.kind in (self.Kind.CHAPTER, self.Kind.BOARD) and not self.host:
            errors["host"] = "Hãy chọn nơi tổ chức của chi hội hoặc ban."
        if self.parent_id:
            parent = self.parent
            if self.level not in self.ALLOWED_CHILD_LEVELS.get(parent.level, set()):
                errors["parent"] = (
                    f"{self.get_level_display()} không thể đặt dưới {parent.display_name} "
                    f"({parent.get_level_display().lower()})."
                )
            elif parent.kind in (self.Kind.CHAPTER, self.Kind.BOARD, self.Kind.CELL) and self.kind != self.Kind.CELL:
                errors["parent"] = f"Dưới {parent.display_name} chỉ có thể đặt tổ hội."
            elif self.pk and parent.path.startswith(self.path or "\0"):
                errors["parent"] = "Không thể đặt đơn vị dưới chính nó hoặc dưới một đơn vị con của nó."
            elif self.active_from and parent.active_until and parent.active_until < self.active_from:
                errors["parent"] = f"{parent.display_name} đã ngừng hoạt động từ {parent.active_until:%d/%m/%Y}."
        elif self.level not in (self.Level.CENTRAL, self.Level.PROVINCE):
            errors["parent"] = "Hãy chọn đơn vị cấp trên."
        if self.code and not errors:
            other = self.code_clash()
            if other:
                errors["code"] = (
                    f"Mã {self.code} đang được dùng cho {other.display_name} trong cùng thời gian hoạt động."
                )
        if errors:
            raise ValidationError(errors)


class ParentLink(models.Model):
    """Where a unit stood in the tree from one date to another (both inclusive; open-ended when null)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="child_links", db_index=False)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "lịch sử đơn vị cấp trên"
        indexes = [models.Index(fields=["parent", "valid_from", "valid_until"], name="parentlink_parent")]
        ordering = ["unit", "valid_from"]

    def __str__(self) -> str:
        return f"{self.unit} → {self.parent}"


class UnitName(models.Model):
    """A name and code a unit bore over a span of dates: reports print the name valid at the period's end."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="names")
    name = models.CharField("tên", max_length=255)
    code = models.CharField("mã", max_length=30)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "tên qua các thời kỳ"
        ordering = ["unit", "valid_from"]

    def __str__(self) -> str:
        return self.name


class Lineage(models.Model):
    """A predecessor handed over to a successor on a date: a merge or a split (one row per pair)."""

    class Kind(models.TextChoices):
        MERGE = "merge", "Sáp nhập"
        SPLIT = "split", "Chia tách"

    predecessor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="successor_links", db_index=False)
    successor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="predecessor_links")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    on = models.DateField("ngày hiệu lực", help_text="Ngày đầu tiên đơn vị kế thừa thay thế đơn vị cũ.")
    primary = models.BooleanField(
        "kế thừa chính", default=True, help_text="Đơn vị nhận các số liệu của chính đơn vị cũ (quỹ, hồ sơ)."
    )
    decision = models.CharField("văn bản", max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "kế thừa"
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="lineage_unique_pair"),
            models.UniqueConstraint(
                fields=["predecessor"], condition=Q(primary=True), name="lineage_one_primary_successor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.get_kind_display()})"


class TreeVersion(models.Model):
    """One row whose token the database itself replaces (triggers, migration chapters.0005) whenever a unit's
    place in the tree, a parent link or a lineage changes, by any path: services, bulk loads, `.update()`.
    Cached tree snapshots and users' scopes are named by it (chapters.summaries.tree_snapshot, chapters.scoping)."""

    token = models.CharField(max_length=40)

    class Meta:
        verbose_name = "phiên bản cây tổ chức"

    def __str__(self) -> str:
        return self.token

    @classmethod
    def token_sql(cls) -> str:
        """A scalar subquery giving the token, for a plain query that reads it beside other tokens."""
        return f'(SELECT token FROM "{cls._meta.db_table}" WHERE id = 1)'
