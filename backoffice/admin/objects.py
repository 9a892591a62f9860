"""The object of an admin's custom page (convocation, attendance, documents, preview, personal
data...): found through the admin's scoped queryset, so that another OPCO's answers 404, then
checked against the admin's view or change permission; and the URL of its change page, where
those pages lead back."""

from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse


def scoped_object(model_admin, request, object_id, *, change: bool = False):
    """The object, or Http404 when the user's queryset lacks it; PermissionDenied without the
    view permission (with `change`, the change permission) on it."""
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404
    allowed = (
        model_admin.has_change_permission(request, obj)
        if change
        else model_admin.has_view_permission(request, obj)
    )
    if not allowed:
        raise PermissionDenied
    return obj


def object_change_url(model_admin, obj) -> str:
    """The URL of `obj`'s change page in `model_admin`'s site."""
    opts = model_admin.opts
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change",
        args=[quote(obj.pk)],
        current_app=model_admin.admin_site.name,
    )
