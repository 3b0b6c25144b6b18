"""The product guide's JavaScript example, run with Node against a live server, prints the
chatbot's answer unchanged (only the base URL, key and workspace id are filled in: its
`conversationId: 'conv_xyz789'` starts a conversation of that id)."""
import shutil
import subprocess

import pytest

from conversations.models import Conversation
from conversations.services import demo_knowledge_base_load

GUIDE_EXAMPLE = """
// Send a message via API
const response = await fetch('https://api.metachats.ai/v1/chat', {
  method: 'POST',
  headers: {
    'Authorization': 'Bearer your_api_key',
    'Content-Type': 'application/json'
  },
  body: JSON.stringify({
    tenantId: 'workspace_abc123',
    message: 'What is your shipping policy?',
    conversationId: 'conv_xyz789'
  })
});

const data = await response.json();
console.log(data.data.message);
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_guides_javascript_example_prints_the_answer(live_server, make_api_client,
                                                         transactional_db):
    from tests.factories import WorkspaceFactory

    workspace = WorkspaceFactory(name="Demo Shop")
    demo_knowledge_base_load(workspace=workspace)
    api_key = make_api_client(workspace, scopes=["chat:write"]).api_key
    script = (
        GUIDE_EXAMPLE.replace("https://api.metachats.ai", live_server.url)
        .replace("your_api_key", api_key.secret)
        .replace("workspace_abc123", workspace.public_id)
    )

    def run():
        return subprocess.run(
            ["node", "--input-type=module", "-e", script],
            capture_output=True, text=True, timeout=60, check=False,
        )

    first, again = run(), run()

    for result in (first, again):
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(
            "Every order leaves our warehouse within one business day."
        )
    conversation = Conversation.objects.get(workspace=workspace, public_id="conv_xyz789")
    assert conversation.messages.count() == 4
