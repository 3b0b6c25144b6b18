"""CRM credentials are unreadable in the database and in a dump of it."""
import io

from django.core.management import call_command
from django.db import connection as db

from integrations.crm.models import CrmConnection


def test_the_raw_column_holds_ciphertext_only(salesforce, salesforce_connection):
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT credentials FROM {CrmConnection._meta.db_table} WHERE id = %s",  # noqa: S608
            [salesforce_connection.pk],
        )
        (raw,) = cursor.fetchone()

    assert raw.startswith("fernet:")
    assert salesforce.client_secret not in raw
    assert salesforce.client_id not in raw
    assert CrmConnection.objects.get().credentials["client_secret"] == salesforce.client_secret


def test_dumpdata_does_not_reveal_the_secret(hubspot, hubspot_connection):
    out = io.StringIO()

    call_command("dumpdata", "crm", stdout=out)

    dump = out.getvalue()
    assert hubspot_connection.public_id in dump
    assert hubspot.access_token not in dump


def test_a_dump_loads_back_with_the_credentials_intact(hubspot, hubspot_connection, tmp_path):
    dump = tmp_path / "crm.json"
    call_command("dumpdata", "crm.crmconnection", output=str(dump))
    CrmConnection.objects.all().delete()

    call_command("loaddata", str(dump))

    assert CrmConnection.objects.get().credentials == {"access_token": hubspot.access_token}
