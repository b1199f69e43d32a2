"""Issue 15, item 12: the project's own words are refused as passwords."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize("password", ["khuyenhoc", "KhuyenHoc2026", "Khuyến học!", "hoikhuyenhoc", "khuyenhoc@123"])
def test_a_password_made_of_the_product_name_is_refused(password):
    with pytest.raises(ValidationError) as raised:
        validate_password(password)
    assert any("khuyến học" in message.lower() for message in raised.value.messages)


def test_a_password_that_only_contains_the_name_among_enough_else_is_accepted():
    validate_password("khuyenhoc-Tra-Linh-Ba-Vi-17")
