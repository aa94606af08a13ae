"""The admin speaks Chinese throughout: app and model names (third-party ones too), the audit
log's and lockout screens' columns, and the related objects a delete summary lists."""

import re

from auditlog.models import LogEntry

from tests.twofactor import verified
from tests.visits.factories import HouseholdFactory

ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
# Names that are Chinese usage as they stand.
ALLOWED = {"Open311", "HTTP", "Accept", "GET", "POST", "sha256"}


def english(texts):
    return sorted({w for t in texts for w in ENGLISH_WORD.findall(t)} - ALLOWED)


def test_every_app_and_model_on_the_admin_index_has_a_chinese_name(client, cast):
    verified(client, cast.admin)
    page = client.get("/admin/").content.decode()
    apps = re.findall(r"<caption>\s*<a[^>]*>([^<]+)</a>", page)
    models = re.findall(r'<th scope="row"[^>]*>\s*(?:<a[^>]*>)?\s*([^<]+?)\s*<', page)
    assert "审计日志" in apps and "登录锁定" in apps
    assert english(apps + models) == []


def test_the_audit_log_and_lockout_lists_have_chinese_columns(client, cast, tree):
    HouseholdFactory(grid=tree.grid_a1)
    assert LogEntry.objects.exists()
    verified(client, cast.admin)
    for url in ("/admin/auditlog/logentry/", "/admin/axes/accessattempt/", "/admin/axes/accesslog/"):
        page = client.get(url).content.decode()
        headers = re.findall(r'<th scope="col"[^>]*>.*?<(?:a|span)[^>]*>([^<]+)<', page, re.S)
        assert headers, url
        assert english(headers) == [], url


def test_a_delete_summary_names_related_objects_in_chinese(client, cast, tree):
    household = HouseholdFactory(grid=tree.grid_a1, categories=["hardship"])
    verified(client, cast.admin)
    page = client.get(f"/admin/visits/household/{household.pk}/delete/").content.decode()
    summary = re.findall(r"<li>([^<:：]+)[:：]", page)
    assert summary
    assert english(summary) == []


def test_a_campaigns_visit_modes_are_checkboxes_not_json(client, cast, campaign):
    verified(client, cast.admin)
    page = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert 'type="checkbox" name="allowed_modes" value="phone"' in page
    assert '<textarea name="allowed_modes"' not in page
