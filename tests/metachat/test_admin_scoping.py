"""An operator of workspace A sees and changes only A's objects, through real admin URLs."""
import pytest
from django.urls import reverse

from metachat.workspaces.models import Membership, Workspace
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def b_membership(other_workspace):
    return MembershipFactory(workspace=other_workspace, user=UserFactory(username="bob"))


@pytest.fixture
def client_a(client, operator):
    client.force_login(operator)
    return client


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def delete_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_delete", args=[obj.pk])


def test_lists_show_only_the_operators_workspaces(client_a, workspace, b_membership):
    workspaces = client_a.get(reverse("admin:workspaces_workspace_changelist"))
    memberships = client_a.get(reverse("admin:workspaces_membership_changelist"))

    assert workspaces.status_code == 200
    assert list(workspaces.context["cl"].result_list) == [workspace]
    assert [m.workspace for m in memberships.context["cl"].result_list] == [workspace]
    assert b"Globex" not in workspaces.content
    assert b"bob" not in memberships.content


@pytest.mark.parametrize("url", [change_url, delete_url])
def test_another_workspaces_objects_are_not_found(client_a, b_membership, url):
    assert client_a.get(url(b_membership)).status_code == 404


def test_another_workspace_itself_is_not_found(client_a, other_workspace):
    assert client_a.get(change_url(other_workspace)).status_code == 404
    # Only superusers delete workspaces at all: refused before any lookup, so nothing leaks.
    assert client_a.get(delete_url(other_workspace)).status_code == 403


def test_posting_a_change_to_another_workspaces_object_changes_nothing(client_a, b_membership):
    response = client_a.post(
        change_url(b_membership),
        {"workspace": b_membership.workspace_id, "user": b_membership.user_id, "role": "viewer"},
    )

    b_membership.refresh_from_db()
    assert response.status_code == 404
    assert b_membership.role == Membership.Role.OWNER


def test_foreign_key_choices_are_limited_to_the_operators_workspaces(
    client_a, workspace, other_workspace, b_membership
):
    form = client_a.get(reverse("admin:workspaces_membership_add")).context["adminform"].form

    assert list(form.fields["workspace"].queryset) == [workspace]
    assert form.fields["workspace"].initial == workspace.pk
    assert "bob" not in {u.username for u in form.fields["user"].queryset}


def test_a_new_object_cannot_be_saved_into_another_workspace(client_a, operator, other_workspace):
    colleague = UserFactory(username="carol")
    response = client_a.post(
        reverse("admin:workspaces_membership_add"),
        {"workspace": other_workspace.pk, "user": colleague.pk, "role": "admin"},
    )

    assert response.status_code == 200  # the form comes back with an error
    assert "workspace" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(workspace=other_workspace, user=colleague).exists()


def test_viewers_read_but_cannot_change(client, workspace):
    viewer = MembershipFactory(workspace=workspace, role=Membership.Role.VIEWER).user
    client.force_login(viewer)

    page = client.get(change_url(workspace))
    post = client.post(change_url(workspace), {"name": "Renamed", "timezone": "UTC"})

    workspace.refresh_from_db()
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert post.status_code == 403
    assert workspace.name == "Acme"
    assert client.get(reverse("admin:workspaces_membership_add")).status_code == 403


def test_an_owner_can_change_their_own_workspace(client_a, workspace):
    response = client_a.post(change_url(workspace), {"name": "Acme Inc", "timezone": "Europe/Paris",
                                                      "escalation_threshold": 0.6,
                                                      "idle_timeout_minutes": 15,
                                                      "memberships-TOTAL_FORMS": 0,
                                                      "memberships-INITIAL_FORMS": 0})

    workspace.refresh_from_db()
    assert response.status_code == 302
    assert (workspace.name, workspace.timezone) == ("Acme Inc", "Europe/Paris")
    assert (workspace.escalation_threshold, workspace.idle_timeout_minutes) == (0.6, 15)


def test_staff_without_membership_sees_nothing(client, db, workspace):
    client.force_login(UserFactory(username="stranger"))

    assert client.get(reverse("admin:workspaces_workspace_changelist")).status_code == 403
    assert client.get(change_url(workspace)).status_code in (403, 404)


def test_superusers_see_every_workspace(client, workspace, other_workspace):
    client.force_login(UserFactory(username="root", is_superuser=True))

    listing = client.get(reverse("admin:workspaces_workspace_changelist"))

    assert set(listing.context["cl"].result_list) == {workspace, other_workspace}
    assert client.get(change_url(other_workspace)).status_code == 200


def test_an_owner_generates_an_identity_secret_shown_once(client_a, workspace, other_workspace):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    response = client_a.post(
        reverse("admin:workspaces_workspace_changelist"),
        {"action": "rotate_identity_secret",
         ACTION_CHECKBOX_NAME: [workspace.pk, other_workspace.pk]}, follow=True,
    )

    workspace.refresh_from_db()
    other_workspace.refresh_from_db()
    shown = " ".join(str(m) for m in response.context["messages"])
    assert workspace.identity_secret and workspace.identity_secret in shown
    assert other_workspace.identity_secret == ""  # not the operator's workspace
    page = client_a.get(change_url(workspace)).content.decode()
    assert workspace.identity_secret not in page
    assert "Set (hidden" in page


