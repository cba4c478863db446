"""Checking and storing uploaded documents.

A file's type is read from its first bytes, not its name: only PDF, JPEG and PNG are
kept, and a file whose name says one type but whose bytes are another is refused. The
bytes are stored under ``settings.TONGXING_DOCUMENTS_DIR`` (outside the web root,
``var/documents`` by default) named by their SHA-256, so an identical upload is stored
once; they are served only by ``services:document``, which checks access and audits.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Magic numbers: content type -> (leading bytes, accepted file name endings).
SIGNATURES = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "TONGXING_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def documents_dir() -> Path:
    return Path(getattr(settings, "TONGXING_DOCUMENTS_DIR", Path(settings.VAR_DIR) / "documents"))


def sniff(name: str, content: bytes) -> str:
    """The content type of an upload, or ``ValidationError`` naming the file and why."""
    if not content:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    limit = max_bytes()
    if len(content) > limit:
        raise ValidationError(
            _("%(name)s is %(size)s MB; the largest allowed is %(limit)s MB.")
            % {
                "name": name,
                "size": round(len(content) / 1024 / 1024, 1),
                "limit": round(limit / 1024 / 1024, 1),
            }
        )
    lower = name.lower()
    for content_type, (magic, endings) in SIGNATURES.items():
        if content.startswith(magic):
            if not lower.endswith(endings):
                raise ValidationError(
                    _("%(name)s is named as another type than its content (%(type)s).")
                    % {"name": name, "type": content_type}
                )
            return content_type
    raise ValidationError(
        _("%(name)s is not a PDF, JPEG or PNG file (its content was checked, not its name).")
        % {"name": name}
    )


def storage_path(sha256: str) -> Path:
    return documents_dir() / sha256[:2] / sha256


def store(content: bytes) -> str:
    """Write ``content`` once (content-addressed) and return its SHA-256. Written to a
    temporary name and renamed, so a crash never leaves half a file under the real name."""
    digest = hashlib.sha256(content).hexdigest()
    path = storage_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(content)
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return digest


def read(sha256: str) -> bytes:
    return storage_path(sha256).read_bytes()
