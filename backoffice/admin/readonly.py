"""Admins that show what the services wrote and never write it by hand."""


class ReadOnlyAdminMixin:
    """No add, no change (the change page shows the row read-only): the services write these
    rows. Deleting is refused as well, unless `deletable` (rows staff may erase, on request or
    to clean up), and then as the next class says."""

    deletable = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)
