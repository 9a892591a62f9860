"""Buttons on an admin change page that run one of the model admin's list actions on that
object, so that a status change goes through the same service whichever way staff take."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path

from enrolment.services import EnrolmentError

from .objects import object_change_url


class ChangePageActionsMixin:
    """`OBJECT_ACTIONS` maps a URL suffix to the name of an admin action; each becomes
    `<object_id>/<suffix>/` (POST only), named `<app>_<model>_<action>`."""

    OBJECT_ACTIONS: dict[str, str] = {}

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(self.object_action_view),
                {"action": action},
                name="{}_{}_{}".format(*info, action),
            )
            for suffix, action in self.OBJECT_ACTIONS.items()
        ]
        return urls + super().get_urls()

    def object_action_view(self, request, object_id, action):
        """Run the action on the object of the change page, then go back to that page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        actions = self.get_actions(request)
        if action not in actions or not self.has_change_permission(request, obj):
            raise PermissionDenied
        func = actions[action][0]
        response = func(self, request, self.get_queryset(request).filter(pk=obj.pk))
        return response or redirect(object_change_url(self, obj))


class ServiceErrorsAsMessagesMixin:
    """The forms check the rules first, to show each error next to its field; the services
    check them again under the session lock. A rule broken in between (a seat taken meanwhile),
    or one only the service checks (a published session's last day deleted), rolls back the
    admin's transaction, and the page says why instead of failing: on the change page, the
    delete page and the list's "delete selected"."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._service_errors_as_messages(
            request, super().changeform_view, request, object_id, form_url, extra_context
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self._service_errors_as_messages(
            request, super().delete_view, request, object_id, extra_context
        )

    def changelist_view(self, request, extra_context=None):
        return self._service_errors_as_messages(
            request, super().changelist_view, request, extra_context
        )

    def _service_errors_as_messages(self, request, view, *args):
        try:
            return view(*args)
        except EnrolmentError as error:
            message = error.message
        except ValidationError as error:
            message = " ".join(error.messages)
        self.message_user(request, message, messages.ERROR)
        return redirect(request.get_full_path())
