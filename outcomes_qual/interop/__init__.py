"""Exchange with NVivo, ATLAS.ti, MAXQDA and QualCoder through REFI-QDA (QDA-XML 1.0).

``export_qdc``/``import_qdc`` move codebooks (``.qdc``); ``export_qdpx``/
``import_qdpx`` move whole coded projects (``.qdpx``: a zip with
``project.qde`` and the transcripts under ``sources/``). See
``docs/refi_qda.md``.
"""

from ._safezip import Limits
from ._spans import rebase_codings
from .project_io import add_import_to_project, anonymise_for_export, import_qdpx_to_project
from .qdc import export_qdc, import_qdc
from .qdpx_export import ExportSummary, export_qdpx
from .qdpx_import import QdpxImport, import_qdpx

__all__ = [
    "ExportSummary",
    "Limits",
    "QdpxImport",
    "add_import_to_project",
    "anonymise_for_export",
    "export_qdc",
    "export_qdpx",
    "import_qdc",
    "import_qdpx",
    "import_qdpx_to_project",
    "rebase_codings",
]
