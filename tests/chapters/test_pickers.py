"""The searchable unit picker: its search goes through scoping, and its field takes a code within the scope."""

import re

from django import forms
from django.urls import reverse

from chapters import scoping
from chapters.models import Unit
from chapters.pickers import UnitPickerField, use_unit_picker


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(reverse("chapters:unit_search"), {"q": "bach"})
    assert response.status_code == 302 and "/dang-nhap/" in response.url


def test_search_finds_by_name_without_accents_or_code_within_scope_only(client_for, outsider, secretary, tree):
    found = client_for(secretary).get(reverse("chapters:unit_search"), {"q": "to dan pho", "action": "change"})
    assert [row["value"] for row in found.json()["results"]] == ["10001-01"]
    by_code = client_for(secretary).get(reverse("chapters:unit_search"), {"q": "10001-0", "action": "change"})
    assert [row["value"] for row in by_code.json()["results"]] == ["10001-01"]
    # Another commune's secretary finds nothing of ours, by name or by code.
    for text in ("to dan pho", "10001"):
        response = client_for(outsider).get(reverse("chapters:unit_search"), {"q": text, "action": "change"})
        assert response.json()["results"] == []


def test_search_keeps_to_the_levels_asked(client_for, administrator, tree):
    response = client_for(administrator).get(
        reverse("chapters:unit_search"), {"q": "", "action": "manage", "level": Unit.Level.COMMUNE}
    )
    assert {row["value"] for row in response.json()["results"]} == {"10001", "10002"}


class _Form(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none())


def test_field_takes_a_code_in_scope_and_refuses_one_outside(secretary, tree):
    queryset = scoping.units_for(secretary, scoping.CHANGE)
    field = UnitPickerField(queryset, search={"action": "change"})
    assert field.clean("10001-01") == tree.chapter
    assert field.clean(str(tree.chapter.pk)) == tree.chapter
    try:
        field.clean("10002-01")
    except forms.ValidationError as error:
        assert "10002-01" in error.messages[0]
    else:
        raise AssertionError("a unit outside the scope was accepted")


def test_dropdown_becomes_the_picker_only_past_the_threshold(administrator, tree):
    form = _Form()
    form.fields["unit"].queryset = scoping.units_for(administrator, scoping.MANAGE)
    use_unit_picker(form, "unit", actions=(scoping.MANAGE,))
    assert not isinstance(form.fields["unit"], UnitPickerField)  # 6 units: a list is fine
    use_unit_picker(form, "unit", actions=(scoping.MANAGE,), threshold=3)
    assert isinstance(form.fields["unit"], UnitPickerField)
    assert 'data-picker="/' in str(form["unit"])


