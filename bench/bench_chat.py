"""POST /v1/chat against GET /v1/me in the same run, and the answer engine over a
10,000-passage knowledge base against the demo FAQ.

1. Requests per second and p50/p95/p99 latency of `POST /v1/chat` (demo FAQ: each request
   ranks the passages, writes two messages and their events in one transaction) next to
   `GET /v1/me` (the bare authenticated endpoint: key check, scope, throttle, envelope),
   through Django's full request stack (test client, middleware), interleaved in rounds.
2. Answer time of the default engine over a generated 10,000-passage knowledge base next
   to the 25-passage demo FAQ: index build time and p50/p95/p99 per answer, and how often
   a question taken from a passage finds that passage.

Runs on a throwaway SQLite database; uses REDIS_URL for the cache (throttle) if it is set.
"""
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
LARGE_PASSAGES = int(os.environ.get("BENCH_PASSAGES", "10000"))
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "500"))

_tmp = tempfile.mkdtemp(prefix="metachat-bench-chat-")
os.environ["METACHAT_VAR_DIR"] = _tmp
os.environ["DATABASE_URL"] = f"sqlite:///{Path(_tmp) / 'bench.sqlite3'}"
os.environ["CELERY_BROKER_URL"] = "memory://"  # dispatch wake-ups go nowhere; rows are kept
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metachat.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from apikeys.scopes import SCOPES  # noqa: E402
from apikeys.services import api_key_create  # noqa: E402
from conversations.engine.bm25 import BM25AnswerEngine  # noqa: E402
from conversations.models import Passage  # noqa: E402
from conversations.services import demo_knowledge_base_load, document_create  # noqa: E402
from metachat.workspaces.services import workspace_create  # noqa: E402

logging.disable(logging.INFO)

CHAT_QUESTIONS = [
    "How long is shipping?", "What is your return policy?", "Can I pay with PayPal?",
    "I forgot my password", "Do you deliver abroad?", "When do I get my money back?",
    "How do I delete my account?", "Do you sell car insurance?", "Is delivery free?",
    "Can I pay in installments?",
]


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe(samples_s: list[float]) -> str:
    ms = [s * 1000 for s in samples_s]
    return (f"p50 {percentile(ms, 50):7.2f} ms   p95 {percentile(ms, 95):7.2f} ms   "
            f"p99 {percentile(ms, 99):7.2f} ms")


def timed(call, n: int) -> tuple[float, list[float]]:
    """(requests per second, latencies in seconds) of n calls."""
    latencies = []
    started = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        call(i)
        latencies.append(time.perf_counter() - t0)
    return n / (time.perf_counter() - started), latencies


def bench_http() -> None:
    workspace = workspace_create(name="Bench shop")
    demo_knowledge_base_load(workspace=workspace)
    _, plaintext = api_key_create(
        workspace=workspace, name="bench", scopes=list(SCOPES), rate_limit="100000000/s"
    )
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    conversations: list[str | None] = [None] * 10

    def me(i):
        response = client.get("/v1/me")
        assert response.status_code == 200, response.content

    def chat(i):
        slot = i % len(conversations)
        body = {"message": CHAT_QUESTIONS[i % len(CHAT_QUESTIONS)]}
        if conversations[slot] and i % 50 >= len(conversations):  # a new one now and then
            body["conversationId"] = conversations[slot]
        response = client.post("/v1/chat", body, content_type="application/json")
        assert response.status_code == 200, response.content
        conversations[slot] = response.json()["data"]["conversationId"]

    timed(me, 50)  # warm-up, and the first chat builds the index
    timed(chat, 50)
    me_rates, chat_rates, me_lat, chat_lat = [], [], [], []
    for _ in range(ROUNDS):  # interleaved, so drift hits both alike
        rate, lat = timed(me, REQUESTS)
        me_rates.append(rate)
        me_lat += lat
        rate, lat = timed(chat, REQUESTS)
        chat_rates.append(rate)
        chat_lat += lat
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    best_me, best_chat = max(me_rates), max(chat_rates)
    print(f"HTTP, Django test client, SQLite, cache {cache}; best of {ROUNDS} rounds x "
          f"{REQUESTS} requests; demo FAQ ({Passage.objects.filter(workspace=workspace).count()}"
          " passages)")
    print(f"  GET  /v1/me    {best_me:7.0f} req/s   {describe(me_lat)}")
    print(f"  POST /v1/chat  {best_chat:7.0f} req/s   {describe(chat_lat)}")
    print(f"  ratio chat/me: {best_chat / best_me:.2f} of the throughput, "
          f"p50 latency x{statistics.median(chat_lat) / statistics.median(me_lat):.1f}")


