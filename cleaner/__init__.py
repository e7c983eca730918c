"""cleaner: strip boilerplate from scraped news pages and keep only the article.

    from cleaner import clean, clean_document
    text = clean(open("page.txt", encoding="utf-8").read())
    doc = clean_document(raw_bytes)          # text, title, kept, removed (with reasons)
"""

from __future__ import annotations

from .api import clean, clean_document
from .model import Block, Cleaned, Removal
from .rules import RuleError

__version__ = "0.1.0"
__all__ = ["clean", "clean_document", "Cleaned", "Removal", "Block", "RuleError", "__version__"]
