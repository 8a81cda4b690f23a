"""What each screen shows, read from the project file.

Reads go through :class:`outcomes_qual.project.Project` (its tables and its
connection); writes never happen here (see :mod:`outcomes_qual_web.actions`).
Speakers are shown by role and pseudonymous participant id, never by name,
unless the server was started with ``--show-names``.

Examples
--------
>>> evidence_terms("keywords: forms; IT system")
['forms', 'IT system']
>>> evidence_terms("nearest example: 0.61") == []
True
>>> highlight_ranges("The form and the IT system.", ["forms", "IT system"])
[(4, 8), (17, 26)]
>>> queue_priority(0.55), queue_priority(0.9), queue_priority(None)
(0.05, 0.4, 0.5)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from types import SimpleNamespace

from outcomes_qual.analysis import is_study_group
from outcomes_qual.codebook import Codebook
from outcomes_qual.errors import InputError
from outcomes_qual.project import Project, compile_query

#: The decision threshold the review queue measures doubt from.
THRESHOLD = 0.5

#: Colours for themes without their own colour in the codebook.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")


def queue_priority(confidence: float | None) -> float:
    """Doubt rank of a suggestion: its distance from the decision threshold (smaller = less sure).

    A suggestion without a confidence counts as maximally unsure among those
    far from the threshold (distance 0.5).
    """
    if confidence is None:
        return 0.5
    return round(abs(float(confidence) - THRESHOLD), 6)


def evidence_terms(evidence: str | None) -> list[str]:
    """The keywords an auto-coder's evidence names (``"keywords: a; b"``), else none."""
    if not evidence:
        return []
    m = re.search(r"keywords?:\s*([^|]+)", str(evidence))
    if not m:
        return []
    return [t.strip() for t in re.split(r"[;,]", m.group(1)) if t.strip()][:12]


@lru_cache(maxsize=4096)
def _term_patterns(term: str):
    """The term as a phrase query, and as stems (each word less its last two letters, at least four)."""
    try:
        stem = " ".join(w[: max(4, len(w) - 2)] + "*" if len(w) > 4 else w for w in term.split())
        return compile_query(term), compile_query(stem)
    except InputError:
        return None


