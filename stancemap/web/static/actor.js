// The actor page: merge this actor into another (POST /api/actors/merge), and undo the merge
// (POST /api/audit/{id}/undo on its first entry: undoing any entry of a merge undoes all of it).
(function () {
  "use strict";
  var sm = window.stancemap;
  var form = document.getElementById("merge-form");
  var result = document.getElementById("merge-result");
  if (!form || !result) return;
  var first = null;

  function detail(res) {
    var d = res.data || {};
    return typeof d.detail === "string" ? d.detail : JSON.stringify(d.detail || res.status);
  }

  form.addEventListener("submit", async function (e) {
    e.preventDefault();
    var into = form.elements.into.value.trim();
    if (!into) return;
    var res = await sm.post("/api/actors/merge", {
      from: form.getAttribute("data-from"), into: into, note: form.elements.note.value.trim() || null,
    });
    if (!res.ok) { sm.flash("Not merged: " + detail(res), "error"); return; }
    first = res.data.audit.length ? res.data.audit[0].id : null;
    result.querySelector(".merge-text").textContent =
      "Merged " + res.data.statements.length + " statements into " + res.data.into + ".";
    result.querySelector(".merge-into").href = "/actors/" + encodeURIComponent(res.data.into);
    result.hidden = false;
    form.hidden = true;
    sm.flash("Merged into " + res.data.into + ".", "ok");
  });

  result.querySelector(".merge-undo").addEventListener("click", async function () {
    if (!first) return;
    var res = await sm.post("/api/audit/" + first + "/undo", {});
    if (!res.ok) { sm.flash("Not undone: " + detail(res), "error"); return; }
    sm.flashAfterReload("Merge undone.", "ok");
    location.reload();
  });
})();
