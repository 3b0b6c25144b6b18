"""Factories: every tenant object hangs off a WorkspaceFactory."""
import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from metachat.workspaces.models import Membership, Workspace


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"operator{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    # Tests log in with force_login; an unusable password skips the slow hasher.
    password = factory.LazyFunction(lambda: make_password(None))

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.OWNER


class EndUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.EndUser"

    workspace = factory.SubFactory(WorkspaceFactory)
    user_id = factory.Sequence(lambda n: f"customer-{n}")
    name = factory.Sequence(lambda n: f"Customer {n}")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.Conversation"

    workspace = factory.SubFactory(WorkspaceFactory)
    end_user = factory.SubFactory(
        EndUserFactory, workspace=factory.SelfAttribute("..workspace")
    )
