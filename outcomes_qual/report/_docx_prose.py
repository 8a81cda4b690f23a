"""What the Word report says, written from the tables: the methods, each role's or group's emphasis, the authorities.

These functions return text (or a table's rows) and never touch the
document; :mod:`outcomes_qual.report.docx_report` lays them out with
python-docx. The words for the participants (:func:`_words`) follow the
study: staff in social-care roles, or participants in the study's own
groups ("R1 faculty").
"""

from __future__ import annotations

import math

from ..analysis._common import (
    has_social_care_roles,
    order_roles,
    role_count,
    role_heading,
    role_plural,
    role_ranks,
    upper_first,
)
from ._wording import (
    _agreement_sentence,
    _lower_label,
    _possessive,
    coder_words,
    count_words,
    format_p,
    join_words,
    percent,
)
from .tables import analysed_participants

_METHOD_WORDS = {
    "focus_group": ("focus group", "focus groups"),
    "interview": ("one-to-one interview", "one-to-one interviews"),
    "meeting": ("group meeting", "group meetings"),
    "phone": ("phone conversation", "phone conversations"),
    "other": ("other session", "other sessions"),
}


# --------------------------------------------------------------------- words
def _words(corpus) -> dict[str, str]:
    """Words for the study's participants: social-care roles, or the study's own groups.

    A study with any built-in social-care role (practitioner, senior, manager,
    mentor) is described as staff in roles; one whose participants all
    belong to its own groups (e.g. "R1 faculty") as participants in groups.
    """
    roles = analysed_participants(corpus)["role"].astype(str)
    if has_social_care_roles(roles):
        return {
            "role": "role",
            "roles": "roles",
            "Role": "Role",
            "staff": "Staff",
            "title": "Outcomes-focused practice: what staff told us",
        }
    return {"role": "group", "roles": "groups", "Role": "Group", "staff": "Participants", "title": "What participants told us"}


# ----------------------------------------------------------------- sections
def _methods_text(corpus, tables, codebook, coding_method, agreement, words=None) -> list[str]:
    w = words or _words(corpus)
    tr = corpus.transcripts
    methods = tr["method"].fillna("other").astype(str).value_counts()
    order = [m for m in _METHOD_WORDS if m in methods] + sorted(m for m in methods.index if m not in _METHOD_WORDS)
    sessions = join_words(
        count_words(int(methods[m]), *_METHOD_WORDS.get(m, (m.replace("_", " "), m.replace("_", " ") + "s"))) for m in order
    )
    auths = sorted(str(a) for a in tr["authority"].dropna().unique())
    parts = analysed_participants(corpus)
    n_people = int(parts["participant_id"].nunique())
    by_role = parts.groupby("role")["participant_id"].nunique()
    roles_txt = join_words(role_count(int(by_role[r]), r) for r in order_roles(by_role.index, role_ranks(parts)))
    seg = corpus.analysed_segments()
    n_turns = len(seg)
    where = ""
    if auths:
        where = f" in {count_words(len(auths), 'local authority', 'local authorities')} ({join_words(auths)})"
    first = (
        f"This report draws on {sessions}{where}, with {count_words(n_people, 'participant')}: {roles_txt}. "
        f"Facilitators' and interviewers' turns were transcribed but are not analysed. "
        f"The transcripts hold {count_words(n_turns, 'participant turn')} "
        f"(on average {n_turns / max(len(tr), 1):.0f} per transcript)."
    )
    if codebook is not None:
        n_themes = len(codebook.themes())
        n_sub = len(codebook) - n_themes
        cb = (
            f"the “{codebook.name}” codebook (version {codebook.version}; {count_words(n_themes, 'theme')} and "
            f"{count_words(n_sub, 'sub-code')}, listed in Appendix A)"
        )
    else:
        cb = "the evaluation's thematic codebook"
    how = coder_words(coding_method, team="evaluation team")
    second = f"Each participant turn was coded against {cb}" + (f" by {how}." if how else ".")
    second += " " + _agreement_sentence(agreement)
    summary = tables["role_theme_test_summary"].iloc[0]
    test_word = {
        "chi2": "a chi-square test of independence",
        "monte_carlo_chi2": "a Monte Carlo exact test of independence (expected counts were small)",
        "fisher_exact": "Fisher's exact test (expected counts were small)",
    }.get(summary["test"], "a test of independence")
    third = (
        f"Percentages are shares of each {w['role']}'s turns unless stated otherwise; a participant “raised” a theme "
        f"when at least one of their turns was coded with it. Differences between {w['roles']} were examined with "
        f"{test_word} and adjusted standardised residuals; differences between authorities with one test per theme "
        "(chi-square, or Fisher's exact test where counts were small), corrected for multiple comparisons with "
        f"Holm's method. Quotes are attributed by {w['role']} and setting only and were pseudonymised before selection."
    )
    return [first, second, third]


