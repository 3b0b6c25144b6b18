"""Factories: every tenant object hangs off a WorkspaceFactory."""
import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from apikeys.scopes import SCOPES
from integrations.models import Webhook
from integrations.webhooks.signing import secret_generate
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


class WebhookFactory(factory.django.DjangoModelFactory):
    """A webhook; give it `url=receiver.url` to deliver to a local receiver."""

    class Meta:
        model = Webhook

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Webhook {n}")
    url = "https://hooks.example.com/metachat"
    events = factory.LazyFunction(lambda: ["*"])
    secrets = factory.LazyFunction(lambda: [{"secret": secret_generate(), "expires_at": None}])

class ApiKeyFactory(factory.django.DjangoModelFactory):
    """An API key made by the real service; the instance carries its plaintext as `.secret`.

    Other fields (revoked_at, last_used_at, …) are written after creation.
    """

    class Meta:
        model = "apikeys.ApiKey"

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Key {n}")
    scopes = factory.LazyFunction(lambda: list(SCOPES))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from apikeys.services import api_key_create

        create_fields = {"workspace", "name", "scopes", "created_by", "expires_at", "rate_limit",
                         "kind", "allowed_origins"}
        later = {k: kwargs.pop(k) for k in list(kwargs) if k not in create_fields}
        api_key, secret = api_key_create(**kwargs)
        if later:
            for field, value in later.items():
                setattr(api_key, field, value)
            api_key.save(update_fields=list(later))
        api_key.secret = secret
        return api_key


class PublishableKeyFactory(ApiKeyFactory):
    """A publishable (widget) key allowed on `allowed_origins`; `.secret` is the mc_pub_ key."""

    kind = "publishable"
    scopes = factory.LazyFunction(list)
    allowed_origins = factory.LazyFunction(lambda: ["https://shop.example.com"])


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

class CrmConnectionFactory(factory.django.DjangoModelFactory):
    """A Salesforce connection saved without asking a CRM (its instance is a closed
    loopback port, so nothing outside this machine is ever contacted)."""

    class Meta:
        model = "crm.CrmConnection"
        skip_postgeneration_save = True

    workspace = factory.SubFactory(WorkspaceFactory)
    provider = "salesforce"
    name = factory.Sequence(lambda n: f"CRM {n}")
    target_object = "Task"
    credentials = factory.LazyFunction(lambda: {
        "instance_url": "https://127.0.0.1:9", "client_id": "id", "client_secret": "secret"})
    field_mappings = factory.RelatedFactory(
        "tests.factories.FieldMappingFactory", factory_related_name="connection"
    )


class FieldMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.FieldMapping"

    connection = factory.SubFactory(CrmConnectionFactory, field_mappings=None)
    source_field = "conversation_id"
    target_field = "Subject"
