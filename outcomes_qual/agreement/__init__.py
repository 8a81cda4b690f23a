"""Inter-coder agreement, and validation of the auto-coder against a person's coded sample.

Cohen's kappa, Krippendorff's alpha and Gwet's AC1 per code, per turn or participant.
"""

from .stats import cohen_kappa, gwet_ac1, krippendorff_alpha, percent_agreement, positive_agreement, prevalence
from .tables import AGREEMENT_COLUMNS, DISAGREEMENT_COLUMNS, agreement, disagreements
from .validation import (
    CONFUSION_COLUMNS,
    VALIDATION_COLUMNS,
    VALIDATION_UNIT_COLUMNS,
    confusion_counts,
    confusion_matrix,
    machine_coders,
    review_agreement,
    validate,
    validation_units,
)

__all__ = [
    "AGREEMENT_COLUMNS",
    "CONFUSION_COLUMNS",
    "DISAGREEMENT_COLUMNS",
    "VALIDATION_COLUMNS",
    "VALIDATION_UNIT_COLUMNS",
    "agreement",
    "cohen_kappa",
    "confusion_counts",
    "confusion_matrix",
    "disagreements",
    "gwet_ac1",
    "krippendorff_alpha",
    "percent_agreement",
    "positive_agreement",
    "machine_coders",
    "prevalence",
    "review_agreement",
    "validate",
    "validation_units",
]
