"""The pure cryptography layer: SM4-GCM field tokens, HMAC-SM3 blind indexes, master key.

No database: these tests need neither Django models nor settings.
"""

from __future__ import annotations

import base64
import os
import stat

import pytest

from tongxing.core import crypto
from tongxing.core.crypto import (
    DataKey,
    DecryptionError,
    KeyConfigurationError,
    Keyring,
    MasterKeyFileExistsError,
)

ID_CONTEXT = "registry.person.id_number"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def ring() -> Keyring:
    return Keyring([crypto.new_data_key(1)], active_version=1)


def flip_byte(token: str, position: int) -> str:
    prefix, version, payload = token.split(":")
    blob = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    blob[position] ^= 0x01
    return f"{prefix}:{version}:{base64.urlsafe_b64encode(bytes(blob)).rstrip(b'=').decode()}"


# --------------------------------------------------------------------------- primitives


def test_sm3_of_abc_is_the_gb_t_32905_example_digest():
    assert crypto.sm3_hex(b"abc") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_sm4_encrypts_the_gb_t_32907_example_block():
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    assert crypto.sm4_encrypt_block(key, key).hex() == "681edf34d206965e86b3e94f536e4246"


def test_hmac_sm3_matches_the_standard_library_hmac_over_openssl_sm3():
    import hashlib
    import hmac

    if "sm3" not in hashlib.algorithms_available:
        pytest.skip("this OpenSSL does not expose sm3 to hashlib")
    key = b"k" * 32
    assert crypto.hmac_sm3_hex(key, b"data") == hmac.new(key, b"data", "sm3").hexdigest()


def test_self_test_passes_on_this_openssl():
    assert crypto.self_test() is None


# --------------------------------------------------------------------------- field tokens


def test_round_trip_restores_an_id_number(ring):
    token = ring.encrypt(ID_NUMBER, context=ID_CONTEXT)
    assert ring.decrypt(token, context=ID_CONTEXT) == ID_NUMBER


def test_encryption_takes_cryptographys_context_directly_and_either_path_round_trips(
    ring, monkeypatch
):
    # The installed cryptography has the private function and it passed the check.
    assert crypto._encryption_context is not crypto._public_context
    fast = ring.encrypt(ID_NUMBER, context=ID_CONTEXT)
    monkeypatch.setattr(crypto, "_encryption_context", crypto._public_context)
    public = ring.encrypt(ID_NUMBER, context=ID_CONTEXT)
    assert [ring.decrypt(t, context=ID_CONTEXT) for t in (fast, public)] == [ID_NUMBER] * 2


def test_a_private_context_that_is_gone_or_encrypts_otherwise_is_not_used(monkeypatch):
    from cryptography.hazmat.bindings._rust import openssl as rust_openssl

    monkeypatch.delattr(rust_openssl.ciphers, "create_encryption_ctx")
    assert crypto._fast_context() is crypto._public_context

    def tampered(algorithm, mode):
        return crypto._public_context(algorithm, type(mode)(b"m" * 12))

    monkeypatch.setattr(rust_openssl.ciphers, "create_encryption_ctx", tampered, raising=False)
    assert crypto._fast_context() is crypto._public_context


def test_round_trip_restores_chinese_text(ring):
    address = "四川省巴中市巴州区东城街道 江北大道 1 号 3 单元"
    token = ring.encrypt(address, context="registry.person.address")
    assert ring.decrypt(token, context="registry.person.address") == address


def test_the_token_carries_format_and_key_version_and_no_plaintext(ring):
    token = ring.encrypt(ID_NUMBER, context=ID_CONTEXT)
    prefix, version, payload = token.split(":")
    assert (prefix, version) == ("sm4g1", "1")
    assert ID_NUMBER not in token
    # 12-byte nonce + 18-byte ciphertext + 16-byte tag = 46 bytes -> 62 base64url characters
    assert len(payload) == 62
    assert ring.version_of(token) == 1


def test_two_encryptions_of_one_value_differ_but_share_the_blind_index(ring):
    first = ring.encrypt(ID_NUMBER, context=ID_CONTEXT)
    second = ring.encrypt(ID_NUMBER, context=ID_CONTEXT)
    assert first != second
    assert ring.blind_index(ID_NUMBER, context=ID_CONTEXT) == ring.blind_index(
        ID_NUMBER, context=ID_CONTEXT
    )


def test_the_empty_string_stays_empty_both_ways(ring):
    assert ring.encrypt("", context=ID_CONTEXT) == ""
    assert ring.decrypt("", context=ID_CONTEXT) == ""
    assert ring.blind_index("  ", context=ID_CONTEXT) == ""


