"""``python manage.py create_master_key [--if-missing] [PATH]``: make the local key file.

For development and the demo. In production the master key comes from the operator's
KMS/HSM as ``TONGXING_MASTER_KEY`` or a mounted file, never generated beside the data.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tongxing.core.crypto import MASTER_KEY_ENV, write_master_key_file


def default_path() -> Path:
    var = Path(os.environ.get("TONGXING_VAR_DIR", Path(__file__).resolve().parents[3] / "var"))
    return Path(os.environ.get("TONGXING_MASTER_KEY_FILE", var / "keys" / "master.key"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="manage.py create_master_key")
    parser.add_argument("path", nargs="?", type=Path, default=None)
    parser.add_argument(
        "--if-missing", action="store_true", help="do nothing when the key already exists"
    )
    args = parser.parse_args(argv)
    path = args.path or default_path()
    if os.environ.get(MASTER_KEY_ENV, "").strip() and args.path is None:
        print(f"{MASTER_KEY_ENV} is set; no key file needed.")
        return 0
    if path.exists() and args.if_missing:
        print(f"master key file {path} already exists")
        return 0
    write_master_key_file(path)
    print(f"created master key file {path} (mode 0600). Back it up apart from the database.")
    return 0
