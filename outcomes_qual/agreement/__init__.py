"""Inter-coder agreement: Cohen's kappa, Krippendorff's alpha, Gwet's AC1 per code, per turn or participant."""

from .stats import cohen_kappa, gwet_ac1, krippendorff_alpha, percent_agreement, positive_agreement, prevalence
from .tables import AGREEMENT_COLUMNS, DISAGREEMENT_COLUMNS, agreement, disagreements

__all__ = [
    "AGREEMENT_COLUMNS",
    "DISAGREEMENT_COLUMNS",
    "agreement",
    "cohen_kappa",
    "disagreements",
    "gwet_ac1",
    "krippendorff_alpha",
    "percent_agreement",
    "positive_agreement",
    "prevalence",
]
