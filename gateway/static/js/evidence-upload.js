// Evidence on the checklist: a photo from the camera or a file, sent to the API proxy with its progress
// shown; each attachment appears as a thumbnail (images) or its name, with a button to take it off.
// Files are not queued offline (a photo is too large for localStorage); the message says to try again.
(function () {
  "use strict";
  var page = document.querySelector("[data-engagement]");
  if (!page) { return; }
  var zh = document.documentElement.lang === "zh-CN";

  function localized(detail) {
    // Problems say "中文 / English"; show the half in the page's language.
    var parts = String(detail || "").split(" / ");
    return parts.length === 2 ? parts[zh ? 0 : 1] : String(detail || "");
  }
  function tile(box, shown) {
    var list = box.querySelector("ul.thumbs");
    if (list.querySelector("[data-evidence='" + shown.id + "']")) { return; }
    var item = document.createElement("li");
    item.setAttribute("data-evidence", String(shown.id));
    var link = document.createElement("a");
    link.href = "/api/assets" + shown.href;
    link.target = "_blank";
    link.rel = "noopener";
    if (shown.thumbnail_href) {
      var image = document.createElement("img");
      image.src = "/api/assets" + shown.thumbnail_href;
      image.alt = shown.filename;
      link.appendChild(image);
    } else {
      var name = document.createElement("span");
      name.className = "file";
      name.textContent = shown.filename;
      link.appendChild(name);
    }
    item.appendChild(link);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.setAttribute("data-remove", "/api/assets/v1/evidence/" + shown.id);
    remove.setAttribute("aria-label", box.getAttribute("data-msg-remove") + " " + shown.filename);
    remove.textContent = "×";
    item.appendChild(remove);
    list.appendChild(item);
  }
  function detach(box, button) {
    if (!window.confirm(box.getAttribute("data-msg-confirm"))) { return; }
    var xhr = new XMLHttpRequest();
    xhr.open("DELETE", button.getAttribute("data-remove"));
    xhr.setRequestHeader("X-CSRF-Token", box.getAttribute("data-csrf"));
    xhr.addEventListener("load", function () {
      if (xhr.status === 204 || xhr.status === 404) { button.closest("li").remove(); return; }
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
      say(box, localized(answer.detail), "refused");
    });
    xhr.addEventListener("error", function () { say(box, box.getAttribute("data-msg-offline"), "offline"); });
    xhr.send();
  }
  function say(box, text, state) {
    var target = box.querySelector(".upload-state");
    target.textContent = text;
    target.setAttribute("data-state", state);
  }
  function send(box, file, done) {
    var limit = Number(box.getAttribute("data-max-bytes") || 0);
    if (limit && file.size > limit) {
      say(box, box.getAttribute("data-msg-too-large") + " " + file.name, "refused");
      return done();
    }
    var bar = box.querySelector(".upload-progress");
    var body = new FormData();
    body.append("item_code", box.getAttribute("data-item"));
    body.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", box.getAttribute("data-upload"));
    xhr.setRequestHeader("X-CSRF-Token", box.getAttribute("data-csrf"));
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { bar.value = Math.round(100 * event.loaded / event.total); }
    });
    xhr.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
      if (xhr.status === 200 || xhr.status === 201) {
        tile(box, answer);
        say(box, box.getAttribute("data-msg-sent") + " " + answer.filename, "sent");
      } else {
        var reason = answer.errors && answer.errors.length ? answer.errors[0].message : answer.detail;
        say(box, box.getAttribute("data-msg-failed") + " " + localized(reason), "refused");
      }
      done();
    });
    xhr.addEventListener("error", function () {
      say(box, box.getAttribute("data-msg-offline"), "offline");
      done();
    });
    bar.value = 0;
    bar.hidden = false;
    say(box, box.getAttribute("data-msg-sending") + " " + file.name, "sending");
    xhr.send(body);
  }

  page.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-remove]");
    if (button) { detach(button.closest(".evidence"), button); }
  });
  page.addEventListener("change", function (event) {
    var input = event.target;
    var box = input.closest && input.closest(".evidence");
    if (!box || input.type !== "file") { return; }
    event.stopPropagation();  // a file is no answer: the item's form must not save on it
    var files = Array.prototype.slice.call(input.files || []);
    input.disabled = true;
    (function next() {
      if (!files.length) {
        box.querySelector(".upload-progress").hidden = true;
        input.disabled = false;
        input.value = "";
        return;
      }
      send(box, files.shift(), next);
    }());
  }, true);
}());
