"""``outcomes-qual autocode``: not yet available."""


def register(subparsers):
    """Add nothing yet; the owner of this command replaces this module."""
