// outcomes_qual review: keyboard review, span selection with exact offsets, colours, codebook filter.
// Shipped with the package; nothing is fetched from elsewhere. Forms post normally (the server redirects back),
// so every action also works without this script.
"use strict";
(function () {
  // Colours come from data-color (CSP forbids inline style attributes; setting them from script is allowed).
  function paint(root) {
    root.querySelectorAll("[data-color]").forEach(function (el) {
      var c = el.getAttribute("data-color");
      if (/^#[0-9a-fA-F]{3,8}$/.test(c)) el.style.setProperty("--c", c);
    });
  }

  // Code points (what the project's offsets count), not UTF-16 units (what JavaScript strings count).
  function cpLen(s) { var n = 0; for (var i = 0; i < s.length; i++) { var c = s.charCodeAt(i); if (c < 0xDC00 || c > 0xDFFF) n++; } return n; }

  // Offset of (node, offset) inside a .turn-text element, in code points, plus the turn's start in the transcript.
  function absOffset(node, offset) {
    var el = node.nodeType === 1 ? node : node.parentElement;
    var turn = el && el.closest(".turn-text[data-start]");
    if (!turn) return null;
    var walker = document.createTreeWalker(turn, NodeFilter.SHOW_TEXT, null);
    var n = 0, t;
    if (node.nodeType === 1) {  // offset counts child nodes: measure the text before that child
      var before = document.createRange();
      before.setStart(turn, 0); before.setEnd(node, offset);
      return parseInt(turn.getAttribute("data-start"), 10) + cpLen(before.toString());
    }
    while ((t = walker.nextNode())) {
      if (t === node) return parseInt(turn.getAttribute("data-start"), 10) + n + cpLen(t.data.slice(0, offset));
      n += cpLen(t.data);
    }
    return null;
  }

  function setupSpan() {
    var form = document.getElementById("span-form");
    if (!form) return;
    var start = document.getElementById("span-start"), end = document.getElementById("span-end");
    var preview = document.getElementById("span-preview"), submit = document.getElementById("span-submit");
    var buttons = document.querySelectorAll(".code-with");
    function clear(msg) {
      start.value = ""; end.value = ""; submit.disabled = true; preview.textContent = msg || "Select text in a turn.";
      buttons.forEach(function (b) { b.disabled = true; });
    }
    function capture() {
      var sel = window.getSelection();
      if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
      var r = sel.getRangeAt(0);
      var a = absOffset(r.startContainer, r.startOffset), b = absOffset(r.endContainer, r.endOffset);
      if (a === null || b === null) { clear("Select text inside the turns (not the speaker line)."); return; }
      if (b < a) { var x = a; a = b; b = x; }
      if (a === b) return;
      start.value = a; end.value = b; submit.disabled = false;
      buttons.forEach(function (btn) { btn.disabled = false; });
      var text = sel.toString();
      preview.textContent = "“" + (text.length > 160 ? text.slice(0, 160) + "…" : text) + "” (" + a + "–" + b + ")";
    }
    document.addEventListener("mouseup", function () { setTimeout(capture, 0); });
    document.addEventListener("keyup", function (e) { if (e.shiftKey) capture(); });
    buttons.forEach(function (btn) {
      btn.addEventListener("click", function () {
        if (!start.value) return;
        document.getElementById("span-code").value = btn.getAttribute("data-code");
        form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
    window.oqCaptureSelection = capture;  // for tests and scripts
  }

  function setupFilter() {
    var box = document.getElementById("codebook-filter");
    if (!box) return;
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      document.querySelectorAll("#codebook-list details.code").forEach(function (d) {
        d.hidden = q !== "" && d.getAttribute("data-search").indexOf(q) < 0;
      });
    });
  }

  // The current turn (clicked, or the one holding the current suggestion): memo and whole-turn coding in the panel.
  function setTurn(section) {
    if (!section || !document.getElementById("memo-target")) return;
    document.querySelectorAll("section.turn.current-turn").forEach(function (s) { s.classList.remove("current-turn"); });
    section.classList.add("current-turn");
    var sid = section.getAttribute("data-segment");
    document.getElementById("memo-target").value = sid;
    document.getElementById("code-turn-target").value = sid;
    document.getElementById("cur-turn").textContent = section.querySelector(".tnum").textContent + " · " +
      section.querySelector(".speaker").textContent;
    document.getElementById("memo-submit").disabled = false;
    document.getElementById("code-turn-submit").disabled = false;
  }
  window.oqSetTurn = setTurn;

  function setupTurns() {
    var box = document.getElementById("transcript");
    if (!box) return;
    box.addEventListener("click", function (e) {
      if (e.target.closest("button, input, a, select, textarea")) return;
      setTurn(e.target.closest("section.turn"));
    });
  }

  function setupKeys() {
    var items = Array.prototype.slice.call(document.querySelectorAll(".sugg"));
    var reviewForm = document.getElementById("review-form");
    var key = "oq-current:" + location.pathname + location.search;
    var current = Math.min(parseInt(sessionStorage.getItem(key) || "0", 10) || 0, items.length - 1);
    function show(i, scroll) {
      if (!items.length) return;
      current = Math.max(0, Math.min(items.length - 1, i));
      items.forEach(function (el, k) { el.classList.toggle("current", k === current); });
      sessionStorage.setItem(key, String(current));
      setTurn(items[current].closest("section.turn"));
      if (scroll) items[current].scrollIntoView({block: "center"});
    }
    function submit(form, button) {
      if (!form) return;
      sessionStorage.setItem(key, String(current));
      if (form.requestSubmit) form.requestSubmit(button || undefined); else form.submit();
    }
    items.forEach(function (el, k) { el.addEventListener("click", function () { show(k, false); }); });
    show(current, !location.hash && current > 0);
    var shortcuts = {};
    document.querySelectorAll("#legend [data-shortcut]").forEach(function (li) {
      shortcuts[li.getAttribute("data-shortcut")] = li.getAttribute("data-code");
    });
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) return;
      var el = items[current];
      if (e.key === "j") { show(current + 1, true); e.preventDefault(); }
      else if (e.key === "k") { show(current - 1, true); e.preventDefault(); }
      else if (e.key === "u") { submit(document.getElementById("undo-form")); }
      else if (e.key === "m" && document.getElementById("memo-text") && !document.getElementById("memo-submit").disabled) {
        document.getElementById("memo-text").focus(); e.preventDefault();
      }
      else if (!el) { return; }
      else if (e.key === "a") { submit(reviewForm, el.querySelector("button.accept")); }
      else if (e.key === "r") { submit(reviewForm, el.querySelector("button.reject")); }
      else if (shortcuts[e.key]) {
        var form = reviewForm;
        document.getElementById("change-code").value = shortcuts[e.key];
        submit(form, el.querySelector("button.change"));
      }
    });
  }

  // Tell the reader when someone else has written to the project since the page loaded (polls every 10 s).
  function setupChanges() {
    var banner = document.getElementById("changed");
    if (!banner || !window.fetch) return;
    var seen = parseInt(document.body.getAttribute("data-version"), 10);
    if (isNaN(seen)) seen = null;
    function check() {
      return fetch("/api/version", {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          if (!d) return;
          if (seen === null) seen = d.version;
          else if (d.version !== seen) banner.hidden = false;
        }).catch(function () {});
    }
    document.getElementById("reload-link").addEventListener("click", function (e) { e.preventDefault(); location.reload(); });
    window.oqCheckChanges = check;
    setInterval(check, 10000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    paint(document);
    setupSpan();
    setupFilter();
    setupTurns();
    setupKeys();
    setupChanges();
  });
})();
