// The commpilot playground page. Community text only ever reaches the page
// through textContent and attribute setters: never innerHTML.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);

// el builds an element; text children become text nodes.
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

const state = {
  ws: null, me: "", server: "", running: false,
  users: new Map(), channels: [], messages: new Map(), commands: [], ui: {},
  threadOf: new Map(), // composer section -> thread root id
  req: 0, backoff: 250,
  forms: new Map(), // token -> dialog state
};

// ---------- connection ----------

function connect() {
  const proto = location.protocol === "https:" ? "wss://" : "ws://";
  const ws = new WebSocket(proto + location.host + "/ws");
  state.ws = ws;
  setStatus("Connecting…", false);
  ws.addEventListener("open", () => {
    state.backoff = 250;
    send({ op: "hello", as: localStorage.getItem("commpilot.as") || state.me || "", lang: (navigator.language || "en").slice(0, 2) });
  });
  ws.addEventListener("message", (ev) => {
    let f;
    try { f = JSON.parse(ev.data); } catch { return; }
    onFrame(f);
  });
  ws.addEventListener("close", () => {
    if (state.ws !== ws) return;
    setStatus("Reconnecting…", false);
    setTimeout(connect, state.backoff);
    state.backoff = Math.min(state.backoff * 2, 5000);
  });
}

function send(req) {
  if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
    notice("Not connected to the playground; reconnecting…");
    return false;
  }
  state.ws.send(JSON.stringify(req));
  return true;
}

function setStatus(text, ok) {
  const s = $("#status");
  s.textContent = text;
  s.classList.toggle("ok", ok);
}

function onFrame(f) {
  switch (f.t) {
    case "snapshot": return snapshot(f);
    case "message": return upsert(f.message, true);
    case "user": state.users.set(f.user.id, f.user); renderPeople(); return;
    case "notice": return notice(f.text);
    case "form": return openForm(f.token, f.form);
    case "formErrors": return formErrors(f.token, f.errors);
    case "formClose": return closeForm(f.token);
    case "choices": return choices(f.req, f.choices || []);
  }
}

// ---------- state ----------

function snapshot(f) {
  state.me = f.me;
  state.server = f.server || "commpilot";
  state.running = !!f.running;
  state.ui = f.ui || {};
  state.users = new Map((f.users || []).map((u) => [u.id, u]));
  state.channels = f.channels || [];
  state.commands = f.commands || [];
  state.messages = new Map();
  localStorage.setItem("commpilot.as", state.me);
  $("#server").textContent = state.server;
  setStatus(state.running ? "Connected" : "Starting…", state.running);
  renderWho();
  renderPeople();
  renderChannels();
  for (const m of f.messages || []) upsert(m, false);
}

function userName(id) {
  const u = state.users.get(id);
  return u ? u.name : id;
}

function channelName(id) {
  const c = state.channels.find((c) => c.id === id);
  return c ? c.name : id;
}

