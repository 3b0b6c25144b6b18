"""A second answer engine, to show that the chat service takes whatever the setting names."""
from conversations.engine.base import Answer, AnswerEngine


class EchoEngine(AnswerEngine):
    def answer(self, *, workspace, question, history):
        return Answer(text=f"You said: {question} ({len(history)} earlier)", confidence=0.75)
