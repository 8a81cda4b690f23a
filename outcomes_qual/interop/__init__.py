"""Exchange with NVivo, ATLAS.ti, MAXQDA and QualCoder through REFI-QDA (QDA-XML 1.0).

``export_qdc``/``import_qdc`` move codebooks (``.qdc``); ``export_qdpx``/
``import_qdpx`` move whole coded projects (``.qdpx``: a zip with
``project.qde`` and the transcripts under ``sources/``). See
``docs/refi_qda.md``.
"""

from ._safezip import Limits
from .qdc import export_qdc, import_qdc
from .qdpx_export import ExportSummary, export_qdpx
from .qdpx_import import QdpxImport, import_qdpx

__all__ = ["ExportSummary", "Limits", "QdpxImport", "export_qdc", "export_qdpx", "import_qdc", "import_qdpx"]