@pytest.mark.parametrize("position", [0, 11, 12, 29, 30, 45], ids=lambda p: f"byte{p}")
def test_a_flipped_byte_anywhere_is_a_decryption_error(ring, position):
    tampered = flip_byte(ring.encrypt(ID_NUMBER, context=ID_CONTEXT), position)
    with pytest.raises(DecryptionError) as error:
        ring.decrypt(tampered, context=ID_CONTEXT)
    assert str(error.value) == (
        "The value for registry.person.id_number under key version 1 failed authentication: "
        "it was altered, corrupted, copied from another field, or the key is wrong."
    )


def test_a_truncated_token_is_a_decryption_error(ring):
    token = ring.encrypt(ID_NUMBER, context=ID_CONTEXT)
    with pytest.raises(DecryptionError):
        ring.decrypt(token[:-4], context=ID_CONTEXT)


def test_a_token_moved_to_another_column_does_not_decrypt_there(ring):
    token = ring.encrypt(ID_NUMBER, context=ID_CONTEXT)
    with pytest.raises(DecryptionError) as error:
        ring.decrypt(token, context="registry.person.guardian_id_number")
    assert "registry.person.guardian_id_number" in str(error.value)
    assert ID_NUMBER not in str(error.value)


def test_an_unknown_key_version_is_a_decryption_error_naming_the_version(ring):
    other = Keyring([crypto.new_data_key(7)], active_version=7)
    token = other.encrypt(ID_NUMBER, context=ID_CONTEXT)
    with pytest.raises(DecryptionError) as error:
        ring.decrypt(token, context=ID_CONTEXT)
    assert str(error.value) == (
        "The value for registry.person.id_number is encrypted under key version 7, "
        "which is not in the keyring (held: 1)."
    )


def test_the_same_version_number_with_a_different_key_is_a_decryption_error(ring):
    impostor = Keyring([crypto.new_data_key(1)], active_version=1)
    token = impostor.encrypt(ID_NUMBER, context=ID_CONTEXT)
    with pytest.raises(DecryptionError, match="under key version 1 failed authentication"):
        ring.decrypt(token, context=ID_CONTEXT)


@pytest.mark.parametrize(
    "stored",
    [ID_NUMBER, "sm4g1:1", "sm4g1:x:AAAA", "sm4g1:01:AAAA", "aes:1:AAAA", "sm4g1:1:AA*A"],
)
def test_a_value_that_is_not_a_token_is_a_decryption_error_not_plaintext(ring, stored):
    with pytest.raises(DecryptionError):
        ring.decrypt(stored, context=ID_CONTEXT)


def test_is_encrypted_recognises_tokens_so_a_rerun_does_not_encrypt_twice(ring):
    token = ring.encrypt(ID_NUMBER, context=ID_CONTEXT)
    assert crypto.is_encrypted(token) is True
    assert crypto.is_encrypted(ID_NUMBER) is False
    assert crypto.is_encrypted("") is False


def test_version_of_a_plaintext_value_is_a_decryption_error(ring):
    with pytest.raises(DecryptionError):
        ring.version_of(ID_NUMBER)


def test_a_context_must_be_given(ring):
    with pytest.raises(ValueError):
        ring.encrypt(ID_NUMBER, context="")


# --------------------------------------------------------------------------- rotation


def test_a_ring_with_two_versions_encrypts_under_the_active_one_and_reads_both():
    old, new = crypto.new_data_key(1), crypto.new_data_key(2)
    before = Keyring([old], active_version=1).encrypt(ID_NUMBER, context=ID_CONTEXT)
    during = Keyring([old, new], active_version=2)
    after = during.encrypt(ID_NUMBER, context=ID_CONTEXT)
    assert during.versions == (1, 2)
    assert (during.version_of(before), during.version_of(after)) == (1, 2)
    assert during.decrypt(before, context=ID_CONTEXT) == ID_NUMBER
    assert during.decrypt(after, context=ID_CONTEXT) == ID_NUMBER


def test_blind_indexes_returns_one_per_version_active_first():
    old, new = crypto.new_data_key(1), crypto.new_data_key(2)
    during = Keyring([old, new], active_version=2)
    indexes = during.blind_indexes(ID_NUMBER, context=ID_CONTEXT)
    assert indexes == [
        during.blind_index(ID_NUMBER, context=ID_CONTEXT, version=2),
        Keyring([old], active_version=1).blind_index(ID_NUMBER, context=ID_CONTEXT),
    ]
    assert len(set(indexes)) == 2


def test_a_keyring_without_the_active_version_is_a_configuration_error():
    with pytest.raises(KeyConfigurationError, match=r"active data key version 2 is not in"):
        Keyring([crypto.new_data_key(1)], active_version=2)


def test_a_keyring_holding_one_version_twice_is_a_configuration_error():
    with pytest.raises(KeyConfigurationError, match="version 1 twice"):
        Keyring([crypto.new_data_key(1), crypto.new_data_key(1)], active_version=1)


