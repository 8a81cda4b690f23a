"""Reader coder: coding through a language-model server the evaluator brings (Ollama, llama.cpp, vLLM, LM Studio).

The coder speaks the OpenAI-compatible chat-completions API
(``POST {url}/chat/completions``). The contract (docs/reader.md):

- every turn of a request is written in the user message with its segment
  id verbatim, one JSON object ``{"id": ..., "text": ...}`` per line; turns
  are sent ``batch_size`` at a time, ``concurrency`` requests at once;
- the request asks for a JSON object (``response_format: {"type": "json_object"}``);
- the answer is ``{"codings": [{"id": SEGMENT_ID, "code": CODE_KEY, "evidence": VERBATIM_SPAN}]}``
  where ``code`` is a theme or full sub-code key of the codebook
  (``confidence`` in [0, 1] may be added and is kept).

Nothing that comes back is trusted: a code not in the codebook, or evidence
that does not occur in the turn (whitespace aside), is dropped and counted;
HTTP errors, time-outs, replies that are not JSON and replies cut off
mid-JSON are retried with back-off (:mod:`~outcomes_qual.coding.reader_client`);
a batch that still fails is listed in :attr:`ReaderCoder.not_coded_` (a turn
is never silently missing). The prompt is built from the codebook and worked
examples (:mod:`~outcomes_qual.coding.reader_prompt`); its hash is recorded
with every run. Answers are cached per turn
(:mod:`~outcomes_qual.coding.reader_cache`), so an interrupted or repeated
run sends only the turns not yet answered.

Private by default: turns are pseudonymised with
:func:`outcomes_qual.anonymise.pseudonymise_corpus` before they leave the
process (participants' names, and the ``names`` given); the evidence stored
is a span of the pseudonymised text. A URL that is not on loopback is
refused before any connection unless ``allow_remote=True``.

Codings carry the method ``reader`` and, in ``coder``, ``reader:<model>``
unless another coder name is given. A sub-code answered without its theme
also gets a theme row (with the same evidence), as the other coders write.
The reader gives no probabilities: ``confidence`` is what the model put in
its answer, otherwise missing.

Examples
--------
>>> coder = ReaderCoder(codebook="cb.yaml", url="http://127.0.0.1:11434/v1", model="llama3.1:8b")
>>> coder.get_params()["model"], coder.get_params()["concurrency"]
('llama3.1:8b', 4)
>>> ReaderCoder(codebook="cb.yaml", url="https://models.example.org/v1", model="m").fit()
Traceback (most recent call last):
...
outcomes_qual.errors.InputError: reader URL 'https://models.example.org/v1': host 'models.example.org' is not on this machine
(loopback); text would leave it. Give allow_remote=True (--allow-remote) to send pseudonymised turns there
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .. import schema
from ..corpus import Corpus
from ..errors import InputError
from ._base import BaseCoder, as_segments
from .reader_cache import ReaderCache, text_key
from .reader_client import ChatClient, ReaderRequestError, check_url, is_loopback_host, url_host
from .reader_prompt import (
    DROP_REASONS,
    check_items,
    group_items,
    prompt_hash,
    read_training_corpus,
    select_examples,
    system_prompt,
    training_corpus_path,
    user_prompt,
)

logger = logging.getLogger(__name__)

#: Columns of :attr:`ReaderCoder.not_coded_`.
NOT_CODED_COLUMNS: tuple[str, ...] = ("segment_id", "reason")

#: Environment variable read for an API key when ``api_key_env`` is not given.
DEFAULT_API_KEY_ENV = "OUTCOMES_QUAL_READER_API_KEY"


class ReaderCoder(BaseCoder):
    """Code turns by asking a chat-completions server (see the module docstring for the contract).

    Parameters
    ----------
    codebook : Codebook or path
    url : str
        Base URL of the server, e.g. ``http://127.0.0.1:11434/v1`` (Ollama).
    model : str
        The model name the server knows (recorded with the codings).
    batch_size : int, default 8
        Turns per request.
    concurrency : int, default 4
        Requests in flight at once.
    allow_remote : bool, default False
        Allow a URL that is not on loopback (the text then leaves this machine).
    pseudonymise : bool, default True
        Replace participants' (and ``names``') names before any text is sent.
    names : list, path or DataFrame, optional
        Third-party names to pseudonymise too (as :func:`~outcomes_qual.anonymise.pseudonymise_corpus`).
    api_key_env : str, optional
        Environment variable holding an API key (default ``OUTCOMES_QUAL_READER_API_KEY``,
        used only when set). The key is read when a request is made and never stored.
    timeout : float, default 120
        Seconds per request attempt.
    max_retries : int, default 4
    backoff : float, default 1.0
        Seconds before the first retry, doubled each time.
    max_tokens : int, optional
        Cap on the answer's length (sent as ``max_tokens``).
    cache : path, optional
        Where answers are cached: a project file (its ``reader_cache`` table) or
        a cache file (created when missing). None: no cache.
    training_corpus : "auto", path or None, default "auto"
        Written worked examples (``{"text", "codes"}`` per line). "auto": the
        codebook's ``<name>.training.jsonl`` when there is one.
    max_examples : int, default 40
        Worked examples in the prompt (the evaluator's codings first).
    include_facilitator : bool, default False
    coder : str, optional
        Value of the ``coder`` column (default ``reader:<model>``).
    progress : bool, default False
        Show a progress bar (turns per second, time left) on stderr.

    Attributes
    ----------
    codebook_ : Codebook
    codes_, themes_ : list of str
    url_ : str
        The checked URL.
    system_prompt_ : str
    prompt_hash_ : str
    examples_ : list of (text, codes)
        The worked examples in the prompt (pseudonymised when they come from the corpus).
    n_examples_ : dict
        How many came from the evaluator's codings and from the training corpus.
    training_corpus_ : str or None
    coder_ : str
    method_ : str
        ``"reader"``.
    not_coded_ : DataFrame
        After :meth:`predict`: turns that could not be coded and why (:data:`NOT_CODED_COLUMNS`).
    run_stats_ : dict
        After :meth:`predict`: turns, requests, cached and sent turns, retries,
        dropped items by reason, tokens, seconds, turns per second.
    """

    def __init__(
        self,
        *,
        codebook,
        url=None,
        model=None,
        batch_size=8,
        concurrency=4,
        allow_remote=False,
        pseudonymise=True,
        names=None,
        api_key_env=None,
        timeout=120.0,
        max_retries=4,
        backoff=1.0,
        max_tokens=None,
        cache=None,
        training_corpus="auto",
        max_examples=40,
        include_facilitator=False,
        coder=None,
        progress=False,
    ):
        self.codebook = codebook
        self.url = url
        self.model = model
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.allow_remote = allow_remote
        self.pseudonymise = pseudonymise
        self.names = names
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_tokens = max_tokens
        self.cache = cache
        self.training_corpus = training_corpus
        self.max_examples = max_examples
        self.include_facilitator = include_facilitator
        self.coder = coder
        self.progress = progress

    # ------------------------------------------------------------------ fit
    def _check_params(self) -> None:
        self.url_ = check_url(self.url, allow_remote=bool(self.allow_remote))
        if not isinstance(self.model, str) or not self.model.strip():
            raise InputError(f"model: expected the model's name on the server (e.g. 'llama3.1:8b'), got {self.model!r}")
        for name in ("batch_size", "concurrency", "max_examples"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < (0 if name == "max_examples" else 1):
                raise InputError(f"{name}: expected a positive whole number, got {value!r}")
        if not isinstance(self.max_retries, (int, np.integer)) or self.max_retries < 0:
            raise InputError(f"max_retries: expected a whole number >= 0, got {self.max_retries!r}")

    def fit(self, segments=None, codings=None) -> "ReaderCoder":
        """Check the settings and build the prompt (no connection is made).

        Parameters
        ----------
        segments : DataFrame or Corpus, optional
            The turns ``codings`` refer to (their text becomes worked examples).
        codings : DataFrame, optional
            The evaluator's codings (``segment_id``, ``code``; a ``status``
            column keeps only accepted ones). Codes not in the codebook are left out.
        """
        self._check_params()
        cb = self._fit_codebook()
        own: list[tuple[str, list[str]]] = []
        if codings is not None:
            if segments is None:
                raise InputError("segments: the evaluator's codings need the turns they code (fit(segments, codings))")
            schema.check_columns(codings, ["segment_id", "code"], name="codings")
            use = codings
            if "status" in use.columns:
                use = use[use["status"].astype(object).fillna("accepted").astype(str) == "accepted"]
            known = set(self.codes_)
            by_id: dict[str, list[str]] = {}
            for sid, code in zip(use["segment_id"].astype(str), use["code"].astype(str), strict=True):
                if code in known:
                    by_id.setdefault(sid, []).append(code)
            seg = self._sendable(segments)
            text = dict(zip(seg["segment_id"], seg["sent"], strict=True))
            own = [(text[sid], list(dict.fromkeys(codes))) for sid, codes in by_id.items() if text.get(sid, "").strip()]
        written: list[tuple[str, list[str]]] = []
        self.training_corpus_ = None
        if self.training_corpus:
            if self.training_corpus == "auto":
                cb_path = self.codebook if isinstance(self.codebook, (str, Path)) else None
                path = training_corpus_path(cb, cb_path)
            else:
                path = Path(self.training_corpus)
                if not path.is_file():
                    raise InputError('training corpus not found: expected JSONL rows {"text", "codes"}', path=path)
            if path is not None:
                written = read_training_corpus(path, self.codes_)
                self.training_corpus_ = str(path)
        mine = select_examples(own, max_examples=int(self.max_examples))  # the evaluator's own come first
        theirs = select_examples(written, max_examples=int(self.max_examples) - len(mine))
        self.examples_ = mine + theirs
        self.n_examples_ = {"evaluator": len(mine), "training_corpus": len(theirs)}
        self.system_prompt_ = system_prompt(cb, self.examples_)
        self.prompt_hash_ = prompt_hash(self.system_prompt_)
        self.coder_ = self.coder or f"reader:{self.model.strip()}"
        self.method_ = "reader"
        if not is_loopback_host(urllib.parse.urlsplit(self.url_).hostname or ""):
            logger.warning(
                "reader: turns will be sent to %s (pseudonymised: %s)", url_host(self.url_), "yes" if self.pseudonymise else "NO"
            )
        return self

    # ------------------------------------------------------------------ text that leaves the process
    def _sendable(self, segments) -> pd.DataFrame:
        """The turns to code with the text that would be sent (``sent``), pseudonymised unless turned off."""
        seg = as_segments(segments, include_facilitator=self.include_facilitator)
        if not self.pseudonymise:
            return seg.assign(sent=seg["text"])
        from ..anonymise import pseudonymise_corpus, pseudonymise_text

        if isinstance(segments, Corpus):
            anon, _mapping = pseudonymise_corpus(segments, names=self.names)
            text = dict(zip(anon.segments["segment_id"].astype(str), anon.segments["text"].fillna("").astype(str), strict=True))
            return seg.assign(sent=[text.get(sid, t) for sid, t in zip(seg["segment_id"], seg["text"], strict=True)])
        # a plain table of segments: its speaker labels and the listed names are replaced
        names: list = []
        if isinstance(segments, pd.DataFrame) and "speaker" in segments.columns:
            names = sorted({str(s) for s in segments["speaker"].dropna() if str(s).strip() and len(str(s)) > 1})
        extra = self.names
        if extra is not None and not isinstance(extra, (list, tuple)):
            from ..anonymise import names_frame

            extra = names_frame(extra)["name"].tolist()
        names += list(extra or [])
        if not names:
            return seg.assign(sent=seg["text"])
        return seg.assign(sent=[pseudonymise_text(t, names) for t in seg["text"]])

    # ------------------------------------------------------------------ predict
    def _client(self) -> ChatClient:
        return ChatClient(
            self.url_,
            self.model.strip(),
            allow_remote=bool(self.allow_remote),
            api_key_env=self.api_key_env or DEFAULT_API_KEY_ENV,
            timeout=self.timeout,
            max_retries=int(self.max_retries),
            backoff=float(self.backoff),
            max_tokens=self.max_tokens,
        )

    def _messages(self, batch) -> list[dict]:
        return [{"role": "system", "content": self.system_prompt_}, {"role": "user", "content": user_prompt(batch)}]

    def predict(self, segments) -> pd.DataFrame:
        """Code every (non-facilitator) turn; return the codings table.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`outcomes_qual.schema.MACHINE_CODING_COLUMNS`, in
            turn order then codebook order. Turns the server could not code
            are listed in :attr:`not_coded_`.
        """
        check_is_fitted(self, "prompt_hash_")
        seg = self._sendable(segments)
        keys = [text_key(sid, t) for sid, t in zip(seg["segment_id"], seg["sent"], strict=True)]
        model = self.model.strip()
        started = time.perf_counter()
        stats: Counter = Counter()
        answers: dict[str, list[dict]] = {}
        failed: dict[str, str] = {}
        cache = ReaderCache.open(self.cache) if self.cache is not None else None
        try:
            if cache is not None:
                answers.update(cache.get(model, self.prompt_hash_, keys))
            pending: dict[str, tuple[str, str]] = {}  # turn key -> (segment id, text sent)
            for sid, text, key in zip(seg["segment_id"], seg["sent"], keys, strict=True):
                if not text.strip():
                    answers.setdefault(key, [])
                elif key not in answers and key not in pending:
                    pending[key] = (sid, text)
            stats["cached_turns"] = sum(1 for k in keys if k in answers)
            self._ask(pending, answers, failed, stats, cache)
        finally:
            if cache is not None:
                cache.close()
        return self._finish(seg, keys, answers, failed, stats, time.perf_counter() - started)

    def _ask(self, pending, answers, failed, stats, cache) -> None:
        """Send the pending turns in batches, concurrently; store each answer as it arrives."""
        items = list(pending.items())
        batches = [items[i : i + int(self.batch_size)] for i in range(0, len(items), int(self.batch_size))]
        if not batches:
            return
        client = self._client()
        model = self.model.strip()
        from tqdm import tqdm

        bar = tqdm(
            total=len(items), unit="turn", desc=f"reader {model}", file=sys.stderr, disable=not self.progress, smoothing=0.1
        )
        results = _run_concurrently(
            client.chat, [self._messages([(sid, text) for _, (sid, text) in batch]) for batch in batches], int(self.concurrency)
        )
        try:
            for index, reply in results:
                batch = batches[index]
                stats["requests"] += 1
                if isinstance(reply, ReaderRequestError):
                    stats["retries"] += max(0, reply.attempts - 1)
                    for key, _ in batch:
                        failed[key] = reply.reason
                    bar.update(len(batch))
                    continue
                stats["retries"] += reply.attempts - 1
                stats["prompt_tokens"] += reply.prompt_tokens
                stats["completion_tokens"] += reply.completion_tokens
                by_id, counts = group_items(reply.answer, [sid for _, (sid, _) in batch])
                stats.update({f"dropped_{k}": v for k, v in counts.items()})
                fresh = {key: by_id[sid] for key, (sid, _) in batch}
                if cache is not None:  # committed as it arrives: an interrupted run keeps it
                    cache.put(model, self.prompt_hash_, fresh)
                answers.update(fresh)
                stats["sent_turns"] += len(batch)
                bar.update(len(batch))
        finally:
            results.close()
            bar.close()
            stats["response_format"] = client.response_format

    def _finish(self, seg, keys, answers, failed, stats, seconds) -> pd.DataFrame:
        """Check every answer against its turn and build the codings table."""
        order = {k: j for j, k in enumerate(self.codes_)}
        rows, not_coded = [], []
        for sid, text, key in zip(seg["segment_id"], seg["sent"], keys, strict=True):
            if key not in answers:
                not_coded.append((sid, failed.get(key, "no answer")))
                continue
            kept, dropped = check_items(answers[key], text, self.codes_)
            stats.update({f"dropped_{k}": v for k, v in dropped.items()})
            given = {code: (evidence, conf) for code, evidence, conf in kept}
            for code, (evidence, _conf) in list(given.items()):
                theme = code.split("/", 1)[0]
                if theme != code and theme not in given:
                    given[theme] = (evidence, None)
            for code in sorted(given, key=order.__getitem__):
                evidence, conf = given[code]
                rows.append((sid, code, self.coder_, self.method_, np.nan if conf is None else conf, evidence))
        out = self._table(rows)
        if len(out):
            out["confidence"] = out["confidence"].astype(float)
        self.not_coded_ = pd.DataFrame(not_coded, columns=list(NOT_CODED_COLUMNS))
        n = len(seg)
        self.run_stats_ = {
            "model": self.model.strip(),
            "url": self.url_,
            "prompt_hash": self.prompt_hash_,
            "turns": n,
            "coded_turns": n - len(not_coded),
            "not_coded_turns": len(not_coded),
            "cached_turns": int(stats["cached_turns"]),
            "sent_turns": int(stats["sent_turns"]),
            "requests": int(stats["requests"]),
            "retries": int(stats["retries"]),
            **{f"dropped_{r}": int(stats[f"dropped_{r}"]) for r in DROP_REASONS},
            "prompt_tokens": int(stats["prompt_tokens"]),
            "completion_tokens": int(stats["completion_tokens"]),
            "seconds": round(float(seconds), 3),
            "turns_per_second": round(stats["sent_turns"] / seconds, 3) if seconds > 0 else 0.0,
            "response_format": stats.get("response_format", "json_object"),
        }
        logger.info(
            "reader (%s): %d codings on %d turns; %d not coded; %d answers dropped",
            self.run_stats_["model"],
            len(out),
            n,
            len(not_coded),
            sum(self.run_stats_[f"dropped_{r}"] for r in DROP_REASONS),
        )
        return out

    def predict_proba(self, segments) -> pd.DataFrame:
        """1.0 for each code the reader gave a turn, 0.0 otherwise (the reader decides; it gives no probabilities)."""
        codings = self.predict(segments)
        seg = self._sendable(segments)
        values = np.zeros((len(seg), len(self.codes_)))
        row = {sid: i for i, sid in enumerate(seg["segment_id"])}
        col = self._code_index()
        for sid, code in zip(codings["segment_id"], codings["code"], strict=True):
            values[row[sid], col[code]] = 1.0
        return self._frame(seg, values)

    def settings(self) -> dict[str, str]:
        """The run's settings and figures as ``name -> text`` (for the run settings and the audit log)."""
        check_is_fitted(self, "prompt_hash_")
        out = {
            "reader_model": self.model.strip(),
            "reader_url": self.url_,
            "reader_prompt_hash": self.prompt_hash_,
            "reader_pseudonymised": "yes" if self.pseudonymise else "no",
            "reader_batch_size": str(self.batch_size),
            "reader_concurrency": str(self.concurrency),
            "reader_examples": f"{self.n_examples_['evaluator']} from the evaluator, "
            f"{self.n_examples_['training_corpus']} from the training corpus",
        }
        for key, value in getattr(self, "run_stats_", {}).items():
            if key not in ("model", "url", "prompt_hash"):
                out[f"reader_{key}"] = str(value)
        return out


