"""Render the published vault into pages, a content index, and the list of files to copy."""

from garden.render.memo import PageMemo
from garden.render.pages import SiteRenderer

__all__ = ["PageMemo", "SiteRenderer"]
