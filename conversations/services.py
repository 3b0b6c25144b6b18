"""The only writers of documents, end users, conversations and messages.

Each service is one transaction that writes its rows and publishes its events in it. The
answer engine is asked before the transaction opens, so a slow answer never holds locks.
"""
import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from conversations import events
from conversations.engine import Answer, get_engine
from conversations.errors import (
    ConversationEnded,
    DocumentTooLarge,
    InvalidDocument,
    InvalidMessage,
    InvalidUser,
)
from conversations.models import Conversation, Document, EndUser, KnowledgeBase, Message, Passage
from conversations.parsing import UnreadableDocument, parse, pdf_text
from conversations.passages import split
from conversations.selectors import conversation_history
from metachat.events.catalogue import EventType
from metachat.workspaces.models import Workspace

logger = logging.getLogger(__name__)

MESSAGE_MAX_CHARS = 4000
USER_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,63}$")
# A conversation id a client chooses itself: the same alphabet as user ids, up to 64.
CONVERSATION_ID_PATTERN = USER_ID_PATTERN

HANDOFF_LOW_CONFIDENCE = (
    "I'm not sure I can answer that correctly, so I've passed your question to our team. "
    "A person will follow up with you shortly."
)
HANDOFF_USER_REQUESTED = (
    "Of course. I've asked a member of our team to take over; "
    "a person will follow up with you shortly."
)
HANDOFF_ALREADY = "A person from our team has been asked to follow up and will be with you shortly."

# "Can I talk to a human?", "connect me with an agent", "real person please", "human"
_PERSON = r"(?:a |an |the |some |)(?:human|person|agent|representative|operator|someone|somebody|" \
    r"staff(?: member)?|support team|customer service|real person|live agent)"
_WANTS_PERSON = re.compile(
    r"\b(?:talk|speak|chat|connect|transfer|put|pass|escalate)\w*(?: me)?(?: through)?"
    rf"(?: to| with) {_PERSON}\b"
    r"|\b(?:real|actual|live) (?:person|human|agent|people)\b"
    r"|\bhuman (?:agent|being|please)\b"
    r"|^\W*(?:human|agent|representative|operator|person)\W*(?:please)?\W*$",
    re.IGNORECASE,
)


def _max_document_bytes() -> int:
    return settings.DOCUMENT_MAX_BYTES


# --- documents -----------------------------------------------------------------------------
def _document_content(*, source_type: str, content: str | None, data: bytes | None) -> str:
    if source_type not in Document.SourceType.values:
        raise InvalidDocument(
            f"Unknown source type {source_type!r}; use one of "
            f"{', '.join(Document.SourceType.values)}.", field="source_type",
        )
    if source_type == Document.SourceType.PDF:
        if data is None:
            raise InvalidDocument("A PDF document must be uploaded as a file.", field="file")
        try:
            return pdf_text(data)
        except UnreadableDocument as error:
            raise InvalidDocument(str(error), field="file") from None
    if data is not None:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidDocument(
                "The file is not UTF-8 text; upload text, Markdown, HTML or PDF.", field="file",
            ) from None
    return content or ""


@dataclass(frozen=True)
class CheckedDocument:
    title: str
    text: str
    size: int
    passages: list


def source_type_for_upload(filename: str, *, default: str = "text") -> str:
    """The source type an uploaded file's name suggests (report.pdf → pdf)."""
    suffix = PurePath(filename or "").suffix.lower()
    return {
        ".pdf": Document.SourceType.PDF, ".md": Document.SourceType.MARKDOWN,
        ".markdown": Document.SourceType.MARKDOWN, ".html": Document.SourceType.HTML,
        ".htm": Document.SourceType.HTML, ".txt": Document.SourceType.TEXT,
    }.get(suffix, default)


def document_check(*, title: str, source_type: str, content: str | None = None,
                   data: bytes | None = None, filename: str = "") -> CheckedDocument:
    """Read and split a document without storing it; raises what a client must fix."""
    size = len(data) if data is not None else len((content or "").encode("utf-8"))
    limit = _max_document_bytes()
    if size > limit:
        raise DocumentTooLarge(
            f"The document is {size:,} bytes; the limit is {limit:,} bytes.",
            field="file" if data is not None else "content",
        )
    # NUL characters carry no text, and PostgreSQL cannot store them.
    text = _document_content(source_type=source_type, content=content, data=data)
    text = text.replace("\x00", "")
    if len(text) > limit:  # text read out of a PDF
        raise DocumentTooLarge(
            f"The document's text is {len(text):,} characters; the limit is {limit:,}.",
            field="file",
        )
    title = (title or "").strip() or PurePath(filename or "").stem.strip()
    title = title.replace("\x00", "")
    if not title:
        raise InvalidDocument("Give the document a title.", field="title")
    if len(title) > 200:
        raise InvalidDocument("The title is longer than 200 characters.", field="title")
    if not text.strip():
        raise InvalidDocument("The document is empty.", field="content")
    passages = split(parse(source_type=source_type, content=text))
    if not passages:
        raise InvalidDocument("The document holds no text to answer from.", field="content")
    return CheckedDocument(title=title, text=text, size=size, passages=passages)