def _role_breakdown_rows(tables, code):
    seg = tables["role_by_theme"]
    ppl = tables["role_by_theme_participants"]
    rows = []
    for role in [r for r in dict.fromkeys(seg["role"]) if r != "all"]:
        s = seg[(seg["code"] == code) & (seg["role"] == role)].iloc[0]
        p = ppl[(ppl["code"] == code) & (ppl["role"] == role)]
        p = p.iloc[0] if len(p) else None
        rows.append(
            [
                role_heading(role),
                f"{int(s['n'])} of {int(s['base'])}",
                percent(s["percent"]),
                f"{int(p['n'])} of {int(p['base'])}" if p is not None else "–",
                percent(p["percent"]) if p is not None else "–",
            ]
        )
    return rows


def _subcode_sentence(tables, code, codebook) -> str:
    t = tables["role_by_code"]
    sub = t[(t["role"] == "all") & t["code"].str.startswith(code + "/") & (t["n"] > 0)]
    sub = sub.sort_values("n", ascending=False, kind="stable").head(4)
    if not len(sub):
        return ""
    items = [f"{_lower_label(codebook, c)} ({count_words(int(n), 'turn')})" for c, n in zip(sub["code"], sub["n"], strict=True)]
    return f"Within this theme the most frequent sub-codes were {join_words(items)}."


def _emphasis_paragraphs(tables, codebook, words=None) -> list[str]:
    w = words or {"role": "role", "roles": "roles"}
    cells = tables["role_theme_test"]
    summary = tables["role_theme_test_summary"].iloc[0]
    seg = tables["role_by_theme"]
    out = []
    if summary["test"] == "none":
        return [f"Only one {w['role']} (or one theme) is present, so the emphasis of different {w['roles']} cannot be compared."]
    name = {"chi2": "chi-square test", "monte_carlo_chi2": "Monte Carlo exact test", "fisher_exact": "Fisher's exact test"}
    verdict = f"differed between {w['roles']}" if summary["p_value"] < 0.05 else f"did not differ clearly between {w['roles']}"
    out.append(
        f"Taken together, the mix of themes {verdict} ({name.get(summary['test'], 'test')} of role by theme, "
        f"χ²({int(summary['dof'])}) = {summary['statistic']:.1f}, {format_p(summary['p_value'])}, "
        f"{int(summary['n'])} coded turns). The adjusted residuals below show where: a value above +2 means the "
        f"{w['role']} raised the theme more often than the pattern of the other {w['roles']} would predict, below −2 "
        "less often. "
        "Because one turn can carry several themes, the test is a guide rather than a formal inference."
    )
    for role in [r for r in dict.fromkeys(cells["role"])]:
        c = cells[cells["role"] == role]
        over = c[c["adjusted_residual"] > 1.96].sort_values("adjusted_residual", ascending=False)
        under = c[c["adjusted_residual"] < -1.96].sort_values("adjusted_residual")
        fmt = lambda r: f"{_lower_label(codebook, r.code)} ({r.adjusted_residual:+.1f})"  # noqa: E731
        s = seg[(seg["role"] == role) & (seg["level"] == "theme")].sort_values("percent", ascending=False)
        top = s.iloc[0] if len(s) else None
        who = upper_first(role_plural(role))
        if len(over) or len(under):
            text = f"{who} dwelt"
            if len(over):
                text += f" more than other {w['roles']} on {join_words(fmt(r) for r in over.itertuples())}"
            if len(under):
                text += (" and" if len(over) else "") + f" less on {join_words(fmt(r) for r in under.itertuples())}"
            text += "."
        else:
            lean = c.sort_values("adjusted_residual", ascending=False).iloc[0]
            text = (
                f"{_possessive(who)} emphasis was close to the overall pattern; they leaned most towards "
                f"{_lower_label(codebook, lean['code'])} ({lean['adjusted_residual']:+.1f})."
            )
        if top is not None and top["n"] > 0:
            text += (
                f" Their most frequent theme was {_lower_label(codebook, top['code'])}, raised in "
                f"{percent(top['percent'])} of their turns."
            )
        out.append(text)
    return out


