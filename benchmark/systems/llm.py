"""``model=llm``: a chat model behind an OpenAI-compatible endpoint.

The systems people compare today are often a prompted LLM served by vLLM,
llama.cpp, Ollama or a hosted API. This adapter makes such a system a
reproducible benchmark entry:

- **Prompts are data.** Templates live in files (``configs/prompts/``), one
  per layer (``mode: per_layer``, one request per document and layer) or one
  for all (``mode: joint``); their sha256s are in the provenance and in the
  cache key. A template has a ``[system]`` and a ``[user]`` section; the user
  section holds ``{{text}}`` exactly once, replaced by the document.
- **Answers are strings, offsets are ours.** The model answers with JSON
  objects of strings; ``benchmark.systems.locate`` turns them into offsets
  (exact, then normalised match; the k-th unused occurrence for mentions,
  content and triggers, the nearest occurrence for cues, speakers and
  arguments) and counts what it could not place (``alignment``).
- **Structured output where the server offers it.** ``response_format``:
  ``json_schema`` (the answer's schema is sent, strict), ``json_object``, or
  ``none``; the parser is tolerant either way (code fences stripped, the first
  JSON object taken), because servers honour these switches unevenly.
- **Deterministic by default**: temperature 0 and a fixed seed. That is not
  enough to make a server reproducible, so every answer is kept in an on-disk
  **cache** keyed by sha256 of (endpoint, model, prompt sha256, parameters,
  document sha256): a rerun sends no request and gives byte-identical
  predictions; ``cache: readonly`` replays a committed cache and never opens a
  connection (a miss fails that document). Entries are written atomically.
- **A bad answer or a bad request costs one document, not the run.** Requests
  run in a thread pool (``max_concurrency``); 429, 5xx, timeouts and refused
  connections are retried with exponential backoff (``max_retries``,
  ``backoff_seconds``); a per-run budget (``max_requests``,
  ``max_tokens_total``) stops new requests. A request that still fails leaves
  its layers empty for that document (predicted nothing, scored as such) and
  is listed under ``failures`` in the provenance, with one clear reason.
  Only when *no* request succeeded does ``predict`` raise (exit 1): then there
  is nothing to score. A refused key (401/403), an unknown model or endpoint
  (404) or an unreachable server stops all further requests at once.
- **The key is never stored.** ``api_key_env`` names an environment variable;
  its value goes to the client and nowhere else (not in the cache, the
  provenance or any message).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmark import paths
from benchmark.data.corpus import SeedDocument
from benchmark.data.schema import (
    ENTITY_LABELS,
    EVENT_ROLES,
    EVENT_TYPES,
    LAYERS,
    QUOTE_KINDS,
    Document,
    EntityMention,
    EventArgument,
    EventMention,
    Quote,
    Span,
)
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import atomic_write_bytes, read_bounded, strict_json_loads
from benchmark.systems.base import Extractor, make_document
from benchmark.systems.locate import (
    Alignment,
    Pool,
    TextIndex,
    locate_near,
    locate_next,
)

CACHE_SCHEME = "newsbench-llm-cache/1"
ANSWER_FORMAT = "newsbench-llm-answer/1"  # the JSON answer shapes below; bump when they change
CACHE_KEY_SCHEME = "sha256 of the canonical JSON of {scheme, endpoint, model, prompt_sha256, parameters, document_sha256}"
MAX_TEMPLATE_BYTES = 1 << 20
MAX_CACHE_ENTRY_BYTES = 16 << 20
MAX_BACKOFF_SECONDS = 60.0
MAX_FAILURES_SHOWN = 50
RESPONSE_FORMATS = ("json_schema", "json_object", "none")
CACHE_MODES = ("readwrite", "readonly", "off")
MODES = ("per_layer", "joint")
PLACEHOLDER = "{{text}}"
CONTEXT_OVERFLOW = re.compile(r"context[ _-]?(length|window|size)|maximum context|too many tokens|prompt is too long|exceeds? the (model|max)", re.I)


# -- prompt templates ----------------------------------------------------------


@dataclass(frozen=True)
class PromptTemplate:
    """One prompt file: its messages around the document, and its identity."""

    name: str  # "entities", "quotes", "events" or "joint"
    path: str  # as recorded: relative to the repository root when inside it
    system: str
    user: str
    sha256: str

    def messages(self, text: str) -> list[dict]:
        user = self.user.replace(PLACEHOLDER, text)
        return ([{"role": "system", "content": self.system}] if self.system else []) + [{"role": "user", "content": user}]


def _resolve(path: str | Path) -> Path:
    return Path(path) if Path(path).is_absolute() else paths.ROOT / path


def _shown_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(paths.ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)


def load_template(name: str, path: str | Path) -> PromptTemplate:
    """Read a template file: ``[system]`` then ``[user]`` sections (a line each),
    ``{{text}}`` exactly once in the user section."""
    resolved = _resolve(path)
    data = read_bounded(resolved, MAX_TEMPLATE_BYTES)
    text = data.decode("utf-8")
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.split("\n"):
        if line.strip() in ("[system]", "[user]"):
            current = line.strip()[1:-1]
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    if "user" not in sections:
        raise DataError(str(resolved), None, None,
                        "a prompt template needs a '[user]' line, then the user message (and optionally a '[system]' section before it)")
    user = "\n".join(sections["user"]).strip("\n")
    if user.count(PLACEHOLDER) != 1:
        raise DataError(str(resolved), None, "[user]", f"the user message must contain {PLACEHOLDER} exactly once (found {user.count(PLACEHOLDER)})")
    system = "\n".join(sections.get("system", [])).strip("\n")
    return PromptTemplate(name, _shown_path(resolved), system, user, hashlib.sha256(data).hexdigest())


# The event inventory the event and joint prompts state: generated from
# schema.EVENT_ROLES, never typed by hand, so that a prompt cannot offer a type
# or a role the schema refuses. ``python scripts/llm_prompts.py`` rewrites the
# block in the prompt files; tests/test_llm_adapter.py fails when one differs.
EVENT_INVENTORY_HEAD = re.compile(r"^Types d'événements .*:$", re.M)


def event_inventory_fr() -> str:
    """The block: a heading line, then one line per type with every role it admits."""
    head = f"Types d'événements (les {len(EVENT_ROLES)} sous-types d'ACE 2005) et rôles admis pour chacun :"
    return "\n".join([head, *(f"- {etype} : {', '.join(roles)}" for etype, roles in EVENT_ROLES.items())])


def with_event_inventory(prompt: str) -> str:
    """``prompt`` with its inventory block (the heading line up to the next blank
    line) replaced by the generated one; unchanged if it has no such block."""
    match = EVENT_INVENTORY_HEAD.search(prompt)
    if match is None:
        return prompt
    end = prompt.find("\n\n", match.start())
    return prompt[: match.start()] + event_inventory_fr() + (prompt[end:] if end != -1 else "\n")


# -- the answer: its schema, and a tolerant parser ---------------------------------

_NULLABLE_STRING = {"type": ["string", "null"]}


def _array_of(properties: dict, required: list[str]) -> dict:
    return {"type": "array", "items": {"type": "object", "properties": properties, "required": required, "additionalProperties": False}}


LAYER_SCHEMAS: dict[str, dict] = {
    "entities": _array_of({"text": {"type": "string"}, "label": {"type": "string", "enum": list(ENTITY_LABELS)}}, ["text", "label"]),
    "quotes": _array_of(
        {
            "kind": {"type": "string", "enum": list(QUOTE_KINDS)},
            "content": {"type": "array", "items": {"type": "string"}},
            "cue": _NULLABLE_STRING,
            "speaker": _NULLABLE_STRING,
        },
        ["kind", "content", "cue", "speaker"],
    ),
    "events": _array_of(
        {
            "type": {"type": "string", "enum": list(EVENT_TYPES)},
            "trigger": {"type": "string"},
            "arguments": _array_of({"role": {"type": "string"}, "text": {"type": "string"}}, ["role", "text"]),
        },
        ["type", "trigger", "arguments"],
    ),
}


def layers_of(request: str) -> tuple[str, ...]:
    """The layers one request answers: its own, or all of them for the joint prompt."""
    return LAYERS if request == "joint" else (request,)


def answer_schema(request: str) -> dict:
    layers = layers_of(request)
    return {"type": "object", "properties": {layer: LAYER_SCHEMAS[layer] for layer in layers}, "required": list(layers), "additionalProperties": False}


def response_format_body(kind: str, request: str) -> dict | None:
    """The ``response_format`` sent for one request (None: not sent)."""
    if kind == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": f"newsbench_{request}", "strict": True, "schema": answer_schema(request)}}
    if kind == "json_object":
        return {"type": "json_object"}
    return None


class AnswerError(Exception):
    """An answer that holds no usable JSON object; the message says why, in one line."""


_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.S)


def parse_answer(content: str | None, request: str) -> dict[str, list]:
    """The layers' lists from a model's answer.

    Tolerant on the wrapping: a code fence's content is read first, prose
    around the JSON is ignored, and the answer is the first complete JSON object
    (not one nested in another) that holds every layer of the request as a
    list. Each way of failing has its own message: empty, no JSON at all
    (prose), JSON that does not parse (malformed or cut), JSON without the lists.
    """
    if content is None or not content.strip():
        raise AnswerError("empty answer (no content in the response)")
    fenced = _FENCE.search(content)
    objects = _json_objects(fenced.group(1)) if fenced else []
    objects += _json_objects(content)
    layers = layers_of(request)
    for obj in objects:
        if all(isinstance(obj.get(layer), list) for layer in layers):
            return {layer: obj[layer] for layer in layers}
    if "{" not in content:
        raise AnswerError(f"no JSON object in the answer (prose?): {_excerpt(content)}")
    if not objects or not _starts_an_object(content[content.index("{") :]):
        raise AnswerError(f"malformed or truncated JSON in the answer: {_excerpt(content)}")
    wanted = " / ".join(repr(layer) for layer in layers)
    raise AnswerError(f"no JSON object in the answer has the {wanted} list(s): {_excerpt(content)}")


def _starts_an_object(text: str) -> bool:
    try:
        return isinstance(json.JSONDecoder().raw_decode(text)[0], dict)
    except json.JSONDecodeError:
        return False


def _json_objects(text: str) -> list[dict]:
    """The complete top-level JSON objects in ``text``, in order (objects inside
    an object already taken are not candidates of their own)."""
    decoder, found = json.JSONDecoder(), []
    at = text.find("{")
    while at != -1:
        try:
            value, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            value, end = None, at + 1
        if isinstance(value, dict):
            found.append(value)
        at = text.find("{", end)
    return found


def _excerpt(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


# -- from the answer's strings to records ----------------------------------------------


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def entities_from(items: list, index: TextIndex, tally: Alignment, doc: str) -> list[EntityMention]:
    pool, mentions = Pool(exclusive=True), []
    for item in items:
        text = _string(item.get("text")) if isinstance(item, dict) else None
        label = item["label"].strip().upper() if isinstance(item, dict) and isinstance(item.get("label"), str) else None
        if text is None or label not in ENTITY_LABELS:
            tally.count("entities", "invalid", doc=doc, what="mention (no text, or a label other than PER, ORG, LOC)", string=item)
            continue
        found = tally.located("entities", locate_next(index, text, pool), doc=doc, what="mention", string=text)
        if found is not None:
            mentions.append(EntityMention(start=found.start, end=found.end, text=index.text[found.start : found.end], label=label))
    return sorted(mentions, key=lambda m: (m.start, m.end))


def _span(index: TextIndex, found) -> Span:
    return Span(start=found.start, end=found.end, text=index.text[found.start : found.end])


def _content_strings(item: dict) -> list | None:
    content = item.get("content")
    return [content] if isinstance(content, str) else content if isinstance(content, list) else None


def quotes_from(items: list, index: TextIndex, tally: Alignment, doc: str) -> list[Quote]:
    pool, quotes, seen = Pool(exclusive=False), [], set()
    for item in items:
        kind = item.get("kind") if isinstance(item, dict) else None
        strings = _content_strings(item) if isinstance(item, dict) else None
        if kind not in QUOTE_KINDS or not strings:
            tally.count("quotes", "invalid", doc=doc, what="quotation (no content, or a kind other than direct, indirect, mixed)", string=item)
            continue
        segments = _segments(strings, index, pool, tally, doc)
        key = tuple((s.start, s.end) for s in segments)
        if segments and key in seen:
            tally.count("quotes", "invalid", doc=doc, what="quotation (same content as an earlier one)", string=strings)
            segments = []
        anchor = (segments[0].start, segments[0].end) if segments else None
        avoid = [(s.start, s.end) for s in segments]
        cue, speaker = (_anchored(item.get(name), anchor, avoid, index, tally, doc, name) for name in ("cue", "speaker"))
        if segments:
            seen.add(key)
            quotes.append(Quote(kind=kind, content=segments, cue=cue, speaker=speaker))
    return sorted(quotes, key=lambda q: (q.content[0].start, q.content[0].end))


def _segments(strings: list, index: TextIndex, pool: Pool, tally: Alignment, doc: str) -> list[Span]:
    """A quotation's content segments in text order; one overlapping an earlier segment is invalid."""
    segments: list[Span] = []
    for string in strings:
        text = _string(string)
        if text is None:
            tally.count("quotes", "invalid", doc=doc, what="content segment (not a string)", string=string)
            continue
        found = tally.located("quotes", locate_next(index, text, pool), doc=doc, what="content", string=text)
        if found is None:
            continue
        if any(found.start < s.end and s.start < found.end for s in segments):
            tally.count("quotes", "invalid", doc=doc, what="content segment (overlaps another segment)", string=text)
            continue
        segments.append(_span(index, found))
    return sorted(segments, key=lambda s: s.start)


