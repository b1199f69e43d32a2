"""The searchable unit picker: its search goes through scoping, and its field takes a code within the scope."""

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
