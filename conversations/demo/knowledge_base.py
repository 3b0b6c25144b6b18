"""The demo shop's knowledge base: shipping, returns, payment and account FAQs."""
from pathlib import Path

HERE = Path(__file__).parent

DOCUMENTS = [
    ("Shipping FAQ", "shipping.md"),
    ("Returns and refunds FAQ", "returns.md"),
    ("Payment FAQ", "payment.md"),
    ("Account FAQ", "account.md"),
]


def demo_documents() -> list[tuple[str, str]]:
    """(title, Markdown text) of each demo document."""
    return [(title, (HERE / name).read_text(encoding="utf-8")) for title, name in DOCUMENTS]
