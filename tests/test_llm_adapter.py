"""``model=llm`` against a real HTTP server speaking the chat-completions wire
format, through the real ``openai`` client: no model, no network beyond
127.0.0.1.

The server (``http.server`` in a thread) answers from a script keyed by the
document each request carries: well-formed JSON, JSON in code fences or in
prose, prose, an empty answer, truncated JSON, strings that occur twice or not
at all, a stalled answer (beyond the client's timeout), 429 then 200, 500, 400
for a context overflow; and 401 for a wrong key. Every document is invented.
Then the same run replays the cache with the server stopped and must give the
same bytes. Nothing here measures time: the stalled handler waits on an event
that the fixture sets at teardown.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import run_cli

from benchmark.data.corpus import SeedDocument
from benchmark.data.validation import check_document
from benchmark.errors import DataErrors
from benchmark.fileio import jsonl_line
from benchmark.systems.llm import AnswerError, LLMExtractor, parse_answer

GOOD_KEY = "sk-test-0123456789-secret"
KEY_ENV = "NEWSBENCH_TEST_LLM_KEY"
SERVED_MODEL = "scripted-model-7b-q4"  # what the server reports, unlike the requested "scripted"


def ents(*pairs: tuple[str, str]) -> str:
    return json.dumps({"entities": [{"text": t, "label": label} for t, label in pairs]}, ensure_ascii=False)


# Invented documents, each with its scripted behaviour: a list of actions, one per request received.
DOCS: dict[str, tuple[str, list]] = {
    "well": ("Claire Duval est arrivée à Nantes mardi.", [("answer", ents(("Claire Duval", "PER"), ("Nantes", "LOC")))]),
    "fenced": ("Paul Marchand a quitté Lyon.", [("answer", "```json\n" + ents(("Paul Marchand", "PER"), ("Lyon", "LOC")) + "\n```")]),
    "chatty": ("L’AFP a joint Anne Morel.", [("answer", "Voici les entités :\n" + ents(("AFP", "ORG"), ("Anne Morel", "PER")) + "\nBonne lecture.")]),
    "normalised": ("La Côte d’Ivoire a reçu M.\u00a0Koné.", [("answer", ents(("Côte d'Ivoire", "LOC"), ("Koné", "PER")))]),
    "twice": ("Paris aime Paris, dit-on à Marseille.", [("answer", ents(("Paris", "LOC"), ("Paris", "LOC"), ("Paris", "LOC"), ("Marseille", "LOC")))]),
    "absent": ("Le conseil s’est réuni à Brest.", [("answer", ents(("Toulouse", "LOC"), ("Brest", "LOC"), ("conseil", "XYZ")))]),
    "prose": ("Une journée calme à Dijon.", [("answer", "Je ne trouve aucune entité nommée dans ce texte.")]),
    "empty": ("Rien ne bouge à Metz.", [("answer", "")]),
    "malformed": ("La pluie tombe sur Nancy.", [("answer", '{"entities": [{"text": "Nancy", "label": "LOC"}')]),
    "slow": ("Le train pour Lille a du retard.", [("stall",), ("stall",)]),
    "ratelimited": ("Le maire de Tours a démissionné.", [("status", 429, "Rate limit reached"), ("answer", ents(("Tours", "LOC")))]),
    "broken": ("Le port de Sète est fermé.", [("status", 500, "Internal error"), ("status", 500, "Internal error")]),
    "overflow": ("Un très long texte sur Reims.", [("status", 400, "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens.")]),
}


def seed(name: str) -> SeedDocument:
    return SeedDocument(id=f"doc_{name}", date=None, text=DOCS[name][0])


class ScriptedServer:
    """A chat-completions server on 127.0.0.1 that plays each document's script."""

    def __init__(self):
        self.requests: list[dict] = []
        self.authorizations: list[str | None] = []
        self.played: dict[str, int] = {}
        self.release = threading.Event()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with outer.lock:
                    outer.requests.append(body)
                    outer.authorizations.append(self.headers.get("Authorization"))
                if self.headers.get("Authorization") != f"Bearer {GOOD_KEY}":
                    return self.reply(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}})
                action = outer.next_action(body["messages"][-1]["content"])
                if action[0] == "stall":
                    outer.release.wait(30)  # beyond the client's timeout; released at teardown
                    return self.reply(200, completion("{}"))
                if action[0] == "status":
                    return self.reply(action[1], {"error": {"message": action[2], "type": "error", "code": action[1]}})
                return self.reply(200, completion(action[1]))

            def reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def next_action(self, user_message: str) -> tuple:
        name = next(n for n, (text, _) in DOCS.items() if text in user_message)
        with self.lock:
            i = self.played.get(name, 0)
            self.played[name] = i + 1
        script = DOCS[name][1]
        return script[min(i, len(script) - 1)]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def completion(content: str) -> dict:
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": SERVED_MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


