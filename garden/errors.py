"""Fatal errors: the build cannot go on and OUT must stay as it was.

Everything a user can fix while the build goes on (a broken link, bad front matter, a bad image)
is a Diagnostic, not an exception.
"""


class GardenError(Exception):
    """A fatal error with a message meant for the user."""


class ConfigError(GardenError):
    """The configuration file cannot be used."""


class VaultError(GardenError):
    """The vault folder is missing or unreadable."""


class OutputError(GardenError):
    """OUT is unsafe to write (the vault, a parent of it, /, home) or could not be swapped in."""


class LockError(GardenError):
    """Another build holds the lock on OUT (and did not release it in the time allowed)."""
