"""Personal data at rest: the ciphers, the blind index, the keyring, the encrypted fields and
key rotation."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import stat
from io import StringIO

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from jianhui import statistics
from jianhui.audit.models import Action, AuditEvent
from jianhui.crypto import KeyMissing, KeyringError, TamperedValue, blind_index, decrypt, encrypt
from jianhui.crypto import rotation as rotation_module
from jianhui.crypto.ciphers import NonceSource
from jianhui.crypto.keyring import (
    create_keyring_file,
    current_keyring,
    key_id,
    keyring_path,
    load_keyring,
    read_keyring_file,
)
from jianhui.crypto.rotation import rotate
from jianhui.enterprises.models import Enterprise
from jianhui.lib.codes import make_id_number
from jianhui.unions.models import Member, UnionOrganisation

CIPHERS = ["aes", "sm4"]
ID = make_id_number("510623", dt.date(1990, 5, 17), 123)


def flip(token: str, at: int = -5) -> str:
    """The stored value with one bit of its ciphertext (or tag) flipped."""
    head, payload = token.rsplit(":", 1)
    raw = bytearray(base64.b64decode(payload))
    raw[at] ^= 0x01
    return f"{head}:{base64.b64encode(bytes(raw)).decode()}"


def raw_column(model, pk: int, column: str) -> str:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn(column)} FROM {qn(model._meta.db_table)} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def set_raw(model, pk: int, column: str, value: str) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {qn(model._meta.db_table)} SET {qn(column)} = %s WHERE id = %s",
                       [value, pk])


@pytest.fixture
def own_keyring(settings, tmp_path):
    """A fresh data dir with a fresh keyring (the demo's rows are not readable under it)."""
    settings.DATA_DIR = tmp_path
    settings.JIANHUI_FIELD_KEY = ""
    create_keyring_file(tmp_path / "field.key")
    return tmp_path


# ------------------------------------------------------------------ values


@pytest.mark.parametrize("cipher", CIPHERS)
def test_round_trip_and_self_describing(settings, own_keyring, cipher):
    settings.JIANHUI_FIELD_CIPHER = cipher
    kid = current_keyring().current
    for text in (ID, "13812345678", "张三 · 0838-1234567"):
        token = encrypt(text, "phone")
        assert token.startswith(f"v1:{cipher}:{kid}:") and text not in token
        assert decrypt(token, "phone") == text
        assert encrypt(text, "phone") != token  # a fresh nonce every time


def test_values_of_both_ciphers_stay_readable_after_switching(settings, own_keyring):
    settings.JIANHUI_FIELD_CIPHER = "aes"
    by_aes = encrypt(ID, "id_number")
    settings.JIANHUI_FIELD_CIPHER = "sm4"
    by_sm4 = encrypt(ID, "id_number")
    assert by_sm4.split(":")[1] == "sm4" and by_aes.split(":")[1] == "aes"
    assert decrypt(by_aes, "id_number") == decrypt(by_sm4, "id_number") == ID


@pytest.mark.parametrize("cipher", CIPHERS)
def test_tampering_fails_loudly(settings, own_keyring, cipher):
    settings.JIANHUI_FIELD_CIPHER = cipher
    token = encrypt(ID, "id_number")
    for bad in (flip(token), flip(token, at=0), flip(token, at=14)):  # tag, nonce, ciphertext
        with pytest.raises(TamperedValue, match="完整性校验"):
            decrypt(bad, "id_number")
    other = "sm4" if cipher == "aes" else "aes"
    with pytest.raises(TamperedValue):  # relabelled as the other cipher
        decrypt(token.replace(f"v1:{cipher}:", f"v1:{other}:"), "id_number")
    with pytest.raises(TamperedValue):  # moved into a field of another kind
        decrypt(token, "phone")
    with pytest.raises(TamperedValue):
        decrypt(ID, "id_number")  # clear text where a stored value belongs
    with pytest.raises(TamperedValue):
        decrypt(token[:-8], "id_number")
    with pytest.raises(KeyMissing, match="kdeadbeef"):
        decrypt(token.replace(current_keyring().current, "kdeadbeef"), "id_number")


def test_nonces_never_repeat_and_change_after_fork_reset():
    source = NonceSource()
    first = [source() for _ in range(1000)]
    assert len(set(first)) == 1000 and all(len(n) == 12 for n in first)
    source.reset()  # what a forked child does
    assert not set(first) & {source() for _ in range(1000)}


@pytest.mark.parametrize("cipher,length", [("aes", 64), ("sm4", 64)])
def test_blind_index_is_keyed_and_follows_the_keyring(settings, own_keyring, cipher, length):
    settings.JIANHUI_FIELD_CIPHER = cipher
    (own_keyring / "field.key").unlink()
    create_keyring_file(own_keyring / "field.key")
    ring = load_keyring()
    assert ring.index_hmac == {"aes": "sha256", "sm4": "sm3"}[cipher]
    index = blind_index(ID, "id_number")
    assert len(index) == length and index == blind_index(ID, "id_number")
    assert index != blind_index(ID, "phone") != blind_index(ID[:-1] + "0", "id_number")
    field = Member._meta.get_field("id_number")
    assert field.index_for(" " + ID.lower() + " ") == index  # canonical spelling
    # Switching the cipher does not change the index of an existing keyring (no rebuild yet).
    settings.JIANHUI_FIELD_CIPHER = "sm4" if cipher == "aes" else "aes"
    assert blind_index(ID, "id_number") == index


# ------------------------------------------------------------------ keyring


def test_key_file_is_created_private_and_never_overwritten(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    path = keyring_path()
    create_keyring_file(path)
    ring = current_keyring()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["format"] == "jianhui-field-keyring" and data["current"] == ring.current
    assert data["index"] == {"key": ring.current, "hmac": "sha256"}
    assert key_id(base64.b64decode(data["keys"][0]["secret"])) == ring.current
    before = path.read_bytes()
    create_keyring_file(path)  # a second process starting at the same time
    assert path.read_bytes() == before
    os.chmod(path, 0o644)
    with pytest.raises(KeyringError, match="chmod 600"):
        read_keyring_file(path)


def test_a_lost_key_file_is_not_replaced_while_encrypted_data_exists(settings, tmp_path, demo):
    settings.DATA_DIR = tmp_path
    with pytest.raises(KeyringError, match="请从备份恢复 field.key"):
        current_keyring()
    assert not keyring_path().exists()


def test_key_from_the_environment(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    key = os.urandom(32)
    settings.JIANHUI_FIELD_KEY = base64.b64encode(key).decode()
    token = encrypt(ID, "id_number")
    assert token.split(":")[2] == key_id(key) and not keyring_path().exists()
    older = os.urandom(32)
    settings.JIANHUI_FIELD_KEY = base64.b64encode(older).decode()
    with pytest.raises(KeyMissing):
        decrypt(token, "id_number")
    settings.JIANHUI_FIELD_KEY = ",".join(base64.b64encode(k).decode() for k in (older, key))
    assert decrypt(token, "id_number") == ID  # the old key, listed second, still reads
    settings.JIANHUI_FIELD_KEY = base64.b64encode(os.urandom(16)).decode()
    with pytest.raises(KeyringError, match="32 字节"):
        encrypt(ID, "id_number")
    settings.JIANHUI_FIELD_KEY = "not base64!"
    with pytest.raises(KeyringError, match="base64"):
        encrypt(ID, "id_number")


# ------------------------------------------------------------------ the fields


@pytest.mark.parametrize("cipher", CIPHERS)
def test_members_are_stored_encrypted_and_found_by_index(settings, demo, cipher):
    settings.JIANHUI_FIELD_CIPHER = cipher
    enterprise = Enterprise.objects.filter(members__left_on__isnull=True).first()
    member = Member.objects.create(name="测试", id_number=ID.lower(), phone="13812345678",
                                   enterprise=enterprise, joined_on=dt.date(2023, 1, 1))
    stored_id = raw_column(Member, member.pk, "id_number")
    stored_phone = raw_column(Member, member.pk, "phone")
    assert stored_id.startswith(f"v1:{cipher}:") and ID not in stored_id
    assert stored_phone.startswith(f"v1:{cipher}:") and "13812345678" not in stored_phone
    assert raw_column(Member, member.pk, "id_number_index") == blind_index(ID, "id_number")
    got = Member.objects.get(pk=member.pk)
    assert (got.id_number, got.phone, got.gender, got.birth_date) == (
        ID, "13812345678", "男", dt.date(1990, 5, 17))
    assert list(Member.objects.by_id_number(ID)) == [got]
    assert list(Member.objects.by_id_number(ID.lower())) == [got]
    other = Member.objects.exclude(pk=member.pk).first()
    assert set(Member.objects.by_id_numbers([ID, other.id_number])) == {got, other}
    assert Member.objects.values_list("phone", flat=True).get(pk=member.pk) == "13812345678"


def test_filtering_on_an_encrypted_field_is_refused(db):
    for lookup in ({"id_number": ID}, {"id_number__in": [ID]}, {"phone__startswith": "138"},
                   {"phone__icontains": "1234"}):
        with pytest.raises(FieldError, match="encrypted"):
            list(Member.objects.filter(**lookup))
    # Blank and null are the two questions ciphertext can answer.
    assert Member.objects.filter(phone="").exists()
    assert not Member.objects.filter(phone__isnull=True).exists()


def test_one_open_membership_per_person_is_enforced_by_the_database(demo):
    member = Member.objects.filter(left_on__isnull=True).select_related("enterprise").first()
    other = Enterprise.objects.exclude(pk=member.enterprise_id).first()
    twin = Member(name="重复", id_number=member.id_number, enterprise=other,
                  joined_on=dt.date(2023, 5, 1), gender="男")
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.bulk_create([twin])  # no clean(): only the constraint stands in the way
    twin.left_on = dt.date(2023, 6, 1)  # a closed membership does not clash
    Member.objects.bulk_create([twin])
    assert Member.objects.by_id_number(member.id_number).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():  # a row without its index
        Member.objects.filter(pk=twin.pk).update(id_number_index="")


def test_a_tampered_row_cannot_be_read(demo):
    member = Member.objects.exclude(phone="").first()
    set_raw(Member, member.pk, "phone", flip(raw_column(Member, member.pk, "phone")))
    with pytest.raises(TamperedValue):
        Member.objects.get(pk=member.pk)
    org = UnionOrganisation.objects.exclude(chair_phone="").first()
    set_raw(UnionOrganisation, org.pk, "chair_phone", raw_column(Member, member.pk, "id_number"))
    with pytest.raises(TamperedValue):  # an ID number's ciphertext moved into a phone column
        UnionOrganisation.objects.get(pk=org.pk)


def test_bulk_update_and_update_encrypt_too(demo):
    member = Member.objects.exclude(phone="").first()
    member.phone = "13900000001"
    Member.objects.bulk_update([member], ["phone"])
    assert "13900000001" not in raw_column(Member, member.pk, "phone")
    Member.objects.filter(pk=member.pk).update(phone="13900000002")
    assert raw_column(Member, member.pk, "phone").startswith("v1:")
    assert Member.objects.get(pk=member.pk).phone == "13900000002"


# ------------------------------------------------------------------ rotation


@pytest.fixture
def copied_keyring(settings, tmp_path):
    """The demo's keyring copied into a fresh data dir, so rotating it leaves var/ alone."""
    source = keyring_path()
    current_keyring()  # make sure it exists
    shutil.copy2(source, tmp_path / "field.key")
    settings.DATA_DIR = tmp_path
    return tmp_path / "field.key"


def _sample():
    member = Member.objects.exclude(phone="").order_by("pk").first()
    return member, raw_column(Member, member.pk, "id_number")


@pytest.mark.parametrize("cipher", CIPHERS)
def test_rotation_reencrypts_everything_and_retires_the_old_key(settings, demo, copied_keyring,
                                                                cipher):
    settings.JIANHUI_FIELD_CIPHER = cipher
    old_ring = read_keyring_file(copied_keyring)
    old_copy = copied_keyring.with_name("old.key")
    shutil.copy2(copied_keyring, old_copy)
    member, old_token = _sample()
    on = dt.date(2023, 9, 29)
    before = statistics.member_counts(on, None)
    out = StringIO()
    call_command("rotate_keys", "--json", "--batch-size", "700", stdout=out, stderr=StringIO())
    result = json.loads(out.getvalue())  # stdout holds only the JSON
    new_ring = read_keyring_file(copied_keyring)
    assert result["new_key"] == new_ring.current and list(new_ring.keys) == [new_ring.current]
    assert result["retired_keys"] == list(old_ring.keys) and result["cipher"] == cipher
    assert result["rows"]["unions.Member"] == Member.objects.count()
    assert new_ring.index_hmac == {"aes": "sha256", "sm4": "sm3"}[cipher]
    assert stat.S_IMODE(copied_keyring.stat().st_mode) == 0o600
    # Every value now under the new key, and all of them readable with it alone.
    prefix = f"v1:{cipher}:{new_ring.current}:"
    for model, column in ((Member, "id_number"), (Member, "phone"),
                          (UnionOrganisation, "chair_phone"), (Enterprise, "phone")):
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {qn(column)} FROM {qn(model._meta.db_table)}")
            values = [v for (v,) in cursor.fetchall() if v]
        assert values and all(v.startswith(prefix) for v in values), (model, column)
    assert len(list(Member.objects.values_list("id_number", "phone"))) == Member.objects.count()
    assert list(Member.objects.by_id_number(member.id_number)) == [member]
    assert statistics.member_counts(on, None) == before
    # The old value cannot be read with the new keyring; the new ones not with the old one.
    with pytest.raises(KeyMissing):
        decrypt(old_token, "id_number")
    new_token = raw_column(Member, member.pk, "id_number")
    settings.DATA_DIR = old_copy.parent / "old"
    settings.DATA_DIR.mkdir()
    shutil.copy2(old_copy, settings.DATA_DIR / "field.key")
    assert decrypt(old_token, "id_number") == member.id_number
    with pytest.raises(KeyMissing):
        decrypt(new_token, "id_number")
    event = AuditEvent.objects.filter(action=Action.KEY_ROTATION).latest("at")
    assert event.detail["new_key"] == new_ring.current and event.username.startswith("命令行")


def test_failed_rotation_rolls_back_and_keeps_the_old_key(settings, demo, copied_keyring,
                                                          monkeypatch):
    before = copied_keyring.read_bytes()
    member, token = _sample()
    monkeypatch.setattr(rotation_module, "_left_behind", lambda prefix: 3)
    with pytest.raises(KeyringError, match="已回滚"):
        rotate()
    assert copied_keyring.read_bytes() == before
    assert raw_column(Member, member.pk, "id_number") == token
    assert list(Member.objects.by_id_number(member.id_number)) == [member]
    assert not AuditEvent.objects.filter(action=Action.KEY_ROTATION).exists()


def test_rotation_to_a_given_key(settings, demo, copied_keyring, tmp_path):
    key = os.urandom(32)
    key_file = tmp_path / "new.b64"
    key_file.write_text(base64.b64encode(key).decode())
    call_command("rotate_keys", "--key-file", str(key_file), stdout=StringIO(), stderr=StringIO())
    assert read_keyring_file(copied_keyring).current == key_id(key)
    member, token = _sample()
    assert token.split(":")[2] == key_id(key)



@pytest.mark.parametrize("cipher", CIPHERS)
def test_bulk_paths_agree_with_one_value_at_a_time(settings, own_keyring, cipher):
    """Imports encrypt and index a column at a time (get_db_prep_save_many, index_many):
    the same values as the one-at-a-time paths, under the cipher in force."""
    settings.JIANHUI_FIELD_CIPHER = cipher
    field = Member._meta.get_field("id_number")
    values = [ID, ID[:17] + ID[17].lower(), "", None]
    indexes = field.index_many(values)
    assert indexes == [field.index_for(v) for v in values]
    assert indexes[0] == indexes[1] == blind_index(ID, "id_number") and indexes[2:] == ["", ""]
    sealed = field.get_db_prep_save_many(values, connection)
    assert sealed[2:] == ["", None]
    assert all(s.startswith(f"v1:{cipher}:") for s in sealed[:2])
    assert [decrypt(s, "id_number") for s in sealed[:2]] == [ID.upper(), ID.upper()]
    assert sealed[0] != sealed[1] != field.get_db_prep_save(ID, connection)  # fresh nonces
