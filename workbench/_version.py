"""The package version, in a leaf module that imports nothing of the package."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mentorship-workbench")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"
