// The article view, keyboard-first: j/k move between statements, c confirms, x rejects, e corrects (s / t take
// the selected text as the speaker / content span, [ ] { } nudge the focused span), a adds a statement the
// extractor missed (the selected text is its content), u undoes, ? shows the keys; "link" under a statement adds
// a stance on a proposition the machine did not link it to.
// Every change is a POST to the JSON API (/api/statements/{id}/review, /api/stances/{id}/review,
// /api/articles/{id}/statements, /api/codings/{id}/link, /api/audit/{id}/undo); offsets are Python str indices (code points) into the original text, computed from the
// data-start attribute of the rendered span the selection falls in.
(function () {
  "use strict";
  var sm = window.stancemap;
  var articleEl = document.getElementById("article-text");
  var items = Array.prototype.slice.call(document.querySelectorAll("li.stmt"));
  var segs = Array.prototype.slice.call(document.querySelectorAll("#article-text .seg"));
  var form = document.getElementById("correct-form");
  var help = document.getElementById("help");
  if (!articleEl || !items.length) return;

  // The original text as code points (Python str indices), rebuilt from the rendered pieces.
  var chars = [];
  segs.forEach(function (s) { Array.prototype.push.apply(chars, Array.from(s.textContent)); });
  function slice(a, b) { return chars.slice(a, b).join(""); }

  var current = -1;
  var undoStack = []; // audit ids of the changes made on this page, newest last
  // a change made just before this page was reloaded (a link: its stance is not a statement's audit)
  try {
    var carried = sessionStorage.getItem("stancemap.undo");
    sessionStorage.removeItem("stancemap.undo");
    if (carried) undoStack.push(parseInt(carried, 10));
  } catch (err) { /* private mode */ }
  function undoAfterReload(auditId) {
    try { sessionStorage.setItem("stancemap.undo", String(auditId)); } catch (err) { /* private mode */ }
  }

  function info(li) { return JSON.parse(li.getAttribute("data-statement")); }
  function idOf(li) { return li.getAttribute("data-id"); }
  function hasId(attr, id) { return attr ? attr.split(" ").indexOf(id) >= 0 : false; }

  function focus(i, scroll) {
    if (i < 0 || i >= items.length) return;
    if (current >= 0) items[current].classList.remove("focused");
    segs.forEach(function (s) { s.classList.remove("hl"); });
    current = i;
    var li = items[i];
    var id = idOf(li);
    li.classList.add("focused");
    var first = null;
    segs.forEach(function (s) {
      if (hasId(s.getAttribute("data-speaker"), id) || hasId(s.getAttribute("data-cue"), id) ||
          hasId(s.getAttribute("data-content"), id)) {
        s.classList.add("hl");
        if (!first) first = s;
      }
    });
    if (scroll !== false) {
      li.scrollIntoView({ block: "nearest" });
      if (first) first.scrollIntoView({ block: "center" });
    }
    if (history.replaceState) history.replaceState(null, "", "#s" + id);
  }

  function focusedItem() { return current >= 0 ? items[current] : null; }

  function setState(li, state, auditId) {
    li.className = li.className.replace(/\bstate-\S+/, "state-" + state);
    var badge = li.querySelector(".badge.state");
    if (badge) badge.textContent = state;
    if (auditId != null) {
      li.setAttribute("data-audit", String(auditId));
      var d = info(li);
      d.audit = auditId;
      li.setAttribute("data-statement", JSON.stringify(d));
    }
  }

  function explain(res, what) {
    var d = res.data || {};
    if (res.status === 409) {
      var cur = d.current || {};
      var who = d.latest_audit ? " by " + (d.latest_audit.by || "someone") + (d.latest_audit.action ? " (" + d.latest_audit.action + ")" : "") : "";
      return "Not saved: someone else changed " + what + who + "; it is now " + (cur.review_state || "different") +
        ". " + (d.detail || "") + " Reload to see it.";
    }
    if (res.status === 422) return "Not saved: " + (typeof d.detail === "string" ? d.detail : JSON.stringify(d.detail));
    if (res.status === 403) return "Not saved: your role may not change statements.";
    if (res.status === 401) return "Not saved: log in first.";
    return "Not saved (" + res.status + "): " + (d.detail ? (typeof d.detail === "string" ? d.detail : JSON.stringify(d.detail)) : "unexpected answer");
  }

  function auditOf(li) {
    var a = li.getAttribute("data-audit");
    return a ? parseInt(a, 10) : null;
  }

  async function review(li, body, done) {
    var id = idOf(li);
    body.based_on = auditOf(li);
    var res = await sm.post("/api/statements/" + id + "/review", body);
    if (res.ok && res.data && res.data.audit) {
      undoStack.push(res.data.audit.id);
      var st = (res.data.statement && res.data.statement.review_state) || body.state || "corrected";
      setState(li, st, res.data.audit.id);
      if (done) done(res); else sm.flash("Statement " + id + ": " + st + ".", "ok");
    } else if (res.status === 409 && res.data && res.data.latest_audit) {
      sm.flash(explain(res, "statement " + id), "error");
    } else {
      sm.flash(explain(res, "statement " + id), "error");
    }
    return res;
  }

  function confirmIt() { var li = focusedItem(); if (li) review(li, { state: "confirmed", corrections: {}, note: null }); }
  function rejectIt() { var li = focusedItem(); if (li) review(li, { state: "rejected", corrections: {}, note: null }); }

  async function undo() {
    var li = focusedItem();
    var auditId = undoStack.length ? undoStack[undoStack.length - 1] : (li ? auditOf(li) : null);
    if (!auditId) { sm.flash("Nothing to undo.", "error"); return; }
    var res = await sm.post("/api/audit/" + auditId + "/undo", {});
    if (res.ok) {
      if (undoStack.length && undoStack[undoStack.length - 1] === auditId) undoStack.pop();
      sm.flashAfterReload("Undone (change " + auditId + ").", "ok");
      location.reload();
    } else {
      sm.flash(explain(res, "this statement"), "error");
    }
  }

  // ----------------------------------------------------------------- correction form
  var edit = null; // {li, orig, speaker, content: [spans], field: "speaker"|"content", index, creating}

  function spanOf(a, b) { return { text: slice(a, b), start: a, end: b }; }

  function showSpans() {
    if (!edit) return;
    var sp = form.querySelector('[data-field="speaker"]');
    var ct = form.querySelector('[data-field="content"]');
    sp.querySelector(".span-text").textContent = edit.speaker ? "“" + edit.speaker.text + "”" : "—";
    sp.querySelector(".span-offsets").textContent = edit.speaker ? edit.speaker.start + "–" + edit.speaker.end : "";
    ct.querySelector(".span-text").textContent = edit.content.map(function (c) { return "“" + c.text + "”"; }).join(" … ");
    ct.querySelector(".span-offsets").textContent = edit.content.map(function (c) { return c.start + "–" + c.end; }).join(", ");
    sp.classList.toggle("focused-span", edit.field === "speaker");
    ct.classList.toggle("focused-span", edit.field === "content");
  }

  function openForm() {
    var li = focusedItem();
    if (!li) return;
    var d = info(li);
    edit = {
      li: li, orig: d, speaker: d.speaker ? Object.assign({}, d.speaker) : null,
      content: (d.content || []).map(function (c) { return { text: c.text, start: c.start, end: c.end }; }),
      field: d.speaker ? "speaker" : "content", index: 0,
    };
    form.querySelector(".cf-title").textContent = "Correct statement";
    form.querySelector(".cf-id").textContent = "#" + d.id;
    form.elements.actor_name.value = d.actor_name || "";
    form.elements.actor_type.value = d.actor_type || "unknown";
    form.elements.kind.value = d.kind || "";
    form.elements.date.value = d.date || "";
    form.elements.date_basis.value = d.date_basis || "publication";
    form.elements.medium.value = d.medium || "";
    form.elements.reported_by.value = (d.reported_by || []).join("; ");
    form.elements.note.value = "";
    form.hidden = false;
    showSpans();
  }

  // A new statement: the selected text is its content; s / t / T and the nudges work as when correcting.
  function openNew() {
    var s = selection();
    if (!s) { sm.flash("Select the statement's content in the article first, then press a.", "error"); return; }
    edit = { li: null, orig: null, speaker: null, content: [spanOf(s[0], s[1])], field: "content", index: 0,
             creating: true };
    form.querySelector(".cf-title").textContent = "New statement";
    form.querySelector(".cf-id").textContent = "";
    form.elements.actor_name.value = "";
    form.elements.actor_type.value = "unknown";
    form.elements.kind.value = "indirect";
    form.elements.date.value = "";
    form.elements.date_basis.value = "stated";
    form.elements.medium.value = "";
    form.elements.reported_by.value = "";
    form.elements.note.value = "";
    form.hidden = false;
    window.getSelection().removeAllRanges();
    showSpans();
  }

  async function create() {
    var f = form.elements;
    var body = { content: edit.content, kind: f.kind.value, note: f.note.value.trim() || null };
    if (edit.speaker) body.speaker = edit.speaker;
    var actor = f.actor_name.value.trim();
    if (actor) { body.actor_name = actor; body.actor_type = f.actor_type.value; }
    var date = f.date.value.trim();
    if (date) { body.date = date; body.date_basis = f.date_basis.value; }
    var medium = f.medium.value.trim();
    if (medium) body.medium = medium;
    var rep = f.reported_by.value.split(";").map(function (x) { return x.trim(); }).filter(Boolean);
    if (rep.length) body.reported_by = rep;
    var res = await sm.post("/api/articles/" + articleEl.getAttribute("data-article") + "/statements", body);
    if (!res.ok) { sm.flash(explain(res, "the new statement"), "error"); return; }
    var id = res.data.statement.id;
    sm.flashAfterReload("Statement " + id + " added (u undoes it).", "ok");
    if (history.replaceState) history.replaceState(null, "", "#s" + id);
    location.reload();
  }

  function closeForm() { form.hidden = true; edit = null; }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function corrections() {
    var o = edit.orig, out = {};
    var f = form.elements;
    if (!same(edit.speaker, o.speaker)) out.speaker = edit.speaker;
    if (!same(edit.content, (o.content || []).map(function (c) { return { text: c.text, start: c.start, end: c.end }; }))) out.content = edit.content;
    var actor = f.actor_name.value.trim() || null;
    if (actor !== (o.actor_name || null)) out.actor_name = actor;
    if (actor && f.actor_type.value !== (o.actor_type || "unknown")) out.actor_type = f.actor_type.value;
    if (f.kind.value !== o.kind) out.kind = f.kind.value;
    var date = f.date.value.trim() || null;
    if (date !== (o.date || null)) out.date = date;
    if (f.date_basis.value !== o.date_basis) out.date_basis = f.date_basis.value;
    var medium = f.medium.value.trim() || null;
    if (medium !== (o.medium || null)) out.medium = medium;
    var rep = f.reported_by.value.split(";").map(function (x) { return x.trim(); }).filter(Boolean);
    if (!same(rep, o.reported_by || [])) out.reported_by = rep;
    return out;
  }

  async function save() {
    if (!edit) return;
    if (edit.creating) { await create(); return; }
    var c = corrections();
    if (!Object.keys(c).length) { sm.flash("Nothing changed.", "error"); return; }
    var li = edit.li;
    var note = form.elements.note.value.trim() || null;
    await review(li, { state: "corrected", corrections: c, note: note }, function (res) {
      sm.flashAfterReload("Statement " + idOf(li) + " corrected (" + Object.keys(c).join(", ") + ").", "ok");
      location.reload();
    });
  }

  // The selection as offsets into the original text (null when it is not inside the article).
  function pointOffset(node, offset, isEnd) {
    if (node.nodeType === Node.TEXT_NODE) {
      var seg = node.parentElement && node.parentElement.closest(".seg");
      if (!seg || !articleEl.contains(seg)) return null;
      return parseInt(seg.getAttribute("data-start"), 10) + Array.from(node.data.slice(0, offset)).length;
    }
    var el = node.nodeType === Node.ELEMENT_NODE ? node : null;
    if (!el) return null;
    var seg0 = el.closest && el.closest(".seg");
    if (seg0 && articleEl.contains(seg0)) {
      return parseInt(seg0.getAttribute(offset > 0 ? "data-end" : "data-start"), 10);
    }
    if (el !== articleEl && !articleEl.contains(el)) return null;
    var kids = el.childNodes;
    if (isEnd) {
      var before = kids[offset - 1];
      return before && before.getAttribute ? parseInt(before.getAttribute("data-end"), 10) : 0;
    }
    var at = kids[offset];
    return at && at.getAttribute ? parseInt(at.getAttribute("data-start"), 10) : chars.length;
  }

  function selection() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    var r = sel.getRangeAt(0);
    var a = pointOffset(r.startContainer, r.startOffset, false);
    var b = pointOffset(r.endContainer, r.endOffset, true);
    if (a == null || b == null || !(a < b)) return null;
    // leave out surrounding white space, as the extractor's spans do
    while (a < b && /\s/.test(chars[a])) a++;
    while (b > a && /\s/.test(chars[b - 1])) b--;
    return a < b ? [a, b] : null;
  }

  function take(field, add) {
    var s = selection();
    if (!s) { sm.flash("Select some text in the article first.", "error"); return; }
    if (!edit) openForm();
    if (!edit) return;
    var span = spanOf(s[0], s[1]);
    if (field === "speaker") {
      edit.speaker = span; edit.field = "speaker";
    } else if (add) {
      edit.content.push(span);
      edit.content.sort(function (x, y) { return x.start - y.start; });
      edit.field = "content"; edit.index = edit.content.indexOf(span);
    } else {
      edit.content = [span]; edit.field = "content"; edit.index = 0;
    }
    window.getSelection().removeAllRanges();
    showSpans();
  }

  function nudge(which, delta) {
    if (!edit) return;
    var span = edit.field === "speaker" ? edit.speaker : edit.content[edit.index];
    if (!span) return;
    var a = span.start, b = span.end;
    if (which === "end") b = Math.min(chars.length, Math.max(a + 1, b + delta));
    else a = Math.max(0, Math.min(b - 1, a + delta));
    var next = spanOf(a, b);
    if (edit.field === "speaker") edit.speaker = next; else edit.content[edit.index] = next;
    showSpans();
  }

  // ----------------------------------------------------------------- stances
  async function reviewStance(li, body) {
    var id = li.getAttribute("data-stance");
    var res = await sm.post("/api/stances/" + id + "/review",
      Object.assign({ state: null, label: null, condition: null, note: null, based_on: null }, body));
    if (res.ok) {
      if (res.data && res.data.audit) undoStack.push(res.data.audit.id);
      sm.flash("Stance " + id + ": " + (body.label || body.state) + ".", "ok");
      if (body.label) li.querySelector(".label").textContent = body.label;
      if (body.state === "rejected") li.classList.add("rejected");
    } else {
      sm.flash(explain(res, "stance " + id), "error");
    }
  }

  // A stance on a proposition the machine did not link the statement to (decided by the person).
  async function addLink(box) {
    var coded = box.getAttribute("data-coded");
    var prop = box.querySelector(".link-prop").value;
    var label = box.querySelector(".link-label").value;
    var res = await sm.post("/api/codings/" + coded + "/link", { proposition: prop, label: label, condition: null, note: null });
    if (!res.ok) { sm.flash(explain(res, "the link to " + prop), "error"); return; }
    sm.flashAfterReload("Linked to " + prop + " (" + label + "); u undoes it.", "ok");
    undoAfterReload(res.data.audit.id);
    location.reload();
  }

  // ----------------------------------------------------------------- events
  items.forEach(function (li, i) {
    li.addEventListener("click", function (e) {
      if (e.target.closest("a, select")) return;
      if (current !== i) focus(i, false);
      if (e.target.closest(".act-confirm")) confirmIt();
      else if (e.target.closest(".act-reject")) rejectIt();
      else if (e.target.closest(".act-edit")) openForm();
      var box = e.target.closest(".link-to");
      if (box && e.target.closest(".link-add")) addLink(box);
      var st = e.target.closest(".stance");
      if (st && e.target.closest(".stance-confirm")) reviewStance(st, { state: "confirmed" });
      if (st && e.target.closest(".stance-reject")) reviewStance(st, { state: "rejected" });
    });
    li.querySelectorAll(".stance-label").forEach(function (sel) {
      sel.addEventListener("change", function () { reviewStance(sel.closest(".stance"), { state: "corrected", label: sel.value }); });
    });
  });
  articleEl.addEventListener("click", function (e) {
    var seg = e.target.closest(".seg");
    if (!seg || !window.getSelection().isCollapsed) return;
    var ids = [seg.getAttribute("data-content"), seg.getAttribute("data-speaker"), seg.getAttribute("data-cue")]
      .filter(Boolean).join(" ").split(" ");
    var i = items.findIndex(function (li) { return ids.indexOf(idOf(li)) >= 0; });
    if (i >= 0) focus(i);
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); save(); });
  form.querySelector(".cf-cancel").addEventListener("click", closeForm);
  form.querySelectorAll(".span-field").forEach(function (fs) {
    fs.addEventListener("click", function () { if (edit) { edit.field = fs.getAttribute("data-field"); showSpans(); } });
  });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (e.key === "Escape") {
      if (typing) t.blur();
      else if (!help.hidden) help.hidden = true;
      else if (edit) closeForm();
      return;
    }
    if (typing) return;
    if (e.key === "Enter" && edit) { e.preventDefault(); save(); return; }
    var handled = true;
    switch (e.key) {
      case "j": focus(Math.min(items.length - 1, current + 1)); break;
      case "k": focus(Math.max(0, current - 1)); break;
      case "c": confirmIt(); break;
      case "x": rejectIt(); break;
      case "e": openForm(); break;
      case "a": openNew(); break;
      case "s": take("speaker", false); break;
      case "t": take("content", false); break;
      case "T": take("content", true); break;
      case "[": nudge("end", -1); break;
      case "]": nudge("end", 1); break;
      case "{": nudge("start", -1); break;
      case "}": nudge("start", 1); break;
      case "u": undo(); break;
      case "?": help.hidden = !help.hidden; break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  });

  var m = /^#s(\d+)$/.exec(location.hash);
  var start = m ? items.findIndex(function (li) { return idOf(li) === m[1]; }) : -1;
  focus(start >= 0 ? start : 0, start >= 0);
})();