def _run_concurrently(func, jobs, workers: int):
    """Yield ``(index, func(job) or the ReaderRequestError it raised)`` as each finishes, ``workers`` at a time.

    The workers are daemon threads: when the caller stops (an interruption, an error), the
    generator is closed, no new job starts, and requests still in flight do not hold up the
    process's exit (their answers are simply not used).
    """
    jobs_q: queue.Queue = queue.Queue()
    done_q: queue.Queue = queue.Queue()
    stop = threading.Event()
    for item in enumerate(jobs):
        jobs_q.put(item)

    def work():
        while not stop.is_set():
            try:
                index, job = jobs_q.get_nowait()
            except queue.Empty:
                return
            try:
                done_q.put((index, func(job)))
            except ReaderRequestError as err:
                done_q.put((index, err))
            except BaseException as err:  # pragma: no cover - a bug: hand it to the caller
                done_q.put((index, err))

    threads = [threading.Thread(target=work, name=f"reader-{i}", daemon=True) for i in range(max(1, min(workers, len(jobs))))]
    for t in threads:
        t.start()
    try:
        for _ in range(len(jobs)):
            index, result = done_q.get()
            if isinstance(result, BaseException) and not isinstance(result, ReaderRequestError):
                raise result
            yield index, result
    finally:
        stop.set()


def reader_autocode(segments_or_corpus, codebook, *, url, model, train=None, **params) -> pd.DataFrame:
    """Code a corpus through a reading model: :class:`ReaderCoder` fitted on ``train`` and applied.

    Parameters
    ----------
    segments_or_corpus : Corpus or DataFrame
    codebook : Codebook or path
    url, model : str
        The server's base URL and the model's name.
    train : DataFrame, optional
        The evaluator's codings (``segment_id``, ``code``) of some of the turns: worked examples.
    **params
        Other :class:`ReaderCoder` parameters (``cache``, ``concurrency``, ``allow_remote``...).

    Returns
    -------
    pandas.DataFrame
        The codings table; the fitted coder's ``not_coded_`` and ``run_stats_``
        are logged (use :class:`ReaderCoder` directly to keep them).
    """
    coder = ReaderCoder(codebook=codebook, url=url, model=model, **params)
    coder.fit(segments_or_corpus if train is not None else None, train)
    out = coder.predict(segments_or_corpus)
    if len(coder.not_coded_):
        logger.warning(
            "reader: %d turn(s) not coded: %s", len(coder.not_coded_), ", ".join(coder.not_coded_["segment_id"].head(10))
        )
    return out
