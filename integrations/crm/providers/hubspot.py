"""HubSpot through hubspot-api-client: private-app token; notes, tickets or contacts."""
from __future__ import annotations

import json
import logging

import requests
import urllib3
from hubspot import Client
from hubspot.crm.objects import (
    ApiException,
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicAssociationsForObject,
    PublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.properties import ApiException as PropertiesApiException
from hubspot.discovery.discovery_base import DiscoveryBase

from integrations.crm.providers import register
from integrations.crm.providers.base import (
    CredentialField,
    CrmProvider,
    DefaultMapping,
    ErrorWording,
    PushResult,
    api_host,
    clip,
    transport_error,
)
from integrations.egress import Urllib3Bridge

logger = logging.getLogger(__name__)

API_HOST = "https://api.hubapi.com"
# HubSpot-defined association types from a note/ticket to a contact.
ASSOCIATION_TO_CONTACT = {"notes": 202, "tickets": 16}
OBJECT_TYPES = {"note": "notes", "ticket": "tickets", "contact": "contacts"}


@register
class HubSpotProvider(CrmProvider):
    key = "hubspot"
    label = "HubSpot"
    credential_fields = (
        CredentialField(
            "access_token", "Access token", secret=True,
            help_text="The private app's access token (pat-…), with the CRM object scopes.",
        ),
    )
    target_objects = ("note", "ticket", "contact")
    default_target_object = "note"
    max_batch = 100
    errors = ErrorWording(
        credentials="the access token",
        auth_advice="Create a new token for the private app and paste it here.",
        forbidden_advice="Give the private app the CRM scopes it needs.",
        default_retry_after=10.0,
    )
    setup_help = (
        "In HubSpot: Settings → Integrations → Private Apps → Create a private app with the "
        "crm.objects.contacts read/write scopes (and tickets for tickets), then copy its "
        "access token."
    )

    @classmethod
    def default_mapping(cls, target_object: str) -> list[DefaultMapping]:
        if target_object == "ticket":
            return [
                DefaultMapping("subject", fixed_value="Meta Chat conversation {conversation_id}"),
                DefaultMapping("content", source_field="transcript"),
                DefaultMapping("hs_pipeline", fixed_value="0"),
                DefaultMapping("hs_pipeline_stage", fixed_value="1"),
            ]
        if target_object == "contact":
            return [
                DefaultMapping("email", source_field="user_email"),
                DefaultMapping("firstname", source_field="user_name"),
            ]
        return [
            DefaultMapping("hs_timestamp", source_field="timestamp", transform="datetime"),
            DefaultMapping(
                "hs_note_body",
                fixed_value="Meta Chat conversation {conversation_id}\n{transcript}",
            ),
        ]

    @property
    def _object_type(self) -> str:
        return OBJECT_TYPES[self.target_object]

    def _client(self) -> Client:
        return Client.create(
            access_token=self.credentials.get("access_token", ""),
            host=api_host(self.key, API_HOST),
            api_factory=self._api_through_egress,
        )

    def _api_through_egress(self, api_client_package, api_name, config):
        """hubspot-api-client's own factory, with its urllib3 pool swapped for the egress."""
        api = DiscoveryBase._default_api_factory(api_client_package, api_name, config)
        api.api_client.rest_client.pool_manager = Urllib3Bridge(self.session)
        return api

    def _call(self, operation):
        try:
            return operation(self._client().crm.objects)
        except ApiException as error:
            raise self._error_for(error) from None
        except (urllib3.exceptions.HTTPError, requests.RequestException) as error:
            raise transport_error("HubSpot", error) from None

    def _error_for(self, error: ApiException):
        """What hubspot-api-client's exception holds (its body is the raw JSON text)."""
        data = _json(error.body)
        return self.error_for(status=error.status, headers=error.headers, body=error.body,
                              code=str(data.get("category") or ""), message=_message(error.body))

    # --- the interface -----------------------------------------------------------------------
    def target_field_names(self) -> list[str] | None:
        timeout = self.session.timeout
        client = self._client()
        try:
            found = client.crm.properties.core_api.get_all(
                self._object_type, _request_timeout=timeout)
        except PropertiesApiException as error:
            raise self._error_for(error) from None
        except (urllib3.exceptions.HTTPError, requests.RequestException) as error:
            raise transport_error("HubSpot", error) from None
        return sorted(p.name for p in found.results if not getattr(p, "calculated", False))

    def validate_credentials(self) -> None:
        timeout = self.session.timeout
        self._call(lambda objects: objects.basic_api.get_page(
            "contacts", limit=1, _request_timeout=timeout))

    def push(self, records: list) -> list[PushResult]:
        if self._object_type == "contacts":
            return [self._upsert_contact(record) for record in records]
        # The users' contacts: one batch read by email, one batch create for the missing.
        self._contacts = self._contact_ids(records) if self._object_type in (
            ASSOCIATION_TO_CONTACT) else {}
        inputs = [self._input(record) for record in records]
        timeout = self.session.timeout
        if len(inputs) == 1:
            created = self._call(lambda objects: objects.basic_api.create(
                self._object_type,
                SimplePublicObjectInputForCreate(
                    properties=inputs[0].properties, associations=inputs[0].associations),
                _request_timeout=timeout,
            ))
            return [PushResult(ok=True, record_id=str(created.id), status=201)]
        response = self._call(lambda objects: objects.batch_api.create(
            self._object_type,
            BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs),
            _request_timeout=timeout,
        ))
        results = [PushResult(ok=True, record_id=str(item.id), status=201)
                   for item in response.results]
        if len(results) < len(records):
            failed = PushResult(ok=False, error="HubSpot did not create this record.", status=207,
                                body=clip(getattr(response, "errors", "")))
            results += [failed] * (len(records) - len(results))
        return results

    def _input(self, record) -> SimplePublicObjectBatchInputForCreate:
        properties = _properties(record)
        associations = []
        contact_id = self._contacts.get(record.email.lower())
        if contact_id:
            associations.append(PublicAssociationsForObject(
                to=PublicObjectId(id=contact_id),
                types=[AssociationSpec(
                    association_category="HUBSPOT_DEFINED",
                    association_type_id=ASSOCIATION_TO_CONTACT[self._object_type])],
            ))
        return SimplePublicObjectBatchInputForCreate(
            properties=properties, associations=associations)

    def _find_contact(self, email: str) -> str | None:
        timeout = self.session.timeout
        found = self._call(lambda objects: objects.search_api.do_search(
            "contacts",
            PublicObjectSearchRequest(
                filter_groups=[FilterGroup(filters=[
                    Filter(property_name="email", operator="EQ", value=email)])],
                properties=["email"], limit=1,
            ),
            _request_timeout=timeout,
        ))
        return str(found.results[0].id) if found.results else None

    def _contact_ids(self, records) -> dict[str, str]:
        """Lower-cased email → contact id for every user of `records`, creating the contacts
        (with the user's name) that do not exist yet."""
        people = {}
        for record in records:
            if record.email and record.email.lower() not in people:
                people[record.email.lower()] = record
        if not people:
            return {}
        timeout = self.session.timeout
        found = self._call(lambda objects: objects.batch_api.read(
            "contacts",
            BatchReadInputSimplePublicObjectId(
                id_property="email", inputs=[SimplePublicObjectId(id=e) for e in people],
                properties=["email"], properties_with_history=[],
            ),
            _request_timeout=timeout,
        ))
        ids = {str(c.properties.get("email", "")).lower(): str(c.id) for c in found.results}
        missing = [record for email, record in people.items() if email not in ids]
        if missing:
            created = self._call(lambda objects: objects.batch_api.create(
                "contacts",
                BatchInputSimplePublicObjectBatchInputForCreate(inputs=[
                    SimplePublicObjectBatchInputForCreate(
                        properties=_contact_properties(record), associations=[])
                    for record in missing
                ]),
                _request_timeout=timeout,
            ))
            ids.update({str(c.properties.get("email", "")).lower(): str(c.id)
                        for c in created.results})
        return ids

    def _upsert_contact(self, record) -> PushResult:
        properties = _properties(record)
        email = properties.get("email") or record.email
        if not email:
            return PushResult(ok=False, error="A HubSpot contact needs the user's email.",
                              status=400)
        properties["email"] = email
        timeout = self.session.timeout
        contact_id = self._find_contact(email)
        if contact_id:
            self._call(lambda objects: objects.basic_api.update(
                "contacts", contact_id, SimplePublicObjectInput(properties=properties),
                _request_timeout=timeout,
            ))
            return PushResult(ok=True, record_id=contact_id, status=200)
        created = self._call(lambda objects: objects.basic_api.create(
            "contacts", SimplePublicObjectInputForCreate(properties=properties),
            _request_timeout=timeout,
        ))
        return PushResult(ok=True, record_id=str(created.id), status=201)


def _contact_properties(record) -> dict:
    first, _, last = record.user_name.partition(" ")
    properties = {"email": record.email}
    if first:
        properties["firstname"] = first
    if last:
        properties["lastname"] = last
    return properties


def _properties(record) -> dict:
    properties = {k: ("" if v is None else str(v)) for k, v in record.fields.items()}
    if record.is_test:
        for name in ("hs_note_body", "subject"):
            if name in properties:
                properties[name] = f"[Test] {properties[name]}"
    return properties


def _json(body) -> dict:
    try:
        data = json.loads(body or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _message(body) -> str:
    try:
        data = json.loads(body or "{}")
    except (TypeError, ValueError):
        return clip(body, 300)
    if not isinstance(data, dict):
        return clip(body, 300)
    return str(data.get("message") or data.get("category") or "no details")
