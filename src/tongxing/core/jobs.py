"""Background jobs with progress: the machinery the payroll, imports and other long work run on.

A job kind is a function registered under a dotted name::

    @register_job("payroll.prepare", capability=Capability.MANAGE_PAYROLL)
    def prepare_payroll(ctx: JobContext, *, county: str, month: str) -> dict | None:
        ctx.progress(0, total, gettext("Reading the register"))
        ...
        return {"summary": gettext("12,000 payments prepared"), "url": "/payroll/…/"}

Put job functions in a module named ``jobs.py`` in their app: the worker imports those
modules to find them. :func:`start_job` records a :class:`~tongxing.core.models.Job` and,
once the transaction commits, queues a django-tasks task (database backend) that runs the
function in the worker process (``manage.py db_worker``). The job page polls the Job row.

**The contract for a job function: it must be safe to re-run from the start.** A worker
killed mid-run (kill -9, power cut, deploy) leaves its job "running"; once the job has not
reported progress for ``TONGXING_JOB_STALE_SECONDS`` it is shown as interrupted and may be
started again, from the start, with the same parameters. So a job writes its effects in
one transaction, or in steps that a second run skips or overwrites (an upsert on a natural
key), never by appending blindly. Parameters are plain JSON, so a re-run sees exactly what
the first run saw.

Inside a job function:

- call ``ctx.progress(done, total, message)`` outside any transaction, and at least once
  every minute, including during long steps: it is the job's heartbeat. Report per batch,
  not per row: a call costs a few µs even when throttled (benchmarks/job_overhead.py);
- raise :class:`JobError` with a plain-words, translated message for a problem the user can
  act on (a bad row, missing data); the page shows it. Any other exception is logged with
  its traceback and the page shows only a generic sentence;
- return a dict (stored as JSON) or None. ``result["summary"]`` (text) is shown on the page
  and ``result["url"]`` (a path on this site) is offered as a link to the outcome.

In tests and from ``manage.py run_jobs_now``, :func:`run_queued_jobs` runs the queued tasks
in this process through the database backend's own claim-and-run code.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django_tasks import task

from tongxing.accounts.roles import Capability
from tongxing.core import audit
from tongxing.core.models import AuditAction, Job, JobStatus

if TYPE_CHECKING:
    from tongxing.accounts.models import User
    from tongxing.areas.models import Area

logger = logging.getLogger(__name__)

JobFunction = Callable[..., dict[str, Any] | None]
F = TypeVar("F", bound=JobFunction)

# "app.kind": lower-case words joined by underscores, on each side of one dot.
_KIND_NAME = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
_KIND_MAX_LENGTH = Job._meta.get_field("kind").max_length
_LABEL_MAX_LENGTH = Job._meta.get_field("label").max_length
_MESSAGE_MAX_LENGTH = Job._meta.get_field("message").max_length
# Statuses after which the job will not change any more (unless started again).
FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.INTERRUPTED})


class JobError(Exception):
    """A problem the user can act on; its text is shown on the job page.

    Write the message in plain words and wrap it in gettext: the job runs in the language
    of the person who started it.
    """


class ProgressInTransactionError(RuntimeError):
    """``JobContext.progress`` was called inside ``transaction.atomic``."""


class JobSupersededError(Exception):
    """This run was declared interrupted and started again; it stops at its next report."""


@dataclass(frozen=True)
class JobKind:
    name: str
    function: JobFunction
    capability: Capability | None


_KINDS: dict[str, JobKind] = {}
_discovered = False


def register_job(kind: str, *, capability: Capability | None = None) -> Callable[[F], F]:
    """Register ``fn(ctx, **params) -> dict | None`` as the job kind ``kind`` ("app.kind").

    Who may see a job: the user who started it, and, if ``capability`` is given, every staff
    user with that capability whose area contains the job's area.
    """
    if not isinstance(kind, str) or not _KIND_NAME.fullmatch(kind):
        raise ValueError(f"job kind {kind!r} must look like 'app.kind' (lower case, one dot)")
    if len(kind) > _KIND_MAX_LENGTH:
        raise ValueError(f"job kind {kind!r} is longer than {_KIND_MAX_LENGTH} characters")
    if capability is not None and not isinstance(capability, Capability):
        raise ValueError(f"capability for job kind {kind!r} must be a Capability")

    def decorator(fn: F) -> F:
        if not callable(fn):
            raise ValueError(f"job kind {kind!r} must be registered on a function")
        existing = _KINDS.get(kind)
        # The same function registered twice (a module imported again) is harmless.
        if existing is not None and _qualified(existing.function) != _qualified(fn):
            raise ValueError(
                f"job kind {kind!r} is already registered by {_qualified(existing.function)}"
            )
        _KINDS[kind] = JobKind(kind, fn, capability)
        return fn

    return decorator


def _qualified(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("jobs")
        _discovered = True


def get_kind(kind: str) -> JobKind:
    """The registered kind, or ValueError naming it."""
    _discover()
    try:
        return _KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown job kind {kind!r}") from None


def start_job(
    kind: str,
    *,
    user: User | None,
    params: dict[str, Any],
    label: str,
    area: Area | None = None,
) -> Job:
    """Record a job and queue it to run once the current transaction commits.

    ``params`` are passed to the job function as keyword arguments and must be plain JSON;
    ``label`` is what the page calls the job (already translated); ``area`` is the area
    the job works on, which decides who else may follow it.
    """
    return _create_and_queue(kind, user=user, params=params, label=label, area=area)


def _create_and_queue(
    kind: str,
    *,
    user: User | None,
    params: dict[str, Any],
    label: str,
    area: Area | None,
    rerun_of: Job | None = None,
) -> Job:
    get_kind(kind)
    if not isinstance(params, dict):
        raise ValueError("job params must be a dict")
    try:
        json.dumps(params, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"job params must be plain JSON: {error}") from None
    if not label or len(label) > _LABEL_MAX_LENGTH:
        raise ValueError(f"job label must be 1 to {_LABEL_MAX_LENGTH} characters")
    job = Job.objects.create(
        kind=kind,
        label=label,
        params=params,
        created_by=user if user is not None and user.is_authenticated else None,
        area=area,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        rerun_of=rerun_of,
    )
    transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _enqueue(job_id: Any) -> None:
    with transaction.atomic():
        result = run_job.enqueue(str(job_id))
        Job.objects.filter(pk=job_id).update(task_result_id=str(result.id))


class JobContext:
    """What a running job function gets: its Job row and a way to report progress."""

    # At most about two progress writes a second: a loop may report every row.
    MIN_WRITE_INTERVAL = 0.5

    def __init__(self, job: Job) -> None:
        self.job = job
        self._last_write: float | None = None

    def progress(self, done: int, total: int, message: str = "") -> None:
        """Report ``done`` of ``total`` units; also the heartbeat that shows the job alive.

        Raises ProgressInTransactionError inside ``transaction.atomic``: on SQLite the
        write would stay invisible until the job's transaction commits, and would hold the
        database's write lock, so the page could neither see progress nor anyone else write.
        """
        if in_transaction():
            raise ProgressInTransactionError(
                "JobContext.progress() was called inside transaction.atomic(); report "
                "progress between transactions (commit each batch, then report)"
            )
        if isinstance(done, bool) or isinstance(total, bool):
            raise TypeError("done and total must be whole numbers")
        done, total = int(done), int(total)
        if done < 0 or total < 0:
            raise ValueError("done and total must not be negative")
        self.job.done, self.job.total = done, total
        self.job.message = str(message)[:_MESSAGE_MAX_LENGTH]
        now = time.monotonic()
        if self._last_write is not None and now - self._last_write < self.MIN_WRITE_INTERVAL:
            return  # the finishing write stores the latest numbers anyway
        self._last_write = now
        self.job.heartbeat_at = timezone.now()
        written = Job.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING).update(
            done=done, total=total, message=self.job.message, heartbeat_at=self.job.heartbeat_at
        )
        if not written:
            raise JobSupersededError(f"job {self.job.pk} was interrupted and started again")


def in_transaction(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether code runs inside ``transaction.atomic``.

    A test case's own wrapping transaction does not count: it stands in for autocommit,
    as in Django's own check of ``atomic(durable=True)``.
    """
    connection = transaction.get_connection(using)
    return any(not block._from_testcase for block in connection.atomic_blocks)


