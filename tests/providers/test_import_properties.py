"""Whatever a file holds, the upload answers a form error or a checked preview, never an
exception; and a preview without error imports without one (hypothesis)."""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue.models import Session
from enrolment.transitions import Actor
from providers.imports import (
    COLUMNS,
    ImportFileError,
    ImportRejected,
    RawRow,
    Sheet,
    import_apply,
    import_preview,
    read_upload,
)
from tests.factories import ModuleFactory, ProviderFactory, TrainerFactory
from tests.security.strategies import date_inputs, int_inputs, texts, time_inputs

from .import_helpers import HEADER, row

pytestmark = pytest.mark.django_db


class Upload(io.BytesIO):
    @property
    def size(self):
        return len(self.getvalue())


@given(
    st.one_of(
        st.binary(max_size=4_000),
        st.builds(lambda tail: b"PK\x03\x04" + tail, st.binary(max_size=2_000)),
        st.builds(
            lambda tail: ";".join(HEADER).encode() + b"\r\n" + tail, st.binary(max_size=2_000)
        ),
    )
)
def test_any_bytes_are_a_sheet_or_a_file_error(content):
    try:
        read_upload(Upload(content), max_bytes=10_000, max_rows=50)
    except ImportFileError as error:
        assert error.message


CELLS = {
    "reference": texts,
    "module": st.one_of(st.sampled_from(["1", "2", "Module 1"]), texts),
    "dates": st.one_of(date_inputs, st.lists(date_inputs, max_size=3).map(";".join)),
    "horaires": st.one_of(
        st.builds("{}-{} {}-{}".format, time_inputs, time_inputs, time_inputs, time_inputs),
        texts,
    ),
    "date_limite": date_inputs,
    "places": int_inputs,
    "minimum": int_inputs,
    "code_postal": st.one_of(st.sampled_from(["45000", "20100", "97400", "00000"]), texts),
}


@given(column=st.sampled_from(COLUMNS), data=st.data())
def test_any_cell_is_an_error_or_a_row_that_imports(column, data):
    ModuleFactory(number=1)
    provider = ProviderFactory()
    TrainerFactory(provider=provider, first_name="Chantal", last_name="Dupré")
    value = data.draw(CELLS.get(column, texts))
    cells = dict(zip(HEADER, row(), strict=True))
    cells[column] = value
    sheet = Sheet(rows=[RawRow(number=2, cells=cells)], columns=list(COLUMNS), extra_columns=[])
    preview = import_preview(provider=provider, sheet=sheet)
    if preview.errors:
        assert all(error.row == 2 for error in preview.errors)
        return
    before = Session.objects.count()
    try:
        import_apply(provider_id=provider.pk, rows=preview.data(), by=Actor.job("test"))
    except ImportRejected:
        assert Session.objects.count() == before
    else:
        assert Session.objects.count() == before + 1
