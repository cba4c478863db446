"""Background jobs: run through the real django-tasks database backend, on SQLite and
PostgreSQL; the job page and its access rules; a real ``db_worker`` killed mid-job.

Jobs are started as a view would start them, and the queued task is run by
``run_queued_jobs``: the database backend's own claim and ``run_task``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from tests import factories
from tests.core.jobkinds import jobs as kinds
from tongxing.areas.models import Area
from tongxing.core import jobs
from tongxing.core.jobs import (
    JobContext,
    ProgressInTransactionError,
    register_job,
    run_queued_jobs,
    start_job,
)
from tongxing.core.models import AuditAction, AuditEvent, Job, JobStatus

ROOT = Path(__file__).resolve().parents[2]
VILLAGE_AREA = factories.VILLAGE  # 东城街道第1社区, in 巴州区 (511902)


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read the English text
    return client


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """start(kind, user, **params) -> Job, queued as after a committed request."""

    def start_(kind, user, area_code=VILLAGE_AREA, label="测试任务", **params):
        area = Area.objects.get(code=area_code) if area_code else None
        with django_capture_on_commit_callbacks(execute=True):
            job = start_job(kind, user=user, params=params, label=label, area=area)
        job.refresh_from_db()
        return job

    return start_


def fresh(job: Job) -> Job:
    return Job.objects.get(pk=job.pk)


# --- running through the real backend ---------------------------------------------------


def test_a_job_runs_through_the_database_backend_and_records_progress_and_result(city, start):
    with translation.override("en"):
        job = start("tests.count", city, steps=3)
    assert job.status == JobStatus.QUEUED
    task = DBTaskResult.objects.get(pk=job.task_result_id)
    assert task.status == "READY"
    assert task.args_kwargs == {"args": [str(job.pk)], "kwargs": {}}

    assert run_queued_jobs() == 1

    job = fresh(job)
    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.message) == (3, 3, "counted")
    assert job.result == {"counted": 3, "summary": "Counted to 3", "url": "/persons/"}
    assert (job.error, job.language) == ("", "en")
    assert job.started_at <= job.heartbeat_at == job.finished_at
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert run_queued_jobs() == 0


def test_a_job_is_queued_only_when_the_transaction_commits(
    city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start_job("tests.count", user=city, params={"steps": 1}, label="x")
    assert len(callbacks) == 1
    assert DBTaskResult.objects.count() == 0
    assert fresh(job).task_result_id == ""
    callbacks[0]()
    assert DBTaskResult.objects.get().pk.hex == fresh(job).task_result_id.replace("-", "")


def test_a_job_error_is_recorded_and_shown_to_the_user(city, start, client):
    with translation.override("en"):
        job = start("tests.refuse", city, row=12)
    run_queued_jobs()

    job = fresh(job)
    assert job.status == JobStatus.FAILED
    assert (job.error, job.error_for_user) == ("Row 12: the ID number is not valid.", True)
    client.force_login(city)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Row 12: the ID number is not valid." in page
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status["error"] == "Row 12: the ID number is not valid."


def test_an_unexpected_error_is_logged_but_not_shown(city, start, client, caplog):
    job = start("tests.crash", city)
    run_queued_jobs()

    job = fresh(job)
    assert job.status == JobStatus.FAILED
    assert (job.error, job.error_for_user) == ("ValueError: secret internal detail 42", False)
    assert (job.done, job.total) == (3, 10)
    logged = [r for r in caplog.records if r.name == "tongxing.core.jobs" and r.exc_info]
    assert [r.getMessage() for r in logged] == [f"job {job.pk} (tests.crash) failed"]
    task = DBTaskResult.objects.get(pk=job.task_result_id)
    assert task.status == "FAILED" and "secret internal detail 42" in task.traceback

    client.force_login(city)
    for url in (reverse("jobs:detail", args=[job.pk]), reverse("jobs:status", args=[job.pk])):
        body = client.get(url).content.decode()
        assert "secret internal detail" not in body and "Traceback" not in body
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status["error"] == (
        "The job stopped because of an unexpected error. It has been recorded for the "
        f"administrator under job number {job.pk}."
    )


def test_progress_inside_a_transaction_raises_a_clear_error(city, start):
    job = start("tests.progress_in_transaction", city)
    run_queued_jobs()
    job = fresh(job)
    assert job.status == JobStatus.FAILED
    assert job.error.startswith(
        "ProgressInTransactionError: JobContext.progress() was called inside transaction.atomic()"
    )
    context = JobContext(job)
    with transaction.atomic(), pytest.raises(ProgressInTransactionError):
        context.progress(1, 2)


def test_progress_writes_at_most_about_twice_a_second(city, start):
    job = start("tests.count", city, steps=1)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    context = JobContext(fresh(job))
    began = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        for done in range(2000):
            context.progress(done, 2000, "working")
    elapsed = time.monotonic() - began
    writes = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert 1 <= len(writes) <= 1 + elapsed / JobContext.MIN_WRITE_INTERVAL
    assert (fresh(job).done, context.job.done) == (0, 1999)


def test_a_job_that_was_not_queued_is_not_run_twice(city, start):
    job = start("tests.count", city, steps=2)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, done=7)
    run_queued_jobs()
    assert (fresh(job).status, fresh(job).done) == (JobStatus.SUCCEEDED, 7)


# --- registration -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["count", "Tests.Count", "tests.count.more", "tests.", ""])
def test_a_kind_name_must_be_app_dot_kind(name):
    with pytest.raises(ValueError, match=r"must look like 'app\.kind'"):
        register_job(name)


def test_a_kind_cannot_be_registered_twice_by_different_functions():
    registered = r"already registered by tests\.core\.jobkinds\.jobs\.count"
    with pytest.raises(ValueError, match=registered):

        @register_job("tests.count")
        def another(ctx):
            return None

    assert jobs.get_kind("tests.count").function is kinds.count


def test_a_kind_capability_must_be_a_capability():
    with pytest.raises(ValueError, match="must be a Capability"):
        register_job("tests.other", capability="manage_certificate")


def test_starting_an_unknown_kind_or_with_non_json_params_creates_nothing(city):
    with pytest.raises(ValueError, match=r"unknown job kind 'tests\.nothing'"):
        start_job("tests.nothing", user=city, params={}, label="x")
    with pytest.raises(ValueError, match="plain JSON"):
        start_job("tests.count", user=city, params={"day": dt.date(2026, 1, 1)}, label="x")
    assert Job.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


# --- interrupted jobs -------------------------------------------------------------------


def running_since(job: Job, seconds: int) -> Job:
    moment = timezone.now() - dt.timedelta(seconds=seconds)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=moment, heartbeat_at=moment, done=5, total=10
    )
    return fresh(job)


def test_a_running_job_with_a_stale_heartbeat_shows_interrupted(city, start, client, settings):
    settings.TONGXING_JOB_STALE_SECONDS = 120
    job = running_since(start("tests.count", city, steps=10), 121)
    alive = running_since(start("tests.count", city, steps=10), 100)
    assert jobs.shown_status(job) == JobStatus.INTERRUPTED
    assert jobs.shown_status(alive) == JobStatus.RUNNING

    client.force_login(city)
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert (status["status"], status["active"], status["can_restart"]) == (
        "interrupted",
        False,
        True,
    )
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Interrupted" in page and "It is safe to start it again" in page
    assert f'action="{reverse("jobs:restart", args=[job.pk])}"' in page
    assert fresh(job).status == JobStatus.RUNNING  # showing it changes nothing


def test_an_interrupted_job_can_be_started_again_once(city, start, client):
    job = running_since(start("tests.count", city, steps=4), 600)
    old_run = JobContext(job)
    client.force_login(city)

    response = client.post(reverse("jobs:restart", args=[job.pk]))

    rerun = Job.objects.get(rerun_of=job)
    assert response.status_code == 302
    assert response.url == reverse("jobs:detail", args=[rerun.pk])
    assert fresh(job).status == JobStatus.INTERRUPTED
    assert (rerun.kind, rerun.params, rerun.label, rerun.area_id) == (
        "tests.count",
        {"steps": 4},
        "测试任务",
        VILLAGE_AREA,
    )
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="core.job")
    assert (event.object_id, event.actor) == (str(rerun.pk), city)
    with pytest.raises(jobs.JobSupersededError):
        old_run.progress(6, 10)  # the old run, if still alive somewhere, stops

    again = client.post(reverse("jobs:restart", args=[job.pk]), follow=True)
    assert "This job has already been started again." in again.content.decode()
    assert Job.objects.count() == 2
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert (status["can_restart"], status["rerun_url"]) == (
        False,
        reverse("jobs:detail", args=[rerun.pk]),
    )


def test_a_running_or_finished_job_cannot_be_started_again(city, start, client):
    job = running_since(start("tests.count", city, steps=4), 1)
    client.force_login(city)
    response = client.post(reverse("jobs:restart", args=[job.pk]), follow=True)
    assert "Only a job that failed or was interrupted can be started again." in (
        response.content.decode()
    )
    assert Job.objects.count() == 1
    assert fresh(job).status == JobStatus.RUNNING


# --- the page and who may see it --------------------------------------------------------

# The job works on 东城街道第1社区 and was started by the city officer. Its kind lets
# staff with MANAGE_CERTIFICATE whose area contains the village follow it.
ACCESS = {
    "anonymous": 302,
    "city": 200,  # started it
    "county": 200,  # 巴州区 contains the village, and manages certificates
    "township": 404,  # contains the village, but does not manage certificates
    "village": 404,  # the village itself, but does not manage certificates
    "other_county": 404,  # manages certificates, in 通江县
    "citizen": 404,
}


@pytest.mark.parametrize("role", ACCESS)
@pytest.mark.parametrize("view", ["detail", "status"])
def test_job_page_access(role, view, request, city, start, client):
    job = start("tests.count", city, steps=2)
    before = Job.objects.values().get(pk=job.pk)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    response = client.get(reverse(f"jobs:{view}", args=[job.pk]))

    assert response.status_code == ACCESS[role]
    refusals = AuditEvent.objects.filter(action=AuditAction.REFUSED)
    if ACCESS[role] == 404:
        refused = refusals.get()
        assert (refused.object_type, refused.object_id, refused.area_code) == (
            "core.job",
            str(job.pk),
            VILLAGE_AREA,
        )
        assert refused.actor == request.getfixturevalue(role)
    else:
        assert not refusals.exists()
    if role == "anonymous":
        assert response.url.startswith(reverse("accounts:login"))
    assert Job.objects.values().get(pk=job.pk) == before


def test_a_kind_without_a_capability_is_seen_by_its_starter_only(city, county, start, client):
    job = start("tests.refuse", city, row=1)
    client.force_login(county)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    client.force_login(city)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 200


def test_another_user_cannot_start_a_job_again(city, township, start, client):
    job = running_since(start("tests.count", city, steps=4), 600)
    client.force_login(township)
    assert client.post(reverse("jobs:restart", args=[job.pk])).status_code == 404
    assert Job.objects.count() == 1
    assert fresh(job).status == JobStatus.RUNNING


def test_status_json_returns_exactly_these_fields(city, start, client):
    with translation.override("en"):
        job = start("tests.count", city, steps=12000 // 1000)
    run_queued_jobs()
    Job.objects.filter(pk=job.pk).update(done=12000, total=114000)
    job = fresh(job)
    client.force_login(city)

    response = client.get(reverse("jobs:status", args=[job.pk]))

    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    local = timezone.localtime
    assert response.json() == {
        "id": str(job.pk),
        "status": "succeeded",
        "status_label": "Finished",
        "explanation": "The job has finished.",
        "done": 12000,
        "total": 114000,
        "progress_text": "12,000 of 114,000",
        "message": "counted",
        "summary": "Counted to 12",
        "result_url": "/persons/",
        "error": "",
        "started_at": job.started_at.isoformat(),
        "finished_at": job.finished_at.isoformat(),
        "started_at_text": local(job.started_at).strftime("%Y-%m-%d %H:%M:%S"),
        "finished_at_text": local(job.finished_at).strftime("%Y-%m-%d %H:%M:%S"),
        "active": False,
        "can_restart": False,
        "rerun_url": "",
    }


def test_the_job_page_shows_progress_in_words_and_polls_while_active(city, start, client):
    job = start("tests.count", city, steps=4, label="2026年1月 巴州区 补贴发放表")
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now(), done=12000, total=114000
    )
    client.force_login(city)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "<h1>2026年1月 巴州区 补贴发放表</h1>" in page
    assert (
        '<progress id="job-progress" max="114000" value="12000">12,000 of 114,000</progress>'
        in (page)
    )
    assert 'aria-live="polite"' in page
    assert 'data-active="true"' in page and "tongxing/jobs.js" in page
    assert f'<p id="job-refresh"><a href="{reverse("jobs:detail", args=[job.pk])}">' in page


def test_the_job_list_shows_only_the_users_own_jobs(city, county, start, client):
    mine = start("tests.count", city, steps=1, label="我的任务")
    start("tests.count", county, steps=1, label="别人的任务")
    client.force_login(city)
    page = client.get(reverse("jobs:list")).content.decode()
    assert "我的任务" in page and reverse("jobs:detail", args=[mine.pk]) in page
    assert "别人的任务" not in page


# --- real worker processes --------------------------------------------------------------

# Worker subprocesses use a file SQLite database and these settings, which add the test
# job kinds to the installed apps.
SUBPROCESS_SETTINGS = "tests.core.jobkinds.settings"
WORKER = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
# They do not touch the test database, so one lane (SQLite) runs them.
subprocess_test = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="runs its own SQLite file; the SQLite lane runs it"
)


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory):
    path = tmp_path_factory.mktemp("jobs") / "migrated.sqlite3"
    env = _subprocess_env(path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=60
    )
    return path


def _subprocess_env(database: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TONGXING_TEST_DB_TEMPLATE"}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SETTINGS_MODULE=SUBPROCESS_SETTINGS,
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        TONGXING_MASTER_KEY_FILE=str(settings.TONGXING_MASTER_KEY_FILE),
        **extra,
    )
    return env


@pytest.fixture
def database(migrated_database, tmp_path):
    path = tmp_path / "jobs.sqlite3"
    shutil.copy(migrated_database, path)
    return path


def django_snippet(database: Path, code: str, **env: str) -> dict:
    """Run ``code`` in a fresh Django process on ``database``; it sets ``out`` (JSON)."""
    program = f"import django, json\ndjango.setup()\nout = None\n{code}\nprint(json.dumps(out))"
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=_subprocess_env(database, **env),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def read_job(database: Path, job_id: str) -> dict:
    with sqlite3.connect(database) as db:
        db.row_factory = sqlite3.Row
        row = db.execute(
            "SELECT status, done, total, result FROM core_job WHERE id = ?",
            [job_id.replace("-", "")],
        ).fetchone()
    return dict(row)


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


START_GATED_JOB = """
from tongxing.accounts.models import User
from tongxing.core.jobs import start_job
user = User.objects.create_user("starter", password="test-pass-12345")
job = start_job("tests.count", user=user, params={"steps": 5, "gate": GATE}, label="gated")
out = str(job.pk)
"""

RESTART_JOB = """
from tongxing.accounts.models import User
from tongxing.core.jobs import restart_job, shown_status
from tongxing.core.models import Job
job = Job.objects.get(pk=JOB)
shown = shown_status(job)
rerun = restart_job(User.objects.get(username="starter"), job.pk)
out = [job.status, shown, str(rerun.pk)]
"""


@subprocess_test
def test_a_real_db_worker_runs_a_job_and_a_killed_one_can_be_run_again(database, tmp_path):
    """kill -9 mid-job leaves it running; once stale it is interrupted, and a re-run by
    a new worker finishes it."""
    gate = tmp_path / "gate"
    gate.touch()
    job_id = django_snippet(database, START_GATED_JOB.replace("GATE", repr(str(gate))))
    worker = subprocess.Popen(
        [*WORKER, "--interval", "0.1"],
        cwd=ROOT,
        env=_subprocess_env(database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: read_job(database, job_id)["done"] == 1, 15, "the worker to start the job")
    finally:
        worker.kill()  # SIGKILL: no chance to record anything
        worker.wait(10)
    assert read_job(database, job_id) | {"result": None} == {
        "status": "running",
        "done": 1,
        "total": 5,
        "result": None,
    }

    gate.unlink()
    time.sleep(1.1)  # the heartbeat goes stale after 1 s in the snippet below
    stored, shown, rerun_id = django_snippet(
        database, RESTART_JOB.replace("JOB", repr(job_id)), TONGXING_JOB_STALE_SECONDS="1"
    )
    assert (stored, shown) == ("running", "interrupted")

    batch = subprocess.run(
        [*WORKER, "--batch"],
        cwd=ROOT,
        env=_subprocess_env(database),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert batch.returncode == 0, batch.stderr
    rerun = read_job(database, rerun_id)
    assert (rerun["status"], rerun["done"], rerun["total"]) == ("succeeded", 5, 5)
    assert json.loads(rerun["result"])["counted"] == 5
    assert read_job(database, job_id)["status"] == "interrupted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@subprocess_test
def test_serve_runs_the_web_server_and_the_worker_and_ctrl_c_stops_both(database):
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=_subprocess_env(database),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        banner = serve.stdout.readline()
        worker_pid = int(banner.split("job worker (process ")[1].split(")")[0])

        def login_page():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as page:
                    return page.status == 200
            except OSError:
                return False

        wait_for(login_page, 15, "the web server")
        job_id = django_snippet(database, START_GATED_JOB.replace("GATE", repr("")))
        wait_for(lambda: read_job(database, job_id)["status"] == "succeeded", 15, "the worker")

        serve.send_signal(signal.SIGINT)
        assert serve.wait(20) == 0
    finally:
        if serve.poll() is None:
            serve.terminate()  # serve stops its children on SIGTERM too
            serve.wait(20)
    with pytest.raises(ProcessLookupError):
        os.kill(worker_pid, 0)


def test_run_jobs_now_runs_the_queued_jobs(city, start):
    job = start("tests.count", city, steps=2)
    out = io.StringIO()
    call_command("run_jobs_now", stdout=out)
    assert out.getvalue() == "1 queued task(s) run.\n"
    assert (fresh(job).status, fresh(job).done) == (JobStatus.SUCCEEDED, 2)
