"""earmuff: hears at home, keeps it at home."""

from device.version import __version__

__all__ = ["__version__"]
