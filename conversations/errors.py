"""What the conversation services refuse, in words a client can act on."""


class ConversationsError(Exception):
    """A request the services refuse; `code` and `field` feed the API's error format."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidDocument(ConversationsError):
    code = "invalid_document"


class DocumentTooLarge(ConversationsError):
    code = "document_too_large"
    status = 413


class InvalidMessage(ConversationsError):
    code = "validation_error"


class InvalidUser(ConversationsError):
    code = "validation_error"


class ConversationNotFound(ConversationsError):
    code = "not_found"
    status = 404


class ConversationEnded(ConversationsError):
    code = "conversation_ended"
    status = 409


class IdentityRefused(ConversationsError):
    """A widget visitor's claimed user id is unsigned where signing is required, or signed
    wrongly."""

    code = "identity_refused"
    status = 403
