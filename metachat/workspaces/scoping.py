"""The admin mixin that confines an operator to the workspaces they are a member of.

Every ModelAdmin of the project mixes it in. A staff operator lists, opens, changes and
deletes only objects of their workspaces; foreign-key choices are limited the same way;
new objects go into one of their workspaces; viewers read only; superusers see all.
Access follows membership rather than Django's per-model permissions, so adding someone
to a workspace is the one step that lets them operate it.
"""
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from metachat.workspaces.models import Membership, Workspace
from metachat.workspaces.selectors import roles_for_user

EDIT_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


def _roles(request) -> dict[int, str]:
    if not hasattr(request, "_workspace_roles"):
        request._workspace_roles = roles_for_user(request.user)
    return request._workspace_roles


def member_workspace_ids(request) -> set[int]:
    return set(_roles(request))


def editable_workspace_ids(request) -> set[int]:
    return {ws for ws, role in _roles(request).items() if role in EDIT_ROLES}


class WorkspaceScopedAdminMixin:
    """Scope a ModelAdmin to the operator's workspaces.

    `workspace_field` is the lookup path from the model to its Workspace
    (`"workspace"`, or `"delivery__workspace"` for a row that hangs off another).
    """

    workspace_field = "workspace"

    # --- which workspace an object belongs to -------------------------------------------
    def workspace_id_of(self, obj) -> int | None:
        if isinstance(obj, Workspace):
            return obj.pk
        *path, last = self.workspace_field.split("__")
        for part in path:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        # The foreign key's own column: reading it loads no workspace (a list asks per row).
        return getattr(obj, obj._meta.get_field(last).attname)

    def _is_superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def _is_operator(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    # --- what they see ----------------------------------------------------------------------
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._is_superuser(request):
            return queryset
        ids = member_workspace_ids(request) if self._is_operator(request) else set()
        if queryset.model is Workspace:
            return queryset.filter(pk__in=ids)
        return queryset.filter(**{f"{self.workspace_field}__in": ids})

    def changelist_view(self, request, extra_context=None):
        # "Webhooks", not the stock "Select webhook to change"; the add link's words, for
        # admins that name it (templates/admin/named_add/).
        title = self.model._meta.verbose_name_plural
        extra_context = {"title": title[:1].upper() + title[1:],
                         "add_label": getattr(self, "add_label", ""), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another workspace's object is simply not there: a 404, never a hint that it exists.
        raise Http404(f"No {opts.verbose_name} with id {object_id!r}.")

    # --- what they may do -------------------------------------------------------------------
    def has_module_permission(self, request):
        return self._is_superuser(request) or (
            self._is_operator(request) and bool(member_workspace_ids(request))
        )

    def has_view_permission(self, request, obj=None):
        if self._is_superuser(request):
            return True
        if not self._is_operator(request):
            return False
        ids = member_workspace_ids(request)
        return bool(ids) if obj is None else self.workspace_id_of(obj) in ids

    def may_change(self, request, obj=None) -> bool:
        """May this operator change `obj` (or, without one, anything here at all)?"""
        if self._is_superuser(request):
            return True
        if not self._is_operator(request):
            return False
        ids = editable_workspace_ids(request)
        return bool(ids) if obj is None else self.workspace_id_of(obj) in ids

    def has_add_permission(self, request, *args):
        return self.may_change(request)

    def has_change_permission(self, request, obj=None):
        return self.may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may_change(request, obj)

    def get_actions(self, request):
        # Bulk actions are for operators who may change something here: a viewer sees none
        # (and each action acts only on the part of the selection `changeable` returns).
        return super().get_actions(request) if self.may_change(request) else {}

    def changeable(self, request, objects) -> list:
        """The part of a selection (an action's queryset, say) this operator may change."""
        return [obj for obj in objects if self.may_change(request, obj)]

    def workspace_to_create_in(self, request, workspace_id: int | None) -> int:
        """The workspace a new object goes into: the one chosen, if the operator may change
        it; else their only one. Anything else is refused."""
        if self._is_superuser(request):
            if workspace_id is None:
                raise PermissionDenied("Choose a workspace.")
            return workspace_id
        ids = editable_workspace_ids(request)
        if workspace_id is None and len(ids) == 1:
            return next(iter(ids))
        if workspace_id not in ids:
            raise PermissionDenied("You cannot change objects of that workspace.")
        return workspace_id

    # --- what they may choose ---------------------------------------------------------------
    def _limit_choices(self, request, db_field, kwargs):
        if self._is_superuser(request):
            return
        ids = editable_workspace_ids(request)
        related = db_field.related_model
        if related is Workspace:
            kwargs["queryset"] = Workspace.objects.filter(pk__in=ids)
            if len(ids) == 1:
                kwargs.setdefault("initial", next(iter(ids)))
        elif _has_workspace_field(related):
            queryset = kwargs.get("queryset")
            if queryset is None:
                queryset = related._default_manager.all()
            kwargs["queryset"] = queryset.filter(workspace__in=ids)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._limit_choices(request, db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._limit_choices(request, db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not self._is_superuser(request):
            workspace_id = self.workspace_id_of(obj)
            if workspace_id is None and "__" in self.workspace_field:
                raise PermissionDenied("Choose one of your workspaces.")
            workspace_id = self.workspace_to_create_in(request, workspace_id)
            if "__" not in self.workspace_field:
                setattr(obj, f"{self.workspace_field}_id", workspace_id)
        super().save_model(request, obj, form, change)


def _has_workspace_field(model) -> bool:
    try:
        field = model._meta.get_field("workspace")
    except Exception:
        return False
    return isinstance(field, models.ForeignKey) and field.related_model is Workspace

