"""go-plugin process layer: handshake, AutoMTLS, gRPC server lifecycle, hclog logging.

Public API::

    from tfprovider.plugin import serve
    serve(servicer_factory, provider_address="registry.terraform.io/popsolutions/vessel")

    from tfprovider.plugin.log import get_logger
    log = get_logger("vlan", tf_resource_type="vessel_vlan")

Importing this package is cheap (no asyncio, gRPC or protobuf until ``serve`` runs).
"""
from __future__ import annotations

from tfprovider.plugin.server import DEFAULT_PROVIDER_ADDRESS, serve

__all__ = ["DEFAULT_PROVIDER_ADDRESS", "serve"]