def _passages_replace(*, document: Document, passages: list) -> None:
    document.passages.all().delete()
    Passage.objects.bulk_create(
        Passage(workspace_id=document.workspace_id, document=document, position=position,
                heading=item.heading, question=item.question, text=item.text)
        for position, item in enumerate(passages)
    )


def _embeddings_schedule(*, document: Document) -> None:
    """After the commit, a worker computes the new passages' vectors (when the engine in use
    reads them): the model takes 50–70 ms of CPU a passage, too long for the request."""
    if not getattr(get_engine(), "uses_embeddings", False):
        return
    from conversations.tasks import embed_document_passages

    document_pk = document.pk
    transaction.on_commit(lambda: embed_document_passages.delay(document_pk))


def passages_embed(*, document_id: int) -> int:
    """Store the sentence-model vector of each passage of the document that lacks one (or has
    another model's); returns how many were computed. Without the model it does nothing, and
    the engines answer with BM25 alone."""
    from conversations.engine import embeddings

    if not embeddings.available():
        return 0
    document = Document.objects.filter(pk=document_id).select_related("workspace").first()
    if document is None:  # deleted meanwhile
        return 0
    passages = [
        passage for passage in document.passages.order_by("position")
        if passage.embedding is None or passage.embedding_model != embeddings.MODEL_ID
    ]
    if not passages:
        return 0
    vectors = embeddings.embed([
        embeddings.passage_text(title=document.title, heading=passage.heading,
                                question=passage.question, text=passage.text)
        for passage in passages
    ])
    for passage, vector in zip(passages, vectors, strict=True):
        passage.embedding = embeddings.to_bytes(vector)
        passage.embedding_model = embeddings.MODEL_ID
    with transaction.atomic():
        # Rows replaced by a newer save of the document meanwhile are simply not updated.
        Passage.objects.bulk_update(passages, ["embedding", "embedding_model"])
        knowledge_base_changed(workspace=document.workspace)
    return len(passages)


def knowledge_base_changed(*, workspace: Workspace) -> None:
    """Bump the workspace's knowledge-base version: every process rebuilds its index."""
    now = timezone.now()
    updated = KnowledgeBase.objects.filter(workspace=workspace).update(
        version=F("version") + 1, changed_at=now
    )
    if not updated:
        try:
            with transaction.atomic():
                KnowledgeBase.objects.create(workspace=workspace, version=1, changed_at=now)
        except IntegrityError:  # created meanwhile by another request
            KnowledgeBase.objects.filter(workspace=workspace).update(
                version=F("version") + 1, changed_at=now
            )


@transaction.atomic
def document_create(*, workspace: Workspace, title: str, source_type: str,
                    content: str | None = None, data: bytes | None = None,
                    filename: str = "") -> Document:
    """Add a document from written `content`, or from an uploaded file's bytes `data`."""
    checked = document_check(
        title=title, source_type=source_type, content=content, data=data, filename=filename,
    )
    now = timezone.now()
    document = Document.objects.create(
        workspace=workspace, title=checked.title, source_type=source_type,
        content=checked.text, size=checked.size, filename=(filename or "")[:255],
        created_at=now, updated_at=now,
    )
    _passages_replace(document=document, passages=checked.passages)
    knowledge_base_changed(workspace=workspace)
    _embeddings_schedule(document=document)
    return document


@transaction.atomic
def document_update(*, document: Document, title: str, source_type: str,
                    content: str | None = None, data: bytes | None = None,
                    filename: str = "") -> Document:
    """Replace a document's title and text (an upload replaces the text with the file's)."""
    checked = document_check(
        title=title, source_type=source_type, content=content, data=data,
        filename=filename or document.filename,
    )
    document.title, document.source_type = checked.title, source_type
    document.content, document.size = checked.text, checked.size
    if filename:
        document.filename = filename.replace("\x00", "")[:255]
    document.updated_at = timezone.now()
    document.save()
    _passages_replace(document=document, passages=checked.passages)
    knowledge_base_changed(workspace=document.workspace)
    _embeddings_schedule(document=document)
    return document


