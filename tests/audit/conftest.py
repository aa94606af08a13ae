import pytest

from campaigns.models import Role
from tests.factories import UserFactory, member


@pytest.fixture
def auditor(tree):
    user = member(UserFactory(username="t_auditor", full_name="审计员"), tree.district, Role.AUDITOR)
    user.is_staff = True
    user.save()
    return user
