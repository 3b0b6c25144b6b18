"""Routes of the integrations API, included under /v1/."""
from rest_framework.routers import SimpleRouter

from integrations.api import DeliveryViewSet, EventViewSet, WebhookViewSet

router = SimpleRouter(trailing_slash=False)
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("deliveries", DeliveryViewSet, basename="delivery")
router.register("events", EventViewSet, basename="event")

urlpatterns = router.urls