@transaction.atomic
def document_delete(*, document: Document) -> None:
    workspace = document.workspace
    document.delete()
    knowledge_base_changed(workspace=workspace)


# --- end users -----------------------------------------------------------------------------
def _user_fields(user_info: dict | None) -> tuple[str, str, dict]:
    info = dict(user_info or {})
    name = str(info.pop("name", "") or "").strip()
    email = str(info.pop("email", "") or "").strip()
    if len(name) > 200:
        raise InvalidUser("The user's name is longer than 200 characters.", field="user")
    if len(email) > 254:
        raise InvalidUser("The user's email is longer than 254 characters.", field="user")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidUser(f"{email!r} is not an email address.", field="user") from None
    return name, email, info


def end_user_identify(*, workspace: Workspace, user_id: str | None = None,
                      user_info: dict | None = None, page: str = "") -> EndUser:
    """The end user with this id (the client's own, or a new `user_…`), created on first
    sight; name, email and other details given now are remembered."""
    name, email, metadata = _user_fields(user_info)
    if "\\u0000" in json.dumps([user_id, name, email, page, metadata], default=str):
        raise InvalidUser("User details must not contain NUL characters.", field="user")
    if user_id is not None and not USER_ID_PATTERN.match(user_id):
        raise InvalidUser(
            "userId must be 1–64 letters, digits or _ . : @ + - (starting with a letter or "
            "digit).", field="user_id",
        )
    now = timezone.now()
    end_user = None
    if user_id is not None:
        end_user = EndUser.objects.filter(workspace=workspace, user_id=user_id).first()
    if end_user is None:
        try:
            with transaction.atomic():
                end_user = EndUser.objects.create(
                    workspace=workspace, **({"user_id": user_id} if user_id else {}),
                    first_seen_at=now, last_seen_at=now,
                )
        except IntegrityError:  # the same new user in two requests at once
            end_user = EndUser.objects.get(workspace=workspace, user_id=user_id)
    changed = {"last_seen_at": now}
    if name:
        changed["name"] = name
    if email:
        changed["email"] = email
    if metadata:
        changed["metadata"] = {**(end_user.metadata or {}), **metadata}
    if page:
        changed["last_page"] = page[:2000]
    for field, value in changed.items():
        setattr(end_user, field, value)
    end_user.save(update_fields=list(changed))
    return end_user


@transaction.atomic
def session_start(*, workspace: Workspace, user_id: str | None = None,
                  user_info: dict | None = None, page: str = "") -> EndUser:
    """A user opened the chat: remember them and publish `user.started`."""
    end_user = end_user_identify(workspace=workspace, user_id=user_id, user_info=user_info,
                                 page=page)
    events.publish(
        workspace=workspace, type=EventType.USER_STARTED,
        data=events.user_started_data(end_user=end_user, started_at=end_user.last_seen_at),
    )
    return end_user


# --- conversations -------------------------------------------------------------------------
def conversation_id_check(conversation_id: str) -> str:
    """A client's own conversation id, or InvalidMessage saying what is allowed."""
    if not CONVERSATION_ID_PATTERN.match(conversation_id):
        raise InvalidMessage(
            "conversationId must be 1–64 letters, digits or _ . : @ + - (starting with a "
            "letter or digit).", field="conversation_id",
        )
    return conversation_id


@transaction.atomic
def conversation_start(*, workspace: Workspace, end_user: EndUser,
                       channel: str = Conversation.Channel.API,
                       conversation_id: str | None = None) -> Conversation:
    """A new conversation: `conv_…`, or the id the client chose (unique in the workspace)."""
    now = timezone.now()
    chosen = {}
    if conversation_id is not None:
        chosen["public_id"] = conversation_id_check(conversation_id)
    conversation = Conversation.objects.create(
        workspace=workspace, end_user=end_user, channel=channel,
        started_at=now, last_activity_at=now, **chosen,
    )
    events.publish(
        workspace=workspace, type=EventType.CONVERSATION_CREATED,
        data=events.conversation_created_data(conversation),
    )
    return conversation


def message_clean(text) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidMessage("Write a message.", field="message")
    text = text.strip()
    if "\x00" in text:
        raise InvalidMessage("The message must not contain NUL characters.", field="message")
    if len(text) > MESSAGE_MAX_CHARS:
        raise InvalidMessage(
            f"The message is {len(text):,} characters; the limit is {MESSAGE_MAX_CHARS:,}.",
            field="message",
        )
    return text