# --------------------------------------------------------------------------- blind index


def test_the_blind_index_normalises_spaces_and_a_lower_case_check_character(ring):
    assert ring.blind_index("11010519491231002x ", context=ID_CONTEXT) == ring.blind_index(
        "11010519491231002X", context=ID_CONTEXT
    )
    assert ring.blind_index(" 110105 19491231 002X", context=ID_CONTEXT) == ring.blind_index(
        "11010519491231002X", context=ID_CONTEXT
    )


def test_the_blind_index_treats_full_width_digits_from_an_ime_as_ascii(ring):
    assert ring.blind_index("１１０１０５１９４９１２３１００２ｘ", context=ID_CONTEXT) == (
        ring.blind_index(ID_NUMBER, context=ID_CONTEXT)
    )


def test_the_blind_index_is_hmac_sm3_of_context_nul_value_under_the_index_key():
    key = DataKey(1, b"\x01" * 16, b"\x02" * 32)
    ring = Keyring([key], active_version=1)
    assert ring.blind_index("11010519491231002x", context=ID_CONTEXT) == crypto.hmac_sm3_hex(
        b"\x02" * 32, b"registry.person.id_number\x0011010519491231002X"
    )
    assert len(ring.blind_index(ID_NUMBER, context=ID_CONTEXT)) == 64


def test_keyrings_with_different_index_keys_give_different_indexes():
    first = Keyring([crypto.new_data_key(1)], active_version=1)
    second = Keyring([crypto.new_data_key(1)], active_version=1)
    assert first.blind_index(ID_NUMBER, context=ID_CONTEXT) != second.blind_index(
        ID_NUMBER, context=ID_CONTEXT
    )


def test_the_same_value_in_two_contexts_gets_two_indexes(ring):
    assert ring.blind_index(ID_NUMBER, context=ID_CONTEXT) != ring.blind_index(
        ID_NUMBER, context="registry.person.guardian_id_number"
    )


def test_blind_index_for_a_version_not_held_is_a_configuration_error(ring):
    with pytest.raises(KeyConfigurationError, match="version 3"):
        ring.blind_index(ID_NUMBER, context=ID_CONTEXT, version=3)


# --------------------------------------------------------------------------- data keys


def test_a_wrapped_data_key_unwraps_to_the_same_keys():
    master = crypto.generate_master_key()
    key = crypto.new_data_key(3)
    token = crypto.wrap_data_key(master, key)
    assert token.startswith("sm4kw1:3:")
    assert crypto.unwrap_data_key(master, token) == key


def test_unwrapping_with_another_master_key_is_a_decryption_error():
    token = crypto.wrap_data_key(crypto.generate_master_key(), crypto.new_data_key(1))
    with pytest.raises(DecryptionError) as error:
        crypto.unwrap_data_key(crypto.generate_master_key(), token)
    assert str(error.value).startswith(
        "The master key does not match the keyring: data key version 1 does not unwrap."
    )


def test_a_wrapped_key_relabelled_to_another_version_does_not_unwrap():
    master = crypto.generate_master_key()
    token = crypto.wrap_data_key(master, crypto.new_data_key(1))
    with pytest.raises(DecryptionError, match="version 2"):
        crypto.unwrap_data_key(master, token.replace("sm4kw1:1:", "sm4kw1:2:"))


def test_a_keyring_builds_from_wrapped_tokens():
    master = crypto.generate_master_key()
    keys = [crypto.new_data_key(1), crypto.new_data_key(2)]
    ring = Keyring.from_wrapped(master, [crypto.wrap_data_key(master, k) for k in keys], 2)
    assert (ring.active_version, ring.versions) == (2, (1, 2))


def test_data_key_bytes_stay_out_of_repr():
    key = DataKey(1, b"\xaa" * 16, b"\xbb" * 32)
    assert repr(key) == "DataKey(version=1)"


def test_a_data_key_of_the_wrong_length_is_a_configuration_error():
    with pytest.raises(KeyConfigurationError, match="SM4 key must be 16 bytes"):
        DataKey(1, b"\x00" * 15, b"\x00" * 32)


# --------------------------------------------------------------------------- master key


def test_generate_master_key_gives_32_fresh_random_bytes():
    first, second = crypto.generate_master_key(), crypto.generate_master_key()
    assert (len(first), len(second)) == (32, 32)
    assert first != second


def test_split_master_key_gives_the_wrapping_key_and_the_reserved_mac_key():
    master = bytes(range(32))
    assert crypto.split_master_key(master) == (bytes(range(16)), bytes(range(16, 32)))