def highlight_ranges(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Character ranges of ``text`` where the evidence terms occur (merged, in order).

    A term is matched as a phrase; when it does not occur, each of its words is
    matched by a stem (the word less its last two letters, at least four) so
    that ``forms`` finds ``form``.
    """
    found: list[tuple[int, int]] = []
    for term in terms:
        patterns = _term_patterns(term)
        if patterns is None:
            continue
        hits = [(m.start(), m.end()) for m in patterns[0].finditer(text)]
        if not hits:
            hits = [(m.start(), m.end()) for m in patterns[1].finditer(text)]
        found.extend(hits)
    found.sort()
    merged: list[tuple[int, int]] = []
    for s, e in found:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def pieces(text: str, marks: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """Split ``text`` into (piece, highlighted) runs; the pieces join back to ``text`` exactly.

    Examples
    --------
    >>> pieces("abcdef", [(1, 3)])
    [('a', False), ('bc', True), ('def', False)]
    """
    out, pos = [], 0
    for s, e in sorted(marks):
        s, e = max(s, pos), min(e, len(text))
        if s >= e:
            continue
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    if pos < len(text) or not out:
        out.append((text[pos:], False))
    return out


def marked_pieces(
    text: str,
    evidence: list[tuple[int, int]],
    coded: list[tuple[int, int, str, str]],
) -> list[tuple[str, bool, tuple]]:
    """Split ``text`` into runs: (piece, keyword evidence?, the coded spans over it as (code, colour) pairs).

    Keyword evidence of a suggestion and a span someone coded are shown
    differently, so each run says which it is; the pieces join back to
    ``text`` exactly.

    Examples
    --------
    >>> marked_pieces("abcdef", [(1, 3)], [(2, 5, "time", "#d62728")])
    [('a', False, ()), ('b', True, ()), ('c', True, (('time', '#d62728'),)),
     ('de', False, (('time', '#d62728'),)), ('f', False, ())]
    """
    n = len(text)
    cuts = {0, n}
    for s, e in evidence:
        cuts.update((min(max(s, 0), n), min(max(e, 0), n)))
    for s, e, _, _ in coded:
        cuts.update((min(max(s, 0), n), min(max(e, 0), n)))
    bounds = sorted(cuts)
    out: list[tuple[str, bool, tuple]] = []
    for a, b in pairwise(bounds):
        ev = any(s <= a and b <= e for s, e in evidence)
        codes = tuple(dict.fromkeys((code, color) for s, e, code, color in coded if s <= a and b <= e))
        if out and out[-1][1] == ev and out[-1][2] == codes:
            out[-1] = (out[-1][0] + text[a:b], ev, codes)
        else:
            out.append((text[a:b], ev, codes))
    return out or [(text, False, ())]


def code_label(proj: Project, code: str) -> str:
    """The label the latest codebook gives ``code`` (the key itself when the code is not in it)."""
    try:
        return proj.codebook().label(code)
    except InputError:
        return code


def turn_name(proj: Project, segment_ids) -> str:
    """How a message names one or more turns: ``"fg1 turn 4"``, ``"fg1 turns 3-5"``."""
    ids = [segment_ids] if isinstance(segment_ids, str) else list(segment_ids)
    if not ids:
        return "no turn"
    marks = ",".join("?" * len(ids))
    rows = proj.conn.execute(
        f"SELECT transcript_id, turn FROM segments WHERE segment_id IN ({marks}) ORDER BY seq", ids
    ).fetchall()
    if not rows:
        return ", ".join(ids)
    tid, turns = rows[0][0], [r[1] for r in rows]
    if len(turns) == 1:
        return f"{tid} turn {turns[0]}"
    return f"{tid} turns {turns[0]}-{turns[-1]}"


def _clip(text: str, n: int, *, keep_end: bool = False) -> str:
    """``text`` cut to about ``n`` characters at a space, with an ellipsis where it was cut."""
    text = " ".join(str(text).split())
    if len(text) <= n:
        return text
    if keep_end:
        cut = text[-n:]
        return "\u2026" + cut[cut.find(" ") + 1 :] if " " in cut else "\u2026" + cut
    cut = text[:n]
    return (cut[: cut.rfind(" ")] if " " in cut else cut) + "\u2026"


@dataclass
class CodeInfo:
    """A codebook code as the pages show it: label, depth in the tree, colour, definition and (themes) shortcut key."""

    key: str
    label: str
    depth: int
    color: str
    definition: str
    include: tuple
    exclude: tuple
    examples: tuple
    shortcut: int | None


def codebook_info(proj: Project) -> tuple[Codebook | None, list[CodeInfo]]:
    """The latest codebook and its codes in tree order, with a colour and (themes) a 1-9 shortcut."""
    try:
        cb = proj.codebook()
    except InputError:
        return None, []
    colors, out, n = {}, [], 0
    for i, theme in enumerate(cb.themes()):
        colors[theme.key] = theme.color or PALETTE[i % len(PALETTE)]

    def walk(key: str):
        nonlocal n
        code = cb[key]
        shortcut = None
        if code.depth == 0 and n < 9:
            n += 1
            shortcut = n
        out.append(
            CodeInfo(
                code.key,
                code.label,
                code.depth,
                code.color or colors.get(code.theme, PALETTE[0]),
                code.definition,
                code.include,
                code.exclude,
                code.examples,
                shortcut,
            )
        )
        for child in cb.children(key):
            walk(child.key)

    for theme in cb.themes():
        walk(theme.key)
    return cb, out


def speaker_label(role: str | None, participant_id: str | None, speaker: str | None, show_names: bool) -> str:
    """How a speaker is shown: role and pseudonymous id (and the name only with ``show_names``)."""
    role = role or "unknown"
    label = role if is_study_group(role) else role.capitalize()  # a study group as the roster wrote it
    if participant_id:
        label += f" {participant_id}"
    if show_names and speaker:
        label += f" ({speaker})"
    return label


def home(proj: Project) -> dict:
    """Transcripts with group, authority, roles, turns and coding progress per coder."""
    conn = proj.conn
    transcripts = []
    rows = conn.execute(
        "SELECT transcript_id, method, authority, department, n_turns, extra FROM transcripts ORDER BY rowid"
    ).fetchall()
    roles: dict[str, list[tuple[str, int]]] = {}
    for tid, role, n in conn.execute("SELECT transcript_id, role, count(*) FROM segments GROUP BY transcript_id, role"):
        roles.setdefault(tid, []).append((role or "unknown", n))
    analysed = dict(
        conn.execute(
            "SELECT transcript_id, count(*) FROM segments WHERE role IS NULL OR role != 'facilitator' GROUP BY transcript_id"
        ).fetchall()
    )
    # Progress credits people: a turn counts for everyone who coded it by hand or accepted or rejected a
    # suggestion on it (reviewed when no suggestion is pending there any more, else suggested). An auto-coder
    # (a coder with a method other than manual) reviews nothing: its row counts only the turns where its
    # suggestions still wait for a person, and the turns it never coded.
    progress: dict[str, dict[str, list[int]]] = {}
    machine_sql = "method IS NOT NULL AND method NOT IN ('manual', 'human', 'import')"
    for tid, who, reviewed, pending, coded in conn.execute(
        "WITH machines(name) AS (SELECT DISTINCT coder FROM codings WHERE " + machine_sql + "), "
        "touched(segment_id, who) AS (SELECT segment_id, coder FROM codings WHERE coder NOT IN machines "
        "  UNION SELECT segment_id, reviewed_by FROM codings WHERE reviewed_by IS NOT NULL AND reviewed_by != ''), "
        "open(segment_id, coder) AS (SELECT DISTINCT segment_id, coder FROM codings WHERE status = 'suggested'), "
        "rows(segment_id, who, reviewed, pending, coded) AS ("
        "  SELECT t.segment_id, t.who, NOT EXISTS (SELECT 1 FROM open o WHERE o.segment_id = t.segment_id), "
        "  EXISTS (SELECT 1 FROM open o WHERE o.segment_id = t.segment_id), 1 FROM touched t "
        "  UNION ALL SELECT m.segment_id, m.coder, 0, EXISTS (SELECT 1 FROM open o WHERE o.segment_id = m.segment_id "
        "  AND o.coder = m.coder), 1 FROM (SELECT DISTINCT segment_id, coder FROM codings WHERE coder IN machines) m) "
        "SELECT s.transcript_id, r.who, sum(r.reviewed), sum(r.pending), sum(r.coded) FROM rows r "
        "JOIN segments s USING (segment_id) WHERE s.role IS NULL OR s.role != 'facilitator' "
        "GROUP BY s.transcript_id, r.who ORDER BY r.who"
    ):
        n = analysed.get(tid, 0)
        progress.setdefault(tid, {})[who] = [int(reviewed), int(pending), max(0, n - int(coded))]
    for tid, method, authority, department, n_turns, extra in rows:
        try:
            extra = json.loads(extra) if extra else {}
        except ValueError:
            extra = {}
        extra = extra if isinstance(extra, dict) else {}
        transcripts.append(
            {
                "transcript_id": tid,
                "method": method or "",
                "group": extra.get("group") or department or "",
                "authority": authority or "",
                "roles": sorted(roles.get(tid, []), key=lambda r: -r[1]),
                "n_turns": n_turns,
                "n_analysed": analysed.get(tid, 0),
                "progress": progress.get(tid, {}),
            }
        )
    return {"transcripts": transcripts, "summary": proj.summary()}


def transcript_exists(proj: Project, transcript_id: str) -> bool:
    """True when ``transcript_id`` is in the project."""
    return proj.conn.execute("SELECT 1 FROM transcripts WHERE transcript_id = ?", (transcript_id,)).fetchone() is not None


def transcript_view(proj: Project, transcript_id: str, *, show_names: bool, colors: dict[str, str]) -> dict:
    """Turns of one transcript in order, each with its codings and suggestions (namespaces: fast in templates)."""
    conn = proj.conn
    meta = conn.execute(
        "SELECT method, authority, department, n_turns FROM transcripts WHERE transcript_id = ?", (transcript_id,)
    ).fetchone()
    text = conn.execute("SELECT text FROM transcripts WHERE transcript_id = ?", (transcript_id,)).fetchone()[0]
    codings: dict[str, list[dict]] = {}
    for cid, sid, code, coder, method, conf, evidence, start, end, status, reviewed_by in conn.execute(
        "SELECT c.coding_id, c.segment_id, c.code, c.coder, c.method, c.confidence, c.evidence, c.start_char, "
        "c.end_char, c.status, c.reviewed_by FROM codings c JOIN segments s USING (segment_id) "
        "WHERE s.transcript_id = ? ORDER BY c.coding_id",
        (transcript_id,),
    ):
        codings.setdefault(sid, []).append(
            {
                "coding_id": cid,
                "code": code,
                "coder": coder,
                "method": method,
                "confidence": conf,
                "evidence": evidence or "",
                "start_char": start,
                "end_char": end,
                "status": status,
                "reviewed_by": reviewed_by,
                "color": colors.get(code.split("/")[0], PALETTE[0]),
            }
        )
    memos: dict[str, list[dict]] = {}
    for mid, target, mtext, author, created in conn.execute(
        "SELECT memo_id, target_id, text, author, created_at FROM memos WHERE target_type = 'segment' "
        "AND target_id IN (SELECT segment_id FROM segments WHERE transcript_id = ?) ORDER BY memo_id",
        (transcript_id,),
    ):
        memos.setdefault(target, []).append({"memo_id": mid, "text": mtext, "author": author, "created_at": created})
    turns = []
    for sid, turn, speaker, pid, role, seg_text, start, end in conn.execute(
        "SELECT segment_id, turn, speaker, participant_id, role, text, start_char, end_char FROM segments "
        "WHERE transcript_id = ? ORDER BY seq",
        (transcript_id,),
    ):
        own = codings.get(sid, [])
        suggestions = [c for c in own if c["status"] == "suggested"]
        decided = [c for c in own if c["status"] == "accepted"]
        rejected = [c for c in own if c["status"] == "rejected"]
        evidence, coded = [], []  # a suggestion's evidence; spans people decided (coded or accepted)
        for c in suggestions:
            if c["start_char"] is not None:
                evidence.append((max(0, c["start_char"] - start), min(end, c["end_char"]) - start))
            else:
                evidence.extend(highlight_ranges(seg_text, evidence_terms(c["evidence"])))
        for c in decided:
            if c["start_char"] is not None:
                coded.append((max(0, c["start_char"] - start), min(end, c["end_char"]) - start, c["code"], c["color"]))
        turns.append(
            SimpleNamespace(
                segment_id=sid,
                turn=turn,
                role=role or "unknown",
                speaker=speaker_label(role, pid, speaker, show_names),
                start_char=start,
                end_char=end,
                pieces=marked_pieces(seg_text, evidence, coded),
                # strongest first: the suggestion the keys act on first is the one the coder is surest of
                suggestions=[
                    SimpleNamespace(**c)
                    for c in sorted(suggestions, key=lambda c: (c["confidence"] is None, -(c["confidence"] or 0), c["coding_id"]))
                ],
                codings=[SimpleNamespace(**c) for c in decided],
                rejected=[SimpleNamespace(**c) for c in rejected],
                memos=[SimpleNamespace(**m) for m in memos.get(sid, [])],
                facilitator=role == "facilitator",
            )
        )
    return {
        "transcript_id": transcript_id,
        "method": meta[0] or "",
        "authority": meta[1] or "",
        "department": meta[2] or "",
        "n_turns": meta[3],
        "turns": turns,
        "text_length": len(text),
        "n_suggestions": sum(len(t.suggestions) for t in turns),
    }


def review_queue(
    proj: Project,
    *,
    coder: str | None = None,
    limit: int = 50,
    show_names: bool = False,
) -> list[dict]:
    """Pending suggestions, least sure first: ordered by |confidence - 0.5|, then coding id.

    Each item carries ``context``: the turn before it and, when that is not
    the facilitator's, the facilitator's last question within five turns
    (oldest first, clipped), since a turn often cannot be judged alone.
    """
    sql = (
        "SELECT c.coding_id, c.segment_id, s.transcript_id, s.turn, s.role, s.participant_id, s.speaker, "
        "c.code, c.coder, c.confidence, c.evidence, s.text, s.seq FROM codings c JOIN segments s USING (segment_id) "
        "WHERE c.status = 'suggested'"
    )
    params: list = []
    if coder:
        sql += " AND c.coder = ?"
        params.append(coder)
    sql += " ORDER BY CASE WHEN c.confidence IS NULL THEN 0.5 ELSE abs(c.confidence - ?) END, c.coding_id LIMIT ?"
    params += [THRESHOLD, int(limit)]
    out = []
    for cid, sid, tid, turn, role, pid, speaker, code, by, conf, evidence, text, seq in proj.conn.execute(sql, params).fetchall():
        out.append(
            {
                "context": _context(proj, tid, seq, show_names),
                "coding_id": cid,
                "segment_id": sid,
                "transcript_id": tid,
                "turn": turn,
                "role": role or "unknown",
                "speaker": speaker_label(role, pid, speaker, show_names),
                "code": code,
                "coder": by,
                "confidence": conf,
                "evidence": evidence or "",
                "doubt": queue_priority(conf),
                "pieces": pieces(text, highlight_ranges(text, evidence_terms(evidence))),
            }
        )
    return out


def _context(proj: Project, transcript_id: str, seq: int, show_names: bool) -> list[dict]:
    """The turn before ``seq`` and, if that is not the facilitator's, the facilitator's last question (within 5)."""
    cols = "turn, role, participant_id, speaker, text"
    prev = proj.conn.execute(
        f"SELECT {cols} FROM segments WHERE transcript_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1", (transcript_id, seq)
    ).fetchone()
    if prev is None:
        return []
    rows = [(prev, True)]
    if prev[1] != "facilitator":
        question = proj.conn.execute(
            f"SELECT {cols} FROM segments WHERE transcript_id = ? AND seq < ? AND seq >= ? AND role = 'facilitator' "
            "ORDER BY seq DESC LIMIT 1",
            (transcript_id, seq - 1, seq - 6),
        ).fetchone()
        if question is not None:
            rows.insert(0, (question, False))
    return [
        {
            "turn": turn,
            "role": role or "unknown",
            "speaker": speaker_label(role, pid, speaker, show_names),
            "text": _clip(text, 240, keep_end=last),
        }
        for (turn, role, pid, speaker, text), last in rows
    ]


def machine_coders(proj: Project) -> list[str]:
    """Coders with suggestions in the project."""
    return [r[0] for r in proj.conn.execute("SELECT DISTINCT coder FROM codings WHERE status = 'suggested' ORDER BY coder")]


def coders(proj: Project) -> list[str]:
    """Every coder with codings that are not rejected, and every person who reviewed a suggestion."""
    return [
        r[0]
        for r in proj.conn.execute(
            "SELECT coder FROM codings WHERE status != 'rejected' UNION SELECT reviewed_by FROM codings "
            "WHERE reviewed_by IS NOT NULL AND reviewed_by != '' ORDER BY 1"
        )
    ]


def coder_names(proj: Project) -> tuple[set[str], set[str]]:
    """(machine coders, people) named in the project.

    Machine coders made codings with a method other than ``manual`` (an
    auto-coder run); people coded by hand, reviewed, wrote memos or acted.
    A person cannot sign in as a machine coder (see
    :func:`outcomes_qual_web.security.check_coder_name`).
    """
    conn = proj.conn
    machines = {r[0] for r in conn.execute("SELECT DISTINCT coder FROM codings WHERE method IS NOT NULL AND method != 'manual'")}
    people = {
        r[0]
        for r in conn.execute(
            "SELECT coder FROM codings WHERE method IS NULL OR method = 'manual' UNION SELECT reviewed_by FROM codings "
            "UNION SELECT author FROM memos UNION SELECT actor FROM actions WHERE kind != 'add_codings'"
        )
        if r[0]
    }
    return machines, people - machines
