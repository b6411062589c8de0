"""Clean, normalise and near-deduplicate scraped news and web articles."""

__version__ = "0.1.0"
