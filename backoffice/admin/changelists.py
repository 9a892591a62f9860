"""The admin's lists, hardened against what a URL can carry."""

import datetime

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class BoundedDatesChangeList(ChangeList):
    """A date drill-down (`?created_at__year=9999&created_at__month=12`) ends where the next
    year, month or day starts, which Django computes from the start: year 9999 has no next
    year, and a 30-digit year is no C long, so Django answered 500. Such a year is refused as
    Django refuses an unknown filter (the list with "?e=1")."""

    def get_filters(self, request):
        if self.date_hierarchy:
            year = request.GET.get(f"{self.date_hierarchy}__year")
            try:
                out_of_range = year is not None and int(year) >= datetime.MAXYEAR
            except ValueError:
                out_of_range = False  # not a number: Django refuses it itself
            if out_of_range:
                raise IncorrectLookupParameters(f"Year out of range: {year[:20]}")
        return super().get_filters(request)


class BoundedDatesMixin:
    """For a ModelAdmin with a `date_hierarchy`."""

    def get_changelist(self, request, **kwargs):
        return BoundedDatesChangeList
