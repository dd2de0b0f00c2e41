"""Provisioning over SCIM 2.0 at /scim/v2 (docs/provisioning.md)."""
