"""The job page follows a running job in real Chromium: jobs.js polls status.json and
updates the progress, the words and the live region in place, and stops when it ends."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from tests.browser.conftest import CHROMIUM
from tests.core.jobkinds import jobs as _job_kinds  # noqa: F401 - registers "tests.count"
from tongxing.areas.models import Area
from tongxing.core.jobs import start_job
from tongxing.core.models import Job, JobStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


def text_of(page, element_id: str) -> str:
    return page.evaluate("id => document.getElementById(id).textContent", element_id)


def wait_for_text(page, element_id: str, text: str) -> None:
    page.wait_for_function(
        "([id, text]) => document.getElementById(id).textContent.includes(text)",
        arg=[element_id, text],
        timeout=8000,
    )


def test_the_job_page_updates_itself_until_the_job_ends(county, open_session):
    job = start_job(
        "tests.count",
        user=county,
        params={"steps": 114000},
        label="2026年1月 巴州区 补贴发放表",
        area=Area.objects.get(code="511902"),
    )
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now(), done=12000, total=114000
    )
    session = open_session(county)
    session.goto(f"/jobs/{job.pk}/")
    page = session.page
    assert page.is_hidden("#job-refresh")  # the script follows the job instead

    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now(), done=57000)
    wait_for_text(page, "job-progress-text", "57,000")
    assert page.evaluate("document.getElementById('job-progress').value") == 57000
    assert "57,000" in text_of(page, "job-live")  # half-way is announced

    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED,
        finished_at=timezone.now(),
        done=114000,
        result={"summary": "114,000 人已计算", "url": "/jobs/"},
    )
    wait_for_text(page, "job-summary", "114,000 人已计算")
    with translation.override("zh-hans"):
        finished = str(JobStatus.SUCCEEDED.label)
    assert text_of(page, "job-status") == finished
    assert page.is_visible("#job-result") and page.get_attribute("#job-result-link", "href") == (
        "/jobs/"
    )
    assert page.is_hidden("#job-refresh") and page.is_hidden("#job-restart")
    assert page.get_attribute("#job", "data-active") == "false"  # it stopped asking
