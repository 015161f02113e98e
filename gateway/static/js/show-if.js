// Items shown only when another answer has a value: hidden until it has, shown as soon as it changes.
// The rule is the assets service's (`checklists.visible`); the page is rendered with it already applied.
(function () {
  "use strict";
  var page = document.querySelector("[data-engagement]");
  if (!page) { return; }

  function valuesOf(code) {
    var form = page.querySelector("form.answer[data-code='" + code + "']");
    if (!form) { return []; }
    var values = [];
    form.querySelectorAll("input[name=value], textarea[name=value]").forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      if (el.value !== "") { values.push(el.value); }
    });
    return values;
  }
  function shown(rule) {
    var values = valuesOf(rule.item);
    if (!rule["in"]) { return values.length > 0; }
    return values.some(function (v) { return rule["in"].indexOf(v) >= 0; });
  }
  function apply() {
    page.querySelectorAll("form.answer[data-show-if]").forEach(function (form) {
      var rule;
      try { rule = JSON.parse(form.getAttribute("data-show-if")); } catch (e) { return; }
      form.hidden = !shown(rule);
    });
  }

  page.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("form.answer")) { apply(); }
  });
  apply();
}());
