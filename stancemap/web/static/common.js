// Shared by every page: the CSRF token on writes, JSON POSTs to the API, and a message line ("flash").
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") || "" : "";
  var flashEl = document.getElementById("flash");
  var timer = null;

  function flash(message, kind) {
    if (!flashEl) return;
    flashEl.textContent = message;
    flashEl.className = "flash flash-" + (kind || "ok");
    flashEl.hidden = false;
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () { flashEl.hidden = true; }, kind === "error" ? 12000 : 5000);
  }

  async function post(url, body) {
    var res;
    try {
      res = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body || {}),
      });
    } catch (err) {
      return { status: 0, ok: false, data: { detail: "the server did not answer (" + err + ")" } };
    }
    var data = null;
    try { data = await res.json(); } catch (err) { data = null; }
    return { status: res.status, ok: res.ok, data: data };
  }

  // Messages that should survive a reload (after a correction the page is rendered again).
  function flashAfterReload(message, kind) {
    try { sessionStorage.setItem("stancemap.flash", JSON.stringify([message, kind || "ok"])); } catch (err) { /* private mode */ }
  }
  try {
    var pending = sessionStorage.getItem("stancemap.flash");
    if (pending) {
      sessionStorage.removeItem("stancemap.flash");
      var p = JSON.parse(pending);
      flash(p[0], p[1]);
    }
  } catch (err) { /* ignore */ }

  document.body.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrf;
  });

  window.stancemap = { csrf: csrf, flash: flash, post: post, flashAfterReload: flashAfterReload };
})();
