"""Media: identify content by its magic bytes, enforce limits, decode into pipeline items."""

from winnow.media.load import load_content
from winnow.media.sniff import Sniffed, sniff

__all__ = ["Sniffed", "load_content", "sniff"]
