"""Thematic codebooks: the data model, YAML loading and validation."""

from .model import CODEBOOK_COLUMNS, Code, Codebook

__all__ = ["CODEBOOK_COLUMNS", "Code", "Codebook"]