def test_a_dropdown_under_the_threshold_is_read_once_and_lists_exactly_its_queryset(administrator, secretary, tree):
    """Issue 19: a unit dropdown was counted (whether it needs the picker), then read again through a server-side
    cursor each time it was rendered. One plain query now does both; the options are the queryset's, in its order,
    the only one is preselected from the same rows, and what a person sends is still checked against the queryset."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chapters.mixins import preselect_only_choice

    units = scoping.units_for(administrator, scoping.MANAGE).ordered()
    expected = [str(pk) for pk in units.values_list("pk", flat=True)]
    assert len(expected) > 1
    form = _Form()
    form.fields["unit"].queryset = units
    with CaptureQueriesContext(connection) as queries:
        use_unit_picker(form, "unit", actions=(scoping.MANAGE,))
        preselect_only_choice(form, "unit")
        html = str(form["unit"])
        again = str(form["unit"])
    assert len(queries) == 1 and "DECLARE" not in queries[0]["sql"], [q["sql"] for q in queries]
    assert re.findall(r'<option value="(\d+)"', html) == expected and again == html
    assert "unit" not in form.initial  # several units: nothing chosen for her

    only = scoping.units_for(secretary, scoping.CHANGE).filter(level=Unit.Level.GRASSROOTS).ordered()
    form = _Form()
    form.fields["unit"].queryset = only
    with CaptureQueriesContext(connection) as queries:
        use_unit_picker(form, "unit", actions=(scoping.CHANGE,))
        preselect_only_choice(form, "unit")
    assert len(queries) == 1 and form.initial["unit"] == tree.chapter.pk

    sent = _Form({"unit": str(tree.other_chapter.pk)})
    sent.fields["unit"].queryset = only
    use_unit_picker(sent, "unit", actions=(scoping.CHANGE,))
    assert not sent.is_valid() and "unit" in sent.errors
    sent = _Form({"unit": str(tree.chapter.pk)})
    sent.fields["unit"].queryset = only
    use_unit_picker(sent, "unit", actions=(scoping.CHANGE,))
    assert sent.is_valid() and sent.cleaned_data["unit"] == tree.chapter


def test_role_picker_finds_closed_units_labelled_with_their_dates_other_pickers_do_not(
    client_for, administrator, outsider, tree
):
    """Issue 18: the role form allows closed units (back data of a pre-reform district is keyed under a role on
    it); past the threshold its picker must find them too, dated, while pickers of open units never offer them."""
    import datetime

    from tests.factories import UnitFactory

    district = UnitFactory(
        parent=tree.province,
        kind=Unit.Kind.ASSOCIATION,
        level=Unit.Level.DISTRICT,
        name="Quận Cầu Giấy",
        code="005",
        active_until=datetime.date(2025, 6, 30),
    )
    form = _Form()
    form.fields["unit"].queryset = scoping.units_for(administrator, scoping.MANAGE).ordered()
    use_unit_picker(form, "unit", actions=(scoping.MANAGE,), closed=True, threshold=3)
    address = str(form["unit"]).split('data-picker="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert "closed=1" in address
    found = client_for(administrator).get(address + "&q=cau giay").json()["results"]
    assert [row["value"] for row in found] == ["005"]
    assert found[0]["label"] == "Hội Khuyến học Quận Cầu Giấy (005, đến 30/06/2025)"
    # The field takes what the search offered.
    assert form.fields["unit"].clean(found[0]["value"]) == district

    # A picker of open units (no closed=1) does not offer it, even to the administrator.
    search = reverse("chapters:unit_search")
    open_only = client_for(administrator).get(search, {"q": "cau giay", "action": "manage"}).json()["results"]
    assert open_only == []
    # Asking for closed units does not widen the scope: someone of another commune finds nothing.
    response = client_for(outsider).get(search, {"q": "cau giay", "action": "change", "closed": "1"})
    assert response.json()["results"] == []


def test_restrict_role_units_passes_closed_to_the_picker(administrator, tree, monkeypatch):
    from chapters import forms as chapter_forms
    from chapters import pickers

    monkeypatch.setattr(pickers, "PICKER_THRESHOLD", 3)
    form = chapter_forms.RoleGrantForm(user=administrator)
    assert isinstance(form.fields["unit"], UnitPickerField)
    assert "closed=1" in str(form["unit"])


def test_a_closed_unit_sharing_its_code_with_an_open_one_is_offered_by_its_own_value(client_for, administrator, tree):
    import datetime

    from tests.factories import UnitFactory

    old = UnitFactory(
        parent=tree.commune,
        name="Chi hội tổ dân phố số 1 cũ",
        code="10001-01",
        active_until=datetime.date(2024, 12, 31),
    )
    results = (
        client_for(administrator)
        .get(reverse("chapters:unit_search"), {"q": "10001-01", "action": "manage", "closed": "1"})
        .json()["results"]
    )
    assert [row["label"].endswith("đến 31/12/2024)") for row in results] == [False, True]  # open first
    field = UnitPickerField(scoping.units_for(administrator, scoping.MANAGE), search={"action": "manage"})
    assert field.clean(results[0]["value"]) == tree.chapter
    assert field.clean(results[1]["value"]) == old