@pytest.fixture
def server():
    with ScriptedServer() as s:
        yield s


@pytest.fixture
def prompts(tmp_path) -> dict:
    path = tmp_path / "entities.txt"
    path.write_text("[system]\nTrouve les entités nommées (PER, ORG, LOC).\n[user]\nTexte : {{text}}\n", encoding="utf-8")
    return {"entities": str(path)}


@pytest.fixture
def key_env(monkeypatch):
    monkeypatch.setenv(KEY_ENV, GOOD_KEY)


def make(base_url: str, prompts: dict, cache_dir: Path, **overrides) -> LLMExtractor:
    settings = dict(
        name="scripted", version="1", base_url=base_url, model="scripted", api_key_env=KEY_ENV, prompts=prompts,
        timeout=0.5, max_retries=1, backoff_seconds=0.0, max_concurrency=3, cache="readwrite", cache_dir=str(cache_dir),
    )
    return LLMExtractor(**{**settings, **overrides})


def dump(records) -> str:
    """Predictions as the runner writes them (predictions.jsonl)."""
    return "".join(jsonl_line(d.model_dump(mode="json", exclude_none=True)) for d in records)


def entity_texts(record) -> list[tuple[int, int, str, str]]:
    return [(m.start, m.end, m.text, m.label) for m in record.entities]


# -------------------------------------------------------------- one run, every answer


@pytest.fixture
def first_run(server, prompts, tmp_path, key_env):
    docs = [seed(n) for n in DOCS]
    extractor = make(server.base_url, prompts, tmp_path / "cache")
    records = extractor.predict(docs)
    return docs, extractor, records, tmp_path / "cache"


def test_every_record_is_valid_and_in_input_order(first_run):
    docs, _, records, _ = first_run
    assert [r.id for r in records] == [d.id for d in docs]
    for record, doc in zip(records, docs):
        assert check_document(record, file="test", record=record.id, gold=False, reference=doc) == []
        assert record.quotes is None and record.events is None  # layers without a prompt are not predicted


def test_answers_are_parsed_and_located(first_run):
    _, _, records, _ = first_run
    by_id = {r.id: r for r in records}
    assert entity_texts(by_id["doc_well"]) == [(0, 12, "Claire Duval", "PER"), (27, 33, "Nantes", "LOC")]
    assert entity_texts(by_id["doc_fenced"]) == [(0, 13, "Paul Marchand", "PER"), (23, 27, "Lyon", "LOC")]
    assert entity_texts(by_id["doc_chatty"]) == [(2, 5, "AFP", "ORG"), (14, 24, "Anne Morel", "PER")]
    # The model's ASCII apostrophe finds the text's typographic one.
    assert entity_texts(by_id["doc_normalised"]) == [(3, 16, "Côte d’Ivoire", "LOC"), (27, 31, "Koné", "PER")]


def test_a_repeated_string_takes_the_next_unused_occurrence(first_run):
    _, extractor, records, _ = first_run
    twice = next(r for r in records if r.id == "doc_twice")
    # Listed three times, "Paris" occurs twice: the first two take them in order, the third is counted as not found.
    assert entity_texts(twice) == [(0, 5, "Paris", "LOC"), (11, 16, "Paris", "LOC"), (27, 36, "Marseille", "LOC")]
    examples = extractor.provenance()["alignment"]["not_found_or_invalid"]
    assert {"doc": "doc_twice", "layer": "entities", "what": "mention", "outcome": "not_found", "string": "Paris"} in examples


