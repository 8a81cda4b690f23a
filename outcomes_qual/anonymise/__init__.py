"""Anonymisation: find names for review, pseudonymise a corpus, check outputs for leaks.

``pseudonymise_corpus`` is the single entry point that report, topics and
REFI export call before anything leaves the toolkit; ``find_candidates``
lists capitalised words that may be names for a person to review;
``scan_for_names`` and ``assert_no_names`` check written files.

Examples
--------
>>> from outcomes_qual.corpus import Corpus
>>> from outcomes_qual.anonymise import pseudonymise_corpus
>>> c = Corpus.from_turns("fg1", [("Bethan", "senior", "Mrs Pugh rang about Llŷr.")])
>>> anon, mapping = pseudonymise_corpus(c, names=["Mrs Pugh", "Llŷr"])
>>> anon.texts["fg1"]
'[Person 1] rang about [Person 2].'
"""

from .candidates import CANDIDATE_COLUMNS, find_candidates
from .leaks import LEAK_COLUMNS, NameLeakError, assert_no_names, scan_for_names
from .names import NAMES_COLUMNS, NameMatcher, name_variants, names_frame, read_names
from .pseudonymise import MAPPING_COLUMNS, pseudonymise_corpus, pseudonymise_text

__all__ = [
    "CANDIDATE_COLUMNS",
    "LEAK_COLUMNS",
    "MAPPING_COLUMNS",
    "NAMES_COLUMNS",
    "NameLeakError",
    "NameMatcher",
    "assert_no_names",
    "find_candidates",
    "scan_for_names",
    "name_variants",
    "names_frame",
    "pseudonymise_corpus",
    "pseudonymise_text",
    "read_names",
]
