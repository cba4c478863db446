import pytest


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.TONGXING_IMPORT_DIR = tmp_path / "imports"
    settings.VAR_DIR = tmp_path
    return settings.TONGXING_IMPORT_DIR
