"""KVM session bootstrap: the embed parameters of ``/kvm.html`` behind a small interface.

:class:`HmmWebBootstrap` logs in through the HMM web API driver and reads the embed;
:class:`StaticBootstrap` hands over parameters obtained elsewhere (tests, replays).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from vessel_core.errors import AuthError, VesselError

from .errors import KvmAuthError, KvmProtocolError

DEFAULT_SMM_PORT = 2198
DEFAULT_DATA_PORT = 2200


@dataclass(frozen=True, repr=False)
class KvmSessionParams:
    """What the KVM channels need. ``host`` is where the TCP connections go (the HMM address)."""

    host: str
    smm_port: int
    verifyvalue: int
    secretiv: bytes
    secure: bool = True
    data_port_fallback: int = DEFAULT_DATA_PORT

    def __repr__(self) -> str:      # live credentials: never print them
        return f"KvmSessionParams(host={self.host!r}, smm_port={self.smm_port}, secure={self.secure})"


def _secret(v: Any) -> str | None:
    if v is None:
        return None
    get = getattr(v, "get_secret_value", None)
    return str(get() if get else v)


def params_from_embed(embed: Any, host: str, *, target: str | None = None) -> KvmSessionParams:
    """Build :class:`KvmSessionParams` from embed attributes (the hmm_web ``KvmParams`` model or
    a plain ``dict`` of lower-cased attribute names)."""
    get = embed.get if isinstance(embed, dict) else (lambda k: getattr(embed, k, None))
    op = "kvm.html embed"
    vv = _secret(get("verifyvalue"))
    iv = _secret(get("secretiv"))
    if not vv or not iv:
        raise KvmProtocolError("kvm.html embed lacks verifyvalue or secretiv", target=target, operation=op)
    try:
        verifyvalue = int(vv)
        secretiv = bytes.fromhex(iv)
    except ValueError:
        raise KvmProtocolError("kvm.html embed: verifyvalue is not decimal or secretiv not hex",
                               target=target, operation=op) from None
    if len(secretiv) != 16 or not 0 <= verifyvalue <= 0xFFFFFFFF:
        raise KvmProtocolError("kvm.html embed: secretiv must be 16 bytes, verifyvalue 32-bit",
                               target=target, operation=op)
    port = get("port")
    secure = get("securekvm")
    return KvmSessionParams(host=host, smm_port=int(port) if port else DEFAULT_SMM_PORT,
                            verifyvalue=verifyvalue, secretiv=secretiv,
                            secure=str(secure if secure is not None else 1).strip() != "0")


class KvmBootstrap(Protocol):
    async def fetch(self) -> KvmSessionParams: ...


class StaticBootstrap:
    """Parameters known in advance."""

    def __init__(self, params: KvmSessionParams) -> None:
        self._params = params

    async def fetch(self) -> KvmSessionParams:
        return self._params


class HmmWebBootstrap:
    """Web login (``/loginhandler.php``) then ``GET /kvm.html`` via the HMM web API driver."""

    def __init__(self, host: str, username: str, password: str, *, port: int = 443,
                 verify_tls: bool = True, scheme: str = "https", timeout: float = 30.0,
                 kvm_host: str | None = None) -> None:
        self.host = host
        self.port = port
        self._username = username
        self._password = password
        self.verify_tls = verify_tls
        self.scheme = scheme
        self.timeout = timeout
        self.kvm_host = kvm_host or host

    @property
    def base_url(self) -> str:
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{h}:{self.port}"

    async def fetch(self) -> KvmSessionParams:
        from vessel_core.drivers.hmm_web.client import HmmWebClient
        from vessel_core.drivers.tls import TLSConfig

        client = HmmWebClient(self.base_url, self._username, self._password,
                              tls=TLSConfig(insecure=not self.verify_tls), timeout=self.timeout,
                              target=self.host)
        try:
            try:
                embed = await client.kvm_params()
            except KvmAuthError:
                raise
            except AuthError as exc:
                raise KvmAuthError(exc.message, target=exc.target, operation=exc.operation,
                                   device_message=exc.device_message) from None
        finally:
            try:
                await client.close()
            except VesselError:
                pass
        return params_from_embed(embed, self.kvm_host, target=self.host)


class WebClientBootstrap:
    """Reuse an already logged-in :class:`~vessel_core.drivers.hmm_web.client.HmmWebClient`
    (every fresh login takes one of the HMM's limited web-session slots)."""

    def __init__(self, client: Any, kvm_host: str) -> None:
        self._client = client
        self.kvm_host = kvm_host

    async def fetch(self) -> KvmSessionParams:
        try:
            embed = await self._client.kvm_params()
        except KvmAuthError:
            raise
        except AuthError as exc:
            raise KvmAuthError(exc.message, target=exc.target, operation=exc.operation,
                               device_message=exc.device_message) from None
        return params_from_embed(embed, self.kvm_host, target=self.kvm_host)
