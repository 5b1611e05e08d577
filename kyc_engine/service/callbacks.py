"""Server-side request forgery guard for ``callback_url``: where may a webhook be sent?

A callback URL is chosen by the API client, and the worker POSTs to it from inside the deployment, so
without a check a client could make the worker reach internal services (cloud metadata at
169.254.169.254, an admin port on localhost, a database on 10.x). :func:`check_callback_url` accepts
only ``http``/``https`` URLs without credentials whose host resolves exclusively to public addresses:
loopback, private (RFC 1918, unique-local ``fc00::/7``), shared (100.64/10), link-local, multicast,
reserved, unspecified and documentation ranges are refused, including IPv4 addresses inside IPv6
(``::ffff:127.0.0.1``, 6to4, NAT64, Teredo). It runs twice: at submit time (a 4xx with
``input.callback_url_forbidden``) and again right before each delivery, whose connection then goes to
the address that was checked (see :func:`pinned_request`), so a DNS answer that changes in between
(rebinding) cannot redirect the POST. ``service.callback_allow_private`` lifts the address rule (not the
scheme or credentials rules) for development and tests, whose receivers listen on 127.0.0.1.

Example::

    target = check_callback_url("https://hooks.example.org/kyc", allow_private=False)
    target.addresses  # ('93.184.215.14',): every address the name resolved to, all public
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from ..errors import InputError

MAX_URL_CHARS: Final = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")


class CallbackForbidden(InputError):
    """The callback URL may not be used (scheme, credentials or a non-public address)."""

    code = "input.callback_url_forbidden"


@dataclass(frozen=True)
class CallbackTarget:
    """A checked callback URL: its parts and every address its host resolved to (all allowed)."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def _forbidden(reason: str, message: str) -> CallbackForbidden:
    return CallbackForbidden(message, detail={"field": "callback_url", "reason": reason})


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64, Teredo client), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public unicast address (``"loopback"``, ``"private"`` ...), or None when it is.

    IPv4 addresses embedded in IPv6 (mapped, 6to4, NAT64, Teredo) are judged as IPv4 first:
    ``::ffff:127.0.0.1`` is ``"loopback"``; then the IPv6 address itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "link_local"
        inner = _embedded_ipv4(ip)
        problem = address_problem(inner) if inner is not None else None
        if problem is not None:
            return problem
    for reason, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link_local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("site_local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        ("not_global", not ip.is_global),  # e.g. 100.64.0.0/10 (carrier-grade NAT)
    ):
        if flag:
            return reason
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for a TCP connection (the system resolver, as httpx uses)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_callback_url(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> CallbackTarget:
    """Parse, resolve and check a callback URL; raise :class:`CallbackForbidden` (422) when it may not be
    used, :class:`InputError` ``input.invalid_field`` when it is not a usable URL at all.

    ``allow_private`` accepts non-public addresses (development, tests); the scheme and credentials rules
    always apply. ``resolver(host, port)`` returns the host's addresses (tests pass their own)."""
    if len(url) > MAX_URL_CHARS:
        raise InputError(f"callback_url is longer than {MAX_URL_CHARS} characters.", code="input.invalid_field",
                         detail={"field": "callback_url"})  # fmt: skip
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InputError("callback_url is not a valid URL.", code="input.invalid_field",
                         detail={"field": "callback_url"}) from exc  # fmt: skip
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _forbidden("scheme", "callback_url must be an http or https URL.")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise _forbidden("credentials", "callback_url must not carry a user name or password.")
    host = parts.hostname
    if not host:
        raise InputError(
            "callback_url has no host.", code="input.invalid_field", detail={"field": "callback_url"}
        )
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InputError("callback_url has an invalid host name.", code="input.invalid_field",
                             detail={"field": "callback_url"}) from exc  # fmt: skip
    port = port or (443 if scheme == "https" else 80)
    literal = _literal(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise InputError("callback_url: the host name does not resolve.", code="input.callback_url_unresolvable",
                             detail={"field": "callback_url"}) from exc  # fmt: skip
        if not addresses:
            raise InputError("callback_url: the host name does not resolve.", code="input.callback_url_unresolvable",
                             detail={"field": "callback_url"})  # fmt: skip
    if not allow_private:
        for address in addresses:
            ip = _literal(address)
            problem = "unparseable" if ip is None else address_problem(ip)
            if problem is not None:
                raise _forbidden(problem, "callback_url must point to a public internet address.")
    return CallbackTarget(url, scheme, host, port, tuple(addresses))


def pinned_request(target: CallbackTarget) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``(url, headers, extensions)`` for an httpx request that connects to the first checked address of
    ``target`` instead of resolving the name again: the URL carries the address, ``Host`` the original
    name and, for https, ``sni_hostname`` makes TLS ask for and verify the certificate of the name."""
    parts = urlsplit(target.url)
    ip = _literal(target.addresses[0])
    address = target.addresses[0].split("%", 1)[0]
    netloc_ip = f"[{address}]" if isinstance(ip, ipaddress.IPv6Address) else address
    default = 443 if target.scheme == "https" else 80
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default:
        host_header += f":{target.port}"
    url = urlunsplit((target.scheme, f"{netloc_ip}:{target.port}", parts.path or "/", parts.query, ""))
    extensions: dict[str, Any] = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return url, {"Host": host_header}, extensions
