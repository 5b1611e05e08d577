"""The callback URL checker (SSRF guard): schemes, credentials, every non-public address range in IPv4 and
IPv6 (including IPv4 inside IPv6), host names resolving to such addresses, and the pinned request."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from kyc_engine.errors import InputError
from kyc_engine.service.callbacks import (
    CallbackForbidden,
    CallbackTarget,
    address_problem,
    check_callback_url,
    pinned_request,
)

FORBIDDEN_ADDRESSES = {
    "10.0.0.1": "private",
    "10.255.255.254": "private",
    "172.16.0.1": "private",
    "172.31.255.254": "private",
    "192.168.1.10": "private",
    "127.0.0.1": "loopback",
    "127.8.9.10": "loopback",
    "169.254.169.254": "link_local",  # cloud metadata
    "0.0.0.0": "unspecified",
    "100.64.0.1": "not_global",  # carrier-grade NAT
    "224.0.0.251": "multicast",
    "239.255.255.250": "multicast",
    "255.255.255.255": "private",
    "240.0.0.1": "private",
    "198.18.0.1": "private",
    "192.0.2.1": "private",  # documentation
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link_local",
    "fe80::1%2": "link_local",
    "fc00::1": "private",
    "fd12:3456::1": "private",
    "fec0::1": "site_local",
    "ff02::1": "multicast",
    "2001:db8::1": "private",
    "::ffff:127.0.0.1": "loopback",  # IPv4-mapped
    "::ffff:10.0.0.1": "private",
    "::ffff:169.254.169.254": "link_local",
    "::ffff:8.8.8.8": "reserved",  # mapped public: use the IPv4 form
    "64:ff9b::a00:1": "private",  # NAT64 of 10.0.0.1
    "2002:7f00:1::1": "loopback",  # 6to4 of 127.0.0.1
    "2001:0:4136:e378:8000:63bf:80ff:fffe": "loopback",  # Teredo, client 127.0.0.1
}

PUBLIC_ADDRESSES = ["8.8.8.8", "93.184.215.14", "172.32.0.1", "172.15.255.255", "1.1.1.1", "2606:4700::1111",
                    "2a00:1450:4001:82a::200e"]  # fmt: skip


@pytest.mark.parametrize(("address", "reason"), FORBIDDEN_ADDRESSES.items())
def test_non_public_addresses_are_named(address: str, reason: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


def _reason(url: str, **kw: object) -> str:
    with pytest.raises(CallbackForbidden) as info:
        check_callback_url(url, allow_private=False, **kw)  # type: ignore[arg-type]
    assert info.value.code == "input.callback_url_forbidden"
    assert info.value.detail["field"] == "callback_url"
    return str(info.value.detail["reason"])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.1.2.3/hook", "private"),
        ("http://172.16.5.4:8080/hook", "private"),
        ("https://192.168.0.1/hook", "private"),
        ("http://127.0.0.1:9000/", "loopback"),
        ("http://[::1]:8080/hook", "loopback"),
        ("http://[fe80::1]/", "link_local"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[::ffff:7f00:1]/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link_local"),
        ("http://0.0.0.0:8000/", "unspecified"),
        ("http://127.1/", "loopback"),  # short form, resolved like a name
        ("http://2130706433/", "loopback"),  # 127.0.0.1 as one decimal number
        ("http://0x7f.0.0.1/", "loopback"),
        ("http://localhost:8000/hook", "loopback"),  # a real name resolving to loopback (/etc/hosts)
        ("HTTP://LOCALHOST/", "loopback"),
        ("ftp://example.org/hook", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://example.org:70/", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("https://user:pass@hooks.example.org/", "credentials"),
        ("https://user@hooks.example.org/", "credentials"),
        ("https://:pw@hooks.example.org/", "credentials"),
    ],
)
def test_forbidden_urls(url: str, reason: str) -> None:
    assert _reason(url) == reason


def resolver_for(answers: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """DNS answers for the test's names (a test cannot depend on the internet's DNS)."""

    def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers[host]

    return resolve


def test_names_resolving_to_private_addresses_are_refused() -> None:
    resolve = resolver_for({
        "intranet.example.com": ["10.20.30.40"],
        "metadata.example.com": ["169.254.169.254"],
        "mixed.example.com": ["93.184.215.14", "192.168.1.1"],  # one bad answer is enough
        "v6.example.com": ["2606:4700::1111", "::1"],
        "mapped.example.com": ["::ffff:10.0.0.7"],
    })  # fmt: skip
    assert _reason("https://intranet.example.com/hook", resolver=resolve) == "private"
    assert _reason("https://metadata.example.com/", resolver=resolve) == "link_local"
    assert _reason("https://mixed.example.com/", resolver=resolve) == "private"
    assert _reason("https://v6.example.com/", resolver=resolve) == "loopback"
    assert _reason("https://mapped.example.com/", resolver=resolve) == "private"


def test_public_names_pass_with_every_address() -> None:
    resolve = resolver_for({"hooks.example.org": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
    target = check_callback_url("https://hooks.example.org/kyc?t=1", allow_private=False, resolver=resolve)
    assert target == CallbackTarget(
        "https://hooks.example.org/kyc?t=1", "https", "hooks.example.org", 443,
        ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
    )  # fmt: skip
    assert check_callback_url("http://8.8.8.8:8080/x", allow_private=False).addresses == ("8.8.8.8",)


def test_unresolvable_and_malformed_urls_are_input_errors() -> None:
    with pytest.raises(InputError) as info:
        check_callback_url("https://nowhere.invalid/", allow_private=False, resolver=resolver_for({}))
    assert info.value.code == "input.callback_url_unresolvable"
    for url in ("http:///path-only", "http://host:99999/", "https://" + "a" * 2000 + ".org/"):
        with pytest.raises(InputError) as info:
            check_callback_url(url, allow_private=False, resolver=resolver_for({}))
        assert info.value.code == "input.invalid_field" and info.value.detail["field"] == "callback_url"


def test_allow_private_lifts_the_address_rule_only() -> None:
    assert check_callback_url("http://127.0.0.1:8123/h", allow_private=True).addresses == ("127.0.0.1",)
    assert "127.0.0.1" in check_callback_url("http://localhost/h", allow_private=True).addresses
    with pytest.raises(CallbackForbidden):
        check_callback_url("ftp://127.0.0.1/", allow_private=True)
    with pytest.raises(CallbackForbidden):
        check_callback_url("http://u:p@127.0.0.1/", allow_private=True)


def test_the_pinned_request_connects_to_the_checked_address() -> None:
    resolve = resolver_for({"hooks.example.org": ["93.184.215.14"], "v6.example.org": ["2606:4700::1111"]})
    target = check_callback_url(
        "https://hooks.example.org/kyc/cb?a=1#frag", allow_private=False, resolver=resolve
    )
    assert pinned_request(target) == (
        "https://93.184.215.14:443/kyc/cb?a=1",
        {"Host": "hooks.example.org"},
        {"sni_hostname": "hooks.example.org"},  # TLS still verifies the name's certificate
    )
    target = check_callback_url("http://v6.example.org:8080", allow_private=False, resolver=resolve)
    assert pinned_request(target) == ("http://[2606:4700::1111]:8080/", {"Host": "v6.example.org:8080"}, {})
