"""Generated tfplugin6 and go-plugin gRPC stubs. Regenerate with `make proto`; do not edit."""
