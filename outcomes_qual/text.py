r"""Text normalisation shared by readers, the project file and REFI exchange.

All character offsets in outcomes_qual index *normalised* text: Unicode NFC,
LF line ends, no byte-order mark, counted in code points (Python ``str``
indices).

Examples
--------
>>> normalise_text("\ufeffCaf\u0065\u0301\r\nok\r")
'Café\nok\n'
"""

from __future__ import annotations

import unicodedata


def normalise_text(text: str) -> str:
    r"""Return ``text`` as NFC with LF line ends and no leading BOM.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> normalise_text("a\r\nb")
    'a\nb'
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)
