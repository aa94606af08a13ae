"""The ledger's page forms take kind, source and tier from their lists: anything else is a
Chinese message at the field, never a server error, and nothing is written."""

from grievances.models import Grievance

from .factories import GrievanceFactory, category


def _post(client, **changes):
    body = {
        "content": "楼道灯坏了",
        "category": category().pk,
        "kind": "problem",
        "source": "visit",
        "tier": "general",
        **changes,
    }
    return client.post("/grievances/new/", body)


def test_a_free_text_tier_on_the_page_is_refused_at_its_field(cast, tree, campaign, client):
    client.force_login(cast.cadre)
    r = _post(client, tier="特别重大")
    assert r.status_code == 400
    assert r.context["form"].errors["tier"] == ["请从列表中选择"]
    assert "请从列表中选择" in r.content.decode()
    assert not Grievance.objects.exists()


def test_an_unknown_kind_or_source_on_the_page_is_refused(cast, tree, campaign, client):
    client.force_login(cast.cadre)
    r = _post(client, kind="complaint", source="wechat_group")
    assert r.status_code == 400
    assert set(r.context["form"].errors) == {"kind", "source"}
    assert not Grievance.objects.exists()


def test_a_missing_category_is_asked_for_in_chinese(cast, tree, campaign, client):
    client.force_login(cast.cadre)
    r = _post(client, category="")
    assert r.context["form"].errors["category"] == ["请选择问题类别"]
    assert not Grievance.objects.exists()


def test_a_bulk_tier_outside_the_list_changes_nothing(cast, tree, campaign, client):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    client.force_login(cast.office)
    r = client.post("/grievances/bulk/", {"ids": [g.pk], "name": "set_tier", "tier": "特别重大"})
    assert r.status_code == 400
    assert "层级：请从列表中选择" in r.content.decode()
    assert Grievance.objects.get(pk=g.pk).tier == "general"


def test_a_free_text_tier_through_the_transition_page_changes_nothing(cast, tree, campaign, client):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    client.force_login(cast.office)
    r = client.post(f"/grievances/{g.pk}/transition/", {"name": "set_tier", "tier": "特别重大"})
    assert r.status_code == 400
    assert "问题层级无效" in r.content.decode()
    r = client.post(f"/grievances/{g.pk}/transition/", {"name": "set_tier", "tier": "major", "version": "第一版"})
    assert r.status_code == 400
    assert "版本号无效" in r.content.decode()
    assert Grievance.objects.get(pk=g.pk).tier == "general"


def test_the_api_refuses_a_free_text_tier_too(cast, tree, campaign, api):
    body = {"content": "楼道灯坏了", "category": category().pk, "tier": "特别重大", "unit": tree.grid_a1.pk}
    r = api(cast.cadre).post("/api/grievances/", body, format="json")
    assert r.status_code == 400 and "tier" in r.json()["errors"]
    assert not Grievance.objects.exists()


def test_the_registration_form_has_no_default_source(cast, tree, campaign, client):
    client.force_login(cast.cadre)
    page = client.get("/grievances/new/").content.decode()
    assert '<option value="" selected>请选择来源</option>' in page
    assert 'value="visit" selected' not in page
    r = _post(client, source="")
    assert r.status_code == 400
    assert r.context["form"].errors["source"] == ["请选择来源"]
    assert not Grievance.objects.exists()