def _anchored(value: object, anchor, avoid, index: TextIndex, tally: Alignment, doc: str, what: str) -> Span | None:
    """A cue or speaker: the occurrence nearest the quotation's first content segment."""
    if value is None:
        return None
    text = _string(value)
    if text is None:
        tally.count("quotes", "invalid", doc=doc, what=f"{what} (not a string)", string=value)
        return None
    if anchor is None:
        tally.count("quotes", "not_found", doc=doc, what=f"{what} (its quotation's content was not located)", string=text)
        return None
    found = tally.located("quotes", locate_near(index, text, anchor, avoid), doc=doc, what=what, string=text)
    return None if found is None else _span(index, found)


def events_from(items: list, index: TextIndex, tally: Alignment, doc: str) -> list[EventMention]:
    pool, events = Pool(exclusive=False), []
    for item in items:
        etype = item.get("type") if isinstance(item, dict) else None
        trigger = _string(item.get("trigger")) if isinstance(item, dict) else None
        arguments = item.get("arguments", []) if isinstance(item, dict) else []
        if etype not in EVENT_ROLES or trigger is None or not isinstance(arguments, list):
            tally.count("events", "invalid", doc=doc, what="event (no trigger, an unknown type, or arguments not a list)", string=item)
            continue
        found = tally.located("events", locate_next(index, trigger, pool), doc=doc, what="trigger", string=trigger)
        if found is None:
            for argument in arguments:
                tally.count("events", "not_found", doc=doc, what="argument (its trigger was not located)", string=argument)
            continue
        args = _arguments(arguments, etype, (found.start, found.end), index, tally, doc)
        events.append(EventMention(type=etype, trigger=_span(index, found), arguments=args))
    return sorted(events, key=lambda e: (e.trigger.start, e.trigger.end, e.type))


