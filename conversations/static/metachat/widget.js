/*! Meta Chat widget. Embed with:
 *  <script src="https://HOST/widget.js" data-key="mc_pub_…" async></script>
 * Optional: data-user-id, data-user-name, data-user-email, data-user-hash.
 * No dependencies; everything it draws lives in a shadow root, apart from the host page.
 */
(function () {
  "use strict";

  var VERSION = "1.0.0";
  if (window.MetaChat && window.MetaChat.version) return; // embedded twice

  var script = document.currentScript ||
    document.querySelector("script[data-key][src*='widget.js']");
  if (!script) return;
  var key = script.getAttribute("data-key") || "";
  var base = new URL(script.src, location.href).origin;
  var api = base + "/v1/widget/" + encodeURIComponent(key);
  var store = "metachat:" + key.slice(0, 20) + ":";

  var identity = {
    userId: script.getAttribute("data-user-id") || "",
    name: script.getAttribute("data-user-name") || "",
    email: script.getAttribute("data-user-email") || "",
    userHash: script.getAttribute("data-user-hash") || ""
  };

  // --- storage: the visitor id lasts (localStorage), the visit does not (sessionStorage) ---
  function read(area, name) {
    try { return window[area].getItem(store + name); } catch (e) { return null; }
  }
  function write(area, name, value) {
    try {
      if (value === null) window[area].removeItem(store + name);
      else window[area].setItem(store + name, value);
    } catch (e) { /* storage disabled: the widget still works for this page */ }
  }
  function randomId() {
    var alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    var bytes = new Uint8Array(32);
    crypto.getRandomValues(bytes);
    var id = "v_";
    for (var i = 0; i < bytes.length; i++) id += alphabet[bytes[i] % 62];
    return id;
  }
  var visitorId = read("localStorage", "visitor");
  if (!/^v_[A-Za-z0-9]{20,40}$/.test(visitorId || "")) {
    visitorId = randomId();
    write("localStorage", "visitor", visitorId);
  }
  function who() { return identity.userId || visitorId; }
  function conversationId() { return read("localStorage", "conversation:" + who()); }
  function setConversationId(id) { write("localStorage", "conversation:" + who(), id); }

  // --- the host page's side: events and window.MetaChat ---
  function emit(name, detail) {
    window.dispatchEvent(new CustomEvent("metachat:" + name, { detail: detail || {} }));
  }

  // --- the API ---
  function Refusal(message, code, retryAfter) {
    this.message = message; this.code = code; this.retryAfter = retryAfter;
  }
  function request(method, path, body) {
    var headers = { "Accept": "application/json", "X-Visitor-Id": visitorId };
    if (body) headers["Content-Type"] = "application/json";
    if (identity.userId) headers["X-User-Id"] = identity.userId;
    if (identity.userHash) headers["X-User-Hash"] = identity.userHash;
    return fetch(api + path, {
      method: method, headers: headers, credentials: "omit", mode: "cors",
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (response.ok) return json.data;
        var error = json.error || {};
        var wait = parseInt(response.headers.get("Retry-After") || "0", 10);
        if (response.status === 429) {
          throw new Refusal("You are sending messages too quickly. Please wait " +
            (wait > 0 ? wait + " seconds" : "a moment") + " and try again.", "rate_limited", wait);
        }
        throw new Refusal(error.message || ("The chat answered with an error (" +
          response.status + "). Please try again."), error.code || "error");
      });
    }, function () {
      // fetch rejects for a network failure and for a response the browser may not show
      // us (CORS). A no-cors probe of the same server tells the two apart.
      if (!navigator.onLine) throw offline();
      return fetch(base + "/healthz", { mode: "no-cors", credentials: "omit" }).then(
        function () {
          throw new Refusal("The chat is not enabled for this website: its address (" +
            location.origin + ") is not among the widget key's allowed origins.",
            "origin_not_allowed");
        },
        function () { throw offline(); }
      );
    });
  }
  function offline() {
    return new Refusal("You seem to be offline, or the chat cannot be reached. " +
      "Check your connection and try again.", "offline");
  }

  // --- what the visitor sees ---
  var host = document.createElement("div");
  host.setAttribute("data-metachat", VERSION);
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" +
    ":host{all:initial}" +
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483647;width:56px;height:56px;" +
    "border:0;border-radius:50%;background:var(--mc,#2563eb);color:#fff;cursor:pointer;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}" +
    ".launcher svg{width:28px;height:28px;fill:currentColor}" +
    "button:focus-visible,textarea:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}" +
    ".panel{position:fixed;right:20px;bottom:88px;z-index:2147483647;width:370px;" +
    "max-width:calc(100vw - 24px);height:560px;max-height:calc(100vh - 108px);background:#fff;" +
    "color:#111827;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.25);display:flex;" +
    "flex-direction:column;overflow:hidden;font-size:15px;line-height:1.45}" +
    ".panel[hidden]{display:none}" +
    "header{background:var(--mc,#2563eb);color:#fff;padding:14px 16px;display:flex;" +
    "align-items:center;justify-content:space-between;gap:8px}" +
    "h2{margin:0;font-size:17px;font-weight:600;overflow:hidden;text-overflow:ellipsis;" +
    "white-space:nowrap}" +
    ".close{background:transparent;border:0;color:#fff;font-size:26px;line-height:1;" +
    "cursor:pointer;padding:2px 8px;border-radius:6px}" +
    ".log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:10px;" +
    "background:#f9fafb}" +
    ".msg{max-width:85%;padding:9px 12px;border-radius:12px;white-space:pre-wrap;" +
    "overflow-wrap:anywhere}" +
    ".bot{align-self:flex-start;background:#fff;border:1px solid #e5e7eb}" +
    ".user{align-self:flex-end;background:var(--mc,#2563eb);color:#fff}" +
    ".sources{display:block;margin-top:6px;font-size:13px;color:#4b5563}" +
    ".notice{margin:0 14px 8px;padding:9px 12px;border-radius:10px;background:#fef3c7;" +
    "color:#78350f;font-size:14px}" +
    ".error{margin:0 14px 8px;padding:9px 12px;border-radius:10px;background:#fee2e2;" +
    "color:#7f1d1d;font-size:14px}" +
    ".notice:empty,.error:empty{display:none}" +
    ".typing{padding:0 16px 8px;color:#4b5563;font-size:14px;min-height:1px}" +
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e5e7eb;background:#fff}" +
    "textarea{flex:1;resize:none;border:1px solid #9ca3af;border-radius:10px;padding:9px 10px;" +
    "font-size:16px;color:#111827;background:#fff;max-height:120px}" +
    ".send{border:0;border-radius:10px;padding:0 16px;background:var(--mc,#2563eb);color:#fff;" +
    "font-size:15px;font-weight:600;cursor:pointer}" +
    ".send:disabled{opacity:.6;cursor:default}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;" +
    "height:100%;max-height:100%;border-radius:0}.launcher{right:14px;bottom:14px}" +
    ".panel:not([hidden])~.launcher{display:none}}" +
    "</style>" +
    "<div class='panel' role='dialog' aria-modal='false' aria-labelledby='mc-title' hidden>" +
    "<header><h2 id='mc-title'>Chat</h2>" +
    "<button type='button' class='close' aria-label='Close chat'>\u00d7</button></header>" +
    "<div class='log' role='log' aria-live='polite' aria-label='Messages'></div>" +
    "<div class='typing' role='status' aria-live='polite'></div>" +
    "<div class='notice' role='status'></div>" +
    "<div class='error' role='alert'></div>" +
    "<form><textarea rows='1' aria-label='Message' placeholder='Write a message…' " +
    "maxlength='4000'></textarea><button type='submit' class='send'>Send</button></form>" +
    "</div>" +
    "<button type='button' class='launcher' aria-label='Open chat' aria-expanded='false'>" +
    "<svg viewBox='0 0 24 24' aria-hidden='true'><path d='M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 " +
    "2H8l-4 4V6a2 2 0 0 1 2-2z'/></svg></button>";

  var $ = function (selector) { return root.querySelector(selector); };
  var panel = $(".panel"), launcher = $(".launcher"), log = $(".log"), title = $("#mc-title");
  var typing = $(".typing"), notice = $(".notice"), errorBox = $(".error");
  var form = $("form"), box = $("textarea"), send = $(".send"), closeButton = $(".close");

  var config = null, loaded = false, sending = false;

  function say(role, text, sources) {
    var item = document.createElement("div");
    item.className = "msg " + (role === "user" ? "user" : "bot");
    item.textContent = text;
    var titles = (sources || []).map(function (s) { return s.title; }).filter(Boolean);
    if (titles.length) {
      var small = document.createElement("small");
      small.className = "sources";
      small.textContent = "Sources: " + titles.join(", ");
      item.appendChild(small);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }
  function showError(refusal) {
    errorBox.textContent = refusal ? refusal.message : "";
  }
  function handedOff() {
    notice.textContent = "This conversation has been handed to a person from our team. " +
      "They will follow up with you shortly.";
  }
  function greet() {
    log.textContent = "";
    if (config && config.greeting) say("bot", config.greeting);
  }

  function applyConfig(data) {
    config = data;
    title.textContent = data.name || "Chat";
    if (/^#[0-9A-Fa-f]{6}$/.test(data.colour || "")) host.style.setProperty("--mc", data.colour);
  }
  var configRequest = null;
  function loadConfig() {
    // Asked again after a failure, so a visitor who was offline can still open the chat.
    if (config) return Promise.resolve();
    if (!configRequest) {
      configRequest = request("GET", "/config").then(function (data) {
        applyConfig(data);
        emit("ready", { version: VERSION, name: data.name });
      }, function (refusal) {
        configRequest = null;
        emit("error", { code: refusal.code, message: refusal.message });
        throw refusal;
      });
    }
    return configRequest;
  }
  loadConfig().catch(function () { /* shown in words when the visitor opens the chat */ });

  function startVisit() {
    // user.started once per visit: the first opening in this tab's session.
    if (read("sessionStorage", "started:" + who())) return Promise.resolve();
    var user = {};
    if (identity.name) user.name = identity.name;
    if (identity.email) user.email = identity.email;
    return request("POST", "/sessions", { user: user, page: location.href.slice(0, 2000) })
      .then(function () { write("sessionStorage", "started:" + who(), "1"); });
  }
  function loadConversation() {
    var id = conversationId();
    greet();
    notice.textContent = "";
    if (!id) return Promise.resolve();
    return request("GET", "/conversations/" + encodeURIComponent(id)).then(function (data) {
      if (data.status === "ended") { setConversationId(null); return; }
      data.messages.forEach(function (m) { say(m.role, m.text, m.sources); });
      if (data.status === "escalated") handedOff();
    }, function (refusal) {
      if (refusal.code === "not_found") { setConversationId(null); return; }
      throw refusal;
    });
  }
  function prepare() {
    if (loaded) return Promise.resolve();
    return loadConfig().then(startVisit).then(loadConversation).then(function () { loaded = true; showError(null); });
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", "Close chat");
    write("sessionStorage", "open", "1");
    box.focus();
    emit("open", {});
    return prepare().catch(showError);
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "Open chat");
    write("sessionStorage", "open", null);
    launcher.focus();
  }

  function submit() {
    var text = box.value.trim();
    if (!text || sending) return;
    sending = true;
    send.disabled = true;
    showError(null);
    box.value = "";
    say("user", text);
    typing.textContent = (config && config.name ? config.name : "The assistant") + " is typing…";
    var body = { message: text };
    if (conversationId()) body.conversationId = conversationId();
    if (identity.name || identity.email) body.user = { name: identity.name, email: identity.email };
    prepare().then(function () {
      return request("POST", "/messages", body);
    }).then(function (reply) {
      setConversationId(reply.conversationId);
      say("bot", reply.message, reply.sources);
      emit("message", { conversationId: reply.conversationId, question: text,
        answer: reply.message, escalated: reply.escalated });
      if (reply.escalated) {
        handedOff();
        emit("escalated", { conversationId: reply.conversationId });
      }
    }, function (refusal) {
      // Give the text back so nothing the visitor wrote is lost.
      log.removeChild(log.lastChild);
      box.value = text;
      showError(refusal);
    }).then(function () {
      typing.textContent = "";
      sending = false;
      send.disabled = false;
      box.focus();
    });
  }

  launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
  closeButton.addEventListener("click", close);
  form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") close();
  });

  window.MetaChat = {
    version: VERSION,
    open: function () { return open(); },
    close: function () { close(); },
    /** identify({userId, name, email, userHash}): who the visitor is, from now on. */
    identify: function (user) {
      user = user || {};
      var before = who();
      identity = {
        userId: user.userId || "", name: user.name || "", email: user.email || "",
        userHash: user.userHash || ""
      };
      if (who() !== before) {
        loaded = false;
        if (!panel.hidden) return prepare().catch(showError);
      }
      return Promise.resolve();
    }
  };

  function mount() {
    document.body.appendChild(host);
    if (read("sessionStorage", "open")) open();
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
