"""A minimal provider for the plugin-layer tests: a provider schema and nothing else.

Run as ``python mini_provider.py [--debug]``; VESSELTEST_ADDRESS overrides the provider
address used in debug mode.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def make_servicer():
    from tfprovider.protocol import tfplugin6_pb2 as pb
    from tfprovider.protocol import tfplugin6_pb2_grpc

    class MiniProvider(tfplugin6_pb2_grpc.ProviderServicer):
        async def GetProviderSchema(self, request, context):
            return pb.GetProviderSchema.Response(
                provider=pb.Schema(block=pb.Schema.Block()),
                server_capabilities=pb.ServerCapabilities(get_provider_schema_optional=True),
            )

        async def ValidateProviderConfig(self, request, context):
            return pb.ValidateProviderConfig.Response()

        async def ConfigureProvider(self, request, context):
            return pb.ConfigureProvider.Response()

        async def StopProvider(self, request, context):
            return pb.StopProvider.Response()

    return MiniProvider()


if __name__ == "__main__":
    from tfprovider.plugin import serve

    serve(make_servicer, provider_address=os.environ.get(
        "VESSELTEST_ADDRESS", "registry.terraform.io/popsolutions/vesseltest"))