def test_strings_not_in_the_text_are_counted_never_dropped_silently(first_run):
    _, extractor, records, _ = first_run
    absent = next(r for r in records if r.id == "doc_absent")
    assert entity_texts(absent) == [(25, 30, "Brest", "LOC")]
    alignment = extractor.provenance()["alignment"]
    examples = [(e["doc"], e["outcome"], e["string"]) for e in alignment["not_found_or_invalid"] if e["doc"] == "doc_absent"]
    assert examples == [("doc_absent", "not_found", "Toulouse"), ("doc_absent", "invalid", "{'text': 'conseil', 'label': 'XYZ'}")]
    # Every string of every answer that was parsed is in exactly one class.
    # exact: well 2, fenced 2, chatty 2, normalised 1 (+ 1 normalised), twice 3 (+ 1 not found), absent 1 (+ 1 + 1 invalid), ratelimited 1
    assert alignment["counts"] == {"entities": {"exact": 12, "normalised": 1, "not_found": 2, "invalid": 1}}


def test_failed_requests_are_reported_per_document_with_one_clear_reason(first_run):
    _, extractor, records, _ = first_run
    failures = extractor.provenance()["failures"]
    reasons = {f["doc"]: f["reason"] for f in failures["requests"]}
    assert failures["count"] == 6 == len(reasons)
    assert reasons["doc_prose"].startswith("no JSON object in the answer (prose?): 'Je ne trouve aucune")
    assert reasons["doc_empty"] == "empty answer (no content in the response)"
    assert reasons["doc_malformed"].startswith("malformed or truncated JSON in the answer: '{\"entities\"")
    assert reasons["doc_slow"] == "no answer within timeout=0.5s (after 2 attempt(s))"
    assert reasons["doc_broken"].startswith("HTTP 500 from the server: ") and reasons["doc_broken"].endswith("(after 2 attempt(s))")
    assert reasons["doc_overflow"].startswith("the document does not fit the model's context (HTTP 400): ")
    assert "maximum context length is 4096" in reasons["doc_overflow"]
    # A failed request's layer is "predicted nothing" (scored as such), not "not predicted".
    for record in records:
        if record.id in reasons:
            assert record.entities == []


def test_429_is_retried_then_answered(first_run, server):
    _, extractor, records, _ = first_run
    assert entity_texts(next(r for r in records if r.id == "doc_ratelimited")) == [(12, 17, "Tours", "LOC")]
    assert server.played["ratelimited"] == 2
    provenance = extractor.provenance()
    assert provenance["requests"]["retries"] == 3  # ratelimited, slow, broken
    assert provenance["requests"]["sent"] == len(DOCS) + 3


def test_provenance_names_the_host_the_served_model_and_never_the_key(first_run, server):
    _, extractor, _, cache_dir = first_run
    provenance = extractor.provenance()
    port = server.base_url.split(":")[2].split("/")[0]
    assert provenance["endpoint"] == {"host": f"127.0.0.1:{port}", "scheme": "http"}
    assert provenance["model_reported"] == [SERVED_MODEL]
    assert provenance["parameters"]["temperature"] == 0.0 and provenance["parameters"]["seed"] == 20190325
    assert set(provenance["prompts"]) == {"entities"} and len(provenance["prompts"]["entities"]["sha256"]) == 64
    # 7 answers were used (well, fenced, chatty, normalised, twice, absent, ratelimited) + 3 unparsable ones
    assert provenance["tokens"]["total_tokens"] == 120 * 10
    assert provenance["cache"]["misses"] == len(DOCS) and provenance["cache"]["hits"] == 0
    assert provenance["cache"]["written"] == 10  # every answer the server gave; HTTP errors are not cached
    assert GOOD_KEY not in json.dumps(provenance)
    assert all(GOOD_KEY not in p.read_text(encoding="utf-8") for p in cache_dir.rglob("*.json"))
    assert set(server.authorizations) == {f"Bearer {GOOD_KEY}"}  # the key went to the server, and only there


def test_requests_carry_temperature_seed_and_response_format(first_run, server):
    body = server.requests[0]
    assert body["model"] == "scripted" and body["temperature"] == 0.0 and body["seed"] == 20190325
    assert body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][1]["content"].startswith("Texte : ")


def test_a_readonly_replay_with_the_server_stopped_gives_the_same_bytes(first_run, server, prompts):
    docs, extractor, records, cache_dir = first_run
    server.stop()
    replay = make(server.base_url, prompts, cache_dir, cache="readonly", api_key_env="NEWSBENCH_TEST_UNSET_VARIABLE")
    again = replay.predict(docs)
    assert dump(again) == dump(records)
    provenance = replay.provenance()
    assert provenance["requests"]["sent"] == 0
    assert provenance["cache"]["hits"] == 10 and provenance["cache"]["misses"] == 3  # slow, broken, overflow
    assert provenance["alignment"] == extractor.provenance()["alignment"]
    reasons = {f["doc"]: f["reason"] for f in provenance["failures"]["requests"]}
    assert reasons["doc_slow"].startswith("not in the cache (cache=readonly")


