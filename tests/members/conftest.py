import datetime

import pytest

from members import services

D = datetime.date


@pytest.fixture
def make_member(tree):
    """make_member(**fields): a member created through the service (history, membership, summaries)."""

    def make(**fields):
        values = {
            "unit": tree.chapter,
            "full_name": "Nguyễn Thị Lan",
            "gender": "F",
            "birth_year": 1960,
            "joined_on": D(2020, 3, 1),
        }
        values.update(fields)
        return services.member_create(**values)

    return make
