"""Routes of /v1/hooks (no trailing slashes: Zapier refuses a redirect to a loopback host)."""
from rest_framework.routers import SimpleRouter

from integrations.zapier.api import HookViewSet

router = SimpleRouter(trailing_slash=False)
router.register("hooks", HookViewSet, basename="hook")

urlpatterns = router.urls
