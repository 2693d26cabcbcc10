"""A minimal provider for the plugin-layer tests: a provider schema and nothing else.

Run as ``python mini_provider.py [--debug]``; VESSELTEST_ADDRESS overrides the provider
address used in debug mode.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def make_servicer():
    if os.environ.get("VESSELTEST_CRASH"):
        raise RuntimeError("schema build failed")
    import asyncio

    from tfprovider.protocol import tfplugin6_pb2 as pb

    in_flight = {"now": 0, "peak": 0}
    crowd = asyncio.Event()

    class MiniProvider:  # RPCs it does not define answer UNIMPLEMENTED
        async def GetMetadata(self, request, context):
            print("stray output from provider code")  # must not reach go-plugin's stdout pipe
            return pb.GetMetadata.Response()

        async def ReadDataSource(self, request, context):
            # concurrency probe: wait until CONCURRENCY_PROBE calls are in flight at once
            wanted = int(request.type_name.rsplit("_", 1)[-1])
            in_flight["now"] += 1
            in_flight["peak"] = max(in_flight["peak"], in_flight["now"])
            if in_flight["now"] >= wanted:
                crowd.set()
            try:
                await asyncio.wait_for(crowd.wait(), 20)
                summary = f"peak {in_flight['peak']}"
            except asyncio.TimeoutError:
                summary = f"timeout at {in_flight['now']} in flight"
            finally:
                in_flight["now"] -= 1
            return pb.ReadDataSource.Response(diagnostics=[pb.Diagnostic(severity=pb.Diagnostic.WARNING, summary=summary)])

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

        async def ReadResource(self, request, context):
            # echo: large messages in both directions
            return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

        async def ImportResourceState(self, request, context):
            raise RuntimeError(f"import failed: {request.id}")

        async def ValidateDataResourceConfig(self, request, context):
            from tfprovider.plugin.grpcserver import StatusCode

            await context.abort(StatusCode.FAILED_PRECONDITION, f"refused: {request.type_name}")

        async def MoveResourceState(self, request, context):
            # sleeps until cancelled by the client; reports whether it saw the cancellation
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                print(f"cancelled {request.source_type_name} {context.cancelled()}")
                raise
            return pb.MoveResourceState.Response()

    return MiniProvider()


if __name__ == "__main__":
    from tfprovider.plugin import serve

    serve(make_servicer, provider_address=os.environ.get(
        "VESSELTEST_ADDRESS", "registry.terraform.io/popsolutions/vesseltest"))