def test_the_master_key_comes_from_the_environment_first(tmp_path):
    master = crypto.generate_master_key()
    key_file = tmp_path / "master.key"
    crypto.write_master_key_file(key_file)
    env = {"TONGXING_MASTER_KEY": master.hex().upper() + "\n"}
    assert crypto.load_master_key(env=env, key_file=key_file) == master


def test_the_master_key_comes_from_the_key_file_when_the_variable_is_unset_or_blank(tmp_path):
    key_file = tmp_path / "master.key"
    crypto.write_master_key_file(key_file)
    expected = bytes.fromhex(key_file.read_text().strip())
    assert crypto.load_master_key(env={}, key_file=key_file) == expected
    assert crypto.load_master_key(env={"TONGXING_MASTER_KEY": " "}, key_file=key_file) == expected


def test_no_master_key_anywhere_is_a_configuration_error_that_says_what_to_set(tmp_path):
    with pytest.raises(KeyConfigurationError) as error:
        crypto.load_master_key(env={}, key_file=tmp_path / "missing.key")
    message = str(error.value)
    assert "TONGXING_MASTER_KEY" in message
    assert str(tmp_path / "missing.key") in message
    assert "python manage.py create_master_key" in message


def test_no_master_key_and_no_key_file_configured_is_a_configuration_error():
    with pytest.raises(KeyConfigurationError) as error:
        crypto.load_master_key(env={}, key_file=None)
    assert "TONGXING_MASTER_KEY" in str(error.value)
    assert "python manage.py create_master_key" in str(error.value)


def test_a_short_master_key_is_a_configuration_error_that_does_not_echo_the_key():
    short = "ab" * 16
    with pytest.raises(KeyConfigurationError) as error:
        crypto.load_master_key(env={"TONGXING_MASTER_KEY": short}, key_file=None)
    assert str(error.value) == (
        "The master key in the environment variable TONGXING_MASTER_KEY has 32 hex "
        "characters; TONGXING_MASTER_KEY (or the key file) must hold exactly 64 (32 bytes). "
        "Generate one with `python manage.py create_master_key`."
    )
    assert short not in str(error.value)


def test_a_non_hex_master_key_is_a_configuration_error():
    with pytest.raises(KeyConfigurationError) as error:
        crypto.load_master_key(env={"TONGXING_MASTER_KEY": "g" * 64}, key_file=None)
    assert "not hexadecimal" in str(error.value)
    assert "TONGXING_MASTER_KEY" in str(error.value)


def test_a_malformed_key_file_is_a_configuration_error_naming_the_file(tmp_path):
    key_file = tmp_path / "master.key"
    key_file.write_text("not a key\n")
    with pytest.raises(KeyConfigurationError) as error:
        crypto.load_master_key(env={}, key_file=key_file)
    assert f"the key file {key_file}" in str(error.value)
    assert "TONGXING_MASTER_KEY" in str(error.value)


def test_the_key_file_is_created_with_mode_0600_and_64_hex_characters(tmp_path):
    key_file = tmp_path / "keys" / "master.key"
    old_umask = os.umask(0o000)
    try:
        crypto.write_master_key_file(key_file)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    text = key_file.read_text()
    assert len(text.strip()) == 64
    assert len(bytes.fromhex(text.strip())) == 32


def test_an_existing_key_file_is_not_overwritten(tmp_path):
    key_file = tmp_path / "master.key"
    crypto.write_master_key_file(key_file)
    before = key_file.read_text()
    with pytest.raises(MasterKeyFileExistsError) as error:
        crypto.write_master_key_file(key_file)
    assert isinstance(error.value, KeyConfigurationError)
    assert isinstance(error.value, FileExistsError)
    assert "refusing to overwrite" in str(error.value)
    assert key_file.read_text() == before


def _nonce(token: str) -> bytes:
    payload = token.split(":")[2]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))[: crypto.NONCE_BYTES]


def test_nonces_never_repeat_across_several_refills_of_the_pool(ring):
    count = 3 * 4096 + 17
    nonces = {_nonce(ring.encrypt("511902196005170014", context=ID_CONTEXT)) for _ in range(count)}
    assert len(nonces) == count


def test_a_forked_child_draws_other_nonces_than_its_parent(ring):
    ring.encrypt("warm the pool", context=ID_CONTEXT)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write its next nonces and leave without cleanup
        os.close(read_end)
        tokens = [ring.encrypt("x", context=ID_CONTEXT) for _ in range(50)]
        os.write(write_end, b"".join(_nonce(token) for token in tokens))
        os._exit(0)
    os.close(write_end)
    child = b""
    while chunk := os.read(read_end, 4096):
        child += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    parent = {_nonce(ring.encrypt("x", context=ID_CONTEXT)) for _ in range(50)}
    children = {child[i : i + crypto.NONCE_BYTES] for i in range(0, len(child), crypto.NONCE_BYTES)}
    assert len(children) == 50
    assert not parent & children
