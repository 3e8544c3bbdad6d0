"""Stand-in hosts for multi-host tests: network namespaces made with `ip netns`, each joined
to the root namespace by a veth pair on a /30 of its own.

A process runs "on" a host through `nsenter --net=/run/netns/<name>`, not `ip netns exec`:
the latter also remounts /sys for the namespace, which hides the cgroup hierarchies under
/sys/fs/cgroup that the sandbox needs. nsenter enters the network namespace only, and
execs the command, so the pid a test gets is the command's own.

Without the right to make namespaces, `two_hosts` falls back to two "hosts" on the
loopback interface, and says why in `Hosts.note`.
"""

import os
import random
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

_IP = "/usr/sbin/ip"
_NSENTER = "/usr/bin/nsenter"
#: The /30s are picked inside this /16 (private, and unlikely to be routed here).
_NETWORK = "10.213"


@dataclass(frozen=True)
class Host:
    """One stand-in host.

    Attributes:
        name: a label (`a`, `b`).
        address: where the host's servers listen, as the root namespace reaches them.
        gateway: the root namespace's address as the host reaches it (where relays to the
            root namespace's loopback services listen).
        netns: the namespace's name; empty on the loopback fallback.
    """

    name: str
    address: str
    gateway: str
    netns: str = ""

    def command(self, *argv: str) -> list[str]:
        """`argv` as run on this host."""
        if not self.netns:
            return list(argv)
        return [_NSENTER, f"--net=/run/netns/{self.netns}", "--", *argv]


@dataclass
class Hosts:
    """The hosts, and why they are not namespaces when they are not."""

    hosts: list[Host]
    note: str = ""
    _made: list[str] = field(default_factory=list)

    @property
    def isolated(self) -> bool:
        """Whether each host has a network namespace of its own."""
        return all(host.netns for host in self.hosts)


def _ip(*args: str) -> None:
    done = subprocess.run([_IP, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def _used_subnets() -> set[str]:
    done = subprocess.run(
        [_IP, "-o", "-4", "addr", "show"], capture_output=True, text=True, check=False
    )
    words = done.stdout.split()
    return {w.rsplit(".", 1)[0] for w in words if w.startswith(_NETWORK + ".")}


def _free_subnets(count: int) -> list[tuple[str, str]]:
    """`count` (gateway, address) pairs on /30s no interface here uses; the third octet
    alone tells them apart."""
    used = _used_subnets()
    free = [f"{_NETWORK}.{octet}" for octet in range(1, 255) if f"{_NETWORK}.{octet}" not in used]
    return [(f"{net}.1", f"{net}.2") for net in random.sample(free, count)]


def _make_namespace(netns: str, gateway: str, address: str) -> None:
    # Interface names are at most 15 bytes; the namespace's name is short enough.
    outside, inside = f"{netns}r", f"{netns}n"
    # A namespace of this name is a crashed run's: the name holds our pid.
    _remove_namespace(netns)
    _ip("netns", "add", netns)
    _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
    _ip("link", "set", inside, "netns", netns)
    _ip("addr", "add", f"{gateway}/30", "dev", outside)
    _ip("link", "set", outside, "up")
    _ip("-n", netns, "addr", "add", f"{address}/30", "dev", inside)
    _ip("-n", netns, "link", "set", inside, "up")
    _ip("-n", netns, "link", "set", "lo", "up")


def _remove_namespace(netns: str) -> None:
    # Deleting the namespace destroys its veth end, and with it the pair.
    subprocess.run([_IP, "netns", "del", netns], capture_output=True, check=False)
    subprocess.run([_IP, "link", "del", f"{netns}r"], capture_output=True, check=False)


@contextmanager
def two_hosts(*, isolate: bool = True) -> Iterator[Hosts]:
    """Two hosts, `a` and `b`, removed on exit (kill their processes first: a namespace
    lives on while a process is in it). `isolate=False` asks for the loopback fallback."""
    hosts = Hosts([Host(name, "127.0.0.1", "127.0.0.1") for name in ("a", "b")])
    if not isolate:
        hosts.note = "network namespaces not asked for: both hosts are on loopback"
    else:
        try:
            made = []
            for name, (gateway, address) in zip("ab", _free_subnets(2), strict=True):
                netns = f"bj{os.getpid() % 10**7}{name}"
                hosts._made.append(netns)
                _make_namespace(netns, gateway, address)
                made.append(Host(name, address, gateway, netns))
            hosts.hosts = made
        except OSError as exc:
            for netns in hosts._made:
                _remove_namespace(netns)
            hosts._made.clear()
            hosts.note = f"no network namespaces ({exc}): both hosts are on loopback"
    try:
        yield hosts
    finally:
        for netns in hosts._made:
            _remove_namespace(netns)
