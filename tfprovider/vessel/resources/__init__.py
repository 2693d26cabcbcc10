from tfprovider.vessel.resources.kvm_screenshot import DATA_SOURCES  # noqa: F401 - extend this list, do not replace it
