"""Writes to workspaces, memberships and the operators who are members."""
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from metachat.workspaces.identity import identity_secret_generate
from metachat.workspaces.models import Membership, Workspace


@transaction.atomic
def workspace_create(*, name: str, timezone: str = "UTC", owner=None) -> Workspace:
    workspace = Workspace(name=name, timezone=timezone)
    workspace.full_clean()
    workspace.save()
    if owner is not None:
        membership_set(workspace=workspace, user=owner, role=Membership.Role.OWNER)
    return workspace


# What an operator may change on a workspace; the identity secret changes only by rotation.
WORKSPACE_SETTINGS = (
    "name", "timezone", "escalation_threshold", "idle_timeout_minutes", "widget_name",
    "widget_greeting", "widget_colour", "identity_verification_required",
)


@transaction.atomic
def workspace_update(*, workspace: Workspace, **settings) -> Workspace:
    """Change the workspace's settings (`WORKSPACE_SETTINGS`), checked by the model."""
    unknown = set(settings) - set(WORKSPACE_SETTINGS)
    if unknown:
        raise TypeError(f"Not a workspace setting: {', '.join(sorted(unknown))}.")
    for name, value in settings.items():
        setattr(workspace, name, value)
    workspace.full_clean()
    workspace.save(update_fields=list(settings) or None)
    return workspace


def operator_get_or_create(*, username: str) -> tuple[object, str | None]:
    """The user named `username`, or a new staff user of that name with a generated
    password; returns the user and the password when it was made (the only time it is
    known), else None."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, None
    user = User(username=username, is_staff=True)
    user.full_clean(exclude=["password"])
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.save()
    return user, password


def membership_set(*, workspace: Workspace, user, role: str) -> Membership:
    """Give `user` the `role` in `workspace` (creating or changing the membership)."""
    if not user.is_staff:
        # The admin only lets staff in; a member who cannot log in would be surprising.
        get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    membership, _ = Membership.objects.update_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def workspace_identity_secret_rotate(*, workspace: Workspace) -> str:
    """Give the workspace a new identity secret and return it (the only time it is shown).
    Hashes made with the old secret stop verifying at once."""
    secret = identity_secret_generate()
    workspace.identity_secret = secret
    workspace.save(update_fields=["identity_secret"])
    return secret
