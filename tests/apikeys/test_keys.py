"""The key format: recognisable prefix, 256 random bits, a checksum, a keyed hash."""
from apikeys import keys


def test_a_new_key_has_the_prefix_and_a_valid_checksum():
    new = keys.generate()

    assert new.plaintext.startswith("mc_live_")
    assert len(new.plaintext) == keys.KEY_LENGTH
    assert keys.parse_identifier(new.plaintext) == new.identifier


def test_every_single_character_change_is_caught_by_the_checksum():
    plaintext = keys.generate().plaintext
    start = len(keys.PREFIX)

    for position in range(start, len(plaintext)):
        replacement = "0" if plaintext[position] != "0" else "1"
        typo = plaintext[:position] + replacement + plaintext[position + 1:]
        assert keys.parse_identifier(typo) is None, position


def test_truncated_or_padded_keys_are_malformed():
    plaintext = keys.generate().plaintext

    assert keys.parse_identifier(plaintext[:-1]) is None
    assert keys.parse_identifier(plaintext + "x") is None
    assert keys.parse_identifier(" " + plaintext) is None


def test_the_hash_depends_on_the_server_secret(settings):
    new = keys.generate()
    assert keys.hash_matches(new.plaintext, new.hash)

    settings.API_KEY_HASH_SECRET = "another secret"

    assert not keys.hash_matches(new.plaintext, new.hash)


def test_keys_do_not_repeat():
    assert len({keys.generate().plaintext for _ in range(1000)}) == 1000


def test_the_status_filter_finds_exactly_the_keys_of_each_status(workspace):
    from datetime import timedelta

    from django.utils import timezone

    from apikeys.models import ApiKey
    from tests.factories import ApiKeyFactory

    now = timezone.now()
    hour = timedelta(hours=1)
    for revoked_at in (None, now - hour, now + hour):
        for expires_at in (None, now - hour, now + hour):
            key = ApiKeyFactory(workspace=workspace)
            ApiKey.objects.filter(pk=key.pk).update(revoked_at=revoked_at, expires_at=expires_at)

    for status in ApiKey.Status.values:
        found = set(ApiKey.objects.filter(ApiKey.status_filter(status, now)))
        expected = {key for key in ApiKey.objects.all() if key.status_at(now) == status}
        assert found == expected and found, status
