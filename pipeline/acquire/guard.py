"""The SSRF guard: which addresses a fetch may connect to, and the one place hosts are resolved.

Why: feed and article URLs come from third parties. A feed can link to ``http://169.254.169.254/``
(cloud metadata) or to a name that resolves to 10.0.0.1. We resolve the host ourselves
(``settings.resolve`` overrides first, like ``curl --resolve``), judge *every* address it resolves
to, and the fetcher then connects to the address judged here (pinning defeats DNS rebinding).

Private addresses are refused unless the operator allows them with ``allow_private_hosts``:

* ``True`` (the bare ``--allow-private-hosts`` flag): every private address, as before; meant for
  the demo and tests, and logged as a warning because one allowed feed can then redirect anywhere
  inside the network;
* a list (``127.0.0.1:8080,10.0.0.0/24,feeds.internal``): hosts, ``host:port`` and CIDRs. A private
  address is allowed only when it lies in a listed network (and port), or the hop's host name is
  listed (and port). Public addresses are never affected.

The check runs on every hop of a redirect chain, on the address actually connected to.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pipeline.errors import ConfigError

__all__ = [
    "AllowEntry",
    "Blocked",
    "Guard",
    "HostPolicy",
    "IPAddress",
    "Unresolvable",
    "ip_block_reason",
    "is_public_ip",
    "normalise_allowlist",
    "parse_allow_entry",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpClassifier = Callable[[IPAddress], str | None]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_][a-z0-9_-]{0,62})*$"
)
_TRUE = frozenset({"1", "true", "yes", "on", "all"})
_FALSE = frozenset({"", "0", "false", "no", "off", "none"})
_log = logging.getLogger(__name__)


class Blocked(Exception):
    """The URL's host resolves to an address the policy refuses."""


class Unresolvable(Exception):
    """The host has no usable address; ``transient`` when a retry may help (EAI_AGAIN)."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


# --------------------------------------------------------------------------- classifier


def ip_block_reason(ip: str | IPAddress) -> str | None:
    """Why connecting to ``ip`` would reach something non-public, or None if it is public.

    IPv4 embedded in IPv6 (IPv4-mapped ``::ffff:a.b.c.d``, 6to4, Teredo, NAT64) is judged by the
    embedded IPv4, because that is where the packets end up.
    """
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_reason(ip)
        if embedded is not None:
            return embedded or None
    checks = (
        ("is_unspecified", "unspecified address"),
        ("is_loopback", "loopback address"),
        ("is_link_local", "link-local address"),
        ("is_multicast", "multicast address"),
        ("is_private", "private address"),
        ("is_reserved", "reserved address"),
        ("is_site_local", "site-local address"),
    )
    for attr, reason in checks:
        if getattr(ip, attr, False):
            return reason
    if not ip.is_global:
        return "non-global address"
    return None


def _embedded_reason(ip: ipaddress.IPv6Address) -> str | None:
    """The verdict on an IPv4 address carried inside ``ip``: a reason, '' for 'public', or None
    when ``ip`` carries none that decides (judge the IPv6 address itself)."""
    if ip.ipv4_mapped is not None:
        inner = ip_block_reason(ip.ipv4_mapped)
        return f"IPv4-mapped {inner}" if inner else ""
    if ip in _NAT64:
        # DNS64 on IPv6-only networks synthesises these for every public IPv4 host; the packets
        # go to the embedded address.
        inner = ip_block_reason(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        return f"NAT64 {inner}" if inner else ""
    embedded: list[ipaddress.IPv4Address] = []
    if ip.sixtofour is not None:
        embedded.append(ip.sixtofour)
    if ip.teredo is not None:
        embedded.extend(ip.teredo)
    for v4 in embedded:
        inner = ip_block_reason(v4)
        if inner:
            return f"IPv6 embedding a {inner}"
    return None


def is_public_ip(ip: str | IPAddress) -> bool:
    """True if the SSRF guard lets a fetch connect to ``ip`` (with private hosts disallowed)."""
    return ip_block_reason(ip) is None


# --------------------------------------------------------------------------- allowlist


@dataclass(frozen=True)
class AllowEntry:
    """One ``allow_private_hosts`` entry: a network or a host name, optionally one port."""

    network: IPNetwork | None = None
    host: str | None = None
    port: int | None = None

    def matches(self, host: str, ip: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            return _plain(ip) in self.network
        return self.host == host.lower().rstrip(".")


def _plain(ip: IPAddress) -> IPAddress:
    """``::ffff:10.0.0.1`` is 10.0.0.1 for matching against an IPv4 network."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _split_port(text: str) -> tuple[str, str | None]:
    """``host:port``, ``[v6]:port``, ``cidr:port`` or a bare IPv6 address/network."""
    if text.startswith("["):
        inside, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError("unbalanced '[' (write IPv6 with a port as [addr]:port)")
        return inside, rest[1:] if rest else None
    if text.count(":") >= 2:  # a bare IPv6 address or network: no port possible
        return text, None
    host, sep, port = text.partition(":")
    return host, port if sep else None


