from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from outbox.kinds import kind_choices
from outbox.models import OutboxMail

from ..scoping import OpcoScopedAdminMixin, mails_q
from .changelists import BoundedDatesMixin
from .readonly import ReadOnlyAdminMixin


class KindFilter(admin.SimpleListFilter):
    """The kinds by the labels their domains gave them (the field has no choices)."""

    title = _("type")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kind_choices()

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(kind=self.value())
        return queryset


@admin.register(OutboxMail)
class OutboxMailAdmin(
    ReadOnlyAdminMixin, OpcoScopedAdminMixin, BoundedDatesMixin, admin.ModelAdmin
):
    """The outbox, to follow what was sent. Mails are written and sent by the services."""

    opco_scope = mails_q
    list_display = ("created_at", "kind_label", "recipient", "status", "attempts", "sent_at")
    list_filter = ("status", KindFilter)
    search_fields = ("recipient", "subject")
    date_hierarchy = "created_at"
    fields = (
        "kind_label",
        "recipient",
        "subject",
        "about_label",
        "note",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "claimed_at",
        "sent_at",
    )
    readonly_fields = fields
    deletable = True

    @admin.display(description=_("type"), ordering="kind")
    def kind_label(self, obj):
        return obj.get_kind_display()

    @admin.display(description=_("à propos de"))
    def about_label(self, obj):
        about = obj.about
        if about is None:
            return None
        return f"{about._meta.verbose_name} : {about}"
