"""The background-job pages: the user's recent jobs, one job's progress, its status as JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tongxing.core import jobs
from tongxing.core.models import Job, JobStatus

RECENT_JOBS = 50


def progress_text(done: int, total: int) -> str:
    if total:
        return _("%(done)s of %(total)s") % {"done": f"{done:,}", "total": f"{total:,}"}
    if done:
        return _("%(done)s done") % {"done": f"{done:,}"}
    return _("No progress reported yet")


def _explanation(status: JobStatus) -> str:
    return {
        JobStatus.QUEUED: _(
            "The job is waiting for the job worker. If it has not started within a few "
            "minutes, the job worker may not be running: tell the administrator."
        ),
        JobStatus.RUNNING: _("The job is running. You may leave this page; the job carries on."),
        JobStatus.SUCCEEDED: _("The job has finished."),
        JobStatus.FAILED: _("The job stopped before it finished."),
        JobStatus.INTERRUPTED: _(
            "The job stopped without finishing: the worker running it was stopped or lost. "
            "It is safe to start it again; it starts again from the beginning."
        ),
    }[status]


def _when(moment: dt.datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i:s") if moment else ""


def job_state(job: Job) -> dict[str, Any]:
    """What the job page shows, as the page renders it and as status.json returns it."""
    status = jobs.shown_status(job)
    result = job.result if isinstance(job.result, dict) else {}
    summary = result.get("summary")
    url = result.get("url")
    error = ""
    if status == JobStatus.FAILED:
        error = (
            job.error
            if job.error_for_user
            else _(
                "The job stopped because of an unexpected error. It has been recorded for the "
                "administrator under job number %(id)s."
            )
            % {"id": job.pk}
        )
    rerun = None
    if status in jobs.FINISHED:
        rerun = Job.objects.filter(rerun_of=job).values_list("pk", flat=True).first()
    return {
        "id": str(job.pk),
        "status": status.value,
        "status_label": str(status.label),
        "explanation": _explanation(status),
        "done": job.done,
        "total": job.total,
        "progress_text": progress_text(job.done, job.total),
        "message": job.message,
        "summary": summary if isinstance(summary, str) else "",
        # Only a path on this site: a result never sends the user elsewhere.
        "result_url": url if isinstance(url, str) and _is_local_path(url) else "",
        "error": error,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "started_at_text": _when(job.started_at),
        "finished_at_text": _when(job.finished_at),
        "active": status in (JobStatus.QUEUED, JobStatus.RUNNING),
        "can_restart": status in (JobStatus.FAILED, JobStatus.INTERRUPTED) and rerun is None,
        "rerun_url": reverse("jobs:detail", args=[rerun]) if rerun else "",
    }


def _is_local_path(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    recent = Job.objects.filter(created_by=request.user)[:RECENT_JOBS]
    rows = [(job, jobs.shown_status(job), progress_text(job.done, job.total)) for job in recent]
    return render(request, "core/job_list.html", {"rows": rows})


@login_required
@never_cache
def job_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = jobs.get_job_for_user(request.user, job_id)
    return render(request, "core/job_detail.html", {"job": job, "state": job_state(job)})


@login_required
@never_cache
def job_status(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = jobs.get_job_for_user(request.user, job_id)
    return JsonResponse(job_state(job))


@login_required
@require_POST
def job_restart(request: HttpRequest, job_id: UUID) -> HttpResponse:
    try:
        rerun = jobs.restart_job(request.user, job_id)
    except jobs.JobError as error:
        messages.error(request, str(error))
        return redirect("jobs:detail", job_id)
    return redirect("jobs:detail", rerun.pk)
