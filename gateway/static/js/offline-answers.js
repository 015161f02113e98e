// Keeps checklist answers the network lost in localStorage and sends them again when it is back.
// htmx sends each answer on change; this file only remembers what is not yet confirmed.
(function () {
  "use strict";
  var KEY = "zx-unsent-answers";
  var page = document.querySelector("[data-engagement]");
  if (!page) { return; }
  var engagement = page.getAttribute("data-engagement");
  var status = document.getElementById("sync-state");
  var zh = document.documentElement.lang === "zh-CN";

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "{}"); } catch (e) { return {}; }
  }
  function store(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); }
  function keyOf(form) { return engagement + "/" + form.getAttribute("data-code"); }
  function fieldsOf(form) {
    var fields = [];
    form.querySelectorAll("input[name=value], textarea[name=value], input[name=note]").forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      fields.push([el.name, el.value]);
    });
    return fields;
  }
  function mark(form, state) {
    form.setAttribute("data-sync", state);
    var target = form.querySelector(".state");
    if (state === "unsaved" && target) {
      target.innerHTML = "";
      var span = document.createElement("span");
      span.className = "unsaved";
      span.setAttribute("data-state", "unsaved");
      span.textContent = zh ? "未保存，联网后自动发送" : "Not saved yet; sent when back online";
      target.appendChild(span);
    }
  }
  function summary() {
    var queue = load();
    var mine = Object.keys(queue).filter(function (k) { return k.indexOf(engagement + "/") === 0; });
    if (status) {
      status.textContent = mine.length ? (zh ? mine.length + " 项答案待发送" : mine.length + " answers waiting to be sent")
        : (zh ? "全部已保存" : "All saved");
      status.setAttribute("data-unsent", String(mine.length));
    }
  }
  function restore(form, fields) {
    form.querySelectorAll("input[name=value], textarea[name=value], input[name=note]").forEach(function (el) {
      var given = fields.filter(function (f) { return f[0] === el.name; }).map(function (f) { return f[1]; });
      if (el.type === "radio" || el.type === "checkbox") { el.checked = given.indexOf(el.value) >= 0; }
      else { el.value = given.length ? given[0] : ""; }
    });
  }
  function resend() {
    if (!navigator.onLine) { return; }
    var queue = load();
    document.querySelectorAll("form.answer").forEach(function (form) {
      var entry = queue[keyOf(form)];
      if (entry && form.getAttribute("data-sync") !== "sending") {
        restore(form, entry.fields);
        htmx.trigger(form, "change");
      }
    });
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form.answer")) { return; }
    var queue = load();
    queue[keyOf(form)] = { fields: fieldsOf(form), at: Date.now() };
    store(queue);
    mark(form, "sending");
    summary();
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form.answer")) { return; }
    var xhr = event.detail.xhr;
    var answered = xhr && xhr.status === 200 ? xhr.getResponseHeader("X-Answer-Status") : null;
    if (answered) {
      // The server answered: saved, a conflict or a refusal is shown in the item and is no longer unsent.
      var queue = load();
      delete queue[keyOf(form)];
      store(queue);
      mark(form, answered === "200" ? "saved" : "refused");
    } else {
      mark(form, "unsaved");
    }
    summary();
  });
  window.addEventListener("online", resend);
  setInterval(resend, 15000);
  summary();
  resend();
}());
