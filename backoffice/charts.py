"""The geometry of the dashboard's charts, drawn as SVG by templates/admin/dashboard_*.html:
computed here so that the templates only place what they are given. No JavaScript, no
library; every bar carries its figure as text, and each chart's figures are also in a table.
"""

import dataclasses
import datetime

from django.utils.translation import gettext_lazy as _

from catalogue.formats import day_number

# French abbreviations of the months (Imprimerie nationale's), January first.
MONTHS_SHORT = (
    _("janv."),
    _("févr."),
    _("mars"),
    _("avr."),
    _("mai"),
    _("juin"),
    _("juil."),
    _("août"),
    _("sept."),
    _("oct."),
    _("nov."),
    _("déc."),
)

WIDTH = 720
ROW_HEIGHT = 30
BAR_HEIGHT = 16
TOP = 10


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def short_day(day: datetime.date | None) -> str:
    """ "1er janv.", "12 mars"."""
    if day is None:
        return str(_("sans date"))
    return f"{day_number(day)} {MONTHS_SHORT[day.month - 1]}"


def session_label(session) -> str:
    """ "M1 · 12 mars · Tours · Groupe 2": short enough for a chart's row."""
    return " · ".join(
        (f"M{session.module.number}", short_day(session.first_date), session.city, session.label)
    )


@dataclasses.dataclass(frozen=True)
class FillRow:
    label: str
    text: str
    under_minimum: bool
    y: int
    text_y: int
    capacity_width: float
    held_width: float
    minimum_x: float | None


@dataclasses.dataclass(frozen=True)
class FillChart:
    rows: list[FillRow]
    width: int
    height: int
    label_width: int
    bars_x: int
    text_x: int


def fill_chart(sessions) -> FillChart:
    """One row per session: its capacity as an outline, the seats held as a bar inside it
    (hatched when under the minimum), the minimum as a dashed mark, and its `fill_text`
    ("9 / 12 · min 6") after it. `sessions` carry `seats_held_count`, `fill_text` and
    `under_minimum` (the dashboard's view sets the last two)."""
    label_width, bars_width = 250, 280
    bars_x = label_width + 10
    scale = bars_width / max([session.capacity for session in sessions] + [1])
    rows = []
    for index, session in enumerate(sessions):
        y = TOP + index * ROW_HEIGHT
        rows.append(
            FillRow(
                label=_truncate(session_label(session), 36),
                text=session.fill_text,
                under_minimum=session.under_minimum,
                y=y,
                text_y=y + BAR_HEIGHT - 3,
                capacity_width=round(session.capacity * scale, 1),
                held_width=round(min(session.seats_held_count, session.capacity) * scale, 1),
                minimum_x=(
                    round(bars_x + session.min_participants * scale, 1)
                    if session.min_participants
                    else None
                ),
            )
        )
    return FillChart(
        rows=rows,
        # Room for "12 / 12 · min 6 · sous le minimum" after the longest bar.
        width=bars_x + bars_width + 270,
        height=TOP * 2 + len(rows) * ROW_HEIGHT,
        label_width=label_width,
        bars_x=bars_x,
        text_x=bars_x + bars_width + 10,
    )


@dataclasses.dataclass(frozen=True)
class HBar:
    label: str
    value: int
    y: int
    text_y: int
    width: float
    text_x: float


@dataclasses.dataclass(frozen=True)
class HBarChart:
    rows: list[HBar]
    height: int
    label_x: int
    bars_x: int


def hbar_chart(items: list[tuple[str, int]]) -> HBarChart:
    """Horizontal bars, one per (label, value), the value written after its bar."""
    label_width, bars_width = 230, 400
    bars_x = label_width + 10
    scale = bars_width / max([value for _label, value in items] + [1])
    rows = []
    for index, (label, value) in enumerate(items):
        y = TOP + index * ROW_HEIGHT
        width = round(value * scale, 1)
        rows.append(
            HBar(
                label=_truncate(label, 34),
                value=value,
                y=y,
                text_y=y + BAR_HEIGHT - 3,
                width=width,
                text_x=bars_x + width + 6,
            )
        )
    return HBarChart(
        rows=rows, height=TOP * 2 + len(rows) * ROW_HEIGHT, label_x=label_width, bars_x=bars_x
    )


@dataclasses.dataclass(frozen=True)
class VBar:
    month: str
    year: str
    value: int
    x: float
    center: float
    y: float
    height: float
    value_y: float


@dataclasses.dataclass(frozen=True)
class VBarChart:
    bars: list[VBar]
    width: int
    height: int
    baseline: int
    bar_width: float
    month_y: int
    year_y: int


def month_chart(items: list[tuple[datetime.date, int]]) -> VBarChart:
    """Vertical bars, one per month (first day, value), the value above its bar, the month and
    its year below."""
    height, plot_top, plot_height = 240, 24, 160
    baseline = plot_top + plot_height
    slot = (WIDTH - 20) / max(len(items), 1)
    bar_width = round(slot * 0.6, 1)
    scale = plot_height / max([value for _month, value in items] + [1])
    bars = []
    for index, (month, value) in enumerate(items):
        bar_height = round(value * scale, 1)
        center = round(10 + slot * index + slot / 2, 1)
        bars.append(
            VBar(
                month=str(MONTHS_SHORT[month.month - 1]),
                year=str(month.year),
                value=value,
                x=round(center - bar_width / 2, 1),
                center=center,
                y=round(baseline - bar_height, 1),
                height=bar_height,
                value_y=round(baseline - bar_height - 6, 1),
            )
        )
    return VBarChart(
        bars=bars,
        width=WIDTH,
        height=height,
        baseline=baseline,
        bar_width=bar_width,
        month_y=baseline + 18,
        year_y=baseline + 34,
    )
