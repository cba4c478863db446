"""An evaluation report as a page and as a workbook, from its frozen figures only."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from tongxing.core.exports import neutralise
from tongxing.indicators.evaluation import WITHHELD, Status, number_text, public_value
from tongxing.indicators.models import Attribute, Method, Report, Unit


def section_labels() -> list[tuple[str, str]]:
    return [
        ("summary", _("Summary")),
        ("progress", _("Progress against the plan")),
        ("problems", _("Problems and their causes")),
        ("measures", _("Measures for the next period")),
    ]


def _text(value: str | None) -> str:
    return "" if value is None else number_text(Decimal(value)) or ""


def shown_rows(report: Report, threshold: Decimal | None = None) -> list[dict[str, Any]]:
    """The frozen rows with labels; with ``threshold``, small counts suppressed (public)."""
    rows = []
    for row in report.rows:
        year = str(report.year)
        counts = row.get("counts", {}).get(year) or [None, None]
        value = row["value"]
        if threshold is not None:
            shown = public_value(
                row["unit"], None if value is None else Decimal(value), counts[1], threshold
            )
            withheld = shown == WITHHELD
            value_text = "" if withheld or shown is None else shown
            values = [
                (
                    y,
                    public_value(
                        row["unit"],
                        None if v is None else Decimal(v),
                        (row.get("counts", {}).get(y) or [None, None])[1],
                        threshold,
                    ),
                )
                for y, v in row["values"].items()
            ]
        else:
            withheld = False
            value_text = _text(value)
            values = [(y, _text(v)) for y, v in row["values"].items()]
        rows.append(
            {
                "code": row["code"],
                "name": row["name"],
                "unit": Unit(row["unit"]).label,
                "attribute": Attribute(row["attribute"]).label,
                "method": Method(row["method"]).label,
                "baseline": _text(row["baseline"]),
                "target": _text(row["target"]),
                "target_verified": row["target_verified"],
                "value": value_text,
                "withheld": withheld,
                "expected": _text(row["expected"]),
                "status": Status(row["status"]),
                "values": values,
            }
        )
    return rows


def _progress(row: dict[str, Any]) -> Decimal | None:
    """The value as a percentage of the target (for a "lower is better" target of 0, none)."""
    try:
        value, target = Decimal(row["value"]), Decimal(row["target"])
    except (ArithmeticError, ValueError, TypeError):
        return None
    if not target:
        return None
    return (value * 100 / target).quantize(Decimal("0.1"))


def context(
    report: Report, *, form: Any = None, public: bool = False, threshold: Decimal | None = None
) -> dict[str, Any]:
    rows = shown_rows(report, threshold if public else None)
    tally: dict[Status, int] = {}
    for row in rows:
        tally[row["status"]] = tally.get(row["status"], 0) + 1
    years = [y for y, _v in rows[0]["values"]] if rows else []
    progress = [
        (row["name"], _progress(row)) for row in rows if row["target"] and not row["withheld"]
    ]
    progress = [(name, share) for name, share in progress if share is not None]
    return {
        "chart": {
            "names": [name for name, _s in progress],
            "values": [float(share) for _n, share in progress],
            "unit": "%",
        },
        "report": report,
        "rows": rows,
        "years": years,
        "tally": [(s, tally[s]) for s in Status if s in tally],
        "form": form,
        "public": public,
        "threshold": number_text(threshold) if threshold is not None else None,
        "narrative": report.narrative,
        "sections": [
            (name, label, report.narrative.get(name, "")) for name, label in section_labels()
        ],
    }


def xlsx(report: Report) -> tempfile.SpooledTemporaryFile:
    """The report's figures, one row per indicator, and the narrative on a second sheet."""
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook = xlsxwriter.Workbook(out, {"strings_to_numbers": False, "in_memory": True})
    bold = workbook.add_format({"bold": True, "text_wrap": True})
    sheet = workbook.add_worksheet(_("Indicators")[:31])
    title = f"{report.area.name} {report.get_kind_display()} {report.year}"
    sheet.write_string(0, 0, neutralise(title), bold)
    sheet.write_string(
        1,
        0,
        neutralise(
            _("Status: %(status)s. Figures taken %(at)s.")
            % {
                "status": report.get_status_display(),
                "at": report.generated_at.strftime("%Y-%m-%d %H:%M"),
            }
        ),
    )
    rows = shown_rows(report)
    years = [y for y, _v in rows[0]["values"]] if rows else []
    header = [
        _("Indicator"),
        _("Unit"),
        _("Attribute"),
        _("How measured"),
        _("2020 baseline"),
        _("2025 target"),
        *years,
        _("Expected this year"),
        _("Status"),
    ]
    sheet.write_row(3, 0, [neutralise(h) for h in header], bold)
    for number, row in enumerate(rows, start=4):
        cells = [
            row["name"],
            row["unit"],
            row["attribute"],
            row["method"],
            row["baseline"],
            row["target"] + ("" if row["target_verified"] or not row["target"] else " *"),
            *[v or "" for _y, v in row["values"]],
            row["expected"],
            row["status"].label,
        ]
        for column, value in enumerate(cells):
            sheet.write_string(number, column, neutralise(value))
    sheet.write_string(
        len(rows) + 5, 0, neutralise(_("* target not verified against the official table"))
    )
    sheet.set_column(0, 0, 40)
    notes = workbook.add_worksheet(_("Narrative")[:31])
    for number, (name, label) in enumerate(section_labels()):
        notes.write_string(number * 2, 0, neutralise(label), bold)
        notes.write_string(number * 2 + 1, 0, neutralise(report.narrative.get(name, "")))
    notes.set_column(0, 0, 100)
    workbook.close()
    out.seek(0)
    return out
