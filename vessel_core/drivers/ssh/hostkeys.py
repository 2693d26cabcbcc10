"""Host-key pinning for SSH targets: fail closed unless the caller chose otherwise.

A :class:`HostKeyPolicy` is one of
- a known_hosts file (OpenSSH format),
- one or more pinned SHA256 fingerprints (``SHA256:...`` as ``ssh-keygen -lf`` prints),
- explicit trust-on-first-use, which records the first key seen in a known_hosts
  file and pins it from then on.
There is no default: constructing a target without a policy is an error.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from vessel_core.errors import ValidationError

#: (host, port) -> fingerprint of the key last refused there (for the error message)
_REFUSED: dict[tuple[str, int], str] = {}


@dataclass(frozen=True)
class HostKeyPolicy:
    known_hosts: Path | None = None
    fingerprints: tuple[str, ...] = ()
    trust_on_first_use: bool = False
    tofu_store: Path | None = None

    def __post_init__(self) -> None:
        if not (self.known_hosts or self.fingerprints or self.trust_on_first_use):
            raise ValidationError("host_keys: give a known_hosts file or SHA256 fingerprints "
                                  "(trust on first use must be requested explicitly)",
                                  operation="ssh connect")
        for fp in self.fingerprints:
            if not fp.startswith("SHA256:"):
                raise ValidationError(f"host_keys: fingerprint {fp!r} must start with 'SHA256:'",
                                      operation="ssh connect")

    @classmethod
    def from_known_hosts(cls, path: str | os.PathLike) -> "HostKeyPolicy":
        return cls(known_hosts=Path(path))

    @classmethod
    def pinned(cls, *fingerprints: str) -> "HostKeyPolicy":
        return cls(fingerprints=tuple(fingerprints))

    @classmethod
    def tofu(cls, store: str | os.PathLike | None = None) -> "HostKeyPolicy":
        """Trust the first key seen; with ``store`` the key is recorded there and pinned later."""
        return cls(trust_on_first_use=True, tofu_store=Path(store) if store else None)

    def asyncssh_options(self, host: str, port: int) -> dict:
        """Keyword arguments for :func:`asyncssh.connect` plus the client factory."""
        policy = self

        class _Client(asyncssh.SSHClient):
            def validate_host_public_key(self, h, addr, p, key) -> bool:  # noqa: D401
                return policy._accept(host, port, key)

        if self.known_hosts and self.known_hosts.exists():
            known: object = str(self.known_hosts)
        elif self.tofu_store and self.tofu_store.exists() and self.tofu_store.stat().st_size:
            known = str(self.tofu_store)
        else:
            # A callable returning no trusted keys: every key goes through _accept.
            known = lambda h, a, p: ([], [], [])  # noqa: E731
        return {"known_hosts": known, "client_factory": _Client}

    def presented(self, host: str, port: int) -> str | None:
        """The SHA256 fingerprint of the last key ``host:port`` presented and this policy refused."""
        return _REFUSED.get((host, port))

    def _accept(self, host: str, port: int, key: asyncssh.SSHKey) -> bool:
        ok = self._decide(host, port, key)
        if not ok:
            _REFUSED[(host, port)] = key.get_fingerprint("sha256")
        return ok

    def _decide(self, host: str, port: int, key: asyncssh.SSHKey) -> bool:
        if self.fingerprints:
            return key.get_fingerprint("sha256") in self.fingerprints
        if self.known_hosts:
            return False  # the file did not list this key (or does not exist): fail closed
        if self.trust_on_first_use:
            if self.tofu_store:
                if self.tofu_store.exists() and self.tofu_store.stat().st_size:
                    return False  # a key was recorded already and this one differs
                name = host if port == 22 else f"[{host}]:{port}"
                self.tofu_store.parent.mkdir(parents=True, exist_ok=True)
                self.tofu_store.write_text(f"{name} {key.export_public_key('openssh').decode().strip()}\n")
            return True
        return False


def fingerprint_of(public_key_openssh: str | bytes) -> str:
    """SHA256 fingerprint of an OpenSSH public key line (handy for tests and config)."""
    return asyncssh.import_public_key(public_key_openssh).get_fingerprint("sha256")


__all__ = ["HostKeyPolicy", "fingerprint_of"]