def test_a_rerun_makes_no_request_for_cached_answers(server, prompts, tmp_path, key_env):
    docs = [seed(n) for n in ("well", "twice", "prose")]
    first = make(server.base_url, prompts, tmp_path / "cache").predict(docs)
    sent = len(server.requests)
    rerun = make(server.base_url, prompts, tmp_path / "cache")
    assert dump(rerun.predict(docs)) == dump(first)
    assert len(server.requests) == sent == 3
    assert rerun.provenance()["cache"]["hits"] == 3


def test_cache_entries_are_keyed_by_the_request_and_hold_no_partial_file(server, prompts, tmp_path, key_env):
    make(server.base_url, prompts, tmp_path / "cache").predict([seed("well")])
    entries = list((tmp_path / "cache").rglob("*"))
    files = [p for p in entries if p.is_file()]
    assert len(files) == 1 and files[0].suffix == ".json" and files[0].parent.name == files[0].stem[:2]
    entry = json.loads(files[0].read_text(encoding="utf-8"))
    assert set(entry["request"]) == {"scheme", "endpoint", "model", "prompt_sha256", "parameters", "document_sha256"}
    # Another prompt is another key: nothing is replayed for it.
    other = tmp_path / "other.txt"
    other.write_text("[user]\nAutre consigne. {{text}}\n", encoding="utf-8")
    changed = make(server.base_url, {"entities": str(other)}, tmp_path / "cache")
    changed.predict([seed("well")])
    assert changed.provenance()["cache"]["misses"] == 1


def test_an_edited_cache_entry_is_refused_for_its_document(server, prompts, tmp_path, key_env):
    make(server.base_url, prompts, tmp_path / "cache").predict([seed("well"), seed("fenced")])
    path = next(p for p in (tmp_path / "cache").rglob("*.json") if "Claire" in p.read_text(encoding="utf-8"))
    path.write_text(path.read_text(encoding="utf-8").replace('"scripted"', '"other"'), encoding="utf-8")
    replay = make(server.base_url, prompts, tmp_path / "cache", cache="readonly")
    records = replay.predict([seed("well"), seed("fenced")])
    assert records[0].entities == [] and records[1].entities
    assert "does not belong to this request" in replay.provenance()["failures"]["requests"][0]["reason"]


def test_cache_off_neither_reads_nor_writes(server, prompts, tmp_path, key_env):
    make(server.base_url, prompts, tmp_path / "cache").predict([seed("well")])
    off = make(server.base_url, prompts, tmp_path / "cache", cache="off")
    off.predict([seed("well")])
    cache = off.provenance()["cache"]
    assert (cache["hits"], cache["misses"], cache["written"]) == (0, 1, 0)
    assert len(server.requests) == 2


def test_the_request_budget_stops_new_requests(server, prompts, tmp_path, key_env):
    docs = [seed(n) for n in ("well", "fenced", "chatty", "normalised")]
    extractor = make(server.base_url, prompts, tmp_path / "cache", max_requests=2, max_concurrency=1)
    records = extractor.predict(docs)
    assert [bool(r.entities) for r in records] == [True, True, False, False]
    reasons = [f["reason"] for f in extractor.provenance()["failures"]["requests"]]
    assert reasons == ["not sent: the run's budget of max_requests=2 requests is spent"] * 2
    assert len(server.requests) == 2


def test_the_token_budget_stops_new_requests(server, prompts, tmp_path, key_env):
    docs = [seed(n) for n in ("well", "fenced", "chatty")]
    extractor = make(server.base_url, prompts, tmp_path / "cache", max_tokens_total=200, max_concurrency=1)
    records = extractor.predict(docs)
    assert [bool(r.entities) for r in records] == [True, True, False]  # 120, then 240 ≥ 200: the third is not sent
    assert extractor.provenance()["tokens"]["spent_this_run"] == 240


@pytest.mark.parametrize("kind, expected", [
    ("json_schema", "json_schema"),
    ("json_object", "json_object"),
    ("none", None),
])
def test_response_format_switch(server, prompts, tmp_path, key_env, kind, expected):
    make(server.base_url, prompts, tmp_path / "cache", response_format=kind).predict([seed("well")])
    sent = server.requests[0].get("response_format")
    assert (sent or {}).get("type") == expected
    if kind == "json_schema":
        schema = sent["json_schema"]["schema"]
        assert schema["required"] == ["entities"] and sent["json_schema"]["strict"] is True
        assert schema["properties"]["entities"]["items"]["properties"]["label"]["enum"] == ["PER", "ORG", "LOC"]


