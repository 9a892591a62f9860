"""The admin's lists: hardened against what a URL can carry; the sessions' own filters."""

import datetime

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrolment.selectors import under_minimum_q


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


class SessionWhenFilter(admin.SimpleListFilter):
    """Upcoming sessions (not ended, or without days yet) unless staff ask for the past ones
    or all: the list opens on what is still to be run."""

    title = _("dates")
    parameter_name = "quand"
    UPCOMING, PAST, ALL = "a-venir", "passees", "toutes"

    def lookups(self, request, model_admin):
        return (
            (self.UPCOMING, _("à venir ou en cours")),
            (self.PAST, _("passées")),
            (self.ALL, _("toutes")),
        )

    def value(self):
        value = super().value()
        return value if value in (self.PAST, self.ALL) else self.UPCOMING

    def choices(self, changelist):
        # No "Tout" entry of Django's: "toutes" is one of the lookups, upcoming the default.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value()
        if value == self.PAST:
            return queryset.filter(last_day_date__lt=today)
        if value == self.UPCOMING:
            return queryset.filter(Q(last_day_date__gte=today) | Q(last_day_date__isnull=True))
        return queryset


class UnderMinimumFilter(admin.SimpleListFilter):
    """Sessions, not cancelled, under their minimum (enrolment.selectors.under_minimum_q: fewer
    confirmed and pending trainees than the minimum), or full (no seat left). On SessionAdmin's
    queryset, annotated with `minimum_counts()` and `seats_held_count`."""

    title = _("remplissage")
    parameter_name = "remplissage"

    def lookups(self, request, model_admin):
        return (("sous-minimum", _("sous le minimum")), ("complet", _("complètes")))

    def queryset(self, request, queryset):
        active = queryset.exclude(status="cancelled")
        if self.value() == "sous-minimum":
            return active.filter(under_minimum_q())
        if self.value() == "complet":
            return active.filter(seats_held_count__gte=F("capacity"))
        return queryset


class PendingValidationsFilter(admin.SimpleListFilter):
    """Sessions with enrolments awaiting a decision (to validate)."""

    title = _("inscriptions à valider")
    parameter_name = "a-valider"

    def lookups(self, request, model_admin):
        return (("oui", _("avec des inscriptions à valider")),)

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(has_pending_enrolments=True)
        return queryset


class ToReviewFilter(admin.SimpleListFilter):
    """What a provider sent and the OPCO must look at: new sessions submitted, and published
    ones with a proposed change."""

    title = _("propositions des organismes")
    parameter_name = "a-examiner"

    def lookups(self, request, model_admin):
        return (
            ("tout", _("à examiner (nouvelles ou modifiées)")),
            ("nouvelles", _("nouvelles sessions soumises")),
            ("modifiees", _("modifications en attente")),
        )

    def queryset(self, request, queryset):
        value = self.value()
        if value == "tout":
            return queryset.filter(Q(status="submitted") | Q(has_pending_change=True))
        if value == "nouvelles":
            return queryset.filter(status="submitted")
        if value == "modifiees":
            return queryset.filter(has_pending_change=True)
        return queryset
