"""The admin's Integrations dashboard: one card per integration of the chosen workspace, with
its status in the guide's words, its buttons and its deliveries of the last 24 hours."""
import datetime
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import BigIntegerField, Case, Count, F, Q, When
from django.db.models.functions import Trunc
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apikeys.models import ApiKey
from integrations.crm.models import CrmConnection
from integrations.crm.providers import providers
from integrations.crm.selectors import DESTINATION_KIND as CRM_KIND
from integrations.models import Delivery, Webhook
from integrations.reports.periods import next_send_moment
from integrations.reports.selectors import schedule_for_workspace
from integrations.zapier.models import HookSubscription
from integrations.zapier.selectors import DESTINATION_KIND as ZAPIER_KIND
from metachat.api.session import SESSION_KEY, WORKSPACE_PARAMETER
from metachat.workspaces.models import Membership, Workspace
from metachat.workspaces.scoping import EDIT_ROLES

WEBHOOK_KIND = "webhook"
HOURS = 24
ROWS_SHOWN = 10
# The guide's order; a CRM added later (one more provider module) comes after these.
CRM_ORDER = ("salesforce", "hubspot", "pipedrive", "zendesk", "intercom")
# The admin apps whose lists the dashboard links to, so nothing the app index gave is lost.
SECTION_APPS = ("integrations", "crm", "zapier", "reports", "apikeys")

ACTIVE, FAILING, DISABLED = "Active", "Failing", "Disabled"
CONNECTED, ERROR, DISCONNECTED = "Connected", "Error", "Disconnected"
NOT_CONNECTED, NOT_SET_UP = "Not connected", "Not set up"
TONES = {ACTIVE: "ok", CONNECTED: "ok", FAILING: "warn", ERROR: "bad", DISABLED: "bad",
         DISCONNECTED: "off", NOT_CONNECTED: "off", NOT_SET_UP: "off"}
TONE_RANK = {"off": 0, "ok": 1, "warn": 2, "bad": 3}


# --- which workspace ---------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkspaceChoice:
    workspace: Workspace
    may_change: bool


def dashboard_workspaces(*, user) -> list[WorkspaceChoice]:
    """The workspaces this operator may open here, by name (a superuser: all of them)."""
    if user.is_superuser:
        return [WorkspaceChoice(ws, True) for ws in Workspace.objects.order_by("name", "pk")]
    memberships = (Membership.objects.filter(user=user).select_related("workspace")
                   .order_by("workspace__name", "workspace__pk"))
    return [WorkspaceChoice(m.workspace, m.role in EDIT_ROLES) for m in memberships]


def dashboard_workspace_choose(request, choices: list[WorkspaceChoice]) -> WorkspaceChoice | None:
    """The workspace asked for with `?workspace=ws_…` (remembered under the browsable API's
    session key, so the choice carries over to /v1/), else the remembered one, else the first.
    A workspace that is not the operator's is a 404, whether it exists or not."""
    mine = {choice.workspace.public_id: choice for choice in choices}
    asked = request.GET.get(WORKSPACE_PARAMETER)
    if asked is not None:
        if asked not in mine:
            raise Http404("You are not a member of a workspace with that id.")
        if request.session.get(SESSION_KEY) != asked:
            request.session[SESSION_KEY] = asked
        return mine[asked]
    remembered = request.session.get(SESSION_KEY)
    if remembered in mine:
        return mine[remembered]
    return choices[0] if choices else None


# --- deliveries of the last 24 hours ------------------------------------------------------------
@dataclass
class Hour:
    start: datetime.datetime
    sent: int = 0
    failed: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.pending


@dataclass
class Traffic:
    """One destination's deliveries, hour by hour (UTC), oldest first."""

    hours: list[Hour]
    list_url: str

    @property
    def sent(self) -> int:
        return sum(hour.sent for hour in self.hours)

    @property
    def failed(self) -> int:
        return sum(hour.failed for hour in self.hours)

    @property
    def pending(self) -> int:
        return sum(hour.pending for hour in self.hours)

    @property
    def hours_with_deliveries(self) -> int:
        return sum(1 for hour in self.hours if hour.total)

    def chart(self) -> SafeString:
        return traffic_chart(self)


