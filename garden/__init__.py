"""garden: publish an Obsidian vault as a static website."""

__version__ = "0.1.0"