# -------------------------------------------------------------- the whole run fails: one clear message


def test_a_wrong_key_stops_the_run_with_one_clear_message(server, prompts, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-wrong")
    docs = [seed(n) for n in ("well", "fenced", "chatty", "normalised")]
    extractor = make(server.base_url, prompts, tmp_path / "cache", max_concurrency=1)
    with pytest.raises(DataErrors) as caught:
        extractor.predict(docs)
    messages = [e.message for e in caught.value.errors]
    assert messages[0] == f"HTTP 401: the server refused the key in ${KEY_ENV}: Incorrect API key provided"
    assert all(m.startswith("not sent: HTTP 401") for m in messages[1:])
    assert len(server.requests) == 1  # no request after the refusal
    assert "sk-wrong" not in str(caught.value)


def test_an_unset_key_variable_is_named_and_a_cached_run_does_not_need_it(server, prompts, tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    extractor = make(server.base_url, prompts, tmp_path / "cache")
    with pytest.raises(DataErrors, match=rf"the environment variable {KEY_ENV} \(model.api_key_env\) is not set"):
        extractor.predict([seed("well"), seed("fenced")])
    assert server.requests == []
    monkeypatch.setenv(KEY_ENV, GOOD_KEY)
    first = make(server.base_url, prompts, tmp_path / "cache").predict([seed("well")])
    monkeypatch.delenv(KEY_ENV)
    assert make(server.base_url, prompts, tmp_path / "cache").predict([seed("well")]) == first  # all cached: no key needed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_server_stops_the_run_with_one_clear_message(prompts, tmp_path, key_env):
    base_url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    extractor = make(base_url, prompts, tmp_path / "cache", max_concurrency=1)
    with pytest.raises(DataErrors) as caught:
        extractor.predict([seed("well"), seed("fenced")])
    first, second = (e.message for e in caught.value.errors)
    assert first.startswith(f"cannot connect to {base_url}: ") and first.endswith("(after 2 attempt(s))")
    assert second == f"not sent: {base_url} could not be reached"


def test_the_cli_exits_1_when_nothing_could_be_scored(prompts, tmp_path):
    base_url = f"http://127.0.0.1:{free_port()}/v1"
    result = run_cli("run", "model=llm", "model.model=scripted", f"model.base_url={base_url}", "model.max_retries=0",
                     f"model.prompts.entities={prompts['entities']}", "model.prompts.quotes=null", "model.prompts.events=null",
                     f"model.cache_dir={tmp_path / 'cache'}", f"hydra.run.dir={tmp_path / 'run'}", timeout=300)
    assert result.returncode == 1, result.stderr
    assert f"cannot connect to {base_url}" in result.stderr
    assert "no results were written" in result.stderr
    assert not (tmp_path / "run" / "results.json").exists()


# -------------------------------------------------------------- the parser, and the config


@pytest.mark.parametrize("content, expected", [
    ('{"entities": []}', {"entities": []}),
    ('```json\n{"entities": [{"text": "A", "label": "PER"}]}\n```', {"entities": [{"text": "A", "label": "PER"}]}),
    ('```\n{"entities": []}\n```\nVoilà.', {"entities": []}),
    ('Réponse : {"entities": []} et {"entities": [1]}', {"entities": []}),  # the first object
    ('{"note": "{pas ceci}"} suivi de rien', None),  # no object has the list
    ('{"note": 1}\n{"entities": [{"text": "B", "label": "ORG"}]}', {"entities": [{"text": "B", "label": "ORG"}]}),
    ('{"wrapper": {"entities": []}}', None),  # nested objects are not answers of their own
    ("Désolé, je ne peux pas.", None),
    ("   ", None),
    ('{"entities": "Paris"}', None),
])
def test_parse_answer(content, expected):
    if expected is None:
        with pytest.raises(AnswerError):
            parse_answer(content, "entities")
    else:
        assert parse_answer(content, "entities") == expected


def test_the_joint_answer_needs_every_layer():
    assert parse_answer('{"entities": [], "quotes": [], "events": []}', "joint") == {"entities": [], "quotes": [], "events": []}
    with pytest.raises(AnswerError, match="'events'"):
        parse_answer('{"entities": [], "quotes": []}', "joint")


def test_the_shipped_config_composes_and_its_prompts_load():
    from hydra.utils import instantiate

    from benchmark import paths
    from benchmark.systems.config import compose_model

    model = compose_model("llm", ["model.model=qwen", "model.mode=joint"])
    extractor = instantiate(model, _convert_="all")
    assert [t.name for t in extractor.templates] == ["joint"]
    messages = extractor.templates[0].messages("Texte inventé.")
    assert messages[0]["role"] == "system" and "Exemple (texte inventé)" in messages[0]["content"]
    assert messages[1]["content"].endswith("Texte inventé.\nRéponse :")
    for layer in ("entities", "quotes", "events"):
        text = (paths.ROOT / model.prompts[layer]).read_text(encoding="utf-8")
        assert "{{text}}" in text and "Exemple (texte inventé)" in text


def test_prompt_files_state_the_schema_event_inventory():
    """The event and joint prompts list exactly schema.EVENT_ROLES (rewrite them
    with scripts/llm_prompts.py), and their worked examples use only those roles."""
    from benchmark import paths
    from benchmark.data.schema import EVENT_ROLES
    from benchmark.systems.llm import event_inventory_fr, with_event_inventory

    for name in ("llm_events.fr.txt", "llm_joint.fr.txt"):
        text = (paths.ROOT / "configs" / "prompts" / name).read_text(encoding="utf-8")
        assert event_inventory_fr() in text, f"{name}: run `PYTHONPATH=. .venv/bin/python scripts/llm_prompts.py`"
        assert with_event_inventory(text) == text
        examples = [json.loads(line.removeprefix("Réponse : ")) for line in text.splitlines() if line.startswith("Réponse : {")]
        events = [e for example in examples for e in example["events"]]
        assert events, name
        for event in events:
            assert {a["role"] for a in event["arguments"]} <= set(EVENT_ROLES[event["type"]]), (name, event)


def test_with_event_inventory_replaces_only_the_block():
    from benchmark.systems.llm import event_inventory_fr, with_event_inventory

    prompt = "[system]\nAvant.\n\nTypes d'événements et rôles admis :\n- Contact.Meet : Participant, Topic\n\nAprès.\n[user]\n{{text}}\n"
    assert with_event_inventory(prompt) == f"[system]\nAvant.\n\n{event_inventory_fr()}\n\nAprès.\n[user]\n{{{{text}}}}\n"
    assert with_event_inventory("[user]\n{{text}}\n") == "[user]\n{{text}}\n"


def test_a_template_without_the_placeholder_is_refused(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("[user]\nPas de texte ici.\n", encoding="utf-8")
    with pytest.raises(DataErrors, match=r"must contain \{\{text\}\} exactly once"):
        make("http://127.0.0.1:9/v1", {"entities": str(bad)}, tmp_path / "cache")


@pytest.mark.parametrize("setting, message", [
    ({"cache": "sometimes"}, "model.cache"),
    ({"response_format": "xml"}, "model.response_format"),
    ({"base_url": "127.0.0.1:8000"}, r"is not an http\(s\) URL with a host"),
])
def test_bad_settings_are_refused_by_name(prompts, tmp_path, setting, message):
    base_url = setting.pop("base_url", "http://127.0.0.1:9/v1")
    with pytest.raises(DataErrors, match=message):
        make(base_url, prompts, tmp_path / "cache", **setting)


def test_check_accepts_the_recorded_overrides_of_a_replayed_llm_result():
    from benchmark.run.check import safe_overrides

    recorded = ["model=llm", "model.name=qwen25_7b", "model.model=Qwen/Qwen2.5-7B-Instruct", "model.cache=readonly",
                "model.cache_dir=leaderboard/llm_cache/qwen25_7b", "model.mode=joint", "model.response_format=json_schema"]
    assert safe_overrides(Path("qwen25_7b.json"), recorded) == recorded
    with pytest.raises(DataErrors, match="not an allowed key=value override"):
        safe_overrides(Path("x.json"), ["model=llm", "model.api_key_env=AWS_SECRET_ACCESS_KEY"])
    with pytest.raises(DataErrors, match="not an allowed key=value override"):  # the server comes from a config file
        safe_overrides(Path("x.json"), ["model=llm", "model.base_url=http://example.invalid/v1"])
