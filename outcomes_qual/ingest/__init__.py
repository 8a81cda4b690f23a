r"""Read transcripts of focus groups and interviews into a tidy :class:`~outcomes_qual.corpus.Corpus`.

One reader per format behind one entry point that picks by extension and
content:

- plain text with speaker labels (``Name:``, ``Practitioner 2:``,
  ``[Manager]``, ``(BH)`` initials with a ``SPEAKERS:`` header, Otter and Rev
  exports): :mod:`.txt`;
- WebVTT (Zoom ``Name: text`` cues, Teams ``<v Name>`` voice tags) and SRT:
  :mod:`.vtt`;
- Word .docx (labelled paragraphs, bold or plain, and transcript tables):
  :mod:`.docx`;
- CSV or JSONL of already segmented responses (``id``, ``text``, optional
  ``speaker``, ``role`` and other columns): :mod:`.table`;
- consultation exports, wide (one row per respondent, one column per open
  question) or long (one row per answer), in CSV, XLSX or Parquet:
  :mod:`.consultation`; each read returns a :class:`ReadReport`.

A roster (:mod:`.roster`) maps (transcript, speaker) to participant ids,
roles and attributes.

Examples
--------
>>> import pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "fg1.txt").write_text("Method: focus group\n\nFacilitator: Hello.\nSENIOR: Hi.\n")
>>> corpus = read_corpus([d])
>>> corpus.segments[["segment_id", "role", "text"]].values.tolist()
[['fg1:001', 'facilitator', 'Hello.'], ['fg1:002', 'senior', 'Hi.']]
>>> corpus.transcripts.loc[0, "method"]
'focus_group'
"""

from ._consult_report import ReadReport
from ._read import iter_input_files, read_corpus, read_transcript
from .checks import CollapsedTranscriptError, MissingSpeakersError, UnknownSpeakersError, transcript_counts
from .consultation import nonresponse_by_question, read_consultation
from .detect import detect_format
from .roles import normalise_method, normalise_role, role_from_label
from .roster import apply_roster, read_roster

__all__ = [
    "read_corpus",
    "read_transcript",
    "read_roster",
    "read_consultation",
    "nonresponse_by_question",
    "ReadReport",
    "apply_roster",
    "normalise_role",
    "normalise_method",
    "role_from_label",
    "detect_format",
    "iter_input_files",
    "UnknownSpeakersError",
    "MissingSpeakersError",
    "CollapsedTranscriptError",
    "transcript_counts",
]
