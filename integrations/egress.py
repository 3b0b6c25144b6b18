"""Every outbound HTTP call the product makes: address checked, pinned, no redirects, a timeout.

Built on `requests-hardened`: the host is resolved once, the address is checked against
every IANA special-purpose range, and the connection goes to that very address (the
`Host` header, SNI and certificate check keep the name), so a DNS answer that changes
between check and connect (DNS rebinding) gains nothing. Redirects are never followed.

One set of connection pools serves the whole process (`EGRESS_POOL_SIZE` connections
kept alive per host): webhooks use the shared session as it is; a CRM connection gets a
light session of its own (its client library sets credentials and headers on it) that
sends through the same pools.
"""
from __future__ import annotations

import http.cookiejar
import ipaddress
import logging
import os
import socket
import threading
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.util.connection import allowed_gai_family

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IANA special-purpose ranges (RFC 6890 registries) that this Python's `ipaddress` flags do
# not all catch (e.g. 3.11 calls ::7f00:1 and fec0::1 "global").
SPECIAL_PURPOSE_RANGES = tuple(ipaddress.ip_network(net) for net in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24",
    "192.88.99.0/24", "192.168.0.0/16", "192.175.48.0/24", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "::/96",              # IPv4-compatible (deprecated): ::7f00:1 is 127.0.0.1
    "::ffff:0:0/96",      # IPv4-mapped: the embedded address is checked instead
    "::ffff:0:0:0/96",    # IPv4-translated (SIIT): ::ffff:0:a.b.c.d
    "64:ff9b::/96", "64:ff9b:1::/48",  # NAT64
    "100::/64", "2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20", "5f00::/16",
    "fc00::/7", "fe80::/10",
    "fec0::/10",          # site-local (deprecated, still routed inside some networks)
    "ff00::/8",
))


class UnsafeAddress(InvalidIPAddress):
    """The host resolved to an address Meta Chat does not call; `str()` is the address."""


class RedirectRefused(requests.RequestException):
    """The server answered with a redirect, which Meta Chat never follows."""

    def __init__(self, response: requests.Response):
        self.status = response.status_code
        location = response.headers.get("Location", "")
        super().__init__(f"HTTP {self.status} redirect to {_origin(location)} was not followed",
                         response=response)


def address_allowed(ip: IPAddress, *, allow_loopback: bool) -> bool:
    """Whether `ip` is a public unicast address (or loopback, when allowed)."""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:a.b.c.d reaches a.b.c.d: judge that
    if ip.is_loopback:
        return allow_loopback
    if not ip.is_global:
        return False
    if (ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_link_local
            or ip.is_unspecified or getattr(ip, "is_site_local", False)):
        return False
    return not any(ip.version == net.version and ip in net for net in SPECIAL_PURPOSE_RANGES)