def answer_question(*, workspace: Workspace, text: str,
                    conversation: Conversation | None = None) -> Answer:
    """Ask the answer engine. Never inside a transaction: it may build an index."""
    return get_engine().answer(
        workspace=workspace, question=text,
        history=conversation_history(conversation=conversation),
    )


def wants_person(text: str) -> bool:
    return bool(_WANTS_PERSON.search(text))


@dataclass(frozen=True)
class ChatReply:
    conversation: Conversation
    question: Message
    reply: Message
    escalated: bool


def message_post(*, conversation: Conversation, text: str,
                 answer: Answer | None = None) -> ChatReply:
    """The user's message and the chatbot's answer, written together with their events.

    Below the workspace's confidence threshold, or when the user asks for a person, the
    chatbot hands over: the conversation is escalated (once) and the reply says a person
    will follow up.
    """
    text = message_clean(text)
    if answer is None:
        answer = answer_question(workspace=conversation.workspace, text=text,
                                 conversation=conversation)
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update().select_related("workspace", "end_user")
            .get(pk=conversation.pk)
        )
        if conversation.status == Conversation.Status.ENDED:
            raise ConversationEnded(
                f"Conversation {conversation.public_id} has ended; start a new one by "
                "sending a message without a conversationId.", field="conversation_id",
            )
        workspace = conversation.workspace
        now = timezone.now()
        reason = None
        if wants_person(text):
            reason = Conversation.EscalationReason.USER_REQUESTED
        elif answer.confidence < workspace.escalation_threshold or not answer.text:
            reason = Conversation.EscalationReason.LOW_CONFIDENCE
        first_escalation = reason is not None and conversation.status == Conversation.Status.OPEN

        if reason is None:
            reply_text, sources = answer.text, [source.as_dict() for source in answer.sources]
        elif not first_escalation:
            reply_text, sources = HANDOFF_ALREADY, []
        elif reason == Conversation.EscalationReason.USER_REQUESTED:
            reply_text, sources = HANDOFF_USER_REQUESTED, []
        else:
            reply_text, sources = HANDOFF_LOW_CONFIDENCE, []

        question = Message.objects.create(
            workspace=workspace, conversation=conversation, role=Message.Role.USER,
            text=text, created_at=now,
        )
        reply = Message.objects.create(
            workspace=workspace, conversation=conversation, role=Message.Role.BOT,
            text=reply_text, confidence=answer.confidence, sources=sources, created_at=now,
        )
        conversation.last_activity_at = now
        update_fields = ["last_activity_at"]
        if first_escalation:
            conversation.status = Conversation.Status.ESCALATED
            conversation.escalated_at = now
            conversation.escalation_reason = reason
            update_fields += ["status", "escalated_at", "escalation_reason"]
        conversation.save(update_fields=update_fields)
        EndUser.objects.filter(pk=conversation.end_user_id).update(last_seen_at=now)

        events.publish(
            workspace=workspace, type=EventType.MESSAGE_SENT,
            data=events.message_sent_data(conversation=conversation, question=question,
                                          reply=reply),
        )
        if first_escalation:
            events.publish(
                workspace=workspace, type=EventType.ESCALATION_TRIGGERED,
                data=events.escalation_triggered_data(
                    conversation=conversation, question=question, confidence=answer.confidence,
                ),
            )
    return ChatReply(conversation=conversation, question=question, reply=reply,
                     escalated=reason is not None)


def chat_send(*, workspace: Workspace, text: str, conversation: Conversation | None = None,
              user_id: str | None = None, user_info: dict | None = None,
              channel: str = Conversation.Channel.API,
              conversation_id: str | None = None) -> ChatReply:
    """`POST /v1/chat`: post to `conversation`, or start one for the user and post to it.

    `conversation_id` names the conversation to start (a client keeping its own ids); when
    another request started it meanwhile, the message joins that one.
    """
    text = message_clean(text)
    if conversation is None and conversation_id is not None:
        conversation_id_check(conversation_id)
    if conversation is not None:
        _conversation_user_check(conversation, user_id)
    answer = answer_question(workspace=workspace, text=text, conversation=conversation)
    if conversation is None and conversation_id is not None:
        try:
            return _chat_send(workspace=workspace, text=text, answer=answer, user_id=user_id,
                              user_info=user_info, channel=channel,
                              conversation_id=conversation_id)
        except IntegrityError:  # the same new id in two requests at once: join that one
            conversation = Conversation.objects.select_related("end_user", "workspace").get(
                workspace=workspace, public_id=conversation_id,
            )
        _conversation_user_check(conversation, user_id)
    return _chat_send(workspace=workspace, text=text, answer=answer, user_id=user_id,
                      user_info=user_info, channel=channel, conversation=conversation)