def parse_allow_entry(text: str) -> AllowEntry:
    """Parse one entry; raises ValueError naming what is wrong with it."""
    raw = text.strip().lower()
    if not raw:
        raise ValueError("empty entry")
    if "://" in raw or raw.count("/") > 1:
        raise ValueError(f"{text.strip()!r}: give a host, host:port or CIDR, not a URL")
    host, port_text = _split_port(raw)
    port = None
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{text.strip()!r}: port must be 1-65535")
        port = int(port_text)
    try:
        return AllowEntry(network=ipaddress.ip_network(host, strict=False), port=port)
    except ValueError:
        pass
    name = host.rstrip(".")
    if "/" in name or not _HOSTNAME.match(name):
        raise ValueError(f"{text.strip()!r} is not a host, host:port, IP or CIDR network")
    return AllowEntry(host=name, port=port)


def normalise_allowlist(value: object) -> bool | list[str]:
    """The ``allow_private_hosts`` setting in canonical form: a bool or a list of entries.

    Accepts a bool, a comma/space separated string (``"1"``/``"true"`` mean True, ``"0"`` and
    ``"false"`` False, as environment variables are written) or a list of strings. Every entry is
    parsed here, so a typo fails at start-up with the entry named, not at the first fetch.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.strip().lower() in _TRUE:
            return True
        if value.strip().lower() in _FALSE:
            return False
        items: Iterable[object] = re.split(r"[,\s]+", value.strip())
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise ValueError("expected true/false or a list of hosts, host:port and CIDR networks")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"entries must be strings, got {item!r}")
        if item.strip():
            parse_allow_entry(item)
            out.append(item.strip().lower())
    return out or False


@functools.cache
def _warn_allow_all() -> None:
    """Once per process: the bare flag opens every private address."""
    _log.warning(
        "allow_private_hosts=true: every private, loopback and link-local address may be "
        "fetched, including redirect targets; list the hosts instead "
        "(e.g. --allow-private-hosts 127.0.0.1:8080,10.0.0.0/24,feeds.internal)"
    )


class HostPolicy:
    """Whether a hop may connect to ``ip``:``port`` for the URL host ``host``."""

    def __init__(self, allow: bool | Sequence[str], classify: IpClassifier | None = None) -> None:
        self._classify = classify or ip_block_reason
        self._allow_all = allow is True
        self._entries = tuple(
            parse_allow_entry(e) for e in ([] if allow in (True, False) else allow)
        )
        if self._allow_all and classify is None:
            _warn_allow_all()

    def block_reason(self, host: str, ip: IPAddress, port: int) -> str | None:
        reason = self._classify(ip)
        if reason is None or self._allow_all:
            return None
        if any(e.matches(host, ip, port) for e in self._entries):
            return None
        if self._entries:
            return f"{reason}, port {port}, not in allow_private_hosts"
        return f"{reason}; set allow_private_hosts to fetch private addresses"


# --------------------------------------------------------------------------- resolution


class Guard:
    """Resolves a host (``resolve`` overrides first) and returns the one address to connect to,
    after every address it resolves to has passed the policy."""

    def __init__(self, resolve: Mapping[str, str], policy: HostPolicy) -> None:
        self.policy = policy
        self._resolve_map: dict[str, IPAddress] = {}
        for host, addr in resolve.items():
            try:
                self._resolve_map[host.strip().lower().rstrip(".")] = ipaddress.ip_address(
                    addr.strip().strip("[]")
                )
            except ValueError:
                raise ConfigError(f"resolve: {host!r} -> {addr!r} is not an IP address") from None

    def pin(self, host: str, port: int) -> IPAddress:
        """The address to connect to; raises Blocked or Unresolvable."""
        addrs = self.resolve(host, port)
        for ip in addrs:
            reason = self.policy.block_reason(host, ip, port)
            if reason:
                raise Blocked(f"refusing {host!r}: it resolves to {ip} ({reason})")
        return addrs[0]

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        key = host.lower().rstrip(".")
        if key in self._resolve_map:
            return [self._resolve_map[key]]
        try:
            return [ipaddress.ip_address(key)]
        except ValueError:
            pass
        try:
            infos = socket.getaddrinfo(key, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            transient = exc.errno == socket.EAI_AGAIN
            raise Unresolvable(f"cannot resolve host {host!r}: {exc.strerror}", transient) from None
        except (UnicodeError, OSError) as exc:
            raise Unresolvable(f"cannot resolve host {host!r}: {exc}", False) from None
        out: list[IPAddress] = []
        for _family, _type, _proto, _canon, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if ip not in out:
                out.append(ip)
        if not out:
            raise Unresolvable(f"cannot resolve host {host!r}: no addresses", True)
        return out
