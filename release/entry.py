"""Entry script the bundlers freeze into ``terraform-provider-vessel_vX.Y.Z``."""
from tfprovider.main import main

if __name__ == "__main__":
    main()
