"""`load_demo_knowledge_base` loads the demo shop's FAQ once, however often it runs."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from conversations.engine import get_engine
from conversations.models import Document, Passage


def run(*args) -> str:
    err = StringIO()
    call_command(*args, stdout=StringIO(), stderr=err)
    return err.getvalue()


def test_loading_twice_adds_the_faq_once(workspace):
    first = run("load_demo_knowledge_base", workspace.public_id)
    passages = Passage.objects.count()
    second = run("load_demo_knowledge_base", workspace.public_id)

    assert "4 added" in first and "4 unchanged" in second
    assert sorted(Document.objects.values_list("title", flat=True)) == [
        "Account FAQ", "Payment FAQ", "Returns and refunds FAQ", "Shipping FAQ",
    ]
    assert Passage.objects.count() == passages > 20
    answer = get_engine().answer(workspace=workspace, question="How long is shipping?",
                                 history=[])
    assert answer.confidence >= 0.9


def test_an_edited_demo_document_is_restored(workspace):
    run("load_demo_knowledge_base", workspace.public_id)
    Document.objects.filter(title="Shipping FAQ").update(content="changed")

    out = run("load_demo_knowledge_base", workspace.public_id)

    assert "1 updated" in out
    assert "3–5 business days" in Document.objects.get(title="Shipping FAQ").content


def test_an_unknown_workspace_is_an_error(db):
    with pytest.raises(CommandError, match="No workspace"):
        run("load_demo_knowledge_base", "ws_missing")
