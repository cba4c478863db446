"""Settings for worker subprocesses in the job tests: the app's, plus the test job kinds."""

from tongxing.settings import *  # noqa: F403
from tongxing.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.core.jobkinds"]
