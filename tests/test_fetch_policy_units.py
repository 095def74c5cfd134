"""The rules under the fetch policy, one by one: which redirects may reach which addresses, the
markup pre-scan, the bounded JSON reader and the URL cleaner (hypothesis where they parse)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autonote.bounded import MAX_NESTING as MAX_JSON_DEPTH
from autonote.bounded import NestingTooDeepError as JsonTooDeep
from autonote.bounded import load_json
from autonote.errors import SourceUnavailableError
from autonote.secrets import strip_url_secrets
from autonote.sources.markup_limits import MAX_ATTRIBUTES, check_markup
from autonote.sources.transport import address_class, hop_allowed, literal_address_class


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.1", "private"),
        ("fd00::1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
        ("0.0.0.0", "reserved"), ("224.0.0.1", "reserved"), ("8.8.8.8", "public"),
        ("2606:4700::1111", "public"), ("::ffff:127.0.0.1", "loopback"),
    ],
)  # fmt: skip
def test_addresses_are_classed(address: str, kind: str) -> None:
    assert address_class(address) == kind


def test_a_redirect_from_a_public_address_never_reaches_a_local_one() -> None:
    for local in ("loopback", "private", "link-local", "reserved"):
        assert not hop_allowed("public", local)
        assert hop_allowed(local, local) and hop_allowed(local, "public")
    assert not hop_allowed("loopback", "link-local") and not hop_allowed("private", "loopback")
    assert hop_allowed(None, "loopback")  # the first request goes where the user asked
    assert literal_address_class("localhost") == "loopback" and literal_address_class("example.org") is None


@given(count=st.integers(0, MAX_ATTRIBUTES), value=st.text(alphabet=" abc<=/", max_size=30))
def test_elements_within_the_attribute_limit_pass(count: int, value: str) -> None:
    quoted = json.dumps(value.replace('"', "")).encode()
    tag = b"<p " + b" ".join(b"a%d=%s" % (i, quoted) for i in range(count)) + b">"
    check_markup(b"<html>" + tag + b"text</p></html>", "page")


@given(extra=st.integers(1, 50))
def test_elements_past_the_attribute_limit_are_refused(extra: int) -> None:
    tag = b"<div " + b" ".join(b"data-x%d" % i for i in range(MAX_ATTRIBUTES + extra)) + b">"
    with pytest.raises(SourceUnavailableError, match="more than 1,000 attributes"):
        check_markup(tag, "page")


def test_long_quoted_values_are_not_attributes() -> None:
    path = " ".join(f"L {i} {i}" for i in range(20_000))
    check_markup(f'<svg><path d="{path}" fill="none"/></svg>'.encode(), "page")


@given(depth=st.integers(1, 3 * MAX_JSON_DEPTH))
def test_json_is_read_up_to_the_depth_limit(depth: int) -> None:
    text = "[" * depth + "]" * depth
    if depth <= MAX_JSON_DEPTH:
        assert load_json(text) is not None
    else:
        with pytest.raises(JsonTooDeep):
            load_json(text)


def test_json_deeper_than_python_recurses_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(JsonTooDeep):
        load_json('{"a": ' + "[" * 200_000 + "]" * 200_000 + "}")


_TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=8, max_size=24)


@given(secret=_TOKEN, name=st.sampled_from(["token", "api_key", "key", "sig", "access_token", "password"]))
def test_a_cleaned_url_keeps_no_secret(secret: str, name: str) -> None:
    url = f"https://user:{secret}@example.org:8443/a/b?page=2&{name}={secret}#part"
    cleaned, removed = strip_url_secrets(url)
    assert removed and secret not in cleaned and "user" not in cleaned
    assert cleaned == "https://example.org:8443/a/b?page=2#part"


def test_a_url_without_secrets_is_kept_as_it_is() -> None:
    for url in (
        "https://example.org/a?id=7&lang=en",
        "http://[::1]:8080/x",
        "not a url",
        "http://[::garbage",
    ):
        assert strip_url_secrets(url) == (url, False)
