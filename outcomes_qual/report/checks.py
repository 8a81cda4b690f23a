"""Check written report files for real names before they are shared.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> d = Path(tempfile.mkdtemp())
>>> _ = (d / "tables").mkdir(), (d / "figures").mkdir(), (d / "report.docx").write_bytes(b"")
>>> paths = {"report": d / "report.docx", "xlsx": d / "missing.xlsx", "tables": d / "tables", "figures": d / "figures"}
>>> check_no_names(paths, ["Gwenllian Price"])
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def check_no_names(paths: dict, speakers, names_csv=None) -> None:
    """Scan the written report, workbook, CSVs and figures for real names; raise on any.

    Parameters
    ----------
    paths : dict
        From :func:`~outcomes_qual.report.write_report` (``report``, ``xlsx``,
        ``tables``, ``figures``).
    speakers : list of str
        Real speaker names (taken from the corpus *before* pseudonymisation);
        generic labels such as "Facilitator" are ignored.
    names_csv : path, optional
        The third-party names list given to the pseudonymiser.

    Raises
    ------
    outcomes_qual.anonymise.leaks.NameLeakError
        Naming the file and context of each leak.
    """
    try:
        from ..anonymise.leaks import assert_no_names
    except ImportError:  # pragma: no cover - anonymise package missing
        logger.warning("leak check skipped: outcomes_qual.anonymise is not available")
        return
    targets = [Path(paths[k]) for k in ("report", "xlsx", "tables", "figures") if k in paths and Path(paths[k]).exists()]
    assert_no_names(targets, [str(s) for s in speakers])
    if names_csv:
        assert_no_names(targets, names_csv)
    logger.info("leak check: no speaker or listed name in %d output(s)", len(targets))
