// Cin7 Sync settings page. Plain ES module, no build step.
// Every API call carries `Authorization: Bearer <await shopify.idToken()>`; a 401 that asks for a retry
// (X-Shopify-Retry-Invalid-Session-Request: 1) is retried once with a fresh token.

const root = document.getElementById("app");
const SHOP = root.dataset.shop;
const STANDALONE = root.dataset.standalone === "true";
const ACTIVE = ["queued", "running"];
const RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request";
const FIELD_ORDER = [
  "cin7_account_id", "cin7_api_key", "customer_tags", "test_emails", "on_untag", "group_mappings",
  "tax_exempt_rules", "sync_enabled", "sync_interval_minutes", "full_sync_interval_hours", "send_invites",
  "notification_emails", "b2b_companies", "b2b_market_tiers", "b2b_pack_size",
];
const STATUS = {
  queued: ["Queued", ""],
  running: ["Running", "info badge--running"],
  succeeded: ["Succeeded", "success"],
  completed_with_issues: ["Completed with issues", "warning"],
  failed: ["Failed", "critical"],
};
const KINDS = { all: "Customers and prices", customers: "Customers", pricing: "Prices" };
const TRIGGERS = { schedule: "Scheduled", manual: "Sync now", preview: "Preview", command: "Command line", install: "Install" };
const COUNT_LABELS = [
  ["read", "read", "read"], ["created", "created", "to create"], ["updated", "updated", "to update"],
  ["repaired", "put back after edits in Shopify", "to put back"], ["unchanged", "unchanged", "unchanged"], ["skipped", "skipped", "to skip"], ["failed", "failed", "would fail"],
  ["invited", "invited", "to invite"], ["variants_updated", "variant prices updated", "variant prices to update"],
];
const INVITE_LABELS = { held: "waiting for you to send", pending: "waiting", sending: "sending", sent: "sent", failed: "failed", accepted: "accepted" };

const state = {
  saved: null, // the last settings payload from the server
  savedSnapshot: "",
  tags: [],
  mappings: [], // [{tag, group, key}]
  taxRules: new Set(),
  marketTiers: [], // b2b_market_tiers as ticked, in the order ticked
  options: null, // {tax_rules, price_tiers} or null
  status: null, // the overview's last GET /api/status answer
  optionsError: "",
  runs: [],
  runsTotal: 0,
  runsLimit: 10,
  openRuns: new Map(), // run id -> selected code filter
  following: null,
  sessionFailed: false,
  nextKey: 1,
};

// ---------------------------------------------------------------- small DOM helpers
const $ = (selector, scope = document) => scope.querySelector(selector);
const $$ = (selector, scope = document) => Array.from(scope.querySelectorAll(selector));

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function badge(text, tone = "") {
  return h("span", { class: `badge${tone ? " " + tone.split(" ").map((t) => (t.startsWith("badge") ? t : `badge--${t}`)).join(" ") : ""}` }, text);
}

function statusBadge(status) {
  const [label, tone] = STATUS[status] || [status, ""];
  return badge(label, tone);
}

function banner(tone, title, body, actions = []) {
  return h(
    "div",
    { class: `banner banner--${tone}`, role: tone === "critical" ? "alert" : "status" },
    h("div", { class: "banner__body" },
      title ? h("p", { class: "banner__title" }, title) : null,
      body ? (body instanceof Node ? body : h("p", {}, body)) : null,
      actions.length ? h("div", { class: "banner__actions" }, actions) : null),
  );
}

function setPageBanner(id, node) {
  const region = $("#page-banners");
  const existing = region.querySelector(`[data-banner="${id}"]`);
  if (!node) {
    existing?.remove();
    return;
  }
  node.dataset.banner = id;
  if (existing) existing.replaceWith(node);
  else region.append(node);
}

function toast(message, { error = false } = {}) {
  if (window.shopify?.toast?.show) {
    window.shopify.toast.show(message, { isError: error, duration: 5000 });
    return;
  }
  const node = h("div", { class: `toast${error ? " toast--error" : ""}`, role: error ? "alert" : "status" }, message);
  $("#toasts").append(node);
  setTimeout(() => node.remove(), 5000);
}

function busy(button, on, label) {
  if (on) {
    button.dataset.label = button.textContent;
    if (label) button.textContent = label;
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
  } else {
    if (button.dataset.label) button.textContent = button.dataset.label;
    button.removeAttribute("aria-busy");
    button.disabled = false;
  }
}

function fmtDate(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

function relative(iso, { future = false } = {}) {
  if (!iso) return "";
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  if (future && seconds < 45) return "due now";
  if (abs < 45) return seconds <= 0 ? "just now" : "in a moment";
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), "hour");
  return rtf.format(Math.round(seconds / 86400), "day");
}

function timeEl(iso, options = {}) {
  if (!iso) return h("span", { class: "subdued" }, "never");
  return h("time", { datetime: iso, title: fmtDate(iso) }, `${relative(iso, options)} (${fmtDate(iso)})`);
}

function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 0.1) return "under 0.1 s";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

// ---------------------------------------------------------------- API
class ApiError extends Error {
  constructor(status, data) {
    super((data && data.error) || `Request failed (HTTP ${status}).`);
    this.status = status;
    this.data = data || {};
  }
}

async function sessionToken() {
  if (!window.shopify?.idToken) throw new ApiError(0, { error: "App Bridge did not load. Reload the page." });
  return window.shopify.idToken();
}

async function api(method, path, body) {
  for (let attempt = 0; ; attempt++) {
    const token = await sessionToken();
    const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(0, { error: "The app could not be reached. Check your connection and try again." });
    }
    if (response.status === 401 && response.headers.get(RETRY_HEADER) === "1" && attempt === 0) {
      continue; // the token expired between minting and use: get a fresh one, once
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (response.status === 401) {
      sessionLost(data);
      throw new ApiError(401, data);
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }
}

function sessionLost(data) {
  if (state.sessionFailed) return;
  state.sessionFailed = true;
  if (root.dataset.ready !== "true") {
    // Nothing loaded: the page would only show placeholders and errors.
    $("#main").hidden = true;
    $(".title-bar__actions").hidden = true;
  }
  if (STANDALONE) {
    setPageBanner("session", banner(
      "critical",
      "This shop is not set up for standalone mode",
      h("p", {}, "The app has no access to ", h("strong", {}, SHOP), ". Run ",
        h("code", {}, "python manage.py demo --serve"), " first: it starts the sandboxes, installs the app in the sandbox shop and prints this page's address."),
    ));
  } else {
    setPageBanner("session", banner(
      "critical",
      "Your session ended",
      (data && data.error) || "Shopify did not confirm your session.",
      [h("button", { type: "button", class: "btn", onclick: () => window.location.reload() }, "Reload the app")],
    ));
  }
}

function reportError(err, context) {
  if (err.status === 401) return; // the session banner says it
  setPageBanner(context, banner("critical", null, err.message, [
    h("button", { type: "button", class: "btn btn--plain", onclick: () => setPageBanner(context, null) }, "Dismiss"),
  ]));
}

// ---------------------------------------------------------------- settings form
const form = $("#settings-form");

function splitList(text) {
  return text.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean);
}

