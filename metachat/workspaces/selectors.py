"""Reads about who may see and change which workspace."""
from metachat.workspaces.models import Membership


def roles_for_user(user) -> dict[int, str]:
    """{workspace id: role} for every workspace the user is a member of."""
    if not user.is_authenticated:
        return {}
    return dict(Membership.objects.filter(user=user).values_list("workspace_id", "role"))


def workspace_emails_for_alerts(*, workspace) -> list[str]:
    """Email addresses of the workspace's owners and admins."""
    return sorted(
        {
            email
            for email in Membership.objects.filter(
                workspace=workspace, role__in=[Membership.Role.OWNER, Membership.Role.ADMIN]
            ).values_list("user__email", flat=True)
            if email
        }
    )