def _arguments(items: list, etype: str, anchor, index: TextIndex, tally: Alignment, doc: str) -> list[EventArgument]:
    arguments, seen = [], set()
    for item in items:
        role = item.get("role") if isinstance(item, dict) else None
        text = _string(item.get("text")) if isinstance(item, dict) else None
        if role not in EVENT_ROLES[etype] or text is None:
            tally.count("events", "invalid", doc=doc, what=f"argument (no text, or not a role of {etype})", string=item)
            continue
        found = tally.located("events", locate_near(index, text, anchor), doc=doc, what="argument", string=text)
        if found is None:
            continue
        if (found.start, found.end, role) in seen:
            tally.count("events", "invalid", doc=doc, what="argument (same span and role as another)", string=text)
            continue
        seen.add((found.start, found.end, role))
        arguments.append(EventArgument(start=found.start, end=found.end, text=index.text[found.start : found.end], role=role))
    return sorted(arguments, key=lambda a: (a.start, a.end, a.role))


BUILDERS: dict[str, Callable[[list, TextIndex, Alignment, str], list]] = {"entities": entities_from, "quotes": quotes_from, "events": events_from}


# -- the response cache -------------------------------------------------------------


def canonical(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class CacheError(Exception):
    """A cache entry that cannot be used (unreadable, corrupt, or for another request)."""


class ResponseCache:
    """Answers on disk, one JSON file per request key: ``DIR/ab/abcdef….json``."""

    def __init__(self, directory: Path, mode: str):
        self.directory, self.mode = directory, mode

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, material: dict) -> dict | None:
        """The stored response for ``key`` (None when absent or the cache is off)."""
        path = self.path(key)
        if self.mode == "off" or not path.exists():
            return None
        try:
            entry = strict_json_loads(read_bounded(path, MAX_CACHE_ENTRY_BYTES).decode("utf-8"))
        except (DataError, UnicodeDecodeError, ValueError) as exc:
            raise CacheError(f"unreadable cache entry {path}: {exc}") from None
        if not isinstance(entry, dict) or entry.get("key") != key or entry.get("request") != material or not isinstance(entry.get("response"), dict):
            raise CacheError(f"cache entry {path} does not belong to this request (edited or corrupt): delete it to ask again")
        return entry["response"]

    def put(self, key: str, material: dict, response: dict) -> bool:
        """Store a response atomically (written aside, then renamed); False when the mode forbids it."""
        if self.mode != "readwrite":
            return False
        entry = {"scheme": CACHE_SCHEME, "key": key, "request": material, "response": response}
        atomic_write_bytes(self.path(key), (json.dumps(entry, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8"))
        return True


# -- requests ----------------------------------------------------------------------------


class RequestFailed(Exception):
    """One request that could not be answered; ``fatal`` stops every request after it."""

    def __init__(self, reason: str, fatal: bool = False):
        super().__init__(reason)
        self.reason, self.fatal = reason, fatal


@dataclass
class Outcome:
    """What one (document, prompt) request gave: the layers' lists, or why not."""

    lists: dict[str, list] | None
    failure: str | None = None


class Counters:
    """Thread-safe counts of a run, and its budget."""

    def __init__(self, max_requests: int | None, max_tokens_total: int | None):
        self.lock = threading.Lock()
        self.max_requests, self.max_tokens_total = max_requests, max_tokens_total
        self.values = dict.fromkeys(("cache_hits", "cache_misses", "cache_written", "requests_sent", "retries", "tokens_spent"), 0)
        self.tokens = dict.fromkeys(("prompt_tokens", "completion_tokens", "total_tokens"), 0)
        self.models: set[str] = set()
        self.stopped: str | None = None  # the reason every later request is refused

    def add(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.values[name] += n

    def start_request(self) -> None:
        """Count a request about to be sent, or refuse it (budget spent, or the run stopped)."""
        with self.lock:
            if self.stopped is not None:
                raise RequestFailed(f"not sent: {self.stopped}")
            if self.max_requests is not None and self.values["requests_sent"] >= self.max_requests:
                raise RequestFailed(f"not sent: the run's budget of max_requests={self.max_requests} requests is spent")
            if self.max_tokens_total is not None and self.values["tokens_spent"] >= self.max_tokens_total:
                raise RequestFailed(f"not sent: the run's budget of max_tokens_total={self.max_tokens_total} tokens is spent")
            self.values["requests_sent"] += 1

    def stop(self, reason: str) -> None:
        with self.lock:
            self.stopped = self.stopped or reason

    def used(self, response: dict) -> None:
        """Record a response used for predictions (from the cache or fresh)."""
        with self.lock:
            if isinstance(response.get("model"), str):
                self.models.add(response["model"])
            usage = response.get("usage") or {}
            for name in self.tokens:
                if isinstance(usage.get(name), int):
                    self.tokens[name] += usage[name]


def endpoint_of(base_url: str) -> str:
    """``scheme://host[:port]/path`` of the base URL: no credentials, query or fragment."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DataErrors([DataError("model.base_url", None, None, f"{base_url!r} is not an http(s) URL with a host, e.g. http://127.0.0.1:8000/v1")])
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path.rstrip('/')}"


def _server_message(exc) -> str:
    """The server's own words: the ``error.message`` of its JSON body when it has one."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        message = getattr(exc, "message", None) or str(exc)
    return " ".join(str(message).split())[:300]


# -- the extractor -----------------------------------------------------------------------


class LLMExtractor(Extractor):
    """Prompts a chat model per document (and per layer, or once for all layers),
    and turns its JSON answers into records; see the module docstring."""

    per_document = False  # one pool over every document; failures are judged over the run

    def __init__(
        self,
        *,
        name: str,
        version: str,
        base_url: str,
        model: str,
        api_key_env: str | None = None,
        mode: str = "per_layer",
        prompts: dict | None = None,
        response_format: str = "json_object",
        temperature: float = 0.0,
        seed: int | None = 20190325,
        max_tokens: int = 4096,
        timeout: float = 120.0,
        max_retries: int = 3,
        backoff_seconds: float = 1.0,
        max_concurrency: int = 2,
        max_requests: int | None = None,
        max_tokens_total: int | None = None,
        cache: str = "readwrite",
        cache_dir: str = "outputs/llm_cache",
    ):
        super().__init__(name=name, version=version)
        _check_choice("model.mode", mode, MODES)
        _check_choice("model.response_format", response_format, RESPONSE_FORMATS)
        _check_choice("model.cache", cache, CACHE_MODES)
        if max_concurrency < 1 or max_retries < 0 or timeout <= 0 or backoff_seconds < 0:
            raise DataErrors([DataError("model", None, None, "max_concurrency ≥ 1, max_retries ≥ 0, timeout > 0 and backoff_seconds ≥ 0 are required")])
        self.base_url, self.endpoint, self.model = base_url, endpoint_of(base_url), str(model)
        self.api_key_env, self.mode = api_key_env, mode
        self.templates = _templates(mode, prompts or {})
        self.response_format = response_format
        self.parameters = {"temperature": float(temperature), "seed": seed, "max_tokens": int(max_tokens),
                           "response_format": response_format, "answer_format": ANSWER_FORMAT}
        self.timeout, self.max_retries, self.backoff_seconds = float(timeout), int(max_retries), float(backoff_seconds)
        self.max_concurrency, self.max_requests, self.max_tokens_total = int(max_concurrency), max_requests, max_tokens_total
        self.cache = ResponseCache(_resolve(cache_dir), cache)
        self.cache_dir = _shown_path(_resolve(cache_dir))
        self.counters = Counters(max_requests, max_tokens_total)
        self.alignment = Alignment()
        self.failures: list[dict] = []
        self._client = None  # made at the first cache miss: a replay needs neither a key nor a server
        self._client_lock = threading.Lock()

    # ---- the run

    def predict(self, documents: Sequence[SeedDocument]) -> list[Document]:
        jobs = [(d, t) for d in documents for t in self.templates]
        with ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix="llm") as pool:
            outcomes = list(pool.map(lambda job: self._outcome(*job), jobs))
        per_document = len(self.templates)  # jobs are grouped by document, in document order
        records: list[Document] = []
        failed: list[dict] = []
        for i, document in enumerate(documents):
            mine = list(zip(self.templates, outcomes[i * per_document : (i + 1) * per_document], strict=True))
            records.append(self._record(document, mine, failed))
        self.failures += failed
        self._judge(len(jobs), failed)
        return records

    def _record(self, document: SeedDocument, outcomes: list, failed: list) -> Document:
        """One document's record from its requests' outcomes, in a fixed order (so
        alignment counts and examples do not depend on thread timing)."""
        layers: dict[str, list | None] = dict.fromkeys(LAYERS)
        index = TextIndex(document.text)
        for template, outcome in outcomes:
            for layer in layers_of(template.name):
                layers[layer] = []
            if outcome.failure is not None:
                failed.append({"doc": document.id, "request": template.name, "reason": outcome.failure})
                continue
            for layer, items in outcome.lists.items():
                layers[layer] = BUILDERS[layer](items, index, self.alignment, document.id)
        return make_document(document, layers["entities"], layers["quotes"], layers["events"])

    def _judge(self, n_jobs: int, failed: list[dict]) -> None:
        """Raise only when nothing can be scored; otherwise say how much failed."""
        if not failed:
            return
        if len(failed) == n_jobs:
            shown = failed[:MAX_FAILURES_SHOWN]
            raise DataErrors([DataError(f"extractor {self.name}", f["doc"], f["request"], f["reason"]) for f in shown])
        print(f"{self.name}: {len(failed)} of {n_jobs} requests failed; their layers are empty for those documents "
              "(provenance.extractor.failures lists them)", file=sys.stderr)

    def _outcome(self, document: SeedDocument, template: PromptTemplate) -> Outcome:
        material = self._key_material(document, template)
        key = hashlib.sha256(canonical(material).encode("utf-8")).hexdigest()
        response: dict = {}
        try:
            response = self._response(key, material, template, document)
            self.counters.used(response)
            return Outcome(parse_answer(response.get("content"), template.name))
        except AnswerError as exc:
            cut = response.get("finish_reason") == "length"
            return Outcome(None, str(exc) + (f" (the answer was cut at max_tokens={self.parameters['max_tokens']})" if cut else ""))
        except (RequestFailed, CacheError) as exc:
            return Outcome(None, exc.reason if isinstance(exc, RequestFailed) else str(exc))

    def _key_material(self, document: SeedDocument, template: PromptTemplate) -> dict:
        return {
            "scheme": CACHE_SCHEME,
            "endpoint": self.endpoint,
            "model": self.model,
            "prompt_sha256": template.sha256,
            "parameters": self.parameters,
            "document_sha256": hashlib.sha256(document.text.encode("utf-8")).hexdigest(),
        }

    def _response(self, key: str, material: dict, template: PromptTemplate, document: SeedDocument) -> dict:
        """From the cache, else from the server (and then into the cache)."""
        cached = self.cache.get(key, material)
        if cached is not None:
            self.counters.add("cache_hits")
            return cached
        self.counters.add("cache_misses")
        if self.cache.mode == "readonly":
            raise RequestFailed(f"not in the cache (cache=readonly, {self.cache_dir}): run once with model.cache=readwrite to fill it")
        response = self._ask(template, document)
        if self.cache.put(key, material, response):
            self.counters.add("cache_written")
        return response

    # ---- the server

    def _client_for_request(self):
        """The client, made once; a missing key variable stops every request."""
        with self._client_lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self):
        import openai

        key = "unused"  # local servers take any key; the client requires one
        if self.api_key_env:
            import os

            key = os.environ.get(self.api_key_env, "")
            if not key:
                raise RequestFailed(f"the environment variable {self.api_key_env} (model.api_key_env) is not set: it should hold the API key", fatal=True)
        # Retries are ours (counted, with the configured backoff); the client's are off.
        return openai.OpenAI(base_url=self.base_url, api_key=key, timeout=self.timeout, max_retries=0, organization=None, project=None)

    def _ask(self, template: PromptTemplate, document: SeedDocument) -> dict:
        """One chat completion, retried on 429, 5xx, timeouts and refused connections."""
        try:
            self._client_for_request()
        except RequestFailed as exc:
            self.counters.stop(exc.reason)
            raise
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.counters.add("retries")
                time.sleep(min(self.backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
            self.counters.start_request()
            try:
                return self._complete(template, document)
            except RequestFailed as exc:  # not worth retrying
                if exc.fatal:
                    self.counters.stop(exc.reason)
                raise
            except _Retryable as exc:
                last = exc
        if isinstance(last, _Unreachable):
            self.counters.stop(f"{self.endpoint} could not be reached")
        raise RequestFailed(f"{last.reason} (after {self.max_retries + 1} attempt(s))")

    def _complete(self, template: PromptTemplate, document: SeedDocument) -> dict:
        import openai

        body: dict[str, Any] = {"model": self.model, "messages": template.messages(document.text),
                                "temperature": self.parameters["temperature"], "max_tokens": self.parameters["max_tokens"]}
        if self.parameters["seed"] is not None:
            body["seed"] = self.parameters["seed"]
        response_format = response_format_body(self.response_format, template.name)
        if response_format is not None:
            body["response_format"] = response_format
        try:
            completion = self._client_for_request().chat.completions.create(**body, timeout=self.timeout)
        except openai.APITimeoutError:
            raise _Retryable(f"no answer within timeout={self.timeout:g}s") from None
        except openai.APIConnectionError as exc:
            raise _Unreachable(f"cannot connect to {self.endpoint}: {_server_message(exc.__cause__ or exc)}") from None
        except (openai.RateLimitError, openai.InternalServerError) as exc:
            raise _Retryable(f"HTTP {exc.status_code} from the server: {_server_message(exc)}") from None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            source = f"the key in ${self.api_key_env}" if self.api_key_env else "no key (model.api_key_env is null)"
            raise RequestFailed(f"HTTP {exc.status_code}: the server refused {source}: {_server_message(exc)}", fatal=True) from None
        except openai.NotFoundError as exc:
            raise RequestFailed(f"HTTP 404: model {self.model!r} or endpoint {self.endpoint} not found: {_server_message(exc)}", fatal=True) from None
        except openai.APIStatusError as exc:
            message = _server_message(exc)
            if exc.status_code in (400, 413, 422) and CONTEXT_OVERFLOW.search(message):
                raise RequestFailed(f"the document does not fit the model's context (HTTP {exc.status_code}): {message}") from None
            raise RequestFailed(f"HTTP {exc.status_code} from the server: {message}") from None
        except openai.OpenAIError as exc:
            raise RequestFailed(f"the server's answer could not be read: {_server_message(exc)}") from None
        return self._response_record(completion)

    def _response_record(self, completion) -> dict:
        """The part of a completion that the cache keeps: enough to rebuild the predictions and the provenance."""
        choices = getattr(completion, "choices", None) or []
        if not choices:
            raise RequestFailed("the response has no choices")
        usage = getattr(completion, "usage", None)
        usage_record = {n: getattr(usage, n) for n in ("prompt_tokens", "completion_tokens", "total_tokens") if isinstance(getattr(usage, n, None), int)}
        self.counters.add("tokens_spent", usage_record.get("total_tokens", 0))
        return {
            "model": getattr(completion, "model", None),
            "content": choices[0].message.content,
            "finish_reason": choices[0].finish_reason,
            "usage": usage_record,
        }

    # ---- what a result records

    def provenance(self) -> dict:
        values = self.counters.values
        return {
            **self.base_provenance(
                model=self.model, mode=self.mode, **{k: v for k, v in self.parameters.items() if k != "answer_format"},
                timeout=self.timeout, max_retries=self.max_retries, backoff_seconds=self.backoff_seconds,
                max_concurrency=self.max_concurrency, max_requests=self.max_requests, max_tokens_total=self.max_tokens_total,
                cache=self.cache.mode, api_key_env=self.api_key_env,
            ),
            "endpoint": {"host": urlsplit(self.endpoint).netloc, "scheme": urlsplit(self.endpoint).scheme},
            "model_reported": sorted(self.counters.models),
            "answer_format": ANSWER_FORMAT,
            "prompts": {t.name: {"path": t.path, "sha256": t.sha256} for t in self.templates},
            "cache": {"mode": self.cache.mode, "dir": self.cache_dir, "key_scheme": CACHE_KEY_SCHEME,
                      "hits": values["cache_hits"], "misses": values["cache_misses"], "written": values["cache_written"]},
            "requests": {"sent": values["requests_sent"], "retries": values["retries"]},
            "tokens": {**self.counters.tokens, "spent_this_run": values["tokens_spent"]},
            "alignment": self.alignment.as_dict(),
            "failures": {"count": len(self.failures), "requests": self.failures[:MAX_FAILURES_SHOWN]},
        }


class _Retryable(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Unreachable(_Retryable):
    """A refused or failed connection: retried, and when retries run out the server is taken as down."""


def _check_choice(field: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise DataErrors([DataError(field, None, None, f"{value!r}: expected one of {', '.join(choices)}")])


def _templates(mode: str, prompts: dict) -> list[PromptTemplate]:
    """The prompt files a mode uses: ``joint``, or each layer with a file (a null layer is not predicted)."""
    names = ["joint"] if mode == "joint" else [layer for layer in LAYERS if prompts.get(layer)]
    missing = [n for n in names if not prompts.get(n)]
    if missing or not names:
        raise DataErrors([DataError("model.prompts", None, None, f"mode={mode} needs a prompt file for {', '.join(missing) or 'at least one layer'}")])
    errors, templates = [], []
    for name in names:
        try:
            templates.append(load_template(name, prompts[name]))
        except DataError as exc:
            errors.append(exc)
    if errors:
        raise DataErrors(errors)
    return templates