def test_verification_cannot_be_required_without_an_identity_secret(client_a, workspace):
    response = client_a.post(change_url(workspace), {
        "name": "Acme", "timezone": "UTC", "escalation_threshold": 0.5,
        "idle_timeout_minutes": 30, "identity_verification_required": "on",
        "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0,
    })

    workspace.refresh_from_db()
    assert response.status_code == 200
    assert "Generate an identity secret first" in response.content.decode()
    assert workspace.identity_verification_required is False


def test_a_membership_saved_in_the_admin_lets_the_member_in(client, workspace):
    """Through membership_set, as the setup commands do: the new member becomes staff."""
    client.force_login(UserFactory(username="root", is_superuser=True))
    newcomer = UserFactory(username="nina", is_staff=False)

    response = client.post(reverse("admin:workspaces_membership_add"),
                           {"workspace": workspace.pk, "user": newcomer.pk, "role": "viewer"})

    newcomer.refresh_from_db()
    assert response.status_code == 302
    assert Membership.objects.get(workspace=workspace, user=newcomer).role == "viewer"
    assert newcomer.is_staff


def test_only_a_memberships_role_changes(client_a, workspace, other_workspace):
    colleague = MembershipFactory(workspace=workspace, user=UserFactory(username="carl"),
                                  role=Membership.Role.VIEWER)
    MembershipFactory(workspace=other_workspace, user=colleague.user)

    response = client_a.post(change_url(colleague), {
        "workspace": other_workspace.pk, "user": colleague.user_id, "role": "admin"})

    colleague.refresh_from_db()
    assert response.status_code == 302
    assert (colleague.workspace, colleague.role) == (workspace, Membership.Role.ADMIN)
    assert Membership.objects.get(workspace=other_workspace, user=colleague.user).role == "owner"


def test_a_superuser_adds_a_workspace_through_the_service(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True))

    response = client.post(reverse("admin:workspaces_workspace_add"), {
        "name": "Initech", "timezone": "Europe/Paris", "escalation_threshold": 0.4,
        "idle_timeout_minutes": 20, "widget_colour": "", "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0})

    workspace = Workspace.objects.get(name="Initech")
    assert response.status_code == 302
    assert workspace.public_id.startswith("ws_")
    assert (workspace.timezone, workspace.escalation_threshold,
            workspace.idle_timeout_minutes) == ("Europe/Paris", 0.4, 20)


def test_the_admin_home_lists_the_integration_sections_first(client_a):
    page = client_a.get(reverse("admin:index"))

    sections = [app["name"] for app in page.context["app_list"]]
    assert sections[:4] == ["Integrations", "CRM integrations", "Zapier", "Reports"]
    assert sections.index("Settings") < sections.index("Workspaces")
    assert "Integrations dashboard" in page.content.decode()


def test_list_pages_are_titled_with_what_they_list(client_a):
    page = client_a.get(reverse("admin:apikeys_apikey_changelist"))

    assert page.context["title"] == "API keys"
    assert "to change" not in page.content.decode()
    assert "Settings" in page.content.decode()  # the guide's Settings → API Keys


@pytest.mark.parametrize("name", ["integrations_webhook", "crm_crmconnection",
                                  "apikeys_apikey", "reports_reportschedule"])
def test_viewers_get_no_bulk_actions(client, workspace, operator, name):
    viewer = MembershipFactory(workspace=workspace, role=Membership.Role.VIEWER).user
    url = reverse(f"admin:{name}_changelist")

    client.force_login(operator)
    assert client.get(url).context["action_form"] is not None  # the owner has them
    client.force_login(viewer)
    page = client.get(url)

    assert page.status_code == 200
    assert page.context["action_form"] is None


def test_telling_an_objects_workspace_loads_no_workspace(
    client_a, operator, workspace, other_workspace, django_assert_num_queries
):
    # Row buttons and bulk actions ask this for every row of a list.
    from django.contrib import admin

    from integrations.models import Webhook
    from tests.factories import WebhookFactory

    webhook_admin = admin.site._registry[Webhook]
    mine = Webhook.objects.get(pk=WebhookFactory(workspace=workspace).pk)
    theirs = Webhook.objects.get(pk=WebhookFactory(workspace=other_workspace).pk)

    with django_assert_num_queries(0):
        assert webhook_admin.workspace_id_of(mine) == workspace.pk
        assert webhook_admin.workspace_id_of(theirs) == other_workspace.pk
        assert webhook_admin.workspace_id_of(Webhook()) is None
        assert webhook_admin.workspace_id_of(workspace) == workspace.pk
