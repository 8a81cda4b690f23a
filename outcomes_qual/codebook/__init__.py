"""Thematic codebooks: the data model, YAML loading and validation, rendering.

Examples
--------
>>> from pathlib import Path
>>> cb = load_codebook(Path(__file__).parents[2] / "codebooks" / "outcomes_practice.yaml")
>>> cb["systems_barriers/paperwork_and_it"].label
'Paperwork, forms and IT'
"""

from .load import codebook_to_dict, dumps_codebook, load_codebook, loads_codebook, save_codebook
from .model import CODEBOOK_COLUMNS, Code, Codebook
from .render import CODEBOOK_TABLE_COLUMNS, codebook_markdown, codebook_table

__all__ = [
    "CODEBOOK_COLUMNS",
    "CODEBOOK_TABLE_COLUMNS",
    "Code",
    "Codebook",
    "codebook_markdown",
    "codebook_table",
    "codebook_to_dict",
    "dumps_codebook",
    "load_codebook",
    "loads_codebook",
    "save_codebook",
]
