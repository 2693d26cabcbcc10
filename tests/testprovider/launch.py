"""Entry point terraform executes (through the ``terraform-provider-testprov`` launcher)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tests.testprovider.provider import ADDRESS, make_servicer  # noqa: E402
from tfprovider.plugin import serve  # noqa: E402

if __name__ == "__main__":
    serve(make_servicer, provider_address=ADDRESS)
