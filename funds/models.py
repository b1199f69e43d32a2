"""The study-promotion fund (domain.md §4): funds of a unit, their opening balance, vouchers and transfers.

Bookkeeping choices (documented for treasurers in docs/huong-dan.md, "Quỹ khuyến học"):

- A fund's books start with one opening balance (the balance carried from the paper books on 1 January of the
  first year kept here). Every later year opens with the previous year's closing balance, derived from the
  vouchers, never typed in; so for any date, balance = opening + receipts − payments.
- A voucher is never deleted and its number never reused. A mistake is corrected by a *reversal* ("ghi âm",
  the red-ink storno of Vietnamese bookkeeping): a voucher of the same kind with its own number whose effect is
  the opposite of the original's. Receipts and payments then stay true totals: a cancelled donation does not
  also appear as money spent.
- In-kind gifts (notebooks, bicycles) are vouchers marked "in kind" with their value in đồng: they count in the
  fund while the goods are held, and handing them out is an in-kind payment.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from chapters.models import Unit
from core.text import fold, nfc

DEFAULT_FUND_NAME = "Quỹ Khuyến học"
ANONYMOUS_NAME = "Nhà hảo tâm giấu tên"
MAX_AMOUNT = 10**15  # one million billion đồng: far above any real voucher, well inside a 64-bit column


class FundQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Fund(models.Model):
    """A fund kept by one unit: its general study-promotion fund or a named programme ("Vì em hiếu học")."""

    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="funds", db_index=False
    )
    name = models.CharField("tên quỹ", max_length=200, default=DEFAULT_FUND_NAME)
    description = models.TextField("mô tả", blank=True)
    allow_negative = models.BooleanField(
        "cho phép số dư âm",
        default=False,
        help_text="Chỉ chọn khi hội cho phép tạm chi trước, thu bù sau.",
    )
    is_active = models.BooleanField("đang sử dụng", default=True)
    # The current balance (every voucher, whatever its date), kept by the services under a row lock and
    # proven by `check_funds` against opening + receipts − payments.
    balance = models.BigIntegerField("số dư hiện tại", default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["balance"])

    objects = FundQuerySet.as_manager()

    class Meta:
        verbose_name = "quỹ"
        verbose_name_plural = "quỹ"
        ordering = ["unit", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name"],
                name="fund_unique_unit_name",
                violation_error_message="Đơn vị đã có một quỹ mang tên này.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.unit}"

    def clean(self):
        self.name = nfc(self.name)


class OpeningBalance(models.Model):
    """The balance a fund's books start from, on 1 January of `year` (one per fund)."""

    fund = models.OneToOneField(Fund, verbose_name="quỹ", on_delete=models.PROTECT, related_name="opening")
    year = models.PositiveSmallIntegerField("năm bắt đầu ghi sổ")
    amount = models.BigIntegerField("số dư đầu kỳ (đồng)", default=0)
    notes = models.CharField("ghi chú", max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "số dư đầu kỳ"
        verbose_name_plural = "số dư đầu kỳ"

    def __str__(self) -> str:
        return f"{self.fund} – {self.year}: {self.amount}"

    period_field = "year"  # the field a closed-year or closed-unit message belongs to

    def period_keys(self):
        return [(self.fund.unit, self.year)]


class VoucherCounter(models.Model):
    """The last number given to a kind of voucher of one fund in one year. Its row is locked while a number is
    allocated, so two secretaries saving at the same moment get consecutive numbers, never the same one."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="counters", db_index=False)
    kind = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fund", "kind", "year"], name="voucher_counter_unique")]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.kind} {self.year}: {self.last}"


class Transaction(models.Model):
    """A receipt or payment voucher (phiếu thu, phiếu chi) of one fund."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Phiếu thu"
        PAYMENT = "payment", "Phiếu chi"

    class Purpose(models.TextChoices):
        DONATION = "donation", "Ủng hộ, tài trợ quỹ"
        SCHOLARSHIP = "scholarship", "Học bổng"
        STUDENT_REWARD = "student_reward", "Khen thưởng học sinh"
        TEACHER_REWARD = "teacher_reward", "Khen thưởng giáo viên"
        FAMILY_REWARD = "family_reward", "Khen thưởng gia đình, dòng họ học tập"
        AID = "aid", "Hỗ trợ học sinh khó khăn, đầu năm học"
        SCHOOL_SUPPORT = "school_support", "Hỗ trợ nhà trường"
        OPERATIONS = "operations", "Hoạt động của hội"
        TRANSFER = "transfer", "Chuyển quỹ giữa các đơn vị"
        OTHER = "other", "Khác"

    class Counterparty(models.TextChoices):
        PERSON = "person", "Cá nhân"
        ORGANISATION = "organisation", "Cơ quan, doanh nghiệp, tổ chức"
        CLAN = "clan", "Dòng họ"
        MEMBER = "member", "Hội viên"
        ANONYMOUS = "anonymous", "Nhà hảo tâm giấu tên"
        UNIT = "unit", "Đơn vị của hội"

    PREFIX = {Kind.RECEIPT: "PT", Kind.PAYMENT: "PC"}
    # Purposes a secretary picks on each kind of voucher (transfers are written by the transfer service).
    RECEIPT_PURPOSES = [Purpose.DONATION, Purpose.OTHER]
    PAYMENT_PURPOSES = [
        Purpose.SCHOLARSHIP,
        Purpose.STUDENT_REWARD,
        Purpose.TEACHER_REWARD,
        Purpose.FAMILY_REWARD,
        Purpose.AID,
        Purpose.SCHOOL_SUPPORT,
        Purpose.OPERATIONS,
        Purpose.OTHER,
    ]

    # Both indexed as the first column of an index below (the cash book, the unit's days): a second index on each
    # only slowed every voucher written.
    fund = models.ForeignKey(
        Fund, verbose_name="quỹ", on_delete=models.PROTECT, related_name="transactions", db_index=False
    )
    # The fund's unit, copied so scoping and summaries filter and group without a join.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False)
    kind = models.CharField("loại phiếu", max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(editable=False)
    seq = models.PositiveIntegerField(editable=False)
    number = models.CharField("số phiếu", max_length=30, editable=False)
    date = models.DateField("ngày")
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    # The effect on the balance: +amount for a receipt, −amount for a payment, the opposite for a reversal.
    delta = models.BigIntegerField(editable=False)
    counterparty_type = models.CharField(
        "người nộp / người nhận là", max_length=20, choices=Counterparty.choices, default=Counterparty.PERSON
    )
    counterparty_name = models.CharField("họ tên, tên đơn vị", max_length=255, blank=True)
    counterparty_address = models.CharField("địa chỉ", max_length=255, blank=True)
    member_id = models.PositiveBigIntegerField("mã hội viên", null=True, blank=True)
    # Who gave or received, as one key: "m:<member id>", "n:<name without accents>", "" when anonymous.
    counterparty_key = models.CharField(max_length=255, editable=False, default="", db_index=True)
    purpose = models.CharField("mục đích", max_length=20, choices=Purpose.choices)
    reason = models.CharField("nội dung (lý do thu, chi)", max_length=255, blank=True)
    in_kind = models.BooleanField("bằng hiện vật", default=False)
    in_kind_description = models.CharField("hiện vật", max_length=255, blank=True)
    attachments = models.CharField("kèm theo (chứng từ gốc)", max_length=255, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name="ghi âm phiếu",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    printed_at = models.DateTimeField("đã in lúc", null=True, blank=True, editable=False)
    print_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["counterparty_key", "print_count"])

    class Meta:
        verbose_name = "phiếu thu, chi"
        verbose_name_plural = "phiếu thu, chi"
        ordering = ["fund", "date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "kind", "year", "seq"],
                name="transaction_number_unique",
                violation_error_message="Số phiếu này đã được dùng.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="transaction_amount_positive",
                violation_error_message="Số tiền phải lớn hơn 0.",
            ),
        ]
        indexes = [
            models.Index(fields=["fund", "date", "id"], name="transaction_cash_book"),
            models.Index(fields=["unit", "date"], name="transaction_unit_date"),
            models.Index(fields=["date"], name="transaction_date"),
        ]

    def __str__(self) -> str:
        return self.number or "Phiếu chưa đánh số"

    def period_keys(self):
        return [(self.fund.unit, self.date)]

    @property
    def is_reversal(self) -> bool:
        # An import links a reversal to a voucher of the same file before either is saved: check the cache too.
        field = self._meta.get_field("reverses")
        return self.reverses_id is not None or (field.is_cached(self) and field.get_cached_value(self) is not None)

    @property
    def is_transfer(self) -> bool:
        return self.purpose == self.Purpose.TRANSFER

    @property
    def is_receipt(self) -> bool:
        return self.kind == self.Kind.RECEIPT

    @property
    def receipt_column(self) -> int | None:
        """The amount in the cash book's "Thu" column (negative for a reversal), None on a payment."""
        return self.delta if self.kind == self.Kind.RECEIPT else None

    @property
    def payment_column(self) -> int | None:
        return -self.delta if self.kind == self.Kind.PAYMENT else None

    @property
    def title(self) -> str:
        return "PHIẾU THU" if self.is_receipt else "PHIẾU CHI"

    @property
    def counterparty_display(self) -> str:
        if self.counterparty_type == self.Counterparty.ANONYMOUS and not self.counterparty_name:
            return ANONYMOUS_NAME
        return self.counterparty_name

    @property
    def reason_display(self) -> str:
        return self.reason or self.get_purpose_display()

    def fill_derived(self) -> None:
        """Columns computed from the others (number, sign, search key); called by the services before saving."""
        self.counterparty_name = nfc(self.counterparty_name)
        self.counterparty_address = nfc(self.counterparty_address)
        self.reason = nfc(self.reason)
        self.in_kind_description = nfc(self.in_kind_description)
        if self.counterparty_type == self.Counterparty.ANONYMOUS:
            self.counterparty_key = ""
        elif self.member_id:
            self.counterparty_key = f"m:{self.member_id}"
        else:
            self.counterparty_key = ("n:" + fold(self.counterparty_name))[:255] if self.counterparty_name else ""
        sign = 1 if self.kind == self.Kind.RECEIPT else -1
        self.delta = sign * self.amount * (-1 if self.is_reversal else 1)
        if self.seq:
            self.number = voucher_number(self.kind, self.year, self.seq)


def voucher_number(kind: str, year: int, seq: int) -> str:
    """ "PT-2024-0001" for the first receipt of 2024."""
    return f"{Transaction.PREFIX[kind]}-{year}-{seq:04d}"


class TransferQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """Transfers whose sending or receiving side lies in the user's scope for `action`."""
        from chapters import scoping

        return self.filter(
            scoping.scope_q(user, action, unit_field="from_fund__unit")
            | scoping.scope_q(user, action, unit_field="to_unit")
        )

    def pending(self):
        return self.filter(status=Transfer.Status.PENDING)


class Transfer(models.Model):
    """Money passed from a fund of one unit to a fund of another (or of the same unit).

    The sender's payment is written when the transfer is recorded; the receiver's receipt when it is confirmed,
    at once if the person recording it may enter data for both units, otherwise by the receiving side.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Chờ bên nhận xác nhận"
        CONFIRMED = "confirmed", "Đã nhận"
        REJECTED = "rejected", "Bên nhận từ chối"
        CANCELLED = "cancelled", "Bên chuyển đã hủy"

    from_fund = models.ForeignKey(
        Fund, verbose_name="quỹ chuyển", on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_unit = models.ForeignKey(Unit, verbose_name="đơn vị nhận", on_delete=models.PROTECT, related_name="+")
    to_fund = models.ForeignKey(
        Fund, verbose_name="quỹ nhận", null=True, blank=True, on_delete=models.PROTECT, related_name="transfers_in"
    )
    date = models.DateField("ngày chuyển")
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    reason = models.CharField("nội dung", max_length=255, blank=True)
    status = models.CharField("trạng thái", max_length=20, choices=Status.choices, default=Status.PENDING)
    payment = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="transfer_sent", editable=False, null=True
    )
    receipt = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="transfer_received", editable=False, null=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = models.CharField("ghi chú khi xác nhận, từ chối", max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = "chuyển quỹ"
        verbose_name_plural = "chuyển quỹ"
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="transfer_amount_positive",
                violation_error_message="Số tiền phải lớn hơn 0.",
            ),
        ]

    # No period_keys(): the transfer row holds no figure. Its vouchers do, and each is guarded by its own date,
    # so a transfer from a year the receiver has closed can still be confirmed on a later date.

    def __str__(self) -> str:
        return f"{self.from_fund.unit} → {self.to_unit}: {self.amount}"
