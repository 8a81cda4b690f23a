"""Analysis screens: the role x theme matrix and two coders' agreement, computed by the library.

Both are recomputed from the project file on every request, so they follow
the coding as people work. The tables come from
:func:`outcomes_qual.analysis.role_by_theme`,
:func:`outcomes_qual.agreement.agreement` and
:func:`outcomes_qual.agreement.disagreements`; this module only shapes them
for the page.
"""

from __future__ import annotations

import math

from outcomes_qual.agreement import agreement, disagreements
from outcomes_qual.analysis import role_by_theme, role_ranks
from outcomes_qual.errors import InputError
from outcomes_qual.project import Project

UNITS = ("segments", "participants", "groups")
STATUSES = ("accepted", "all")


def _num(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def matrix(proj: Project, *, unit: str = "segments", status: str = "accepted", level: str = "theme", codebook=None) -> dict:
    """The role x theme table as rows of cells (count, percent of the role's units, share of the code).

    ``status="accepted"`` counts decisions only (accepted suggestions and
    people's codings); ``"all"`` adds pending suggestions. Rejected codings
    never count.
    """
    if unit not in UNITS:
        raise InputError(f"unit: expected one of {list(UNITS)}, got {unit!r}")
    if status not in STATUSES:
        raise InputError(f"status: expected one of {list(STATUSES)}, got {status!r}")
    codings = proj.codings(status="accepted" if status == "accepted" else ["accepted", "suggested"])
    ranks = role_ranks(proj.participants())  # the study's groups in roster order
    table = role_by_theme(
        proj.segments(),
        codings,
        unit=unit,
        level=level,
        codebook=codebook,
        role_order=sorted(ranks, key=lambda role: ranks[role]),
    )
    roles = list(dict.fromkeys(table["role"]))
    rows = []
    for code, part in table.groupby("code", sort=False):
        cells = {
            r["role"]: {
                "n": int(r["n"]),
                "base": int(r["base"]),
                "percent": _num(r["percent"]),
                "share": _num(r["share_of_code"]),
            }
            for r in part.to_dict("records")
        }
        label = codebook.label(code) if codebook is not None else code
        rows.append({"code": code, "label": label, "cells": [cells.get(r) for r in roles]})
    return {"roles": roles, "rows": rows, "unit": unit, "status": status}


#: The coder agreed codings are recorded under (see :func:`outcomes_qual_web.actions.do_agree`).
CONSENSUS = "consensus"


def default_pair(proj: Project) -> tuple[str, str] | None:
    """The two coders the agreement page opens with: two people if they can be, with the most turns both coded.

    Pairs of people come before a person and an auto-coder (a coder with
    codings made by a method other than ``manual``), which come before two
    auto-coders; within those, the pair with the most turns coded in the
    transcripts both coded; ties go to the coders with more codings, then by
    name. ``consensus`` (agreed codings) is never one of them. ``None`` when
    no two coders coded the same transcript.
    """
    rows = proj.conn.execute(
        "SELECT c.coder, s.transcript_id, count(DISTINCT c.segment_id) FROM codings c JOIN segments s "
        "USING (segment_id) WHERE c.status != 'rejected' AND c.coder != ? GROUP BY c.coder, s.transcript_id",
        (CONSENSUS,),
    ).fetchall()
    machines = {
        r[0] for r in proj.conn.execute("SELECT DISTINCT coder FROM codings WHERE method IS NOT NULL AND method != 'manual'")
    }
    per: dict[str, dict[str, int]] = {}
    for coder, tid, n in rows:
        per.setdefault(coder, {})[tid] = int(n)
    best, best_key = None, None
    coders = sorted(per, key=lambda c: (-sum(per[c].values()), c))
    for i, a in enumerate(coders):
        for b in coders[i + 1 :]:
            common = set(per[a]) & set(per[b])
            if not common:
                continue
            key = (-((a in machines) + (b in machines)), sum(min(per[a][t], per[b][t]) for t in common))
            if best_key is None or key > best_key:
                best, best_key = (a, b), key
    return best


def coder_agreement(proj: Project, coder_a: str, coder_b: str, *, level: str = "code", codebook=None) -> dict:
    """Agreement per code of two coders, and the turns where they differ.

    Two people: the units are every participant turn of the transcripts
    **both** coders coded (facilitator turns left out, as in
    :func:`outcomes_qual.agreement.agreement`), so a turn neither coded counts
    as agreement that a code is absent. Rejected codings are left out. A
    disagreement whose turn has an agreed coding (coder ``consensus``) is
    listed as resolved, with the agreed codes, rather than as open.

    An auto-coder and a person: "how far does the machine agree with this
    person", answered as ``outcomes-qual validate`` and Appendix D answer it
    (:func:`outcomes_qual.agreement.review_agreement`, codes from the
    project's codebook): the units are the turns the person coded or
    reviewed, a suggestion they accepted is their coding, and one they left
    pending on a turn they reviewed is undecided and left out.
    """
    if coder_a == coder_b:
        raise InputError("choose two different coders")
    from outcomes_qual.agreement import machine_coders, review_agreement, validation_units

    everything = proj.codings()
    machines = set(machine_coders(everything[everything["coder"].isin([coder_a, coder_b])]))
    if len(machines) == 1:
        machine, person = (coder_a, coder_b) if coder_a in machines else (coder_b, coder_a)
        if person not in set(everything["coder"]) | set(everything["reviewed_by"].dropna()):
            raise InputError(f"no codings by {[person]} in the project, nor any reviewed by them")
        codes = None
        if len(proj.codebook_versions()):
            cb = proj.codebook()
            codes = cb.theme_keys() if level == "theme" else cb.keys()
        table = review_agreement(everything, machine=machine, against=person, level=level, codes=codes)
        units = validation_units(everything, machine=machine, against=person, level=level, codes=codes)
        seg = proj.segments().set_index("segment_id")
        mine = {machine: "machine", person: "human"}
        listed = []
        for r in units[~units["agree"]].to_dict("records"):
            rec = seg.loc[r["segment_id"]]
            sets = {"machine": r["machine_codes"], "human": r["human_codes"]}
            only = {"machine": r["only_machine"], "human": r["only_human"]}
            listed.append(
                {
                    "segment_id": r["segment_id"],
                    "transcript_id": rec["transcript_id"],
                    "turn": int(rec["turn"]),
                    "role": rec["role"],
                    "text": rec["text"],
                    "codes_a": [x for x in sets[mine[coder_a]].split("; ") if x],
                    "codes_b": [x for x in sets[mine[coder_b]].split("; ") if x],
                    "only_a": [x for x in only[mine[coder_a]].split("; ") if x],
                    "only_b": [x for x in only[mine[coder_b]].split("; ") if x],
                }
            )
        cb_labels = codebook.label if codebook is not None else (lambda k: k)
        rows = [
            {
                "code": r["code"],
                "n_units": int(r["n_units"]),
                "percent_agreement": _num(r["percent_agreement"]),
                "label": f"All {level}s, pooled" if r["code"] == "all" else cb_labels(r["code"]),
                "cohen_kappa": _num(r["cohen_kappa"]),
                "gwet_ac1": _num(r["gwet_ac1"]),
                "n_coded": int(r["n_coded"]),
                "note": r["note"] if isinstance(r["note"], str) else "",
            }
            for r in table.to_dict("records")
        ]
        transcripts = sorted(set(seg.loc[units["segment_id"], "transcript_id"]))
        return {
            "coder_a": coder_a,
            "coder_b": coder_b,
            "rows": rows,
            "disagreements": listed,
            "transcripts": transcripts,
            "n_units": len(units),
            "machine": machine,
            "person": person,
            "units_note": (
                f"Units: the {len(units)} turns {person} coded or reviewed, as in `outcomes-qual "
                f"validate` and Appendix D of the report. A suggestion {person} accepted counts as "
                f"their coding; one still pending on a turn they reviewed is undecided and left out "
                f"of that {level}'s figures; turns they never opened are not units."
            ),
        }
    codings = everything[everything["coder"].isin([coder_a, coder_b])]
    codings = codings[codings["status"] != "rejected"]
    have = set(codings["coder"])
    missing = [c for c in (coder_a, coder_b) if c not in have]
    if missing:
        raise InputError(f"no codings by {missing} in the project")
    segments = proj.segments()
    coded = [  # the transcripts each coder coded
        set(segments.loc[segments["segment_id"].isin(set(codings.loc[codings["coder"] == c, "segment_id"])), "transcript_id"])
        for c in (coder_a, coder_b)
    ]
    tids = coded[0] & coded[1]
    segments = segments[segments["transcript_id"].isin(tids)].reset_index(drop=True)
    if segments.empty:
        raise InputError(f"{coder_a} and {coder_b} have not coded any transcript in common")
    a = codings[codings["coder"] == coder_a]
    b = codings[codings["coder"] == coder_b]
    table = agreement(a, b, segments=segments, level=level)
    diff = disagreements(a, b, segments=segments, level=level)
    names = codebook.label if codebook is not None else (lambda k: k)

    def label(code: str) -> str:  # the library's pooled row is "all": every (turn, code) decision once
        return f"All {level}s, pooled" if code == "all" and (codebook is None or "all" not in codebook) else names(code)

    rows = [
        {
            "code": r["code"],
            "label": label(r["code"]),
            "n_units": int(r["n_units"]),
            "percent_agreement": _num(r["percent_agreement"]),
            "cohen_kappa": _num(r["cohen_kappa"]),
            "gwet_ac1": _num(r["gwet_ac1"]),
            "n_coded": int(r["n_coded"]),
            "note": r["note"] if isinstance(r["note"], str) else "",
        }
        for r in table.to_dict("records")
    ]
    listed = [
        {
            "segment_id": r["segment_id"],
            "transcript_id": r["transcript_id"],
            "turn": int(r["turn"]),
            "role": r["role"],
            "codes_a": _code_list(r["codes_a"], drop_empty=False),
            "codes_b": _code_list(r["codes_b"], drop_empty=False),
            "only_a": _code_list(r["only_a"]),
            "only_b": _code_list(r["only_b"]),
            "text": r["text"],
        }
        for r in diff.to_dict("records")
    ]
    agreed = _agreed(proj, [d["segment_id"] for d in listed], level=level)
    for d in listed:
        d["agreed"] = agreed.get(d["segment_id"], [])
    analysed = segments[segments["role"].astype(object).fillna("") != "facilitator"]
    return {
        "coder_a": coder_a,
        "coder_b": coder_b,
        "rows": rows,
        "disagreements": [d for d in listed if not d["agreed"]],
        "resolved": [d for d in listed if d["agreed"]],
        "transcripts": sorted(tids),
        "n_units": len(analysed),
    }


def _code_list(value, *, drop_empty: bool = True) -> list[str]:
    """A disagreement's codes as a list: a sequence as it is, a string split on ``;`` (empty pieces dropped when asked)."""
    if not isinstance(value, str):
        return list(value)
    return [x for x in value.split(";") if x] if drop_empty else value.split(";")


def _agreed(proj: Project, segment_ids: list[str], *, level: str) -> dict[str, list[str]]:
    """The agreed codes (coder ``consensus``, not rejected) of each of ``segment_ids`` that has any."""
    out: dict[str, list[str]] = {}
    for i in range(0, len(segment_ids), 500):
        chunk = segment_ids[i : i + 500]
        for sid, code in proj.conn.execute(
            f"SELECT segment_id, code FROM codings WHERE coder = ? AND status != 'rejected' AND segment_id IN "
            f"({','.join('?' * len(chunk))}) ORDER BY coding_id",
            [CONSENSUS, *chunk],
        ):
            code = code.split("/", 1)[0] if level == "theme" else code
            if code not in out.setdefault(sid, []):
                out[sid].append(code)
    return out