def summary_differences(tables, codebook, words=None) -> list[str]:
    """The Summary's plain-language account of how roles (or the study's groups) differed: shares of turns, no residuals.

    A role is said to raise a theme more (less) often when its adjusted
    residual is beyond ±1.96; the sentence gives the role's share of turns
    against the share of all turns, which a reader can check in Section 3.
    """
    w = words or {"role": "role", "roles": "roles"}
    cells = tables["role_theme_test"]
    if tables["role_theme_test_summary"].iloc[0]["test"] == "none" or not len(cells):
        return [f"Only one {w['role']} (or one theme) is present, so the emphasis of different {w['roles']} cannot be compared."]
    seg = tables["role_by_theme"]
    share = seg[seg["level"] == "theme"].set_index(["role", "code"])["percent"]
    out = []
    for role in dict.fromkeys(cells["role"]):
        c = cells[cells["role"] == role]
        more = c[c["adjusted_residual"] > 1.96].sort_values("adjusted_residual", ascending=False)
        less = c[c["adjusted_residual"] < -1.96].sort_values("adjusted_residual")

        def say(rows, role=role):
            return join_words(
                f"{_lower_label(codebook, r.code)} ({percent(share.get((role, r.code), float('nan')))} "
                f"of their turns, against {percent(share.get(('all', r.code), float('nan')))} of all turns)"
                for r in rows.itertuples()
            )

        parts = ([f"raised {say(more)} more often than the other {w['roles']}"] if len(more) else []) + (
            [f"raised {say(less)} less often"] if len(less) else []
        )
        if parts:
            out.append(f"{upper_first(role_plural(role))} " + " and ".join(parts) + ".")
    if not out:
        out.append(
            f"No {w['role']} stood out: each raised every theme about as often as the other {w['roles']} would "
            "lead one to expect."
        )
    return out


def _authority_paragraphs(tables, codebook, *, figure_no: int | None = None, table_no: int | None = None) -> list[str]:
    comp = tables["authority_comparison"]
    comp = comp[~comp["code"].str.contains("/")]
    auths = list(dict.fromkeys(comp["authority"]))
    if len(auths) < 2:
        return ["The corpus comes from a single authority, so authorities cannot be compared."]
    per = comp.drop_duplicates("code")
    refs = join_words([x for x in (f"Figure {figure_no}" if figure_no else "", f"Table {table_no}" if table_no else "") if x])
    out = [
        f"{refs or 'The figure and table below'} compare the share of each authority's participants who raised each theme "
        f"({join_words(auths)}), with 95% Wilson confidence intervals. Each theme was tested separately and the "
        f"{len(per)} p-values corrected with Holm's method."
    ]
    flagged = per[per["significant"]]

    def shares(code):
        sub = comp[comp["code"] == code]
        return join_words(f"{a} {percent(100 * s)}" for a, s in zip(sub["authority"], sub["share"], strict=True))

    if len(flagged):
        items = [
            f"{_lower_label(codebook, r.code)} ({shares(r.code)}; adjusted {format_p(r.p_adjusted)})"
            for r in flagged.itertuples()
        ]
        out.append(f"After correction, the authorities differed on {join_words(items)}.")
    else:
        spread = comp.groupby("code")["share"].agg(lambda s: s.max() - s.min()).sort_values(ascending=False)
        if len(spread) and spread.iloc[0] > 0:
            code = spread.index[0]
            p_adj = per.set_index("code").loc[code, "p_adjusted"]
            bases = sorted(int(b) for b in comp.drop_duplicates("authority")["base"] if b > 0)[:2]
            mdd = 100 * 1.96 * math.sqrt(0.25 * sum(1 / b for b in bases)) if len(bases) == 2 else float("nan")
            caveat = (
                (
                    f"; with groups of this size, differences smaller than about {mdd:.0f} percentage points "
                    "cannot be told apart from chance"
                )
                if not math.isnan(mdd)
                else ""
            )
            out.append(
                "No difference between authorities survived the correction for multiple comparisons. The largest "
                f"gap was on {_lower_label(codebook, code)} ({shares(code)}; adjusted {format_p(p_adj)}){caveat}."
            )
        else:
            out.append("No difference between authorities survived the correction for multiple comparisons.")
    return out
