"""Registry imports: the uploaded file, its state, and the problems its check found.

An import is kept with its file (outside the web root, under ``TONGXING_IMPORT_DIR``),
its SHA-256, who uploaded and applied it, and the counts, so "where did this record come
from" has an answer: every audit row an import writes has ``source="import:<id>"``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ImportState(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    VALIDATED = "validated", _("Checked")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Failed")


class ApplyMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("All rows, or none if any row has a problem")
    VALID_ROWS = "valid", _("Only the rows without problems")


class ImportBatch(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    # The uploader's area: who else may see the import, and the widest area it may write.
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    original_name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(max_length=100, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.BigIntegerField(_("size in bytes"))
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    encoding = models.CharField(_("text encoding"), max_length=20, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ImportState.choices, default=ImportState.UPLOADED
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_invalid = models.PositiveIntegerField(_("rows with problems"), default=0)
    rows_new = models.PositiveIntegerField(_("new persons"), default=0)
    rows_changed = models.PositiveIntegerField(_("persons changed"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("persons unchanged"), default=0)
    file_problems = models.PositiveIntegerField(_("problems with the whole file"), default=0)
    validated_at = models.DateTimeField(_("checked"), null=True, blank=True)
    # SHA-256 of the dry run's row checks kept beside the file, which the apply uses
    # instead of checking every row again; empty when none is kept.
    checked_digest = models.CharField(max_length=64, blank=True, editable=False)
    apply_mode = models.CharField(
        _("applied as"), max_length=5, choices=ApplyMode.choices, blank=True
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    created_count = models.PositiveIntegerField(_("persons registered"), default=0)
    updated_count = models.PositiveIntegerField(_("persons updated"), default=0)
    failure = models.CharField(_("why it failed"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")

    def __str__(self) -> str:
        return f"{_('Import')} {self.pk} {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("exchange:import_detail", args=[self.pk])

    @property
    def source(self) -> str:
        """The ``source`` of every audit row this import writes."""
        return f"import:{self.pk}"

    @property
    def rows_valid(self) -> int:
        return self.rows_total - self.rows_invalid

    @property
    def can_apply_all(self) -> bool:
        return (
            self.state == ImportState.VALIDATED
            and self.file_problems == 0
            and self.rows_invalid == 0
            and self.rows_total > 0
        )

    @property
    def can_apply_valid(self) -> bool:
        return (
            self.state == ImportState.VALIDATED
            and self.file_problems == 0
            and self.rows_valid > 0
            and self.rows_invalid > 0
        )


class ImportProblem(models.Model):
    """One reason a row (or the whole file, when ``row`` is null) cannot be imported.

    ``value`` is what the cell held, masked for identifiers as on every page: the
    officer has the file itself, and the page must not become a way round the masking.
    """

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    column = models.CharField(_("column"), max_length=60, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    code = models.CharField(_("reason code"), max_length=40)
    message = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["row", "id"]
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        indexes = [models.Index(fields=["batch", "code"], name="import_problem_code")]

    def __str__(self) -> str:
        return f"{self.row or '-'} {self.column}: {self.message}"