def _conversation_user_check(conversation: Conversation, user_id: str | None) -> None:
    """A message naming its user goes only to that user's conversation."""
    if user_id and conversation.end_user.user_id != user_id:
        raise InvalidUser("The conversation belongs to another user.", field="user_id")


def _chat_send(*, workspace: Workspace, text: str, answer: Answer, user_id: str | None,
               user_info: dict | None, channel: str, conversation: Conversation | None = None,
               conversation_id: str | None = None) -> ChatReply:
    with transaction.atomic():
        if conversation is None:
            end_user = end_user_identify(workspace=workspace, user_id=user_id,
                                         user_info=user_info)
            conversation = conversation_start(workspace=workspace, end_user=end_user,
                                              channel=channel, conversation_id=conversation_id)
        elif user_info:
            end_user_identify(workspace=workspace, user_id=conversation.end_user.user_id,
                              user_info=user_info)
        return message_post(conversation=conversation, text=text, answer=answer)


def conversation_end(*, conversation: Conversation,
                     reason: str = Conversation.EndReason.ENDED_BY_USER) -> Conversation:
    """End a conversation and publish `conversation.ended` with its duration. Ending one that
    has already ended changes nothing and publishes nothing."""
    conversation, _ = _conversation_end(conversation_pk=conversation.pk, reason=reason)
    return conversation


def _conversation_end(*, conversation_pk: int, reason: str,
                      idle_before=None) -> tuple[Conversation, bool]:
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update().select_related("workspace", "end_user")
            .get(pk=conversation_pk)
        )
        if conversation.status == Conversation.Status.ENDED:
            return conversation, False
        if idle_before is not None:
            if conversation.last_activity_at >= idle_before:
                return conversation, False  # a message arrived meanwhile
            ended_at = conversation.last_activity_at
        else:
            ended_at = timezone.now()
        conversation.status = Conversation.Status.ENDED
        conversation.ended_at = ended_at
        conversation.end_reason = reason
        conversation.save(update_fields=["status", "ended_at", "end_reason"])
        message_count = Message.objects.filter(
            workspace_id=conversation.workspace_id, conversation=conversation
        ).count()
        events.publish(
            workspace=conversation.workspace, type=EventType.CONVERSATION_ENDED,
            data=events.conversation_ended_data(conversation=conversation,
                                                message_count=message_count),
        )
    return conversation, True


def unscoped_conversations_end_idle(*, now=None) -> int:
    """End, across all workspaces, every conversation idle for longer than its workspace's
    timeout. Its end is the moment of its last message, so its duration is the time the
    user actually spent. Returns how many ended."""
    now = now or timezone.now()
    ended = 0
    active = [Conversation.Status.OPEN, Conversation.Status.ESCALATED]
    workspaces = Workspace.objects.filter(conversations__status__in=active).distinct()
    for workspace in workspaces:
        cutoff = now - timedelta(minutes=workspace.idle_timeout_minutes)
        idle = Conversation.objects.filter(
            workspace=workspace, status__in=active, last_activity_at__lt=cutoff,
        ).values_list("pk", flat=True)
        for conversation_pk in list(idle):
            _, ended_now = _conversation_end(
                conversation_pk=conversation_pk, reason=Conversation.EndReason.IDLE_TIMEOUT,
                idle_before=cutoff,
            )
            ended += ended_now
    if ended:
        logger.info("ended %d idle conversations", ended)
    return ended


# --- the demo ----------------------------------------------------------------------------
def demo_knowledge_base_load(*, workspace: Workspace) -> dict[str, int]:
    """Load the demo shop's FAQ into `workspace`: documents missing are added, changed ones
    updated, the rest left alone, so running it again changes nothing."""
    from conversations.demo.knowledge_base import demo_documents

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for title, text in demo_documents():
        document = Document.objects.filter(workspace=workspace, title=title).first()
        if document is None:
            document_create(workspace=workspace, title=title,
                            source_type=Document.SourceType.MARKDOWN, content=text)
            counts["created"] += 1
        elif document.content != text or document.source_type != Document.SourceType.MARKDOWN:
            document_update(document=document, title=title,
                            source_type=Document.SourceType.MARKDOWN, content=text)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts
