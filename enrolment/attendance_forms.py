"""The attendance grid as a form, the same for a provider's member and OPCO staff: one radio
group per cell of a day that has started (present / absent / excused), saved in one submit by
`attendance.attendance_record`; `attendance_grid_submit` is the pages' whole flow."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from catalogue.formats import long_date
from catalogue.models import Session

from .attendance import AttendanceGrid, GridCell, Mark, attendance_grid, attendance_record
from .models import Attendance
from .transitions import Actor

FIELD_PREFIX = "presence"

STALE_GRID = _(
    "La feuille a changé depuis son affichage (un stagiaire ou une journée en moins) : "
    "rechargez la page, rien n'a été enregistré."
)


def cell_field_name(cell: GridCell) -> str:
    enrolment_id, day_id, half_day = cell.key
    return f"{FIELD_PREFIX}-{enrolment_id}-{day_id}-{half_day}"


def cell_label(cell: GridCell) -> str:
    """What a screen reader hears for a cell, and what the error summary names."""
    return _("%(trainee)s, %(date)s, %(half_day)s") % {
        "trainee": cell.enrolment.trainee.full_name,
        "date": long_date(cell.column.day.date),
        "half_day": cell.column.label.lower(),
    }


class AttendanceGridForm(forms.Form):
    """One optional choice per editable cell (days that have started), initially what is
    recorded; a cell left empty keeps what is recorded. `fill_present` marks present the cells
    still empty, for the common case where nearly everyone came."""

    fill_present = forms.BooleanField(
        label=_("Marquer présent(e) chaque case laissée vide"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, grid: AttendanceGrid, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        self.cell_fields = {}
        for cell in grid.editable_cells:
            name = cell_field_name(cell)
            self.fields[name] = forms.ChoiceField(
                label=cell_label(cell),
                choices=Attendance.Status.choices,
                required=False,
                widget=forms.RadioSelect,
            )
            self.initial[name] = cell.status
            self.cell_fields[name] = cell

    def rows(self):
        """The grid's rows for the template: (row, [(cell, bound field or None)])."""
        for row in self.grid.rows:
            yield (
                row,
                [
                    (cell, self[cell_field_name(cell)] if cell.column.started else None)
                    for cell in row.cells
                ],
            )

    def clean(self):
        cleaned_data = super().clean()
        if self.grid.closed_reason:
            # The service refuses it as well; said once, before the cells it offers none of.
            raise ValidationError(self.grid.closed_reason, code="closed")
        # A cell the page did not offer (a trainee no longer confirmed, a day removed or not
        # started yet, another session's ids) refuses the whole grid: nothing is half saved.
        posted = {key for key in self.data if key.startswith(f"{FIELD_PREFIX}-")}
        if posted - set(self.cell_fields):
            raise ValidationError(STALE_GRID, code="stale")
        return cleaned_data

    def marks(self) -> dict[Mark, str]:
        fill = self.cleaned_data.get("fill_present")
        marks = {}
        for name, cell in self.cell_fields.items():
            status = self.cleaned_data.get(name) or cell.status
            if not status and fill:
                status = Attendance.Status.PRESENT
            if status:
                marks[cell.key] = status
        return marks

    def save(self, *, by: Actor) -> tuple[int, int] | None:
        """Record the grid: (created, changed), or None when the service refuses it (rows gone
        or days moved meanwhile), its reasons then being the form's errors."""
        try:
            return attendance_record(session_id=self.grid.session.pk, marks=self.marks(), by=by)
        except ValidationError as error:
            self.add_error(None, error)
            return None


SAVED = _("La feuille de présence est enregistrée.")


def attendance_grid_submit(
    request: HttpRequest, session: Session, *, by: Actor
) -> tuple[AttendanceGridForm, bool]:
    """The grid's page flow, for the providers' space and the admin alike: the form of the
    session's grid, bound to the request's POST and saved when there is one. Returns (form,
    saved); once saved, the success message is added and the caller redirects, else it
    renders the form (with its errors)."""
    posted = request.method == "POST"
    form = AttendanceGridForm(attendance_grid(session), request.POST if posted else None)
    saved = posted and form.is_valid() and form.save(by=by) is not None
    if saved:
        messages.success(request, SAVED)
    return form, saved
