"""go-plugin process layer: handshake, AutoMTLS, gRPC server lifecycle, hclog logging.

Public API::

    from tfprovider.plugin import serve
    serve(servicer_factory, provider_address="registry.terraform.io/popsolutions/vessel")

    from tfprovider.plugin.log import get_logger

Importing this package is cheap; the server module is loaded on first use.
"""
from __future__ import annotations

from typing import Any

__all__ = ["serve"]


def serve(servicer_factory: Any, **kwargs: Any) -> Any:
    """See :func:`tfprovider.plugin.server.serve`."""
    from tfprovider.plugin.server import serve as _serve

    return _serve(servicer_factory, **kwargs)
