"""Huawei E9000 remote KVM: client, codecs and screenshots (fact sheet: kvm-protocol.md)."""
from .client import BladeState, Frame, KvmSession, KvmTiming
from .errors import (
                     KvmAuthError,
                     KvmBladeDownError,
                     KvmConnectionError,
                     KvmDecodeError,
                     KvmProtocolError,
                     KvmSessionTakenError,
                     KvmSlotEmptyError,
                     KvmTimeoutError,
                     KvmUnsupportedError,
                     KvmValidationError,
)
from .params import HmmWebBootstrap, KvmBootstrap, KvmSessionParams, StaticBootstrap, WebClientBootstrap, params_from_embed
from .screenshot import capture_screenshot, frame_to_png

__all__ = [
    "BladeState", "Frame", "KvmSession", "KvmTiming", "HmmWebBootstrap", "KvmBootstrap",
    "KvmSessionParams", "StaticBootstrap", "WebClientBootstrap", "params_from_embed", "capture_screenshot", "frame_to_png",
    "KvmAuthError", "KvmBladeDownError", "KvmConnectionError", "KvmDecodeError", "KvmProtocolError",
    "KvmSessionTakenError", "KvmSlotEmptyError", "KvmTimeoutError", "KvmUnsupportedError",
    "KvmValidationError",
]
