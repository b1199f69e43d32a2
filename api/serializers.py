"""What the API reads and writes. Output serializers show stored rows; input serializers only check types:
the rules (validation messages, closed periods, versions, history) are the services', as on the forms."""

from rest_framework import serializers

from awards.forms import DECISION_FIELDS
from awards.models import Decision, Recipient
from chapters.models import Lineage, ParentLink, Unit, UnitName
from core.models import ImportJob
from funds.models import Fund, Transaction
from learning_models.models import LearningClass, TitleRecord, TitleType
from members.models import Clan, Due, Household, Member
from members.privacy import citizen_id_for
from members.services import EDITABLE_FIELDS
from reports.models import Report, ReportRun

from .models import ApiToken

# --- Units ------------------------------------------------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "display_name",
            "kind",
            "level",
            "host",
            "division_type",
            "parent",
            "depth",
            "active_from",
            "active_until",
            "address",
            "version",
        ]


class TreeNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    level = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)
    active_from = serializers.DateField(allow_null=True)
    active_until = serializers.DateField(allow_null=True)


class UnitTreeSerializer(serializers.Serializer):
    on = serializers.DateField()
    root = serializers.IntegerField()
    units = TreeNodeSerializer(many=True)


class UnitNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnitName
        fields = ["name", "code", "valid_from", "valid_until"]


class ParentLinkSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True)

    class Meta:
        model = ParentLink
        fields = ["parent", "parent_code", "valid_from", "valid_until"]


class LineageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lineage
        fields = ["predecessor", "successor", "kind", "on", "primary", "decision"]


class UnitHistorySerializer(serializers.Serializer):
    unit = UnitSerializer()
    names = UnitNameSerializer(many=True)
    parents = ParentLinkSerializer(many=True)
    predecessors = LineageSerializer(many=True)
    successors = LineageSerializer(many=True)


# --- Figures ----------------------------------------------------------------------------------------------------


class ChildFiguresSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    figures = serializers.DictField(child=serializers.IntegerField())


class FiguresSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    period = serializers.CharField()
    tree = serializers.CharField()
    current = serializers.DictField(child=serializers.IntegerField())
    previous = serializers.DictField(child=serializers.IntegerField())
    previous_label = serializers.CharField()
    own = serializers.DictField(child=serializers.IntegerField())
    children = ChildFiguresSerializer(many=True)
    as_of = serializers.DateTimeField(allow_null=True)


# --- Members ----------------------------------------------------------------------------------------------------


# A member's own fields: those her page edits (members.services.EDITABLE_FIELDS), in the model's order. The API
# writes them all but the end of a membership (POST …/leave/) and the household (set on the screens).
MEMBER_FIELDS = [field.name for field in Member._meta.fields if field.name in EDITABLE_FIELDS]
MEMBER_WRITABLE_FIELDS = [name for name in MEMBER_FIELDS if name not in ("left_on", "left_reason", "household")]


class MemberSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    citizen_id = serializers.SerializerMethodField(help_text="Số CCCD, che bớt trừ khi bạn được xem đầy đủ.")
    erased = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = ["id", "unit", "unit_code", *MEMBER_FIELDS, "erased", "version"]

    def get_citizen_id(self, member) -> str:
        return citizen_id_for(self.context["request"].user, member)

    def get_erased(self, member) -> bool:
        return member.erased_at is not None


class MemberFieldsSerializer(serializers.ModelSerializer):
    """A member's own fields, as on the member form: types and lengths from the model; the rules (a birth year or
    a birth date, the gender, closed periods, versions) are the service's."""

    class Meta:
        model = Member
        fields = MEMBER_WRITABLE_FIELDS
        extra_kwargs = {
            "gender": {"required": False, "allow_blank": True},
            "birth_year": {"required": False, "allow_null": True, "min_value": 1900, "max_value": 2100},
            "notes": {"max_length": 2000},
        }


class MemberCreateSerializer(MemberFieldsSerializer):
    unit = serializers.IntegerField(help_text="Chi hội (id).")

    class Meta(MemberFieldsSerializer.Meta):
        fields = [*MEMBER_WRITABLE_FIELDS, "unit"]


