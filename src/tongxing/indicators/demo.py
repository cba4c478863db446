"""The indicator demo: snapshots for 2021–2025, a few reported values, one issued report.

Assumptions (deterministic; the reference date of the demo is 2025-12-31):

- The snapshots are computed from whatever the earlier demo steps created: a year without
  payroll, surveys or employment records gets zeros for those indicators, which is what the
  data allow (the demo payroll and survey cover 2025 only).
- The one-stop service indicators (device fitting, child rehabilitation, renovations,
  rehabilitation coverage, facility counts) are computed from the services, devices and rehab
  demos, which run before this step. The services demo designates only care institutions,
  so the 残疾人之家, rehabilitation station and legal aid station counts stay blank (no
  designated facility of the kind), which is what the data say.
- Reported values: the demo department (民政局 data officer) reports the 2025 figures of
  three indicators the platform cannot compute (示范性 care institutions, entrepreneurship
  bases, cultural brands) for the city, each with a generated text file as evidence, and
  the city officer confirms them. The numbers are invented for the demo and say so in their
  note; they are not official figures.
- One annual monitoring report for 2025 is prepared and issued for the city by the city
  officer, with a narrative that says it is demo text.
Re-running changes nothing once the report is issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tongxing.accounts.models import User
from tongxing.areas.models import Area
from tongxing.indicators import actions
from tongxing.indicators.catalogue import load_indicators
from tongxing.indicators.engine import compute_snapshots
from tongxing.indicators.evaluation import PLAN_YEARS
from tongxing.indicators.models import Indicator, Report, ReportedValue, ReportStatus

REPORTED = {"model_care_institutions": 4, "entrepreneurship_bases": 26, "cultural_brands": 2}
NOTE = "Demo value, invented for the demonstration; not an official figure."


@dataclass
class DemoReport:
    snapshots: int
    reported: int
    report: Report | None
    created: bool


def generate_indicator_demo(region: str) -> DemoReport:
    city_area = Area.objects.get(code="5119")
    issued = Report.objects.filter(
        kind="annual", year=2025, area=city_area, status=ReportStatus.ISSUED
    ).first()
    if issued is not None:
        return DemoReport(0, 0, issued, created=False)
    load_indicators(region)
    # Read through Django's own connection: in prepare_demo a separate (ADBC) connection was
    # seen to miss the survey and employment rows the earlier steps of the same process
    # wrote (suspected: the in-process job runner leaves SQLite's connection in a
    # transaction), which gave zeros.
    with transaction.atomic():
        summary = compute_snapshots(list(PLAN_YEARS))
    department = User.objects.get(username="department")
    city = User.objects.get(username="city")
    reported = 0
    for code, value in REPORTED.items():
        indicator = Indicator.objects.get(code=code)
        if ReportedValue.objects.filter(indicator=indicator, area=city_area, year=2025).exists():
            continue
        entered = actions.enter_reported_value(
            department,
            indicator,
            city_area,
            2025,
            Decimal(value),
            SimpleUploadedFile(
                f"demo-{code}-2025.txt",
                f"{indicator.name} 2025: {value}\n{NOTE}\n".encode(),
                content_type="text/plain",
            ),
            NOTE,
        )
        actions.confirm_reported_value(city, entered.pk)
        reported += 1
    report = actions.generate_report(city, "annual", 2025, city_area)
    actions.save_narrative(
        city,
        report.pk,
        {
            "summary": "（演示文本）2025年度监测报告示例，数字来自演示数据，不是正式统计。",
            "progress": "（演示文本）由经办人员根据上表填写。",
            "problems": "",
            "measures": "",
        },
    )
    report = actions.issue_report(city, report.pk)
    return DemoReport(summary.snapshots, reported, report, created=True)
