"""Fault check of the review web app: coders writing while another process opens the project, then SIGKILL.

Usage::

    .venv/bin/python benchmarks/web_faults.py [--coders 3] [--seconds 30] [--turns 120] [--open-every 2]

What it does, bounded in time and count:

1. writes a synthetic project (``_synthetic.py`` turns, ``--groups`` groups of
   ``--turns`` turns, three machine suggestions per participant turn);
2. starts ``outcomes-qual serve`` on a free loopback port, in its own process;
3. runs ``--coders`` threads, each signed in as its own coder, alternating an
   accept of one of its own share of the suggestions and a memo (only memos
   once its share is used up), one POST at a time, and records every write
   the server acknowledged (HTTP 200);
4. meanwhile a second process opens the project every ``--open-every``
   seconds (``with Project.open(p) as proj: proj.summary()``, what any CLI
   command or notebook does);
5. two thirds of the way through, SIGKILLs the server in the middle of the
   writes, starts it again on the same file, and the coders sign in again
   and go on; at the end the server is SIGKILLed again (no clean shutdown,
   no checkpoint);
6. opens the file and counts: every acknowledged accept must be stored as
   accepted by that coder, every acknowledged memo must be there.

Prints acknowledged writes vs writes found; it is not a pass/fail test (the
exit status is 1 when a write is missing).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _synthetic import make_synthetic_segments
from web_load import Client, free_port, wait_up

from outcomes_qual.codebook import load_codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.project import Project

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "outcomes_practice.yaml"

OPENER = """
    import sys, time
    from outcomes_qual.project import Project
    path, every, stop = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    n = 0
    while time.time() < stop and n < 10_000:
        with Project.open(path) as proj:
            proj.summary()
        n += 1
        time.sleep(every)
    print(n, flush=True)
"""


def build_project(path: Path, n_groups: int, n_turns: int, seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    codebook = load_codebook(CODEBOOK)
    themes = codebook.theme_keys()
    with Project.create(path) as proj:
        version = proj.add_codebook(codebook)
        rows = []
        for g in range(n_groups):
            seg = make_synthetic_segments(n_turns, seed=seed + g, turns_per_transcript=n_turns)
            corpus = Corpus.from_turns(
                f"fg{g + 1:02d}",
                list(zip(seg["speaker"], seg["role"], seg["text"], strict=True)),
                authority=str(seg["authority"].iloc[0]),
            )
            proj.add_corpus(corpus)
            for r in corpus.segments.itertuples():
                if r.role != "facilitator":
                    for code in rng.choice(themes, size=3, replace=False):
                        rows.append((r.segment_id, code, float(rng.uniform(0.05, 0.99))))
        frame = pd.DataFrame(rows, columns=["segment_id", "code", "confidence"]).assign(
            coder="outcomes_qual", method="ensemble", evidence="keywords: time"
        )
        proj.add_codings(frame, codebook=version)
    return len(rows)


def start(path: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "outcomes_qual", "serve", str(path), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    wait_up(port, proc)
    return proc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coders", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--groups", type=int, default=6)
    parser.add_argument("--turns", type=int, default=120)
    parser.add_argument("--open-every", type=float, default=2.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "faults.sqlite"
        n_sugg = build_project(path, args.groups, args.turns)
        with Project.open(path) as proj:
            ids = proj.codings(status="suggested")["coding_id"].tolist()
        print(
            f"project: {args.groups} groups of {args.turns} turns, {n_sugg} suggestions; {args.coders} coders "
            f"for {args.seconds:.0f} s, a second process opening the project every {args.open_every:g} s, "
            f"SIGKILL of the server at {args.seconds * 2 / 3:.0f} s and at the end"
        )
        port = free_port()
        server = {"proc": start(path, port)}
        shares = [ids[k :: args.coders] for k in range(args.coders)]
        acked = [dict(accepts=[], memos=[], refused=0, failed=0) for _ in range(args.coders)]
        t_start = time.monotonic()
        stop_at = t_start + args.seconds
        opener = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(OPENER), str(path), str(args.open_every), str(time.time() + args.seconds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )

        def coder(k: int) -> None:
            name, res, client = f"coder{k + 1}", acked[k], None
            todo = iter(shares[k])
            i = 0
            while time.monotonic() < stop_at and i < 100_000:
                i += 1
                try:
                    if client is None:
                        client = Client(port)
                        client.sign_in(name)
                    headers = {"X-Requested-With": "fetch", "X-CSRF-Token": client.csrf}
                    cid = next(todo, None) if i % 2 else None
                    if cid is not None:  # when its share of suggestions runs out, the coder writes memos
                        status, _ = client.request("POST", "/action/accept", {"coding_id": cid}, headers)
                        (res["accepts"].append(cid) if status == 200 else res.__setitem__("refused", res["refused"] + 1))
                    else:
                        text = f"{name} memo {i}"
                        status, _ = client.request("POST", "/action/memo", {"target_type": "project", "text": text}, headers)
                        (res["memos"].append(text) if status == 200 else res.__setitem__("refused", res["refused"] + 1))
                except Exception:  # the server was killed mid-request: not acknowledged, sign in again
                    res["failed"] += 1
                    client = None
                    time.sleep(0.2)

        threads = [threading.Thread(target=coder, args=(k,)) for k in range(args.coders)]
        for th in threads:
            th.start()
        time.sleep(args.seconds * 2 / 3)
        server["proc"].send_signal(signal.SIGKILL)
        server["proc"].wait(timeout=10)
        killed_at = time.monotonic() - t_start
        server["proc"] = start(path, port)
        restarted_at = time.monotonic() - t_start
        for th in threads:
            th.join(timeout=args.seconds + 60)
        server["proc"].send_signal(signal.SIGKILL)
        server["proc"].wait(timeout=10)
        out, err = opener.communicate(timeout=60)
        opens = int(out.strip() or 0) if opener.returncode == 0 else f"failed: {err.strip()[-200:]}"

        with Project.open(path) as proj:
            integrity = proj.conn.execute("PRAGMA integrity_check").fetchone()[0]
            c = proj.codings().set_index("coding_id")
            memos = set(proj.memos()["text"])
        n_acc = sum(len(r["accepts"]) for r in acked)
        n_memo = sum(len(r["memos"]) for r in acked)
        found_acc = sum(
            int(((c.loc[r["accepts"], "status"] == "accepted") & (c.loc[r["accepts"], "reviewed_by"] == f"coder{k + 1}")).sum())
            for k, r in enumerate(acked)
            if r["accepts"]
        )
        found_memo = sum(len(set(r["memos"]) & memos) for r in acked)
        print(
            f"server SIGKILLed at {killed_at:.1f} s, serving again at {restarted_at:.1f} s, SIGKILLed at the end; "
            f"the second process opened the project {opens} times"
        )
        print(
            f"acknowledged writes: {n_acc + n_memo} ({n_acc} accepts, {n_memo} memos); "
            f"found in the file: {found_acc + found_memo} ({found_acc} accepts, {found_memo} memos); "
            f"missing: {n_acc + n_memo - found_acc - found_memo}"
        )
        print(
            f"requests without an answer (server killed): {sum(r['failed'] for r in acked)}; "
            f"refused: {sum(r['refused'] for r in acked)}; integrity_check: {integrity}"
        )
    return 0 if found_acc + found_memo == n_acc + n_memo else 1


if __name__ == "__main__":
    sys.exit(main())