def resolve_checked(hostname: str, port: int | None) -> str:
    """Resolve `hostname` once and return the address to connect to (IPv6 in brackets).

    Raises UnsafeAddress for a forbidden address, requests.ConnectionError when the name
    does not resolve."""
    if not hostname:
        raise requests.exceptions.InvalidURL("Invalid URL: missing hostname")
    try:
        answers = socket.getaddrinfo(hostname.strip("[]"), port, family=allowed_gai_family(),
                                     type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise requests.ConnectionError("Failed to resolve domain") from error
    except (UnicodeError, ValueError) as error:
        raise requests.exceptions.InvalidURL(f"Invalid host name: {error}") from error
    family, _, _, _, address = answers[0]
    if family not in (socket.AF_INET, socket.AF_INET6):
        raise requests.ConnectionError("Only IPv4 and IPv6 addresses are supported")
    ip = ipaddress.ip_address(str(address[0]).split("%")[0])
    if not address_allowed(ip, allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK):
        logger.warning("refused a call to %s: %s is not a public address", hostname, ip)
        raise UnsafeAddress(ip)
    return f"[{ip}]" if ip.version == 6 else str(ip)


def check_host(hostname: str, port: int) -> None:
    """The check `resolve_checked` makes at connect time, for saving a URL."""
    resolve_checked(hostname, port)


class PinnedAdapter(IPFilterAdapter):
    """requests-hardened's adapter with the full special-purpose check, a pool of the
    configured size, and the loopback setting read at each call (tests switch it)."""

    def __init__(self, *, https: bool, pool_size: int, pool_hosts: int):
        self._is_https_proto = https
        self._allow_loopback = False  # unused: resolve_checked reads the setting
        self._tls_sni_support = True
        HTTPAdapter.__init__(self, pool_connections=pool_hosts, pool_maxsize=pool_size)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = HTTPAdapter.build_connection_pool_key_attributes(
            self, request, verify, cert)
        # A copy: a client library may reuse one headers dict for many requests.
        request.headers = CaseInsensitiveDict(request.headers or {})
        hostname = host_params["host"]
        host_header = f"[{hostname}]" if ":" in hostname else hostname
        if (port := host_params["port"]) is not None:
            host_header += f":{port}"
        request.headers["Host"] = host_header
        if self._is_https_proto:
            # The certificate and SNI are checked against the name, not the pinned address.
            pool_kwargs["assert_hostname"] = hostname
            pool_kwargs["server_hostname"] = hostname
        host_params["host"] = resolve_checked(hostname, port).strip("[]")
        return host_params, pool_kwargs


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    # Sessions serve many workspaces: a cookie one receiver sets must never travel on.
    def set_ok(self, cookie, request):
        return False

    def return_ok(self, cookie, request):
        return False


class EgressSession(HTTPSession):
    """A hardened session on the process's shared pools: never redirects, no proxies from
    the environment, no cookies, a timeout on every call."""

    def __init__(self, *, timeout: float | None = None, raise_on_redirect: bool = False,
                 ca_bundle: str | None = None):
        timeout = timeout or settings.WEBHOOK_TIMEOUT
        super().__init__(Config(
            ip_filter_enable=False,  # the shared PinnedAdapters below do the checking
            ip_filter_allow_loopback_ips=False,
            never_redirect=True,
            default_timeout=(timeout, timeout),
        ))
        self.timeout = timeout
        self.ca_bundle = ca_bundle or None
        self.raise_on_redirect = raise_on_redirect
        self.trust_env = False  # no proxies from the environment: we connect where we checked
        self.cookies.set_policy(_NoCookies())
        for prefix, adapter in shared_adapters().items():
            self.mount(prefix, adapter)

    def request(self, method, url, *args, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = (self.timeout, self.timeout)
        if self.ca_bundle and kwargs.get("verify") in (None, True):
            # Per request: the environment's REQUESTS_CA_BUNDLE would win over the session's.
            kwargs["verify"] = self.ca_bundle
        return super().request(method, url, *args, **kwargs)

    def send(self, request, **kwargs):
        response = super().send(request, **kwargs)
        if self.raise_on_redirect and response.is_redirect:
            response.close()
            raise RedirectRefused(response)
        return response

    def close(self):
        # The pools are the process's, not this session's: closing one session (a client
        # library's `with` block) must not drop everyone's kept-alive connections.
        pass


_lock = threading.RLock()
_shared: dict = {}


def shared_adapters() -> dict[str, PinnedAdapter]:
    """The process's adapters (connection pools); rebuilt in a forked child."""
    state = _shared.get("adapters")
    if state is None or state[0] != os.getpid():
        with _lock:
            state = _shared.get("adapters")
            if state is None or state[0] != os.getpid():
                size = settings.EGRESS_POOL_SIZE
                hosts = settings.EGRESS_POOL_HOSTS
                state = (os.getpid(), {
                    "https://": PinnedAdapter(https=True, pool_size=size, pool_hosts=hosts),
                    "http://": PinnedAdapter(https=False, pool_size=size, pool_hosts=hosts),
                })
                _shared["adapters"] = state
    return state[1]


def egress_session() -> EgressSession:
    """The process's one shared session (thread-safe: no cookies, no per-call state)."""
    state = _shared.get("session")
    if state is None or state[0] != os.getpid():
        with _lock:
            state = _shared.get("session")
            if state is None or state[0] != os.getpid():
                state = (os.getpid(), EgressSession())
                _shared["session"] = state
    return state[1]


def _origin(url: str) -> str:
    # Only scheme and host of a redirect target go into messages: its query may hold secrets.
    try:
        parts = urlsplit(url)
    except ValueError:
        return "an unreadable address"
    return f"{parts.scheme}://{parts.hostname}" if parts.hostname else "another address"


# --- bridges for client libraries that do not take a requests session --------------------
class Urllib3Bridge:
    """Stands in for a `urllib3.PoolManager` (hubspot-api-client's REST client calls
    `pool_manager.request(...)`), sending through an EgressSession."""

    def __init__(self, session: EgressSession):
        self.session = session

    def request(self, method, url, *, body=None, fields=None, headers=None, timeout=None,
                preload_content=True, encode_multipart=False, **_ignored):
        import urllib3

        if isinstance(timeout, urllib3.Timeout):
            # Read the parts as given: the properties need a started timer.
            total = timeout.total if isinstance(timeout.total, int | float) else None
            connect = timeout._connect if isinstance(timeout._connect, int | float) else total
            read = timeout._read if isinstance(timeout._read, int | float) else total
            timeout = None if connect is None and read is None else (connect, read)
        params = data = None
        if fields:
            if method.upper() in ("GET", "HEAD", "DELETE", "OPTIONS"):
                params = fields
            else:
                data = fields
        response = self.session.request(method, url, data=body if body is not None else data,
                                        params=params, headers=headers, timeout=timeout)
        return _Urllib3Response(response)


class _Urllib3Response:
    """The parts of `urllib3.HTTPResponse` that generated OpenAPI clients read."""

    def __init__(self, response: requests.Response):
        self.status = response.status_code
        self.reason = response.reason
        self.data = response.content
        self.headers = response.headers

    def getheaders(self):
        return self.headers

    def getheader(self, name, default=None):
        return self.headers.get(name, default)


def httpx_transport(session: EgressSession):
    """An `httpx` transport sending through `session` (python-intercom takes an httpx client)."""
    import httpx

    class EgressTransport(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            timeouts = request.extensions.get("timeout") or {}
            connect, read = timeouts.get("connect"), timeouts.get("read")
            try:
                response = session.request(
                    request.method, str(request.url), headers=dict(request.headers),
                    data=request.read() or None,
                    timeout=None if connect is None and read is None else (connect, read),
                )
            except requests.Timeout as error:
                raise httpx.TimeoutException(str(error), request=request) from error
            except requests.RequestException as error:
                raise httpx.ConnectError(str(error), request=request) from error
            headers = [(k, v) for k, v in response.headers.items()
                       if k.lower() not in ("content-encoding", "content-length",
                                            "transfer-encoding")]
            return httpx.Response(response.status_code, headers=headers,
                                  content=response.content, request=request)

    return EgressTransport()
