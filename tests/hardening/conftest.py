from tests.members.conftest import make_member  # noqa: F401 - shared with the members tests
