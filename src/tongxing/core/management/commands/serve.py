"""The development web server and the background-job worker, started and stopped together.

``manage.py serve 127.0.0.1:8000`` (what ``make demo`` and ``make serve`` run) starts
``runserver`` and ``db_worker`` as child processes, each in its own process group, so one
Ctrl-C reaches each of them exactly once: a second signal would make the worker abandon
the job it is running. When the web server stops, the worker is stopped too. A worker
that dies (or is killed to try out kill -9) is started again; its job shows as interrupted
and can be started again from the job page.

For production run the web server and ``manage.py db_worker`` as separate services.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

import tongxing

# The package's parent: lets the children import tongxing whether or not it is installed.
SOURCE_DIR = Path(tongxing.__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 10  # how long a running job may take to finish before the worker is killed
RESTART_LIMIT = 3  # worker deaths within RESTART_WINDOW before serve gives up
RESTART_WINDOW = 60.0


class Command(BaseCommand):
    help = "Run the development web server and the background-job worker; Ctrl-C stops both."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--noreload",
            action="store_true",
            help="Do not restart the server and the worker when the code changes.",
        )

    def handle(self, *args: Any, addrport: str, noreload: bool, **options: Any) -> None:
        env = os.environ.copy()
        env.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(SOURCE_DIR), *filter(None, [env.get("PYTHONPATH")])]
        )
        django = [sys.executable, "-m", "django"]
        worker_command = [*django, "db_worker", "--no-startup-delay"]
        web_command = [*django, "runserver", addrport]
        if noreload:
            worker_command.append("--no-reload")
            web_command.append("--noreload")

        self.signalled = False
        self.children: dict[str, subprocess.Popen] = {}
        # Handlers before the children start: a handler (unlike an ignored signal, as in a
        # shell's background job) is reset to the default in the child, so Ctrl-C stops it.
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            signal.signal(getattr(signal, name), self._forward)
        self.worker = self.children["worker"] = self._spawn(worker_command, env)
        self.web = self.children["web"] = self._spawn(web_command, env)
        self.stdout.write(
            f"Web server on http://{addrport}/ (process {self.web.pid}) and job worker "
            f"(process {self.worker.pid}) started. Press Ctrl-C to stop both."
        )

        deaths: list[float] = []
        while self.web.poll() is None:
            if self.worker.poll() is not None and not self.signalled:
                deaths = [t for t in deaths if time.monotonic() - t < RESTART_WINDOW]
                deaths.append(time.monotonic())
                if len(deaths) >= RESTART_LIMIT:
                    self._stop(self.web)
                    raise CommandError(
                        f"The job worker stopped {RESTART_LIMIT} times within a minute "
                        f"(last exit code {self.worker.returncode}); stopping."
                    )
                self.stderr.write(
                    f"The job worker stopped (exit code {self.worker.returncode}); "
                    "starting it again. Its job shows as interrupted and can be started again."
                )
                self.worker = self.children["worker"] = self._spawn(worker_command, env)
            time.sleep(0.2)
        self._stop(self.worker)
        if not self.signalled and self.web.returncode:
            raise CommandError(f"The web server stopped (exit code {self.web.returncode}).")

    def _spawn(self, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        # A new session: the terminal's Ctrl-C reaches only this process, which forwards it.
        return subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603

    def _forward(self, signum: int, frame: Any) -> None:
        self.signalled = True
        for process in self.children.values():
            _signal_group(process, signum)

    def _stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None and not self.signalled:
            _signal_group(process, signal.SIGTERM)
        try:
            process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.stderr.write(f"Process {process.pid} did not stop in time; killing it.")
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):  # it ended just now
        os.killpg(process.pid, signum)
