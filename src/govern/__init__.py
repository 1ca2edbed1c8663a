"""govern: governance for the communities people build themselves in collaboration tools."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("govern")
except PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0+checkout"
