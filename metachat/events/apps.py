from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "metachat.events"
    label = "events"