# Delivery.Status → the card's column; cancelled deliveries (destination deleted) are left out.
COLUMNS = {Delivery.Status.SUCCEEDED: "sent", Delivery.Status.FAILED: "failed",
           Delivery.Status.PENDING: "pending"}


def traffic_hours(now: datetime.datetime) -> list[datetime.datetime]:
    """The starts of the 24 clock hours shown: the current hour and the 23 before it."""
    current = now.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    return [current - datetime.timedelta(hours=HOURS - 1 - i) for i in range(HOURS)]


def deliveries_by_hour(*, workspace, since: datetime.datetime) -> list[dict]:
    """The workspace's deliveries created since `since`, counted per destination kind (and,
    for CRMs, per connection, whose provider picks the card), hour and status: one query."""
    return list(
        Delivery.objects.filter(workspace=workspace, created_at__gte=since)
        .annotate(hour=Trunc("created_at", "hour", tzinfo=datetime.UTC),
                  connection=Case(When(destination_kind=CRM_KIND, then=F("destination_id")),
                                  output_field=BigIntegerField()))
        .values("destination_kind", "connection", "hour", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )


def traffic_of(rows: list[dict], hours: list[datetime.datetime], *, kind: str,
               list_url: str, connections: set[int] | None = None) -> Traffic:
    """The part of `deliveries_by_hour` that went to one kind (or to some CRM connections)."""
    buckets = {start: Hour(start) for start in hours}
    for row in rows:
        if row["destination_kind"] != kind:
            continue
        if connections is not None and row["connection"] not in connections:
            continue
        bucket = buckets.get(row["hour"])
        column = COLUMNS.get(row["status"])
        if bucket is not None and column is not None:
            setattr(bucket, column, getattr(bucket, column) + row["count"])
    return Traffic(hours=list(buckets.values()), list_url=list_url)


CHART_BAR, CHART_GAP, CHART_HEIGHT = 8, 2, 40
CHART_COLOURS = (("sent", "#1a7f37"), ("pending", "#8c959f"), ("failed", "#b42318"))


def traffic_chart(traffic: Traffic) -> SafeString:
    """24 stacked bars (sent, pending, failed) as inline SVG; each bar's title has its numbers."""
    peak = max(hour.total for hour in traffic.hours) or 1
    width = HOURS * (CHART_BAR + CHART_GAP) - CHART_GAP
    bars = []
    for i, hour in enumerate(traffic.hours):
        x, top, rects = i * (CHART_BAR + CHART_GAP), float(CHART_HEIGHT), []
        for column, colour in CHART_COLOURS:
            height = getattr(hour, column) * CHART_HEIGHT / peak
            if height:
                top -= height
                rects.append((x, f"{top:.2f}", CHART_BAR, f"{height:.2f}", colour))
        end = hour.start + datetime.timedelta(hours=1)
        title = (f"{hour.start:%H:%M}–{end:%H:%M} UTC: {hour.sent} sent, {hour.failed} failed, "
                 f"{hour.pending} pending")
        bars.append(format_html(
            "<g><title>{}</title>{}</g>", title,
            format_html_join("", '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>', rects)))
    return format_html(
        '<svg class="traffic-chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="Deliveries per hour, last 24 hours: {s} sent, {f} failed, {p} pending">'
        '<line x1="0" y1="{h}" x2="{w}" y2="{h}" stroke="#8c959f" stroke-width="1"/>{bars}</svg>',
        w=width, h=CHART_HEIGHT, s=traffic.sent, f=traffic.failed, p=traffic.pending,
        bars=format_html_join("", "{}", ((bar,) for bar in bars)),
    )


# --- cards ---------------------------------------------------------------------------------------
@dataclass
class Button:
    """A link on a card; on a row, a POST form (CSRF token, `next` = the dashboard)."""

    label: str
    url: str
    primary: bool = False


@dataclass
class Row:
    """A webhook or a CRM connection listed in its card."""

    name: str
    url: str
    status: str
    buttons: list[Button] = field(default_factory=list)

    @property
    def tone(self) -> str:
        return TONES.get(self.status, "off")


@dataclass
class Card:
    title: str
    status: str
    tone: str
    about: str = ""
    buttons: list[Button] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    more_rows: int = 0
    traffic: Traffic | None = None


def _url(view: str, *args, **query) -> str:
    url = reverse(f"admin:{view}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _summary(statuses: list[str], order: tuple[str, ...], *, none: str) -> tuple[str, str]:
    """("Active", "ok") for one destination, ("2 Active · 1 Failing", "warn") for several:
    the text and the worst tone among them."""
    if not statuses:
        return none, TONES[none]
    counts = Counter(statuses)
    text = statuses[0] if len(statuses) == 1 else " · ".join(
        f"{counts[status]} {status}" for status in order if counts[status])
    tone = max((TONES[status] for status in counts), key=TONE_RANK.__getitem__)
    return text, tone


def _shown(has_destinations: bool, traffic: Traffic) -> Traffic | None:
    # Nothing to chart for an integration never set up (unless a deleted one left deliveries).
    return traffic if has_destinations or traffic.hours_with_deliveries else None


def _configure(may_change: bool, url: str) -> Button:
    # Viewers open the same pages, read-only.
    return Button("Configure" if may_change else "View", url)


def webhook_card(*, workspace, may_change: bool, rows: list[dict], hours) -> Card:
    webhooks = list(Webhook.objects.filter(workspace=workspace)
                    .only("pk", "name", "active", "failing_since").order_by("name", "pk"))
    statuses = [Webhook.Status(webhook.status).label for webhook in webhooks]
    text, tone = _summary(statuses, (ACTIVE, FAILING, DISABLED), none=NOT_CONNECTED)
    buttons = [_configure(may_change, _url("integrations_webhook_changelist",
                                           workspace__id__exact=workspace.pk))]
    if may_change:
        buttons.append(Button("Add webhook", _url("integrations_webhook_add",
                                                  workspace=workspace.pk), primary=True))
    return Card(
        title="Webhooks", status=text, tone=tone,
        about="" if webhooks else "Send conversation data to your own system as it happens.",
        buttons=buttons,
        rows=[Row(webhook.name, _url("integrations_webhook_change", webhook.pk), status)
              for webhook, status in zip(webhooks[:ROWS_SHOWN], statuses, strict=False)],
        more_rows=max(0, len(webhooks) - ROWS_SHOWN),
        traffic=_shown(bool(webhooks), traffic_of(rows, hours, kind=WEBHOOK_KIND, list_url=_url(
            "integrations_delivery_changelist", destination_kind=WEBHOOK_KIND,
            workspace__id__exact=workspace.pk))),
    )


def zapier_card(*, workspace, may_change: bool, rows: list[dict], hours) -> Card:
    hooks = HookSubscription.objects.filter(
        workspace=workspace, unsubscribed_at__isnull=True,
    ).aggregate(live=Count("pk"),
                failing=Count("pk", filter=Q(active=True, failing_since__isnull=False)),
                disabled=Count("pk", filter=Q(active=False)))
    buttons = [_configure(may_change, _url("zapier_hooksubscription_changelist",
                                           workspace__id__exact=workspace.pk))]
    if hooks["live"]:
        parts = [f"{hooks['live']} hook subscription{'s' if hooks['live'] != 1 else ''} (zaps)"]
        parts += [f"{hooks[key]} {label}" for key, label in (("failing", FAILING),
                                                             ("disabled", DISABLED)) if hooks[key]]
        about = " · ".join(parts)
        tone = "bad" if hooks["disabled"] else "warn" if hooks["failing"] else "ok"
        status = CONNECTED
    else:
        about = "Zapier connects with an API key: create one, paste it into Zapier, turn on a zap."
        status, tone = NOT_CONNECTED, TONES[NOT_CONNECTED]
        if may_change:
            buttons.append(Button("Create new key", _url(
                "apikeys_apikey_add", workspace=workspace.pk, name="Zapier"), primary=True))
    return Card(
        title="Zapier", status=status, tone=tone, about=about, buttons=buttons,
        traffic=_shown(bool(hooks["live"]), traffic_of(rows, hours, kind=ZAPIER_KIND, list_url=_url(
            "integrations_delivery_changelist", destination_kind=ZAPIER_KIND,
            workspace__id__exact=workspace.pk))),
    )


def crm_connection_status(connection: CrmConnection) -> str:
    """A connection in the guide's words: its own state, then its delivery health."""
    if connection.status == CrmConnection.Status.DISCONNECTED:
        return DISCONNECTED
    if not connection.active:
        return DISABLED
    if connection.status == CrmConnection.Status.ERROR:
        return ERROR
    if connection.failing_since is not None:
        return FAILING
    return CONNECTED


def crm_row(connection: CrmConnection, status: str, *, label: str, may_change: bool) -> Row:
    """A connection with its "Test Salesforce connection" button (the object page's own,
    which comes back here with its message), unless it is disconnected."""
    buttons = []
    if may_change and status != DISCONNECTED:
        buttons.append(Button(f"Test {label} connection", reverse(
            "admin:crm_crmconnection_actions",
            kwargs={"pk": connection.pk, "tool": "test_connection_button"})))
    return Row(connection.name, _url("crm_crmconnection_change", connection.pk), status,
               buttons=buttons)


def crm_cards(*, workspace, may_change: bool, rows: list[dict], hours) -> list[Card]:
    connections = list(CrmConnection.objects.filter(workspace=workspace)
                       .only("pk", "provider", "name", "status", "active", "failing_since")
                       .order_by("name", "pk"))
    registered = providers()
    keys = [key for key in CRM_ORDER if key in registered]
    keys += [key for key in registered if key not in CRM_ORDER]
    cards = []
    for key in keys:
        label = registered[key].label
        mine = [connection for connection in connections if connection.provider == key]
        statuses = [crm_connection_status(connection) for connection in mine]
        text, tone = _summary(statuses, (CONNECTED, FAILING, ERROR, DISABLED, DISCONNECTED),
                              none=NOT_CONNECTED)
        if len(mine) == 1:
            configure = _url("crm_crmconnection_change", mine[0].pk)
        else:
            configure = _url("crm_crmconnection_changelist", provider__exact=key,
                             workspace__id__exact=workspace.pk)
        buttons = [_configure(may_change, configure)] if mine else []
        if may_change and not mine:
            buttons.append(Button("Connect", _url("crm_crmconnection_add", provider=key,
                                                  workspace=workspace.pk), primary=True))
        cards.append(Card(
            title=label, status=text, tone=tone,
            about="" if mine else f"Log conversations in {label}.",
            buttons=buttons,
            rows=[crm_row(connection, status, label=label, may_change=may_change)
                  for connection, status in zip(mine[:ROWS_SHOWN], statuses, strict=False)],
            more_rows=max(0, len(mine) - ROWS_SHOWN),
            traffic=_shown(bool(mine), traffic_of(
                rows, hours, kind=CRM_KIND, connections={connection.pk for connection in mine},
                list_url=_url("integrations_delivery_changelist", destination_kind=CRM_KIND,
                              workspace__id__exact=workspace.pk,
                              **({"destination_id": mine[0].pk} if len(mine) == 1 else {})))),
        ))
    return cards


def report_card(*, workspace, may_change: bool, now: datetime.datetime) -> Card:
    schedule = schedule_for_workspace(workspace=workspace)
    if schedule is None:
        buttons = [Button("Set up", _url("reports_reportschedule_add", workspace=workspace.pk),
                          primary=True)] if may_change else []
        return Card(title="Daily report", status=NOT_SET_UP, tone=TONES[NOT_SET_UP],
                    about="A summary of yesterday's conversations, emailed every morning.",
                    buttons=buttons)
    buttons = [_configure(may_change, _url("reports_reportschedule_change", schedule.pk)),
               Button("Reports sent", _url("reports_dailyreport_changelist",
                                           workspace__id__exact=workspace.pk))]
    if not schedule.active:
        return Card(title="Daily report", status=DISABLED, tone=TONES[DISABLED],
                    about="Switched off: no report is sent.", buttons=buttons)
    upcoming = next_send_moment(schedule, now)
    count = len(schedule.recipient_list)
    to = f"to {count} recipient{'s' if count != 1 else ''}" if count else "(no email recipients)"
    return Card(title="Daily report", status=ACTIVE, tone=TONES[ACTIVE],
                about=f"Next report {upcoming:%a} {upcoming.day} {upcoming:%b %Y, %H:%M} "
                f"{schedule.timezone} {to}.",
                buttons=buttons)


def key_cards(*, workspace, may_change: bool, now: datetime.datetime) -> list[Card]:
    working = ApiKey.status_filter(ApiKey.Status.ACTIVE, now)
    counts = ApiKey.objects.filter(workspace=workspace).aggregate(
        secret=Count("pk", filter=working & Q(kind=ApiKey.Kind.SECRET)),
        publishable=Count("pk", filter=working & Q(kind=ApiKey.Kind.PUBLISHABLE)),
    )
    widget_keys = _url("apikeys_apikey_changelist", kind__exact=ApiKey.Kind.PUBLISHABLE,
                       status=ApiKey.Status.ACTIVE, workspace__id__exact=workspace.pk)
    widget_buttons = [_configure(may_change, widget_keys),
                      Button("Widget settings", _url("workspaces_workspace_change", workspace.pk))]
    if counts["publishable"]:
        n = counts["publishable"]
        widget = Card(title="Chat widget", status=ACTIVE, tone=TONES[ACTIVE],
                      about=f"{n} publishable key{'s' if n != 1 else ''}; the snippet to paste "
                      "into your pages is on the key's page.", buttons=widget_buttons)
    else:
        if may_change:
            widget_buttons.append(Button("Create new key", _url(
                "apikeys_apikey_add", workspace=workspace.pk, kind=ApiKey.Kind.PUBLISHABLE,
                name="Chat widget"), primary=True))
        widget = Card(title="Chat widget", status=NOT_SET_UP, tone=TONES[NOT_SET_UP],
                      about="Put the chatbot on your web pages with a publishable key.",
                      buttons=widget_buttons)
    n = counts["secret"]
    key_buttons = [_configure(may_change, _url("apikeys_apikey_changelist",
                                               kind__exact=ApiKey.Kind.SECRET,
                                               workspace__id__exact=workspace.pk))]
    if may_change:
        key_buttons.append(Button("Create new key", _url("apikeys_apikey_add",
                                                         workspace=workspace.pk), primary=True))
    keys = Card(title="API keys", status=f"{n or 'No'} active key{'s' if n != 1 else ''}",
                tone="ok" if n else "off",
                about="Secret keys, for your own servers and for Zapier.", buttons=key_buttons)
    return [widget, keys]


def integration_cards(*, workspace, may_change: bool, now: datetime.datetime) -> list[Card]:
    """Every card of the dashboard, in the guide's order, in a fixed number of queries."""
    hours = traffic_hours(now)
    rows = deliveries_by_hour(workspace=workspace, since=hours[0])
    return [
        webhook_card(workspace=workspace, may_change=may_change, rows=rows, hours=hours),
        zapier_card(workspace=workspace, may_change=may_change, rows=rows, hours=hours),
        *crm_cards(workspace=workspace, may_change=may_change, rows=rows, hours=hours),
        report_card(workspace=workspace, may_change=may_change, now=now),
        *key_cards(workspace=workspace, may_change=may_change, now=now),
    ]


def section_links(request) -> list[dict]:
    """The lists of the section's models the operator may open, as the admin index has them."""
    return [app for label in SECTION_APPS for app in admin.site.get_app_list(request, label)]


# --- the page ------------------------------------------------------------------------------------
def integrations_dashboard(request):
    """/admin/integrations/, behind `admin.site.admin_view` (staff only, login required)."""
    choices = dashboard_workspaces(user=request.user)
    choice = dashboard_workspace_choose(request, choices)
    context = {
        **admin.site.each_context(request),
        "title": "Integrations",
        "choice": choice,
        "choices": choices if len(choices) > 1 else [],
        "workspace_parameter": WORKSPACE_PARAMETER,
        "sections": section_links(request),
        "cards": [] if choice is None else integration_cards(
            workspace=choice.workspace, may_change=choice.may_change, now=timezone.now()),
    }
    return TemplateResponse(request, "admin/integrations/dashboard.html", context)
