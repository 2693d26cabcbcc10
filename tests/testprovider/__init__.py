"""A small provider built on tfprovider.framework, backed by a JSON file "device".

Used by the framework and end-to-end tests exactly as the vessel resources use the
framework. ``TESTPROV_SCHEMA_VERSION=0`` serves the old schema of ``testprov_thing``
(attribute ``label`` instead of ``name``) so tests can create state that needs upgrading.
"""
