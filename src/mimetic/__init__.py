"""mimetic: simulate real users trying a product."""

__version__ = "0.2.0"
