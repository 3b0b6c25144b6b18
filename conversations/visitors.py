"""Who a chat-widget visitor is: an anonymous visitor id kept in the browser, or the
customer's user id, signed with the workspace's identity secret where that is required."""
import re
from dataclasses import dataclass

from conversations.errors import IdentityRefused, InvalidUser
from conversations.services import USER_ID_PATTERN
from metachat.workspaces.identity import identity_matches
from metachat.workspaces.models import Workspace

# widget.js makes `v_` + 32 random base62 characters (190 bits): unguessable, so holding
# one is what makes a visitor that visitor.
VISITOR_ID_PATTERN = re.compile(r"^v_[A-Za-z0-9]{20,40}$")


@dataclass(frozen=True)
class Visitor:
    user_id: str  # the EndUser id: the customer's user id, or the visitor id
    identified: bool  # the customer named the user (userId)
    verified: bool  # and signed it with the identity secret


def visitor_resolve(*, workspace: Workspace, visitor_id: str, user_id: str = "",
                    user_hash: str = "") -> Visitor:
    """The visitor a widget request speaks for. An identity signed wrongly is always refused;
    an unsigned one is refused when the workspace requires verification."""
    if not VISITOR_ID_PATTERN.match(visitor_id or ""):
        raise InvalidUser("The widget sent no valid visitor id (X-Visitor-Id).",
                          field="visitor_id")
    if not user_id:
        if user_hash:
            raise IdentityRefused("A userHash was given without the userId it signs.",
                                  field="user_hash")
        return Visitor(user_id=visitor_id, identified=False, verified=False)
    if not USER_ID_PATTERN.match(user_id) or VISITOR_ID_PATTERN.match(user_id):
        raise InvalidUser(
            "userId must be 1–64 letters, digits or _ . : @ + - (starting with a letter or "
            "digit), and not look like a widget visitor id (v_…).", field="user_id",
        )
    if user_hash:
        if not identity_matches(secret=workspace.identity_secret, user_id=user_id,
                                user_hash=user_hash):
            raise IdentityRefused(
                "The user's identity could not be verified: userHash is not the HMAC-SHA256 "
                "of this userId under the workspace's identity secret.", field="user_hash",
            )
        return Visitor(user_id=user_id, identified=True, verified=True)
    if workspace.identity_verification_required:
        raise IdentityRefused(
            "This workspace requires verified identities: send userHash (the HMAC-SHA256 of "
            "the userId under the workspace's identity secret, made on your server) with the "
            "userId, or leave both out to chat anonymously.", field="user_hash",
        )
    return Visitor(user_id=user_id, identified=True, verified=False)

