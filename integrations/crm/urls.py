"""Routes of /v1/integrations/crm."""
from rest_framework.routers import SimpleRouter

from integrations.crm.api import CrmConnectionViewSet

router = SimpleRouter(trailing_slash=False)
router.register("integrations/crm", CrmConnectionViewSet, basename="crm-connection")

urlpatterns = router.urls
