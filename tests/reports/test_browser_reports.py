"""In a phone browser: the dashboard fits 390 px; a summary job shows its progress and becomes downloadable."""

from reports.models import ReportJob
from reports.services import run_report_job
from tests.conftest import login
from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import HouseholdFactory, VisitFactory


def test_leader_sees_dashboard_and_a_summary_job_turn_downloadable(browser_page, cast, tree, campaign):
    page, base = browser_page
    h = HouseholdFactory.create_batch(2, grid=tree.grid_a1)
    VisitFactory(campaign=campaign, household=h[0], visitor=cast.cadre)
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="assigned")
    login(page, base, "t_leader")
    page.goto(f"{base}/reports/?campaign={campaign.pk}&org_unit={tree.district.pk}")
    assert page.locator("svg[aria-label='各单位农户走访覆盖率']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("table a:text-is('东城街道')")  # drill down to the street
    page.wait_for_selector("table a:text-is('幸福社区')")

    job = ReportJob.objects.create(campaign=campaign, org_unit=tree.street_a, created_by=cast.leader)
    page.goto(f"{base}/reports/summaries/")
    assert page.locator(f"#job-{job.pk} [role=progressbar]").count() == 1
    run_report_job(job_id=job.pk)  # the worker finishes; htmx polling picks it up
    page.wait_for_selector(f"#job-{job.pk} a:has-text('下载')")
    with page.expect_download() as download:
        page.click(f"#job-{job.pk} a:has-text('下载')")
    assert download.value.suggested_filename.endswith(".pdf")
