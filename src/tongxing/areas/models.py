from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village or community")


# Length of the scoping code at each level: an area's code is a prefix of every code below it.
CODE_LENGTH = {
    AreaLevel.CITY: 4,
    AreaLevel.COUNTY: 6,
    AreaLevel.TOWNSHIP: 9,
    AreaLevel.VILLAGE: 12,
}


class Area(models.Model):
    """An administrative division. ``code`` is the scoping code (4/6/9/12 digits).

    The city's statistical code is 6 digits (511900) but its scoping code is the 4-digit
    prefix (5119) shared by everything under it; ``statistical_code`` keeps the official one.
    """

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=10, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    statistical_code = models.CharField(_("statistical code"), max_length=12)
    synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        help_text=_("Generated for the demo; replace with the official village table."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def contains(self, code: str) -> bool:
        return code.startswith(self.code)