def _word(rng: random.Random) -> str:
    syllables = ["ka", "lo", "mi", "ra", "te", "su", "no", "vi", "de", "pa", "zu", "ri",
                 "ho", "ne", "ba", "go", "fu", "sha", "tor", "len"]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))


def generate_knowledge_base(workspace, *, passages: int, per_document: int = 20) -> list:
    """Documents of Q&A passages over a made-up vocabulary of 5,000 words, plus common
    words, so that terms repeat across passages as in real text. Returns (question,
    expected answer start) pairs."""
    rng = random.Random(42)
    vocabulary = list({_word(rng) for _ in range(6000)})[:5000]
    common = ["order", "account", "delivery", "payment", "return", "product", "price",
              "store", "customer", "service", "time", "day", "week", "card", "box"]
    probes = []
    for start in range(0, passages, per_document):
        sections = []
        for _ in range(start, min(start + per_document, passages)):
            topic = rng.sample(vocabulary, 3)
            question = f"How does the {topic[0]} {rng.choice(common)} work with {topic[1]}?"
            body = " ".join(
                rng.choice(vocabulary) if rng.random() < 0.6 else rng.choice(common)
                for _ in range(35)
            )
            answer = f"The {topic[0]} {topic[2]} {body}."
            sections.append(f"## {question}\n{answer}")
            probes.append((f"Tell me how {topic[0]} works with {topic[1]}", answer[:40]))
        document_create(workspace=workspace, title=f"Handbook part {start // per_document + 1}",
                        source_type="markdown", content="\n\n".join(sections))
    return probes


def answer_times(engine, workspace, questions: list[str]) -> list[float]:
    latencies = []
    for question in questions:
        t0 = time.perf_counter()
        engine.answer(workspace=workspace, question=question, history=[])
        latencies.append(time.perf_counter() - t0)
    return latencies


def bench_engine() -> None:
    small = workspace_create(name="Demo FAQ")
    demo_knowledge_base_load(workspace=small)
    large = workspace_create(name="Large handbook")
    t0 = time.perf_counter()
    probes = generate_knowledge_base(large, passages=LARGE_PASSAGES)
    ingest = time.perf_counter() - t0
    size = Passage.objects.filter(workspace=large).count()

    engine = BM25AnswerEngine()
    t0 = time.perf_counter()
    engine.index_for(workspace_id=small.pk)
    small_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine.index_for(workspace_id=large.pk)
    large_build = time.perf_counter() - t0

    rng = random.Random(7)
    sample = rng.sample(probes, min(QUESTIONS, len(probes)))
    small_questions = [CHAT_QUESTIONS[i % len(CHAT_QUESTIONS)] for i in range(len(sample))]
    answer_times(engine, small, small_questions[:50])  # warm-up
    answer_times(engine, large, [q for q, _ in sample[:50]])
    small_lat = answer_times(engine, small, small_questions)
    large_lat = answer_times(engine, large, [q for q, _ in sample])
    found = sum(
        engine.answer(workspace=large, question=q, history=[]).text.startswith(expected)
        for q, expected in sample
    )

    print(f"Answer engine (BM25), {len(sample)} questions each")
    print(f"  demo FAQ, {Passage.objects.filter(workspace=small).count():>6} passages: "
          f"index built in {small_build * 1000:7.1f} ms;  answer {describe(small_lat)}")
    print(f"  generated {size:>6} passages: index built in {large_build * 1000:7.1f} ms;  "
          f"answer {describe(large_lat)}")
    print(f"  ratio {size} passages / demo FAQ: p50 answer time "
          f"x{statistics.median(large_lat) / statistics.median(small_lat):.1f}")
    print(f"  right passage found for {found}/{len(sample)} paraphrased questions; "
          f"loading the {size} passages (parse, split, store) took {ingest:.1f} s")


def main() -> None:
    call_command("migrate", verbosity=0)
    bench_http()
    bench_engine()


if __name__ == "__main__":
    main()