class MemberMoveSerializer(serializers.Serializer):
    to_unit = serializers.IntegerField(
        help_text="Chi hội chuyển đến (id). Ngoài phạm vi của bạn: thành đề nghị chờ chi hội nhận trả lời."
    )
    on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class MemberLeaveSerializer(serializers.Serializer):
    on = serializers.DateField()
    reason = serializers.ChoiceField(choices=Member.LeftReason.choices)


class MoveResultSerializer(serializers.Serializer):
    moved = serializers.BooleanField(help_text="true: đã chuyển; false: đã gửi đề nghị cho chi hội nhận.")
    member = MemberSerializer()
    request_id = serializers.IntegerField(allow_null=True)


class DueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Due
        fields = ["id", "member", "unit", "year", "amount", "paid_on", "notes", "version"]


class DuesCreateSerializer(serializers.Serializer):
    members = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=5000)
    year = serializers.IntegerField(min_value=1900, max_value=2100)
    amount = serializers.IntegerField(min_value=0, max_value=10**12, help_text="Đồng, số nguyên.")
    paid_on = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=255)


class DuesResultSerializer(serializers.Serializer):
    paid = serializers.ListField(child=serializers.IntegerField())
    already = serializers.ListField(child=serializers.IntegerField())
    not_member = serializers.ListField(child=serializers.IntegerField())


class HouseholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = Household
        fields = ["id", "unit", "code", "head_name", "address", "people", "phone", "clan", "notes", "version"]


class ClanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clan
        fields = ["id", "unit", "name", "representative", "phone", "address", "board", "notes", "version"]


# --- Funds ------------------------------------------------------------------------------------------------------


class FundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fund
        fields = ["id", "unit", "name", "description", "allow_negative", "is_active", "balance", "version"]


class VoucherSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transaction
        fields = [
            "id",
            "fund",
            "unit",
            "kind",
            "year",
            "seq",
            "number",
            "date",
            "amount",
            "delta",
            "counterparty_type",
            "counterparty_name",
            "counterparty_address",
            "member_id",
            "purpose",
            "reason",
            "in_kind",
            "in_kind_description",
            "notes",
            "reverses",
            "version",
        ]


class VoucherCreateSerializer(serializers.Serializer):
    fund = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Transaction.Kind.choices)
    date = serializers.DateField()
    amount = serializers.IntegerField(min_value=0, max_value=10**15, help_text="Đồng, số nguyên.")
    purpose = serializers.ChoiceField(choices=Transaction.Purpose.choices)
    counterparty_type = serializers.ChoiceField(choices=Transaction.Counterparty.choices, required=False)
    counterparty_name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    counterparty_address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    member_id = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    in_kind = serializers.BooleanField(required=False)
    in_kind_description = serializers.CharField(required=False, allow_blank=True, max_length=255)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CashBookRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    date = serializers.DateField()
    kind = serializers.CharField()
    purpose = serializers.CharField()
    counterparty_name = serializers.CharField()
    receipt = serializers.IntegerField()
    payment = serializers.IntegerField()
    balance = serializers.IntegerField()


class CashBookSerializer(serializers.Serializer):
    fund = serializers.IntegerField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    opening = serializers.IntegerField()
    receipts = serializers.IntegerField()
    payments = serializers.IntegerField()
    closing = serializers.IntegerField()
    rows = CashBookRowSerializer(many=True)


# --- Awards -----------------------------------------------------------------------------------------------------


class RecipientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recipient
        fields = [
            "id",
            "decision",
            "position",
            "kind",
            "collective_unit",
            "name",
            "member_id",
            "school",
            "grade",
            "achievement",
            "unit",
            "amount",
            "scholarship",
            "version",
        ]


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", *DECISION_FIELDS, "year", "version"]  # the fields of the decision form, and what follows


class DecisionDetailSerializer(DecisionSerializer):
    recipients = RecipientSerializer(many=True, read_only=True)

    class Meta(DecisionSerializer.Meta):
        fields = [*DecisionSerializer.Meta.fields, "recipients"]


# --- Titles -----------------------------------------------------------------------------------------------------


class TitleTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TitleType
        fields = ["id", "code", "name", "subject_kind", "years_valid", "denominator", "active"]


class TitleRecordSerializer(serializers.ModelSerializer):
    title_type = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = TitleRecord
        fields = [
            "id",
            "title_type",
            "year",
            "unit",
            "household",
            "clan",
            "subject_unit",
            "member",
            "subject_name",
            "registered_on",
            "status",
            "scores",
            "total",
            "evidence",
            "review_date",
            "proposed_on",
            "level",
            "decision_number",
            "decision_date",
            "decision_issuer",
            "valid_until_year",
            "refusal_reason",
            "locked",
            "version",
        ]


