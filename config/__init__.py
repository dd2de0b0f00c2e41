"""Kring's settings: read once from the environment into one typed object."""

from config.settings import ConfigError, Mode, Settings, load_settings

__all__ = ["ConfigError", "Mode", "Settings", "load_settings"]
