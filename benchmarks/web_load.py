"""Load check of the review web app on loopback: simulated coders accepting suggestions at once.

Usage::

    .venv/bin/python benchmarks/web_load.py [--coders 4] [--seconds 60] [--turns 800]

What it does, bounded in time and count:

1. writes a synthetic project (``_synthetic.py`` turns): one transcript of
   ``--turns`` turns plus 80 groups of 120 turns, three suggestions per
   participant turn with random confidences (enough that no coder runs out);
2. starts ``outcomes-qual serve`` on a free loopback port, in its own process;
3. times the transcript view of the long transcript: the server's answer
   (HTTP GET, median of 5) and, when Debian's Chromium and playwright are
   there, the page in headless Chromium until its ``load`` event (median of 3);
4. runs ``--coders`` threads, each signed in as its own coder, accepting
   its own share of the suggestions one POST at a time for ``--seconds``
   seconds (or until its share runs out);
5. checks the project file: every accept that got a 200 is stored as
   accepted by that coder (no lost write), and counts errors.

Prints the figures; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _synthetic import make_synthetic_segments

from outcomes_qual.codebook import load_codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.project import Project

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "outcomes_practice.yaml"
CHROMIUM = Path(os.environ.get("OUTCOMES_QUAL_CHROMIUM", "/usr/bin/chromium"))


def build_project(path: Path, n_turns: int, seed: int = 0, n_groups: int = 80) -> tuple[str, int]:
    """The project: a long transcript and ``n_groups`` groups of 120 turns; suggestions on every participant turn."""
    rng = np.random.default_rng(seed)
    codebook = load_codebook(CODEBOOK)
    themes = codebook.theme_keys()
    groups = [("long_fg", make_synthetic_segments(n_turns, seed=seed, turns_per_transcript=n_turns))]
    for g in range(n_groups):
        groups.append((f"fg{g + 1:02d}", make_synthetic_segments(120, seed=seed + g + 1, turns_per_transcript=120)))
    with Project.create(path) as proj:
        version = proj.add_codebook(codebook)
        rows = []
        for tid, seg in groups:
            corpus = Corpus.from_turns(
                tid, list(zip(seg["speaker"], seg["role"], seg["text"], strict=True)), authority=str(seg["authority"].iloc[0])
            )
            proj.add_corpus(corpus)
            for r in corpus.segments.itertuples():
                if r.role == "facilitator":
                    continue
                for code in rng.choice(themes, size=3, replace=False):
                    rows.append((r.segment_id, code, float(rng.uniform(0.05, 0.99))))
        frame = pd.DataFrame(rows, columns=["segment_id", "code", "confidence"]).assign(
            coder="outcomes_qual", method="ensemble", evidence="keywords: time"
        )
        proj.add_codings(frame, codebook=version)
    return "long_fg", len(rows)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One browser-like session over a keep-alive connection."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.csrf = ""

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        hdrs = {"Host": f"127.0.0.1:{self.conn.port}", **(headers or {})}
        if self.cookie:
            hdrs["Cookie"] = self.cookie
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=data, headers=hdrs)
        resp = self.conn.getresponse()
        payload = resp.read()
        for key, value in resp.getheaders():
            if key.lower() == "set-cookie" and value.startswith("oq_session"):  # oq_session_PORT
                self.cookie = value.split(";")[0]
        return resp.status, payload.decode("utf-8", "replace")

    def sign_in(self, coder: str) -> None:
        _, html = self.request("GET", "/coder")
        self.csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
        status, _ = self.request("POST", "/coder", {"coder": coder, "csrf": self.csrf, "next": "/"})
        assert status == 303, status


def wait_up(port: int, proc, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited: " + proc.stderr.read().decode()[-500:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def time_view(port: int, tid: str) -> dict:
    client = Client(port)
    client.sign_in("timer")
    times, size = [], 0
    for _ in range(5):
        t0 = time.perf_counter()
        status, html = client.request("GET", f"/t/{tid}")
        times.append(time.perf_counter() - t0)
        assert status == 200, status
        size = len(html.encode())
    out = {"http_median_s": statistics.median(times), "html_mb": size / 1e6}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return out
    if not CHROMIUM.is_file():
        return out
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/coder")
        page.fill("#coder-input", "viewer")
        with page.expect_navigation():
            page.click("#coder-submit")
        loads = []
        for _ in range(3):
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/t/{tid}", wait_until="load")
            loads.append(time.perf_counter() - t0)
        out["browser_load_median_s"] = statistics.median(loads)
        out["turns_rendered"] = page.locator("section.turn").count()
        browser.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coders", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--turns", type=int, default=800)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "load.sqlite"
        t0 = time.perf_counter()
        tid, n_sugg = build_project(path, args.turns)
        print(
            f"project: {args.turns}-turn transcript + 80 groups of 120 turns, {n_sugg} suggestions "
            f"(built in {time.perf_counter() - t0:.1f} s)"
        )
        with Project.open(path) as proj:
            ids = proj.codings(status="suggested")["coding_id"].tolist()
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "outcomes_qual", "serve", str(path), "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            wait_up(port, proc)
            view = time_view(port, tid)
            print(
                f"transcript view, {args.turns} turns: server answer {view['http_median_s'] * 1000:.0f} ms "
                f"(median of 5, {view['html_mb']:.1f} MB of HTML)",
                end="",
            )
            if "browser_load_median_s" in view:
                print(
                    f"; in headless Chromium until load {view['browser_load_median_s'] * 1000:.0f} ms "
                    f"(median of 3, {view['turns_rendered']} turns)"
                )
            else:
                print("; no Chromium/playwright here, browser time not measured")

            shares = [ids[k :: args.coders] for k in range(args.coders)]
            results = [dict(lat=[], ok=[], errors=[]) for _ in range(args.coders)]
            stop_at = time.monotonic() + args.seconds

            def coder(k: int) -> None:
                client = Client(port)
                client.sign_in(f"coder{k + 1}")
                res = results[k]
                for cid in shares[k]:
                    if time.monotonic() >= stop_at:
                        break
                    t = time.perf_counter()
                    try:
                        status, body = client.request(
                            "POST",
                            "/action/accept",
                            {"coding_id": cid},
                            {"X-Requested-With": "fetch", "X-CSRF-Token": client.csrf},
                        )
                    except Exception as err:  # counted, not fatal
                        res["errors"].append(f"{cid}: {err!r}")
                        client = Client(port)
                        client.sign_in(f"coder{k + 1}")
                        continue
                    res["lat"].append(time.perf_counter() - t)
                    if status == 200:
                        res["ok"].append(cid)
                    else:
                        res["errors"].append(f"{cid}: HTTP {status} {body[:100]}")

            started = time.perf_counter()
            threads = [threading.Thread(target=coder, args=(k,)) for k in range(args.coders)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            elapsed = time.perf_counter() - started
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        lat = np.array([x for r in results for x in r["lat"]]) * 1000
        n_ok = sum(len(r["ok"]) for r in results)
        errors = [e for r in results for e in r["errors"]]
        with Project.open(path) as proj:
            c = proj.codings().set_index("coding_id")
        lost = 0
        for k, r in enumerate(results):
            got = c.loc[r["ok"], ["status", "reviewed_by"]] if r["ok"] else c.iloc[:0]
            lost += int(((got["status"] != "accepted") | (got["reviewed_by"] != f"coder{k + 1}")).sum())
        stored = int((c["status"] == "accepted").sum())
        print(
            f"load: {args.coders} coders for {elapsed:.1f} s: {n_ok} accepts answered 200 "
            f"({n_ok / elapsed:.0f}/s), {len(errors)} errors, {lost} lost writes; "
            f"{stored} accepted codings stored"
        )
        if len(lat):
            print(
                f"latency per accept: p50 {np.percentile(lat, 50):.1f} ms, p95 {np.percentile(lat, 95):.1f} ms, "
                f"max {lat.max():.1f} ms"
            )
        left = sum(len(sh) for sh in shares) - sum(len(r["lat"]) + 0 for r in results)
        if left <= 0:
            print("note: the coders ran out of suggestions before the time was up")
        for e in errors[:5]:
            print("error:", e)
    return 0 if not errors and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
