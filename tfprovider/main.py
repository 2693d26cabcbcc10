"""Console entry point ``terraform-provider-vessel``."""
from __future__ import annotations


def _make_servicer():  # imported lazily: runs after the handshake line is printed
    from tfprovider.vessel.provider import make_servicer

    return make_servicer()


def main() -> None:
    from tfprovider.plugin import serve

    serve(_make_servicer)


if __name__ == "__main__":
    main()
