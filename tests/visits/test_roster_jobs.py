"""A roster job is its uploader's (rule "confirm"): another office cannot see or confirm it, and an
uploader who no longer keeps any roster cannot write it."""

from campaigns.models import Membership, User
from visits.models import Household, ImportJob

from .factories import roster_xlsx
from .test_roster_import import good_rows, upload


def test_only_the_uploader_confirms_a_roster_while_still_an_importer(api, client, cast, tree):
    job = upload(api, cast.office, roster_xlsx(good_rows(tree))).json()["id"]
    assert api(cast.office_b).post(f"/api/households/import/{job}/confirm/").status_code == 404
    client.force_login(cast.office_b)
    assert client.post(f"/visits/import/{job}/confirm/").status_code == 404
    Membership.objects.filter(user=cast.office).delete()
    former = User.objects.get(pk=cast.office.pk)  # a new request: the scope is read again
    response = api(former).post(f"/api/households/import/{job}/confirm/")
    assert response.status_code == 403
    assert not Household.objects.exists()
    assert ImportJob.objects.get().status == "preview"


def test_a_user_who_keeps_no_roster_cannot_upload_one(api, cast, tree):
    for who in ("cadre", "leader", "inspector", "handler", "outsider"):
        response = upload(api, getattr(cast, who), roster_xlsx(good_rows(tree)))
        assert response.status_code == 403
        assert response.json()["detail"] == "只有活动办工作人员可以导入花名册"
    assert not ImportJob.objects.exists()