class RegistrationSerializer(serializers.Serializer):
    title_type = serializers.CharField(help_text="Mã danh hiệu (xem /api/v1/title-types/).")
    year = serializers.IntegerField(min_value=1990, max_value=2100)
    household = serializers.IntegerField(required=False, allow_null=True)
    clan = serializers.IntegerField(required=False, allow_null=True)
    subject_unit = serializers.IntegerField(required=False, allow_null=True)
    member = serializers.IntegerField(required=False, allow_null=True)
    person_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    unit = serializers.IntegerField(required=False, allow_null=True, help_text="Chi hội của người đăng ký (cá nhân).")
    registered_on = serializers.DateField(required=False, allow_null=True)
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ScoresSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=20), help_text="Mã tiêu chí → điểm."
    )
    evidence = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=2000)


class TitleDecisionSerializer(serializers.Serializer):
    decision_number = serializers.CharField()
    decision_date = serializers.DateField(allow_null=True)
    decision_issuer = serializers.CharField()
    title_type = serializers.CharField()
    year = serializers.IntegerField()
    records = serializers.IntegerField()


# --- Classes ----------------------------------------------------------------------------------------------------


class LearningClassSerializer(serializers.ModelSerializer):
    participants = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = LearningClass
        fields = [
            "id",
            "unit",
            "topic",
            "starts_on",
            "ends_on",
            "sessions",
            "attendances",
            "place",
            "organiser",
            "notes",
            "participants",
            "version",
        ]


class LearningClassWriteSerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False)
    topic = serializers.CharField(max_length=255, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False, allow_null=True)
    sessions = serializers.IntegerField(required=False, min_value=0, max_value=100_000)
    attendances = serializers.IntegerField(required=False, min_value=0, max_value=10_000_000)
    place = serializers.CharField(required=False, allow_blank=True, max_length=255)
    organiser = serializers.CharField(required=False, allow_blank=True, max_length=255)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    participants = serializers.ListField(
        child=serializers.CharField(max_length=150), required=False, allow_null=True, max_length=10_000
    )


# --- Reports ----------------------------------------------------------------------------------------------------


class ReportRunSerializer(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "report",
            "tree",
            "status",
            "progress",
            "step",
            "pages",
            "requested_at",
            "finished_at",
            "error",
            "files",
        ]

    def get_files(self, run) -> dict[str, str]:
        request = self.context["request"]
        return {
            kind: request.build_absolute_uri(f"/api/v1/report-runs/{run.pk}/files/{kind}/")
            for kind in ("pdf", "docx", "xlsx")
            # The .docx and .xlsx of a finished run are made on their first download (report_run_file).
            if getattr(run, kind) or (run.pdf and run.document and kind != "pdf")
        }


class ReportSerializer(serializers.ModelSerializer):
    runs = ReportRunSerializer(many=True, read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "unit",
            "year",
            "period",
            "term_start",
            "status",
            "number",
            "issued_on",
            "finalised_at",
            "submitted_at",
            "version",
            "runs",
        ]


# --- Bulk and jobs ----------------------------------------------------------------------------------------------


class BulkSerializer(serializers.Serializer):
    rows = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=200_000,
        help_text="Mỗi dòng là một đối tượng: khóa là tên trường (xem docs/import-formats.md) hoặc tiêu đề cột.",
    )
    unit = serializers.IntegerField(
        help_text="Đơn vị (id) mà các dòng thuộc về: mọi dòng phải thuộc đơn vị này hoặc các đơn vị bên dưới."
    )


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "kind",
            "status",
            "progress",
            "total_rows",
            "counts",
            "errors",
            "warnings",
            "message",
            "created_at",
            "finished_at",
        ]

    def get_url(self, job) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/jobs/{job.pk}/")


# --- Tokens and the caller --------------------------------------------------------------------------------------


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]


class RoleSerializer(serializers.Serializer):
    kind = serializers.CharField()
    unit = serializers.IntegerField()
    unit_code = serializers.CharField()
    unit_name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    superuser = serializers.BooleanField()
    roles = RoleSerializer(many=True)