@task()
def run_job(job_id: str) -> None:
    """The django-tasks task: run one job's function and record how it ended."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        logger.warning("job %s is not waiting to start; not running it again", job_id)
        return
    job = Job.objects.get(pk=job_id)
    context = JobContext(job)
    try:
        function = get_kind(job.kind).function
        with translation.override(job.language or settings.LANGUAGE_CODE):
            result = function(context, **job.params)
        if result is not None and not isinstance(result, dict):
            raise TypeError(f"job function returned {type(result).__name__}, not a dict")
        json.dumps(result, allow_nan=False)
    except JobSupersededError:
        logger.warning("job %s (%s) stopped: it was started again", job.pk, job.kind)
        return
    except JobError as error:
        logger.info("job %s (%s) failed: %s", job.pk, job.kind, error)
        _finish(context, JobStatus.FAILED, error=str(error), error_for_user=True)
        return
    except Exception as error:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(context, JobStatus.FAILED, error=f"{type(error).__name__}: {error}")
        raise  # the task result keeps the traceback too
    except (KeyboardInterrupt, SystemExit):
        # The worker was told to stop now: say so at once rather than after the heartbeat.
        _finish(context, JobStatus.INTERRUPTED)
        raise
    _finish(context, JobStatus.SUCCEEDED, result=result)


def _finish(context: JobContext, status: JobStatus, **fields: Any) -> None:
    job = context.job
    now = timezone.now()
    written = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=status,
        finished_at=now,
        heartbeat_at=now,
        done=job.done,
        total=job.total,
        message=job.message,
        **fields,
    )
    if not written:
        logger.warning("job %s ended as %s after it was started again", job.pk, status)


def shown_status(job: Job, now: dt.datetime | None = None) -> JobStatus:
    """The status to show and act on: a job whose worker went silent is interrupted."""
    now = now or timezone.now()
    stale_before = now - dt.timedelta(seconds=settings.TONGXING_JOB_STALE_SECONDS)
    if job.status == JobStatus.RUNNING and (
        job.heartbeat_at is None or job.heartbeat_at < stale_before
    ):
        return JobStatus.INTERRUPTED
    if job.status == JobStatus.QUEUED and not job.task_result_id and job.created_at < stale_before:
        return JobStatus.INTERRUPTED  # the process died between saving the job and queueing it
    return JobStatus(job.status)


def may_follow(user: User, job: Job) -> bool:
    """Whether ``user`` may see the job and start it again."""
    if not user.is_authenticated or not user.is_active:
        return False
    if job.created_by_id is not None and job.created_by_id == user.pk:
        return True
    _discover()
    kind = _KINDS.get(job.kind)
    if kind is None or kind.capability is None or job.area_id is None or user.area is None:
        return False
    return user.can(kind.capability) and user.area.contains(job.area_id)


def get_job_for_user(user: User, job_id: Any) -> Job:
    """The job if ``user`` may follow it; else 404, and a refused attempt is audited."""
    job = Job.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        raise Http404
    if not may_follow(user, job):
        audit.record(
            user,
            AuditAction.REFUSED,
            object_type="core.job",
            object_id=job.pk,
            area_code=job.area_id or "",
            summary="job the user may not follow",
        )
        raise Http404
    return job


def restart_job(user: User, job_id: Any) -> Job:
    """Start a failed or interrupted job again, from the start, as a new job.

    Relies on the contract above: job functions are safe to re-run. A run still alive
    behind a stale heartbeat stops at its next progress report.
    """
    job = get_job_for_user(user, job_id)  # outside the transaction: a refusal stays audited
    already = JobError(_("This job has already been started again."))
    try:
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=job.pk)
            status = shown_status(job)
            if status not in (JobStatus.FAILED, JobStatus.INTERRUPTED):
                raise JobError(_("Only a job that failed or was interrupted can be started again."))
            if Job.objects.filter(rerun_of=job).exists():
                raise already
            if job.status != status:
                Job.objects.filter(pk=job.pk, status=job.status).update(
                    status=status, finished_at=timezone.now()
                )
            rerun = _create_and_queue(
                job.kind,
                user=user,
                params=job.params,
                label=job.label,
                area=job.area,
                rerun_of=job,
            )
            audit.record(
                user,
                AuditAction.CREATE,
                object_type="core.job",
                object_id=rerun.pk,
                area_code=job.area_id or "",
                summary=f"{job.kind} started again (was job {job.pk})",
            )
    except IntegrityError:  # someone else started it again at the same moment
        raise already from None
    return rerun


def run_queued_jobs(backend: str = "default") -> int:
    """Run every queued task now, in this process, through the database backend's worker.

    Claims each task as ``db_worker`` does and runs it with the worker's own ``run_task``
    (signals, result and traceback recorded on the task). It does not use the worker's
    loop because that closes the database connection between tasks, which inside a test's
    transaction would throw the test's data away. Returns the number of tasks run.
    """
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend,
        startup_delay=False,
        max_tasks=None,
        worker_id=f"in-process-{get_random_string(12)}",
        excluded_queue_names=[],
    )
    ran = 0
    while True:
        tasks = DBTaskResult.objects.ready().filter(backend_name=backend)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is None:
                return ran
            task_result.claim(worker.worker_id)
        worker.run_task(task_result)
        ran += 1
