"""Buttons for the guide's verbs (Test, Revoke, Roll, Redeliver, Enable …) on the admin's
object pages and list rows.

django-object-actions draws the object page's buttons and routes them
(`…/<pk>/actions/<name>/`, POST with the CSRF token). It looks the object up without the
admin's scoping, so every button here runs only after the workspace rule of
`WorkspaceScopedAdminMixin` says this operator may change that object; anyone else gets
the same 404 as for an object that does not exist. A viewer sees no changing button.

    class WebhookAdmin(ObjectButtonsMixin, WorkspaceScopedAdminMixin, admin.ModelAdmin):
        change_actions = ["test"]
        row_actions = ["test"]

        @button("Test", description="Send a webhook.test event now")
        def test(self, request, webhook):
            ...
"""
from contextvars import ContextVar
from functools import wraps

from django.contrib.admin.utils import quote
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django_object_actions import DjangoObjectActions, action

# The object whose page is being drawn, for labels that name it (one per request).
_page_object: ContextVar = ContextVar("page_object", default=None)


def button(label: str, *, description: str = ""):
    """An object-page (and row) button that changes `obj`: POST only, scoped, labelled."""

    def decorate(method):
        @wraps(method)
        def run(self, request, obj):
            if not self.may_change(request, obj):
                raise Http404(f"No {self.model._meta.verbose_name} with that id.")
            response = method(self, request, obj)
            back = request.POST.get("next", "")
            if response is None and url_has_allowed_host_and_scheme(
                    back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
                return HttpResponseRedirect(back)  # a row's button: back to the list
            return response

        return action(run, label=label, description=description or label,
                      methods=("POST",), button_type="form")

    return decorate


class ObjectButtonsMixin(DjangoObjectActions):
    """Object-page buttons (`change_actions`) and the same buttons on each list row
    (`row_actions`), shown only to operators who may change the object."""

    row_actions: list[str] = []

    def get_change_actions(self, request, object_id, form_url):
        obj = self.get_object(request, object_id)
        if obj is None or not self.may_change(request, obj):
            return []
        return [name for name in super().get_change_actions(request, object_id, form_url)
                if self.button_shown(request, obj, name)]

    def button_shown(self, request, obj, name: str) -> bool:
        """Override to hide a button that makes no sense for this object (Enable on an
        active webhook, say)."""
        return True

    def button_label(self, obj, name: str) -> str:
        """Override for a label that names the object (“Test Salesforce connection”)."""
        return getattr(self, name).label

    def _get_tool_dict(self, tool_name):
        tool = super()._get_tool_dict(tool_name)
        obj = _page_object.get()
        if obj is not None:
            tool["label"] = self.button_label(obj, tool_name)
        return tool

    def change_view(self, request, object_id, form_url="", extra_context=None):
        token = _page_object.set(self.get_object(request, object_id) if object_id else None)
        try:
            return super().change_view(request, object_id, form_url, extra_context)
        finally:
            _page_object.reset(token)

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if not self.row_actions or not self.may_change(request):
            return columns

        def buttons(obj):
            if not self.may_change(request, obj):
                return "—"
            names = [n for n in self.row_actions if self.button_shown(request, obj, n)]
            # The rows sit inside the list's own form (bulk actions), and forms do not nest:
            # each button submits that form (its CSRF token included) to its own URL.
            back = request.get_full_path()
            return format_html_join(
                " ", '<button type="submit" form="changelist-form" formmethod="post" '
                'formaction="{}" formnovalidate name="next" value="{}" class="button" '
                'title="{}">{}</button>',
                ((reverse(self.tools_view_name, kwargs={"pk": quote(obj.pk), "tool": n}),
                  back, getattr(self, n).short_description, self.button_label(obj, n))
                 for n in names),
            ) or "—"

        buttons.short_description = "Actions"
        # Beside the name (the row's link), where it is seen without scrolling.
        return (*columns[:1], buttons, *columns[1:])