// display turns the core's neutral mentions into names: <@web:U1> and
// <#web:C1> name people and channels here, <@web-role:R1|@staff> its label;
// another platform's (<@slack:U1>) read as plain text.
function display(s) {
  return (s || "").replace(/<([@#])([a-z-]+):([A-Za-z0-9]+)(?:\|([^>]*))?>/g, (all, sigil, ref, id, label) => {
    if (ref === "web") return sigil === "@" ? "@" + userName(id) : "#" + channelName(id);
    if (label) return /^[@#]/.test(label) ? label : sigil + label;
    return sigil + ref + ":" + id;
  });
}

// rich renders chat markup (*bold*, **bold**, `code`) as elements, every
// piece of text as a text node.
function rich(tag, cls, s) {
  const e = el(tag, { class: cls });
  const re = /\*\*([^*\n]+)\*\*|\*([^*\n]+)\*|`([^`\n]+)`/g;
  let last = 0;
  for (const m of s.matchAll(re)) {
    e.append(s.slice(last, m.index));
    e.append(m[3] !== undefined ? el("code", { text: m[3] }) : el("strong", { text: m[1] ?? m[2] }));
    last = m.index + m[0].length;
  }
  e.append(s.slice(last));
  return e;
}

// ---------- rendering ----------

function renderWho() {
  const sel = $("#as");
  sel.replaceChildren();
  for (const u of state.users.values()) {
    if (u.role === "bot") continue;
    sel.append(el("option", { value: u.id, selected: u.id === state.me }, u.name + " (" + u.role + ")"));
  }
}

function sanctions(u) {
  const out = [];
  if (u.banned) out.push("banned");
  else if (u.kicked) out.push("kicked");
  if (u.timeoutUntil && new Date(u.timeoutUntil) > new Date()) {
    out.push("timed out until " + new Date(u.timeoutUntil).toLocaleTimeString());
  }
  return out;
}

function renderPeople() {
  const list = $("#people-list");
  list.replaceChildren();
  for (const u of state.users.values()) {
    const li = el("li", { "data-user": u.id }, u.name, el("span", { class: "badge " + u.role, text: u.role }));
    for (const s of sanctions(u)) li.append(el("span", { class: "badge sanction", text: s }));
    if (u.id === state.me) li.append(el("span", { class: "badge", text: "you" }));
    list.append(li);
  }
}

function renderChannels() {
  const box = $("#channels");
  box.replaceChildren();
  const tpl = $("#channel-tpl");
  for (const ch of state.channels) {
    const sec = tpl.content.firstElementChild.cloneNode(true);
    sec.dataset.channel = ch.id;
    sec.id = "ch-" + ch.id;
    const title = ch.dm ? "Direct messages from " + userName("B0BOT") : "#" + ch.name;
    $(".channel-name", sec).textContent = title;
    $(".channel-name", sec).id = "ch-h-" + ch.id;
    sec.setAttribute("aria-labelledby", "ch-h-" + ch.id);
    const input = $(".composer-input", sec);
    input.id = "in-" + ch.id;
    input.setAttribute("aria-controls", "cl-" + ch.id);
    $(".complete", sec).id = "cl-" + ch.id;
    const label = $("label", sec);
    label.htmlFor = input.id;
    label.textContent = "Message " + title;
    input.placeholder = "Message " + title + " — or /cm …";
    wireComposer(sec, ch);
    box.append(sec);
  }
}

function upsert(m, live) {
  const sec = document.getElementById("ch-" + m.channel);
  if (!sec) return;
  state.messages.set(m.id, m);
  const node = renderMessage(m);
  const old = document.getElementById("msg-" + m.id);
  if (old) {
    const thread = old.querySelector(":scope > .thread");
    if (thread) node.append(thread);
    old.replaceWith(node);
    return;
  }
  const log = $(".log", sec);
  let parent = log;
  if (m.thread) {
    const root = document.getElementById("msg-" + m.thread);
    if (root) {
      parent = root.querySelector(":scope > .thread");
      if (!parent) { parent = el("ol", { class: "thread", "aria-label": "Replies" }); root.append(parent); }
    }
  }
  const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  parent.append(node);
  if (live && stick) log.scrollTop = log.scrollHeight;
}

function renderMessage(m) {
  const author = userName(m.author);
  const u = state.users.get(m.author);
  const li = el("li", { class: "msg", id: "msg-" + m.id, "data-id": m.id, "data-author": m.author, tabindex: "-1" });
  if (m.ephemeral) li.classList.add("ephemeral");
  if (m.deleted) li.classList.add("deleted");
  const tools = el("span", { class: "tools" });
  if (!m.deleted && !m.ephemeral && m.channel) {
    tools.append(el("button", { type: "button", class: "link reply", onclick: () => startThread(m) }, "Reply"));
  }
  if (!m.deleted && !m.bot && m.author === state.me) {
    tools.append(el("button", { type: "button", class: "link edit", onclick: () => editMessage(m) }, "Edit"));
    tools.append(el("button", { type: "button", class: "link delete", onclick: () => send({ op: "delete", id: m.id }) }, "Delete"));
  }
  li.append(tools);
  const meta = el("div", { class: "meta" }, el("span", { class: "author", text: author || m.author }));
  if (u) meta.append(el("span", { class: "badge " + u.role, text: u.role }));
  meta.append(" ", el("time", { datetime: m.time, text: new Date(m.time).toLocaleTimeString() }));
  if (m.edited && !m.deleted) meta.append(" ", el("span", { class: "edited", text: state.ui.edited || "(edited)" }));
  if (m.ephemeral) meta.append(" · ", el("span", { class: "only-you", text: state.ui.only_you || "Only you can see this" }));
  li.append(meta);
  if (m.deleted) {
    li.append(el("div", { class: "text", text: state.ui.deleted || "This message was deleted." }));
    return li;
  }
  if (m.text) li.append(rich("div", "text", display(m.text)));
  if (m.card) li.append(renderCard(m, m.card));
  if (m.file) li.append(el("img", { src: m.file, alt: m.fileName || "upload" }));
  return li;
}

// safeURL keeps links within http(s) and the page's own anchors.
function safeURL(u) {
  if (!u) return null;
  if (u.startsWith("#")) return u;
  try {
    const p = new URL(u, location.href);
    return p.protocol === "http:" || p.protocol === "https:" ? p.href : null;
  } catch { return null; }
}

function renderCard(m, c) {
  const card = el("div", { class: "card tone-" + (c.Tone || 0), role: "group", "aria-label": c.Title || "card" });
  if (c.Title) {
    const href = safeURL(c.URL);
    const t = href ? el("a", { href, class: "title", text: display(c.Title) }) : el("div", { class: "title", text: display(c.Title) });
    if (href && href.startsWith("#")) t.addEventListener("click", (ev) => { ev.preventDefault(); jump(href.slice(1)); });
    card.append(t);
  }
  if (c.Context) card.append(el("div", { class: "context", text: display(c.Context) }));
  if (c.Quote) card.append(el("blockquote", { text: display(c.Quote) }));
  if (c.Fields && c.Fields.length) {
    const dl = el("dl");
    for (const f of c.Fields) {
      dl.append(el("div", { class: f.Inline ? "" : "wide" }, el("dt", { text: display(f.Name) }), rich("dd", "", display(f.Value))));
    }
    card.append(dl);
  }
  if (c.Body) card.append(rich("div", "body", display(c.Body)));
  if (c.Footer) card.append(el("div", { class: "footer", text: display(c.Footer) }));
  if (c.Buttons && c.Buttons.length) {
    const bar = el("div", { class: "buttons" });
    for (const b of c.Buttons) {
      if (b.URL) {
        const href = safeURL(b.URL);
        if (href) bar.append(el("a", { href, target: "_blank", rel: "noopener noreferrer", text: b.Label }));
        continue;
      }
      bar.append(el("button", {
        type: "button", class: "btn-" + (b.Style || 0), "data-button": b.ID,
        onclick: () => press(m.id, b),
      }, b.Label));
    }
    card.append(bar);
  }
  return card;
}

function jump(anchor) {
  const t = document.getElementById(anchor);
  if (!t) return;
  t.scrollIntoView({ block: "center" });
  t.classList.add("target");
  t.focus();
  setTimeout(() => t.classList.remove("target"), 2000);
}

async function press(id, b) {
  if (b.Confirm && !(await confirmText(b.Confirm))) return;
  send({ op: "press", id, button: b.ID });
}

function notice(text) {
  const n = el("div", { class: "notice", text });
  $("#notices").append(n);
  setTimeout(() => n.remove(), 8000);
}

// ---------- composer and completion ----------

function startThread(m) {
  const sec = document.getElementById("ch-" + m.channel);
  const root = m.thread || m.id;
  state.threadOf.set(sec, root);
  const r = $(".replying", sec);
  r.hidden = false;
  $("span", r).textContent = "Replying in the thread of " + userName(state.messages.get(root)?.author || m.author);
  $(".composer-input", sec).focus();
}

function endThread(sec) {
  state.threadOf.delete(sec);
  $(".replying", sec).hidden = true;
}

function wireComposer(sec, ch) {
  const form = $(".composer", sec);
  const input = $(".composer-input", sec);
  const list = $(".complete", sec);
  const usage = $(".usage", sec);
  const comp = { items: [], active: -1, req: 0 };
  sec.comp = comp;

  const close = () => {
    comp.items = []; comp.active = -1;
    list.hidden = true; list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };
  const show = (items) => {
    comp.items = items; comp.active = items.length ? 0 : -1;
    list.replaceChildren();
    items.forEach((it, i) => {
      const li = el("li", { role: "option", id: list.id + "-" + i, "aria-selected": i === comp.active ? "true" : "false" },
        el("span", { class: "label", text: it.label }), it.desc ? el("span", { class: "desc", text: it.desc }) : null);
      li.addEventListener("mousedown", (ev) => { ev.preventDefault(); accept(i); });
      list.append(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
    mark();
  };
  const mark = () => {
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", i === comp.active ? "true" : "false"));
    if (comp.active >= 0) {
      input.setAttribute("aria-activedescendant", list.id + "-" + comp.active);
      list.children[comp.active].scrollIntoView({ block: "nearest" });
    }
  };
  const accept = (i) => {
    const it = comp.items[i];
    if (!it) return;
    input.value = it.value;
    close();
    input.focus();
    update();
  };
  comp.show = show;

  const update = () => {
    const v = input.value;
    usage.textContent = "";
    if (!v.startsWith("/")) { close(); return; }
    if (!"/cm ".startsWith(v) && !v.startsWith("/cm ")) { close(); return; }
    const rest = v.startsWith("/cm ") ? v.slice(4).replace(/^\s+/, "") : "";
    const cmd = matchCommand(rest);
    if (!cmd) {
      const typed = rest.toLowerCase();
      show(state.commands
        .filter((c) => c.route.startsWith(typed))
        .map((c) => ({ label: c.usage, desc: c.description, value: "/cm " + c.route + " " })));
      return;
    }
    usage.textContent = cmd.usage + (cmd.description ? " — " + cmd.description : "");
    comp.req = ++state.req;
    close();
    send({ op: "complete", req: comp.req, channel: ch.id, text: v });
  };
  input.addEventListener("input", update);
  input.addEventListener("focus", update);
  input.addEventListener("blur", () => setTimeout(close, 100));
  input.addEventListener("keydown", (ev) => {
    comp.accepted = false;
    if (!list.hidden && comp.items.length) {
      if (ev.key === "ArrowDown") { comp.active = (comp.active + 1) % comp.items.length; mark(); ev.preventDefault(); return; }
      if (ev.key === "ArrowUp") { comp.active = (comp.active - 1 + comp.items.length) % comp.items.length; mark(); ev.preventDefault(); return; }
      if (ev.key === "Tab" || (ev.key === "Enter" && comp.active >= 0 && comp.items[comp.active].value.trim() !== input.value.trim())) {
        // Enter picks the suggestion; the submit its key press may still
        // cause must not send the line.
        comp.accepted = ev.key === "Enter";
        accept(comp.active); ev.preventDefault(); return;
      }
      if (ev.key === "Escape") { close(); ev.preventDefault(); return; }
    }
    if (ev.key === "Escape" && state.threadOf.has(sec)) endThread(sec);
  });
  $(".cancel-thread", sec).addEventListener("click", () => endThread(sec));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (comp.accepted) { comp.accepted = false; return; }
    const text = input.value.trim();
    if (!text) return;
    if (send({ op: "post", channel: ch.id, thread: state.threadOf.get(sec) || "", text })) {
      input.value = "";
      usage.textContent = "";
      close();
      endThread(sec);
    }
  });
}

// matchCommand returns the command whose route (and a space) starts rest.
function matchCommand(rest) {
  const low = rest.toLowerCase();
  let best = null;
  for (const c of state.commands) {
    const r = c.route + " ";
    if (low.startsWith(r) && (!best || r.length > best.route.length + 1)) best = c;
  }
  return best;
}

function choices(req, list) {
  for (const sec of document.querySelectorAll(".channel")) {
    const comp = sec.comp;
    if (!comp || comp.req !== req) continue;
    const input = $(".composer-input", sec);
    const v = input.value;
    const cut = v.endsWith(" ") ? v.length : v.lastIndexOf(" ") + 1;
    comp.show(list.map((c) => ({ label: c.Name, desc: c.Name === c.Value ? "" : c.Value, value: v.slice(0, cut) + quote(c.Value) + " " })));
  }
}

function quote(v) { return /\s/.test(v) ? '"' + v + '"' : v; }

// ---------- dialogs ----------

// confirmText asks to confirm text and resolves true on OK. A dialog's
// "close" event is dispatched after it closes, so the one of a dialog just
// cancelled can arrive while the next is already open: it is ignored, and a
// confirmation superseded by a newer one resolves false.
let confirmSeq = 0;
function confirmText(text) {
  const d = $("#confirm-dialog");
  $("#confirm-text").textContent = text;
  d.returnValue = "";
  const mine = ++confirmSeq;
  d.showModal();
  return new Promise((resolve) => {
    const onClose = () => {
      if (mine === confirmSeq && d.open) return; // an earlier dialog's late close
      d.removeEventListener("close", onClose);
      resolve(mine === confirmSeq && d.returnValue === "ok");
    };
    d.addEventListener("close", onClose);
  });
}

function editMessage(m) {
  const token = "edit:" + m.id;
  openForm(token, { Title: "Edit message", Submit: "Save", Fields: [{ ID: "text", Label: "Message", Value: display(m.text), Multiline: true, Required: true, MaxLen: 4000 }] },
    (values) => { send({ op: "edit", id: m.id, text: values.text }); closeForm(token); });
}

let currentForm = null;

function openForm(token, form, local) {
  const d = $("#form-dialog");
  currentForm = { token, form, local };
  $("#form-title").textContent = form.Title || "";
  $("#form-submit").textContent = form.Submit || "Submit";
  $("#form-error").textContent = "";
  const box = $("#form-fields");
  box.replaceChildren();
  (form.Fields || []).forEach((f, i) => {
    const id = "ff-" + i;
    const attrs = { id, name: f.ID, required: !!f.Required, placeholder: f.Placeholder || null,
      maxlength: f.MaxLen > 0 ? String(f.MaxLen) : null, "aria-describedby": id + "-err" };
    const input = f.Multiline ? el("textarea", attrs) : el("input", Object.assign({ type: "text" }, attrs));
    input.value = f.Value || "";
    box.append(el("label", { for: id, text: f.Label || f.ID }), input, el("p", { class: "field-error", id: id + "-err" }));
  });
  if (!d.open) d.showModal();
  const first = $("input, textarea", box);
  if (first) first.focus();
}

function formErrors(token, errors) {
  if (!currentForm || currentForm.token !== token) return;
  const box = $("#form-fields");
  for (const field of box.querySelectorAll("input, textarea")) {
    const msg = errors[field.name] || "";
    field.setAttribute("aria-invalid", msg ? "true" : "false");
    document.getElementById(field.id + "-err").textContent = msg;
  }
  const unknown = Object.keys(errors).filter((k) => !box.querySelector('[name="' + CSS.escape(k) + '"]'));
  $("#form-error").textContent = unknown.map((k) => errors[k]).join(" ");
}

function closeForm(token) {
  if (!currentForm || currentForm.token !== token) return;
  currentForm = null;
  const d = $("#form-dialog");
  if (d.open) d.close();
}

function wireDialogs() {
  $("#form-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!currentForm) return;
    const values = {};
    for (const f of $("#form-fields").querySelectorAll("input, textarea")) values[f.name] = f.value;
    if (currentForm.local) currentForm.local(values);
    else send({ op: "submit", token: currentForm.token, values });
  });
  $("#form-cancel").addEventListener("click", () => { currentForm = null; $("#form-dialog").close(); });
  $("#form-dialog").addEventListener("cancel", () => { currentForm = null; });
}

// ---------- start ----------

document.addEventListener("DOMContentLoaded", () => {
  $("#as").addEventListener("change", (ev) => {
    localStorage.setItem("commpilot.as", ev.target.value);
    send({ op: "hello", as: ev.target.value });
  });
  $("#sample").addEventListener("click", () => send({ op: "sample" }));
  wireDialogs();
  setInterval(renderPeople, 15000); // timeouts run out
  connect();
});