function toNumber(value) {
  const trimmed = value.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

function formValues() {
  const rows = [];
  const rowIndex = []; // position in the sent list -> row index in the page
  state.mappings.forEach((row, index) => {
    if (row.tag.trim() || row.group.trim()) {
      rows.push({ tag: row.tag.trim(), group: row.group.trim() });
      rowIndex.push(index);
    }
  });
  const values = {
    cin7_account_id: $("#cin7_account_id").value.trim(),
    cin7_api_key: $("#cin7_api_key").value.trim(),
    customer_tags: [...state.tags],
    test_emails: splitList($("#test_emails").value),
    on_untag: $('input[name="on_untag"]:checked')?.value || "keep",
    group_mappings: rows,
    tax_exempt_rules: [...state.taxRules],
    sync_enabled: $("#sync_enabled").checked,
    sync_interval_minutes: toNumber($("#sync_interval_minutes").value),
    full_sync_interval_hours: toNumber($("#full_sync_interval_hours").value),
    send_invites: $("#send_invites").checked,
    notification_emails: splitList($("#notification_emails").value),
    b2b_companies: $("#b2b_companies").checked,
    b2b_market_tiers: [...state.marketTiers],
    b2b_pack_size: $('input[name="b2b_pack_size"]:checked')?.value || "none",
  };
  return { values, rowIndex };
}

function collectSettings() {
  pushPendingTag();
  const { values, rowIndex } = formValues();
  state.sentRowIndex = rowIndex;
  return values;
}

function snapshot(values) {
  const { cin7_api_key: _key, ...rest } = values;
  return JSON.stringify(rest);
}

function currentSnapshot() {
  return snapshot(formValues().values);
}

function isDirty() {
  if (!state.saved) return false;
  return currentSnapshot() !== state.savedSnapshot || $("#cin7_api_key").value.trim() !== "" || $("#customer_tags-input").value.trim() !== "";
}

function updateDirty() {
  const dirty = isDirty();
  $(".save-bar").classList.toggle("save-bar--dirty", dirty);
  $("#dirty-note").textContent = dirty ? "Unsaved changes" : "";
}

function fillForm(data) {
  state.saved = data;
  $("#cin7_account_id").value = data.cin7_account_id || "";
  const key = $("#cin7_api_key");
  key.value = "";
  key.placeholder = data.cin7_api_key_set ? "•••••••• saved — leave empty to keep it" : "";
  $("#cin7_api_key-help").textContent = data.cin7_api_key_set
    ? "A key is saved (encrypted, never shown). Enter a new one only to replace it."
    : "The Key from the Setup tab. Stored encrypted and never shown again.";
  state.tags = [...data.customer_tags];
  renderTags();
  $("#test_emails").value = data.test_emails.join(", ");
  for (const radio of $$('input[name="on_untag"]')) radio.checked = radio.value === data.on_untag;
  state.mappings = data.group_mappings.map((row) => ({ ...row, key: state.nextKey++ }));
  renderMappings();
  state.taxRules = new Set(data.tax_exempt_rules);
  renderTaxRules();
  $("#sync_enabled").checked = data.sync_enabled;
  $("#sync_interval_minutes").value = data.sync_interval_minutes;
  $("#full_sync_interval_hours").value = data.full_sync_interval_hours;
  $("#send_invites").checked = data.send_invites;
  $("#notification_emails").value = data.notification_emails.join(", ");
  $("#notification_emails").placeholder = data.shop_email || "";
  $("#notification_emails-help").textContent = data.shop_email
    ? `Comma separated. Empty: the shop's email (${data.shop_email}).`
    : "Comma separated. Empty: the shop's email.";
  renderB2B(data);
  state.savedSnapshot = currentSnapshot();
  renderConnection();
  updateDirty();
}

function credentialsEdited() {
  return $("#cin7_api_key").value.trim() !== "" || $("#cin7_account_id").value.trim() !== (state.saved?.cin7_account_id || "");
}

// The result of the last connection test, or what is known about the saved connection.
function renderConnection() {
  const result = $("#connection-result");
  const test = state.lastTest;
  if (test && !test.ok) {
    result.replaceChildren(banner("critical", test.saved ? "Cin7 rejects the saved credentials" : "Cin7 did not accept the connection", test.error));
  } else if (test && test.ok) {
    result.replaceChildren(banner("success", `Connected to ${test.company}`,
      h("p", {}, "Currency ", h("strong", {}, test.currency), ". ",
        credentialsEdited() ? "Save to use these credentials." : "These credentials are saved.")));
  } else if (state.saved?.cin7_company) {
    result.replaceChildren(h("p", { class: "subdued" }, "Connected to ", h("strong", {}, state.saved.cin7_company), "."));
  } else {
    result.replaceChildren();
  }
}

// Saved credentials whose company is not known yet (first save): one test stores it and proves them.
async function checkSavedConnection() {
  try {
    const data = await api("POST", "/api/settings/test-connection", {});
    state.lastTest = { ...data, saved: true };
    if (data.ok && state.saved) state.saved.cin7_company = data.company;
  } catch (err) {
    return;
  }
  renderConnection();
}

// Field errors: message next to the field, linked with aria-describedby, aria-invalid on the control.
function fieldTargets(name) {
  switch (name) {
    case "customer_tags": return [$("#customer_tags-input")];
    case "on_untag": return $$('input[name="on_untag"]');
    case "group_mappings": return $$("#mappings input");
    case "tax_exempt_rules": return $$("#tax-rules input");
    case "b2b_market_tiers": return $$("#market-tiers input");
    case "b2b_pack_size": return $$('input[name="b2b_pack_size"]');
    default: return [document.getElementById(name)].filter(Boolean);
  }
}

function focusTarget(name, message) {
  if (name === "group_mappings") {
    const match = /row (\d+)/i.exec(message || "");
    if (match) {
      const pageRow = state.sentRowIndex?.[Number(match[1]) - 1];
      const input = $$("#mappings .mapping")[pageRow ?? -1]?.querySelector(/group in row/i.test(message) ? ".mapping__group" : ".mapping__tag");
      if (input) return input;
    }
    return fieldTargets(name)[0] || $("#mapping-add");
  }
  return fieldTargets(name)[0] || null;
}

function fieldLabel(name) {
  const labels = { customer_tags: "B2B customer tags", group_mappings: "Customer groups", on_untag: "When a customer loses its tag", tax_exempt_rules: "Tax-exempt tax rules", b2b_market_tiers: "Price tiers served at checkout", b2b_pack_size: "Pack sizes" };
  return labels[name] || document.querySelector(`label[for="${name}"]`)?.textContent.trim() || name;
}

function setFieldError(name, message) {
  const error = document.getElementById(`${name}-error`);
  const errorId = `${name}-error`;
  for (const target of fieldTargets(name)) {
    const ids = new Set((target.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean));
    if (message) {
      ids.add(errorId);
      target.setAttribute("aria-invalid", "true");
    } else {
      ids.delete(errorId);
      target.removeAttribute("aria-invalid");
    }
    if (ids.size) target.setAttribute("aria-describedby", [...ids].join(" "));
    else target.removeAttribute("aria-describedby");
  }
  if (error) {
    error.textContent = message || "";
    error.hidden = !message;
  }
}

function clearErrors() {
  for (const name of FIELD_ORDER) setFieldError(name, "");
  $("#form-banner").replaceChildren();
}

function showErrors(fields, summary) {
  clearErrors();
  const names = FIELD_ORDER.filter((name) => fields[name]);
  for (const name of names) setFieldError(name, fields[name]);
  const others = Object.keys(fields).filter((name) => !FIELD_ORDER.includes(name));
  const list = h("ul", {},
    names.map((name) => h("li", {}, h("a", {
      href: `#${name}-error`,
      onclick: (event) => { event.preventDefault(); focusTarget(name, fields[name])?.focus(); },
    }, `${fieldLabel(name)}: ${fields[name]}`))),
    others.map((name) => h("li", {}, name === "__all__" ? fields[name] : `${name}: ${fields[name]}`)));
  $("#form-banner").replaceChildren(banner("critical", summary || "Some settings need your attention.", list));
  const first = names.length ? focusTarget(names[0], fields[names[0]]) : null;
  if (first) {
    first.focus();
    first.scrollIntoView({ block: "center" });
  }
}

async function saveSettings() {
  const button = $("#save-button");
  const values = collectSettings();
  busy(button, true, "Saving…");
  try {
    const data = await api("PUT", "/api/settings", values);
    const connectionChanged = values.cin7_api_key || values.cin7_account_id !== (state.saved?.cin7_account_id || "");
    clearErrors();
    fillForm(data);
    toast("Settings saved");
    let next = "Automatic sync is off; use Sync now when you are ready.";
    if (data.sync_enabled) {
      next = data.customer_tags.length
        ? "Scheduled syncs use these settings from now on."
        : "Automatic syncs start once a B2B customer tag is saved.";
    }
    $("#form-banner").replaceChildren(banner("success", "Settings saved", next));
    renderSavedStatus(data);
    if (connectionChanged && data.cin7_api_key_set) {
      loadOptions(undefined, { keepShown: true });
      // Verified on save (the answer names the company); otherwise one test proves them and names it.
      if (data.cin7_company) loadStatus();
      else checkSavedConnection().then(loadStatus);
    } else {
      loadStatus();
    }
    return true;
  } catch (err) {
    if (err.status === 400) {
      showErrors(err.data.fields || {}, err.message);
      toast("Some settings need your attention", { error: true });
    } else {
      reportError(err, "save");
    }
    return false;
  } finally {
    busy(button, false);
  }
}

// ---------------------------------------------------------------- tag chips
function pushPendingTag() {
  const input = $("#customer_tags-input");
  const added = addTags(input.value);
  if (added) input.value = "";
}

function addTags(text) {
  const candidates = text.split(",").map((t) => t.trim()).filter(Boolean);
  let added = 0;
  for (const tag of candidates) {
    if (!state.tags.some((t) => t.toLowerCase() === tag.toLowerCase())) {
      state.tags.push(tag);
      added++;
    }
  }
  if (candidates.length) renderTags();
  return candidates.length > 0;
}

function renderTags() {
  const list = $("#customer_tags-chips");
  list.replaceChildren(...state.tags.map((tag, index) => h("li", { class: "chip" },
    h("span", { class: "chip__label" }, tag),
    h("button", {
      type: "button", class: "chip__remove", "aria-label": `Remove tag ${tag}`, title: `Remove ${tag}`,
      onclick: () => {
        state.tags.splice(index, 1);
        renderTags();
        const buttons = $$("#customer_tags-chips .chip__remove");
        (buttons[Math.min(index, buttons.length - 1)] || $("#customer_tags-input")).focus();
        announce(`Removed tag ${tag}`);
        updateDirty();
      },
    }, "×"))));
}

function announce(text) {
  const node = $("#announcer");
  node.textContent = "";
  setTimeout(() => { node.textContent = text; }, 50);
}

// ---------------------------------------------------------------- mapping rows
function renderMappings(focus) {
  const list = $("#mappings");
  const count = state.mappings.length;
  list.replaceChildren(...state.mappings.map((row, index) => {
    const n = index + 1;
    const tagId = `mapping-${row.key}-tag`;
    const groupId = `mapping-${row.key}-group`;
    const describedBy = "group_mappings-help";
    return h("li", { class: "mapping", dataset: { key: row.key } },
      h("span", { class: "mapping__position", "aria-hidden": "true" }, `${n}.`),
      h("div", { class: "field" },
        h("label", { for: tagId }, `Cin7 tag`, h("span", { class: "visually-hidden" }, ` (row ${n})`)),
        h("input", {
          id: tagId, class: "mapping__tag", type: "text", value: row.tag, autocomplete: "off", spellcheck: "false",
          "aria-describedby": describedBy, oninput: (e) => { row.tag = e.target.value; updateDirty(); },
        })),
      h("div", { class: "field" },
        h("label", { for: groupId }, `Customer group`, h("span", { class: "visually-hidden" }, ` (row ${n})`)),
        h("input", {
          id: groupId, class: "mapping__group", type: "text", value: row.group, autocomplete: "off",
          "aria-describedby": describedBy, oninput: (e) => { row.group = e.target.value; updateDirty(); },
        })),
      h("div", { class: "mapping__actions" },
        h("button", {
          type: "button", class: "btn btn--icon", "aria-label": `Move row ${n} up`, title: "Move up",
          "data-action": "up", disabled: index === 0, onclick: () => moveMapping(index, -1),
        }, "↑"),
        h("button", {
          type: "button", class: "btn btn--icon", "aria-label": `Move row ${n} down`, title: "Move down",
          "data-action": "down", disabled: index === count - 1, onclick: () => moveMapping(index, 1),
        }, "↓"),
        h("button", {
          type: "button", class: "btn btn--icon", "aria-label": `Remove row ${n}`, title: "Remove",
          "data-action": "remove", onclick: () => removeMapping(index),
        }, "✕")));
  }));
  $("#group_mappings-help").textContent = count
    ? "Rows are checked from the top; the first tag a customer has decides its group."
    : "No rows: customers get no group.";
  if (focus) {
    const rowEl = list.querySelector(`[data-key="${focus.key}"]`);
    let target = rowEl?.querySelector(focus.selector);
    if (target?.disabled) target = rowEl.querySelector('[data-action]:not([disabled])');
    target?.focus();
  }
}

function moveMapping(index, delta) {
  const to = index + delta;
  if (to < 0 || to >= state.mappings.length) return;
  const [row] = state.mappings.splice(index, 1);
  state.mappings.splice(to, 0, row);
  renderMappings({ key: row.key, selector: `[data-action="${delta < 0 ? "up" : "down"}"]` });
  announce(`Row “${row.tag || "empty"}” moved to position ${to + 1} of ${state.mappings.length}`);
  updateDirty();
}

function removeMapping(index) {
  const [row] = state.mappings.splice(index, 1);
  const next = state.mappings[Math.min(index, state.mappings.length - 1)];
  renderMappings(next ? { key: next.key, selector: '[data-action="remove"]' } : null);
  if (!next) $("#mapping-add").focus();
  announce(`Removed row “${row.tag || "empty"}”`);
  updateDirty();
}

function addMapping() {
  const row = { tag: "", group: "", key: state.nextKey++ };
  state.mappings.push(row);
  renderMappings({ key: row.key, selector: ".mapping__tag" });
  announce(`Added row ${state.mappings.length}`);
  updateDirty();
}

// ---------------------------------------------------------------- tax rules picker
function renderTaxRules() {
  const box = $("#tax-rules");
  const fromCin7 = state.options?.tax_rules || [];
  const saved = [...state.taxRules].filter((r) => !fromCin7.includes(r));
  const items = [];
  const checkbox = (name, index, note) => {
    const id = `tax-rule-${index}`;
    return h("div", { class: "choice" },
      h("input", {
        type: "checkbox", id, value: name, checked: state.taxRules.has(name), "aria-describedby": "tax_exempt_rules-help",
        onchange: (e) => { if (e.target.checked) state.taxRules.add(name); else state.taxRules.delete(name); updateDirty(); },
      }),
      h("label", { for: id }, name, note ? h("span", { class: "note" }, ` — ${note}`) : null));
  };
  fromCin7.forEach((name, i) => items.push(checkbox(name, i, "")));
  saved.forEach((name, i) => items.push(checkbox(name, fromCin7.length + i, state.options ? "not in Cin7 any more" : "saved")));
  if (!state.options) {
    items.push(h("p", { class: "subdued" }, state.optionsError
      ? state.optionsError
      : "Loading tax rules from Cin7…"));
    if (state.optionsError && state.saved?.cin7_api_key_set) {
      items.push(h("div", { class: "button-row" }, h("button", { type: "button", class: "btn", onclick: () => loadOptions() }, "Load tax rules from Cin7")));
    }
  } else if (!fromCin7.length) {
    items.push(h("p", { class: "subdued" }, "Cin7 has no active tax rules."));
  }
  box.replaceChildren(...items);
  const tiers = state.options?.price_tiers || [];
  $("#price-tiers").textContent = tiers.length
    ? `Cin7 price tiers (written to each variant as cin7.price_tiers): ${tiers.join(", ")}.`
    : "";
}

const CONNECT_FIRST = "Connect Cin7 above and test the connection to pick from your Cin7 tax rules.";

// The pickers' choices: with the saved credentials, or with `credentials` just tested (not saved yet).
// `keepShown`: choices already shown stay (no "Loading…") until Cin7's answer replaces them, or if it fails.
async function loadOptions(credentials, { keepShown = false } = {}) {
  const refreshing = keepShown && state.options !== null;
  if (!refreshing) {
    state.options = null;
    state.optionsError = "";
    renderTaxRules();
    renderMarketTiers();
  }
  try {
    state.options = credentials ? await api("POST", "/api/cin7/options", credentials) : await api("GET", "/api/cin7/options");
    state.optionsError = "";
  } catch (err) {
    if (refreshing && state.options) return;
    state.optionsError = err.status === 409 || (!credentials && !state.saved?.cin7_api_key_set)
      ? CONNECT_FIRST
      : `Could not load tax rules from Cin7: ${err.message}`;
  }
  renderTaxRules();
  renderMarketTiers();
}

// ---------------------------------------------------------------- test connection
async function testConnection() {
  const button = $("#test-connection");
  const result = $("#connection-result");
  busy(button, true, "Testing…");
  result.replaceChildren(h("p", { class: "subdued" }, "Asking Cin7…"));
  const credentials = {
    cin7_account_id: $("#cin7_account_id").value.trim(),
    cin7_api_key: $("#cin7_api_key").value.trim(),
  };
  try {
    const data = await api("POST", "/api/settings/test-connection", credentials);
    state.lastTest = { ...data, saved: false };
    renderConnection();
    if (data.ok) loadOptions(credentials); // pick tax rules now; saving can come later
  } catch (err) {
    result.replaceChildren(banner("critical", "Could not test the connection", err.message));
  } finally {
    busy(button, false);
  }
}

// ---------------------------------------------------------------- overview
async function loadStatus() {
  try {
    const status = await api("GET", "/api/status");
    renderStatus(status);
    return status;
  } catch (err) {
    reportError(err, "status");
    return null;
  }
}

// Why no sync is scheduled, in the terms of the settings below (never "off" while the box is ticked).
function noScheduleReason(status) {
  const saved = state.saved;
  if (saved && !saved.sync_enabled) return "None — Sync automatically is off; only Sync now runs a sync.";
  const missing = [];
  if (!status.cin7_connected) missing.push("Cin7 is connected");
  if (saved && !saved.customer_tags.length) missing.push("a B2B customer tag is saved");
  if (missing.length) return `Not yet — automatic syncs start once ${missing.join(" and ")}.`;
  if (!status.installed || status.needs_reauthorization) return "Paused until Shopify access is authorised again.";
  return "Not scheduled yet — save the settings to start automatic syncs.";
}

// Cin7 webhooks (contract §4 "Freshness"): whether a change in Cin7 waits for the schedule, and why.
function webhooksStatus() {
  const saved = state.saved || {};
  const polling = `the scheduled sync every ${saved.sync_interval_minutes} minutes`;
  if (saved.cin7_webhooks === "active") {
    return [badge("On", "success"), " Cin7 tells the app about changes; they reach Shopify within about two minutes."];
  }
  if (saved.cin7_webhooks === "unavailable") {
    return [badge("Unavailable", "attention"), ` Cin7 refused to send changes as they happen, so they reach Shopify with ${polling}. `,
      h("span", { class: "subdued" }, saved.cin7_webhooks_reason)];
  }
  return [badge("Off", "info"), ` Changes reach Shopify with ${polling}.`];
}

// The overview at once from a save's answer (GET /api/status follows): saved credentials are connected.
function renderSavedStatus(saved) {
  if (!state.status) return;
  renderStatus({
    ...state.status,
    cin7_connected: saved.cin7_api_key_set,
    active_run: state.following ? state.status.active_run : null,
  });
}

function renderStatus(status) {
  state.status = status;
  $("#shop-name").textContent = status.shop.name || status.shop.domain;
  const list = $("#status-list");
  list.removeAttribute("aria-busy");
  const last = status.last_success;
  const next = status.next_runs;
  const inv = status.invites;
  const inviteItems = Object.entries(INVITE_LABELS).filter(([k]) => inv[k]).map(([k, label]) => h("li", {}, h("strong", {}, inv[k]), ` ${label}`));
  list.replaceChildren(
    h("div", {}, h("dt", {}, "Cin7 Core"), h("dd", {}, status.cin7_connected
      ? [badge("Connected", "success"), " ", state.saved?.cin7_company || "",
        state.lastTest?.ok && state.lastTest.currency ? ` (${state.lastTest.currency})` : ""]
      : [badge("Not connected", "attention"), " Enter the Account ID and API key below."])),
    h("div", {}, h("dt", {}, "Instant updates"), h("dd", { id: "cin7-webhooks" }, webhooksStatus())),
    h("div", {}, h("dt", {}, "Shopify access"), h("dd", {}, status.needs_reauthorization
      ? badge("Needs authorising again", "critical")
      : badge("OK", "success"))),
    h("div", {}, h("dt", {}, "Last successful sync"), h("dd", {},
      h("ul", { class: "inline-list" },
        !last.all && !last.customers && !last.pricing ? h("li", { class: "subdued" }, "Never") : null,
        last.all ? h("li", {}, "Everything: ", timeEl(last.all)) : null,
        last.customers ? h("li", {}, "Customers: ", timeEl(last.customers)) : null,
        last.pricing ? h("li", {}, "Prices: ", timeEl(last.pricing)) : null))),
    h("div", {}, h("dt", {}, "Next scheduled sync"), h("dd", { id: "next-sync" }, next.incremental || next.full
      ? h("ul", { class: "inline-list" },
        next.incremental ? h("li", {}, "Changes: ", timeEl(next.incremental, { future: true })) : null,
        next.full ? h("li", {}, "Full: ", timeEl(next.full, { future: true })) : null)
      : h("span", { class: "subdued" }, noScheduleReason(status)))),
    h("div", {}, h("dt", {}, "Account invites"), h("dd", {}, inviteItems.length
      ? h("ul", { class: "inline-list" }, inviteItems)
      : h("span", { class: "subdued" }, "None yet"))),
    h("div", {}, h("dt", {}, "Open problems"), h("dd", {}, status.open_problems
      ? [badge(plural(status.open_problems, "problem"), "warning"), " ", h("a", { href: "#history-card" }, "See the latest sync")]
      : badge("None", "success"))),
  );
  $("#status-badge").replaceChildren(status.active_run ? statusBadge(status.active_run.status) : "");
  setPageBanner("reauth", status.needs_reauthorization ? banner(
    "critical",
    "Shopify access needs to be authorised again",
    "Shopify no longer accepts the app's access, so syncs cannot write to your store. Authorise the app again; your settings are kept.",
    [h("a", { class: "btn btn--primary", href: `/auth/install?shop=${encodeURIComponent(SHOP)}`, target: "_top" }, "Authorise again")],
  ) : null);
  // Until Cin7 is connected and a B2B tag saved (each step saves on its own), with the steps done marked.
  const connected = status.cin7_connected;
  setPageBanner("setup", !connected || (state.saved && !state.saved.customer_tags.length) ? banner(
    "info",
    "Set up in three steps",
    h("ol", {},
      h("li", {}, "Connect Cin7 Core with its Account ID and API key, Test connection, and save.", connected ? h("strong", {}, " Done.") : null),
      h("li", {}, "Add the B2B tag, and one example customer's email under Test with these customers only."),
      h("li", {}, "Preview to see what would change, then Sync now. Once saved, syncs also run on their own while Sync automatically is on.")),
    [connected
      ? h("button", { type: "button", class: "btn", onclick: () => $("#customer_tags-input").focus() }, "Continue with step 2")
      : h("button", { type: "button", class: "btn", onclick: () => $("#cin7_account_id").focus() }, "Start with step 1")],
  ) : null);
  if (status.active_run && !state.following) followRun(status.active_run.id, { preview: status.active_run.dry_run });
}

// ---------------------------------------------------------------- runs
function countsList(counts, dryRun) {
  return h("ul", { class: "counts" }, COUNT_LABELS.filter(([key]) => key in (counts || {})).map(([key, done, would]) => {
    const n = counts[key];
    return h("li", { class: n ? "nonzero" : "" }, h("strong", {}, n), ` ${dryRun ? would : done}`);
  }));
}

function runTitle(run) {
  return `${KINDS[run.kind] || run.kind}${run.full ? ", full" : ", changes only"}`;
}

async function loadRuns() {
  try {
    const data = await api("GET", `/api/runs?limit=${state.runsLimit}`);
    state.runs = data.runs;
    state.runsTotal = data.total;
    renderRuns();
  } catch (err) {
    $("#history-body").replaceChildren(banner("critical", "Could not load the sync history", err.message));
  }
}

function renderRuns(highlight) {
  const body = $("#history-body");
  if (!state.runs.length) {
    body.replaceChildren(h("p", { class: "empty" }, "No syncs yet. Preview shows what a sync would do; Sync now runs one."));
    return;
  }
  const list = h("ol", { class: "runs", "aria-label": "Syncs, newest first" }, state.runs.map((run) => {
    const detailsId = `run-${run.id}-details`;
    const open = state.openRuns.has(run.id);
    const item = h("li", { class: `run${highlight === run.id ? " run--highlight" : ""}`, dataset: { runId: run.id, status: run.status } },
      h("div", { class: "run__head" },
        statusBadge(run.status),
        h("span", { class: "run__title" }, runTitle(run)),
        run.dry_run ? badge("Preview — nothing changed", "info") : null,
        h("span", { class: "run__meta" }, [
          TRIGGERS[run.trigger] || run.trigger, " · ", timeEl(run.started_at || run.created_at),
          run.duration_seconds !== null ? ` · took ${fmtDuration(run.duration_seconds)}` : "",
        ])),
      countsList(run.counts, run.dry_run),
      run.error ? h("p", { class: "run__error" }, badge("Stopped", "critical"), " ", run.error.message) : null,
      h("div", { class: "button-row" },
        h("button", {
          type: "button", class: "btn btn--plain", "aria-expanded": open ? "true" : "false", "aria-controls": detailsId,
          onclick: (e) => toggleRun(run, e.currentTarget),
        }, run.issue_count ? `${open ? "Hide" : "Show"} ${plural(run.issue_count, "issue")}` : `${open ? "Hide" : "Show"} details`)),
      h("div", { id: detailsId, class: "run__details", hidden: !open }));
    if (open) loadRunDetails(run.id, item.querySelector(".run__details"));
    return item;
  }));
  const more = state.runsTotal > state.runs.length
    ? h("div", { class: "button-row" }, h("button", {
      type: "button", class: "btn", onclick: () => { state.runsLimit += 10; loadRuns(); },
    }, `Show older syncs (${state.runsTotal - state.runs.length} more)`))
    : null;
  body.replaceChildren(list, more || "");
}

function toggleRun(run, button) {
  const panel = document.getElementById(`run-${run.id}-details`);
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", open ? "true" : "false");
  button.textContent = run.issue_count ? `${open ? "Hide" : "Show"} ${plural(run.issue_count, "issue")}` : `${open ? "Hide" : "Show"} details`;
  panel.hidden = !open;
  if (open) {
    state.openRuns.set(run.id, state.openRuns.get(run.id) || "");
    loadRunDetails(run.id, panel);
  } else {
    state.openRuns.delete(run.id);
  }
}

async function loadRunDetails(runId, panel) {
  const code = state.openRuns.get(runId) || "";
  panel.setAttribute("aria-busy", "true");
  try {
    const run = await api("GET", `/api/runs/${runId}${code ? `?code=${encodeURIComponent(code)}` : ""}`);
    panel.replaceChildren(...runDetails(run, code, panel));
  } catch (err) {
    panel.replaceChildren(banner("critical", null, err.message));
  } finally {
    panel.removeAttribute("aria-busy");
  }
}

function runDetails(run, code, panel) {
  const nodes = [];
  const codes = run.issue_codes || {};
  const total = Object.values(codes).reduce((a, b) => a + b, 0);
  if (total) {
    const selectId = `run-${run.id}-filter`;
    nodes.push(h("div", { class: "filter" },
      h("label", { for: selectId }, "Filter by issue type"),
      h("select", {
        id: selectId,
        onchange: (e) => { state.openRuns.set(run.id, e.target.value); loadRunDetails(run.id, panel); },
      },
      h("option", { value: "", selected: !code }, `All issues (${total})`),
      Object.entries(codes).map(([c, n]) => h("option", { value: c, selected: c === code }, `${run.issue_titles?.[c] || c} (${n})`)))));
    nodes.push(issuesList(run.issues));
    if (run.issues.length >= 1000) nodes.push(h("p", { class: "help" }, "Showing the first 1000 issues."));
  } else {
    nodes.push(h("p", { class: "subdued" }, "No issues in this sync."));
  }
  if (run.dry_run && run.plan?.length) {
    nodes.push(h("h3", {}, "Planned changes (a sample)"), planList(run.plan, 10));
  }
  const stats = run.stats || {};
  if (stats.cin7_calls !== undefined) {
    nodes.push(h("p", { class: "help" },
      `Behind the scenes: ${plural(stats.cin7_calls, "Cin7 API call")}, ${plural(stats.shopify_requests ?? 0, "Shopify request")} (${plural(stats.writes ?? 0, "write")}).`));
  }
  return nodes;
}

function issuesList(issues) {
  if (!issues.length) return h("p", { class: "subdued" }, "No issues with this code.");
  return h("ul", { class: "issues", "aria-label": "Issues" }, issues.map((issue) => {
    const ids = [];
    if (issue.cin7_id) ids.push(h("span", {}, "Cin7 ID ", h("code", {}, issue.cin7_id)));
    if (issue.email) ids.push(h("span", {}, "Email ", h("strong", {}, issue.email)));
    if (issue.sku) ids.push(h("span", {}, "SKU ", h("code", {}, issue.sku)));
    const runLevel = !issue.cin7_id && !issue.email && !issue.sku;
    return h("li", { class: `issue${runLevel ? " issue--run" : ""}`, dataset: { code: issue.code } },
      h("div", { class: "run__head" }, badge(issue.title || issue.code, runLevel ? "critical" : "warning"),
        h("span", { class: "issue__code" }, "Code ", h("code", {}, issue.code))),
      h("p", {}, issue.message),
      ids.length ? h("p", { class: "issue__ids" }, ids) : null,
      issue.fix ? h("p", { class: "issue__fix" }, h("strong", {}, "How to fix: "), issue.fix) : null);
  }));
}

// ---------------------------------------------------------------- preview (dry run) rendering
const FIELD_NAMES = {
  email: "Email", firstName: "First name", lastName: "Last name", phone: "Phone", taxExempt: "Tax exempt",
  address: "Address", "tags added": "Tags added", "tags removed": "Tags removed",
};
const META_NAMES = { cin7_id: "Cin7 ID", credit_limit: "Credit limit", on_hold: "On credit hold", discount: "Discount" };
const ACTIONS = {
  create: ["Create", "success"], adopt: ["Link existing", "info"], update: ["Update", "attention"], strip: ["Strip", "warning"],
};

function fieldName(key) {
  if (FIELD_NAMES[key]) return FIELD_NAMES[key];
  const meta = /^metafield cin7\.(.+)$/.exec(key);
  if (meta) {
    const label = META_NAMES[meta[1]] || meta[1].replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
    return h("span", {}, label, " ", h("code", {}, `cin7.${meta[1]}`));
  }
  return key;
}

// Metafield values arrive as the strings Shopify stores; give them their unit.
function fmtField(key, value) {
  if (value === null || value === undefined || value === "") return fmtValue(value);
  if (key === "metafield cin7.on_hold") return value === true || value === "true" ? "Yes" : value === false || value === "false" ? "No" : fmtValue(value);
  if (key === "metafield cin7.credit_limit") {
    const currency = (state.lastTest?.ok && state.lastTest.currency) || state.saved?.cin7_currency; // Cin7's base currency
    return currency ? `${fmtValue(value)} ${currency}` : fmtValue(value);
  }
  if (key === "metafield cin7.discount") return `${fmtValue(value)} %`;
  return fmtValue(value);
}

function fmtValue(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.map(fmtValue).join(", ");
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "string" && /^[[{]/.test(value)) {
    try {
      return fmtValue(JSON.parse(value));
    } catch (err) {
      // not JSON: shown as it is
    }
  }
  if (typeof value === "object") {
    if ("city" in value || "address1" in value || "countryCode" in value) {
      return [value.company, value.address1, value.address2, value.city, [value.provinceCode, value.zip].filter(Boolean).join(" "), value.countryCode]
        .filter(Boolean).join(", ");
    }
    const text = Object.entries(value).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ");
    return text.length > 160 ? `${text.slice(0, 157)}…` : text;
  }
  const text = String(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function renderB2B(data) {
  const toggle = $("#b2b_companies");
  toggle.checked = data.b2b_companies;
  toggle.disabled = !data.b2b_available && !data.b2b_companies; // on can always be turned off
  $("#b2b_companies-help").textContent = data.b2b_available
    ? "Turning it off leaves the companies in Shopify; the app stops managing them."
    : data.b2b_reason || "Shopify B2B is not available on this shop.";
  state.marketTiers = [...(data.b2b_market_tiers || [])];
  for (const radio of $$('input[name="b2b_pack_size"]')) radio.checked = radio.value === (data.b2b_pack_size || "none");
  renderB2BPlan(data);
  const managed = data.b2b_managed || {};
  $("#b2b-counts").replaceChildren(...[["Companies", managed.companies], ["Locations", managed.locations],
    ["Buyers", managed.buyers], ["Catalogs", managed.catalogs], ["Price breaks", managed.price_breaks]].flatMap(([label, n]) => [h("dt", {}, label), h("dd", {}, String(n ?? 0))]));
}

// ---------------------------------------------------------------- Shopify B2B: plan, served tiers
const MAX_MARKET_TIERS = 3; // active B2B catalogs Shopify allows below Plus
const B2B_MODES = {
  direct: ["Shopify Plus:", " every price tier and customer-specific price reaches checkout."],
  markets: ["Below Plus:", " up to 3 price tiers reach checkout through B2B markets."],
  "": ["Plan not checked yet:", " the next B2B sync reads it. On Shopify Plus every price tier reaches checkout; below Plus up to 3 tiers do, through B2B markets."],
};

function renderB2BPlan(data) {
  const panel = $("#b2b-plan");
  panel.hidden = !data.b2b_available && !data.b2b_companies;
  const [plan, promise] = B2B_MODES[data.b2b_mode] || B2B_MODES[""];
  $("#b2b-mode").replaceChildren(h("strong", {}, plan), promise);
  $("#b2b_market_tiers-field").hidden = data.b2b_mode === "direct"; // Plus serves every tier
  const reach = [];
  const notServed = data.b2b_mode === "direct" ? [] : data.b2b_tiers_not_served || [];
  if (notServed.length) {
    const tiers = notServed.map((row) => `${row.tier} (${plural(row.customers, "customer")})`).join(", ");
    reach.push(h("li", {}, `${plural(notServed.length, "tier")} not served: ${tiers} pay retail.`));
  }
  const ownPrices = data.b2b_mode === "direct" ? 0 : data.b2b_customer_prices_need_plus || 0;
  if (ownPrices) {
    const whose = ownPrices === 1 ? "1 customer's" : `${ownPrices} customers'`;
    reach.push(h("li", {}, `${whose} own prices stay in metafields (need Plus).`));
  }
  $("#b2b-reach").replaceChildren(...reach);
  renderMarketTiers();
}

// Ticking is limited to 3: once 3 are ticked the others are disabled until one is unticked.
function renderMarketTiers() {
  const box = $("#market-tiers");
  const fromCin7 = state.options?.price_tiers || [];
  const saved = state.marketTiers.filter((name) => !fromCin7.includes(name));
  const served = new Set(state.saved?.b2b_served_tiers || []);
  const full = state.marketTiers.length >= MAX_MARKET_TIERS;
  const checkbox = (name, index, note) => {
    const checked = state.marketTiers.includes(name);
    return h("div", { class: "choice" },
      h("input", {
        type: "checkbox", id: `market-tier-${index}`, value: name, checked, disabled: full && !checked,
        "aria-describedby": "b2b_market_tiers-help",
        onchange: (e) => {
          state.marketTiers = e.target.checked ? [...state.marketTiers, name] : state.marketTiers.filter((t) => t !== name);
          renderMarketTiers();
          $(`#market-tier-${index}`)?.focus();
          updateDirty();
        },
      }),
      h("label", { for: `market-tier-${index}` }, name,
        served.has(name) ? h("span", { class: "note" }, " — served now") : null,
        note ? h("span", { class: "note" }, ` — ${note}`) : null));
  };
  const items = fromCin7.map((name, i) => checkbox(name, i, ""));
  saved.forEach((name, i) => items.push(checkbox(name, fromCin7.length + i, state.options ? "not in Cin7 any more" : "saved")));
  if (!state.options) {
    items.push(h("p", { class: "subdued" }, state.optionsError ? "Connect Cin7 above to choose among your price tiers." : "Loading price tiers from Cin7…"));
  }
  box.replaceChildren(...items);
  const automatic = state.saved?.b2b_served_tiers?.length && !state.saved?.b2b_market_tiers?.length
    ? ` Served now: ${state.saved.b2b_served_tiers.join(", ")}.` : "";
  $("#b2b_market_tiers-help").textContent = full
    ? `${MAX_MARKET_TIERS} chosen, the most Shopify allows below Plus. Untick one to choose another.`
    : `Up to ${MAX_MARKET_TIERS}. None ticked: the ${MAX_MARKET_TIERS} tiers with the most B2B customers.${automatic}`;
}

function planEntry(entry, open) {
  const [label, tone] = ACTIONS[entry.action] || [entry.action, ""];
  let subject;
  if (entry.shop) subject = "Shop price tier names";
  else if (entry.company) subject = h("span", {}, "Company ", h("strong", {}, entry.company),
    entry.location && entry.location !== entry.company ? h("span", {}, " · location ", h("strong", {}, entry.location)) : null);
  else if (entry.catalog) subject = h("span", {}, "Catalog ", h("strong", {}, entry.catalog));
  else if (entry.sku) subject = h("span", {}, "Prices of SKU ", h("code", {}, entry.sku));
  else subject = h("span", {}, h("strong", {}, entry.email || "(no email)"), entry.cin7_id ? h("span", { class: "subdued" }, ` · Cin7 ${entry.cin7_id}`) : null);
  const creating = entry.action === "create"; // nothing in Shopify yet: no "before" column
  const rows = Object.entries(entry.changes || {}).map(([key, change]) => {
    const isDiff = change && typeof change === "object" && !Array.isArray(change) && "to" in change;
    const known = isDiff && "from" in change; // metafield changes carry only the new value
    const from = known ? change.from : undefined;
    const to = isDiff ? change.to : change;
    let fromCell = null;
    if (!creating) {
      fromCell = known
        ? h("td", { class: "from", "data-label": "Now" }, from === null ? "—" : h("del", {}, fmtField(key, from)))
        : h("td", { class: "from", "data-label": "" }, h("span", { class: "visually-hidden" }, "not shown"));
    }
    return h("tr", {},
      h("th", { scope: "row" }, fieldName(key)),
      fromCell,
      h("td", { class: "to", "data-label": creating ? "" : "After" }, h("ins", {}, fmtField(key, to))));
  });
  return h("li", {}, h("details", { open: open || null },
    h("summary", {}, badge(label, tone), subject, h("span", { class: "subdued" }, plural(rows.length, "field"))),
    h("table", { class: `diff${creating ? " diff--create" : ""}` },
      h("caption", { class: "visually-hidden" }, `Fields of ${entry.email || entry.sku || "the shop"}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"),
        creating ? null : h("th", { scope: "col" }, "Now in Shopify"),
        h("th", { scope: "col" }, creating ? "New value" : "After sync"))),
      h("tbody", {}, rows))));
}

function planList(plan, limit) {
  const list = h("ol", { class: "plan", "aria-label": "Planned changes" });
  const show = (n) => {
    list.replaceChildren(...plan.slice(0, n).map((entry, i) => planEntry(entry, i < 2)));
  };
  show(limit);
  if (plan.length <= limit) return list;
  const more = h("button", {
    type: "button", class: "btn", onclick: () => { show(plan.length); more.remove(); },
  }, `Show all ${plan.length} planned changes`);
  return h("div", { class: "stack" }, list, h("div", { class: "button-row" }, more));
}

function renderPreview(run) {
  const card = $("#preview-card");
  const body = $("#preview-body");
  card.hidden = false;
  if (ACTIVE.includes(run.status)) {
    body.replaceChildren(h("p", { class: "run__head" }, statusBadge(run.status), " Reading Cin7 and Shopify; nothing is changed…"));
    return;
  }
  const c = run.counts || {};
  const nodes = [];
  if (run.status === "failed") {
    nodes.push(banner("critical", "The preview could not finish", run.error?.message || ""));
  } else {
    const parts = [];
    if (c.created) parts.push(`create ${plural(c.created, "customer")}`);
    if (c.updated) parts.push(`update ${plural(c.updated, "customer")}`);
    if (c.variants_updated) parts.push(`update prices on ${plural(c.variants_updated, "variant")}`);
    nodes.push(banner(parts.length ? "info" : "success",
      parts.length ? `A sync would ${parts.join(", ")}.` : "Shopify is up to date: a sync would change nothing.",
      `Nothing was changed in Shopify. ${c.read ?? 0} Cin7 customers read, ${c.unchanged ?? 0} unchanged, ${c.skipped ?? 0} skipped.`));
  }
  nodes.push(countsList(c, true));
  if (run.issues?.length) {
    nodes.push(h("h3", {}, `Issues to fix first (${run.issues.length})`), issuesList(run.issues));
  }
  if (run.plan?.length) {
    nodes.push(h("h3", {}, run.plan.length >= 200 ? "Planned changes (first 200)" : "Planned changes"), planList(run.plan, 20));
  }
  nodes.push(h("div", { class: "button-row" },
    h("button", { type: "button", class: "btn btn--primary", onclick: () => startSync(false) }, "Sync now")));
  body.replaceChildren(...nodes);
}

// ---------------------------------------------------------------- starting and following runs
async function startSync(dryRun) {
  const button = dryRun ? $("#preview-button") : $("#sync-button");
  if (state.following) {
    toast("A sync is already running; wait for it to finish.");
    return;
  }
  if (isDirty()) {
    const saved = await saveSettings();
    if (!saved) return;
  }
  busy(button, true, dryRun ? "Previewing…" : "Syncing…");
  try {
    const data = await api("POST", "/api/sync", { kind: "all", full: true, dry_run: dryRun });
    if (dryRun) {
      renderPreview({ status: "queued" });
      $("#preview-card").scrollIntoView({ block: "start" });
    }
    await followRun(data.run_id, { preview: dryRun });
  } catch (err) {
    if (err.status === 409 && err.data.run_id) {
      toast("A sync is already running; following it.");
      await followRun(err.data.run_id, { preview: false });
    } else if (err.status === 409) {
      setPageBanner("sync", banner("warning", "Cannot sync yet", err.message, [
        h("a", { class: "btn", href: "#cin7_account_id", onclick: (e) => { e.preventDefault(); $("#cin7_account_id").focus(); } }, "Connect Cin7"),
      ]));
    } else {
      reportError(err, "sync");
    }
  } finally {
    busy(button, false);
  }
}

async function followRun(runId, { preview = false } = {}) {
  state.following = runId;
  setPageBanner("sync", null);
  const active = $("#active-run");
  let run = null;
  let delay = 700;
  let failures = 0;
  try {
    for (;;) {
      try {
        run = await api("GET", `/api/runs/${runId}`);
        failures = 0;
      } catch (err) {
        if (err.status === 401 || ++failures > 5) throw err;
      }
      if (run && !ACTIVE.includes(run.status)) break;
      if (run) {
        active.replaceChildren(statusBadge(run.status), h("span", {}, `${run.dry_run ? "Preview" : "Sync"} ${run.status === "queued" ? "waiting for a worker" : "in progress"} — ${runTitle(run)}, started `, timeEl(run.started_at || run.created_at), "."));
        $("#status-badge").replaceChildren(statusBadge(run.status));
        if (preview) renderPreview(run);
      }
      await sleep(delay);
      delay = Math.min(delay * 1.4, 3000);
    }
  } catch (err) {
    reportError(err, "sync");
    return null;
  } finally {
    state.following = null;
    active.replaceChildren();
  }
  const [label] = STATUS[run.status] || [run.status];
  if (run.dry_run) {
    renderPreview(run);
    $("#preview-heading").focus();
    toast(run.status === "failed" ? "Preview failed" : "Preview ready", { error: run.status === "failed" });
  } else {
    const c = run.counts || {};
    toast(`Sync ${label.toLowerCase()}: ${c.created ?? 0} created, ${c.updated ?? 0} updated${run.issue_count ? `, ${plural(run.issue_count, "issue")}` : ""}`,
      { error: run.status === "failed" });
  }
  $("#status-badge").replaceChildren(statusBadge(run.status));
  announce(`${run.dry_run ? "Preview" : "Sync"} finished: ${label}.`);
  await Promise.all([loadStatus(), loadRuns(), loadInvites()]);
  renderRuns(run.id);
  return run;
}

// ---------------------------------------------------------------- invites
async function loadInvites() {
  try {
    const data = await api("GET", "/api/invites");
    renderInvites(data.invites);
  } catch (err) {
    if (err.status !== 401) $("#invites-body").replaceChildren(banner("critical", "Could not load invites", err.message));
  }
}

function renderInvites(invites) {
  const held = invites.filter((i) => i.status === "held");
  const failed = invites.filter((i) => i.status === "failed");
  const card = $("#invites-card");
  card.hidden = !held.length && !failed.length;
  $("#invites-heading").textContent = held.length ? `Invites waiting for you (${held.length})` : `Invites that could not be sent (${failed.length})`;
  $("#invites-intro").hidden = !held.length;
  const nodes = [];
  if (held.length) {
    const selectAll = h("input", {
      type: "checkbox", id: "invite-select-all",
      onchange: (e) => { for (const box of $$(".invite-check")) box.checked = e.target.checked; updateSelected(); },
    });
    const sendSelected = h("button", { type: "button", class: "btn", id: "invites-send-selected", disabled: true, onclick: () => sendInvites(false) }, "Send selected");
    const updateSelected = () => {
      const n = $$(".invite-check:checked").length;
      sendSelected.disabled = n === 0;
      sendSelected.textContent = n ? `Send ${plural(n, "selected invite")}` : "Send selected";
      selectAll.checked = n === held.length;
      selectAll.indeterminate = n > 0 && n < held.length;
    };
    if (held.length === 1) {
      nodes.push(h("p", {}, "Waiting: ", h("strong", {}, held[0].email || held[0].cin7_id)));
    } else {
      nodes.push(h("div", { class: "resource-list" },
        h("div", { class: "resource-list__header choice" }, selectAll, h("label", { for: "invite-select-all" }, `Select all ${held.length}`)),
        h("ul", { class: "invites", "aria-label": "Held invites" }, held.map((invite, i) => h("li", { class: "choice" },
          h("input", { type: "checkbox", class: "invite-check", id: `invite-${i}`, value: invite.cin7_id, onchange: updateSelected }),
          h("label", { for: `invite-${i}` }, invite.email || invite.cin7_id))))));
    }
    nodes.push(h("div", { class: "button-row" },
      h("button", { type: "button", class: "btn btn--primary", id: "invites-send-all", onclick: () => sendInvites(true) },
        held.length === 1 ? "Send the invite" : `Send all ${held.length} invites`),
      held.length > 1 ? sendSelected : null));
  }
  if (failed.length) {
    nodes.push(h("div", { class: held.length ? "card__section" : "" },
      held.length ? h("h3", {}, `Invites that could not be sent (${failed.length})`) : null,
      h("ul", { class: "issues", "aria-label": "Invites that could not be sent" }, failed.map((invite) => h("li", { class: "issue" },
        h("p", {}, h("strong", {}, invite.email), ` — ${plural(invite.attempts, "try", "tries")}`),
        invite.error ? h("p", { class: "subdued" }, invite.error) : null,
        h("div", { class: "button-row" }, h("button", {
          type: "button", class: "btn", "aria-label": `Send the invite to ${invite.email} again`,
          onclick: (e) => retryInvite(invite, e.currentTarget),
        }, "Send again"))))),
      h("p", { class: "help" }, "Check these email addresses in Cin7 (default contact). The app retries a failed invite on the next syncs, up to 5 tries; after that, use Send again.")));
  }
  $("#invites-body").replaceChildren(...nodes);
}

async function retryInvite(invite, button) {
  busy(button, true, "Sending…");
  try {
    const data = await api("POST", "/api/invites/send", { cin7_ids: [invite.cin7_id] });
    toast(data.released ? `Invite to ${invite.email} on the way` : "This invite is no longer waiting to be sent");
    await Promise.all([loadInvites(), loadStatus()]);
  } catch (err) {
    reportError(err, "invites");
    busy(button, false);
  }
}

async function sendInvites(all) {
  const ids = $$(".invite-check:checked").map((box) => box.value);
  const button = all ? $("#invites-send-all") : $("#invites-send-selected");
  busy(button, true, "Sending…");
  try {
    const data = await api("POST", "/api/invites/send", all ? { all: true } : { cin7_ids: ids });
    toast(data.released ? `${plural(data.released, "invite")} on the way` : "No held invites to send");
    await Promise.all([loadInvites(), loadStatus()]);
  } catch (err) {
    reportError(err, "invites");
    busy(button, false);
  }
}

// ---------------------------------------------------------------- wiring
function wire() {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveSettings();
  });
  form.addEventListener("input", updateDirty);
  form.addEventListener("change", updateDirty);
  $("#test-connection").addEventListener("click", testConnection);
  for (const id of ["#cin7_account_id", "#cin7_api_key"]) $(id).addEventListener("input", () => { if (state.lastTest?.ok) renderConnection(); });
  $("#mapping-add").addEventListener("click", addMapping);
  $("#customer_tags-add").addEventListener("click", () => {
    const input = $("#customer_tags-input");
    if (!input.value.trim()) {
      input.focus();
      return;
    }
    pushPendingTag();
    input.focus();
    updateDirty();
  });
  $("#customer_tags-input").addEventListener("keydown", (event) => {
    const input = event.currentTarget;
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      pushPendingTag();
      updateDirty();
    } else if (event.key === "Backspace" && !input.value && state.tags.length) {
      const tag = state.tags.pop();
      renderTags();
      announce(`Removed tag ${tag}`);
      updateDirty();
    }
  });
  $("#preview-button").addEventListener("click", () => startSync(true));
  $("#sync-button").addEventListener("click", () => startSync(false));
  $("#preview-close").addEventListener("click", () => {
    $("#preview-card").hidden = true;
    $("#preview-button").focus();
  });
  $("#history-refresh").addEventListener("click", loadRuns);
  window.addEventListener("beforeunload", (event) => {
    if (isDirty()) event.preventDefault();
  });
}

async function start() {
  wire();
  try {
    const settings = await api("GET", "/api/settings");
    fillForm(settings);
  } catch (err) {
    reportError(err, "settings");
  }
  if (state.saved?.cin7_api_key_set && !state.saved.cin7_company) await checkSavedConnection();
  await Promise.all([loadStatus(), loadRuns(), loadInvites(), state.saved?.cin7_api_key_set ? loadOptions() : (() => {
    state.optionsError = CONNECT_FIRST;
    renderTaxRules();
  })()]);
  root.dataset.ready = "true";
}

start();
