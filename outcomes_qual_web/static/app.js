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
      start.value = ""; end.value = ""; submit.disabled = true; form.classList.remove("ready"); preview.textContent = msg || "Select text in a turn.";
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
      var panel = document.getElementById("panel");
      if (panel) panel.scrollTop = 0;  // the selection form is at the panel's top: show it
      form.classList.add("ready");
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

  // The sticky header and change bar: their heights go to CSS (sticky offsets, scroll-margin of anchors).
  function setStickyVars() {
    var header = document.querySelector("header.top"), bar = document.querySelector(".change-bar");
    var root = document.documentElement.style;
    root.setProperty("--header-h", (header ? header.offsetHeight : 0) + "px");
    root.setProperty("--bar-h", (bar ? bar.offsetHeight : 0) + "px");
  }

  // Pixels at the top of the window hidden by the sticky header and change bar.
  function hiddenTop() {
    var h = 0, header = document.querySelector("header.top"), bar = document.querySelector(".change-bar");
    if (header) h = header.getBoundingClientRect().bottom;
    if (bar) h = Math.max(h, bar.getBoundingClientRect().bottom);
    return Math.max(0, h);
  }

  // A short message at the bottom of the window (what a key did, or why it did nothing).
  var hintTimer = null;
  function hint(text) {
    var el = document.getElementById("keyhint");
    if (!el) return;
    el.textContent = text; el.hidden = false;
    clearTimeout(hintTimer);
    hintTimer = setTimeout(function () { el.hidden = true; }, 5000);
  }

  // The keys act on the current suggestion, which is always one the person can see: the anchor's turn
  // (#turn-N), else where they were before their last action, else the first suggestion in view.
  function setupKeys() {
    var items = Array.prototype.slice.call(document.querySelectorAll(".sugg"));
    var reviewForm = document.getElementById("review-form");
    var key = "oq-current:" + location.pathname + location.search, placeKey = "oq-place:" + location.pathname;
    var current = null;  // index into items, or null when no suggestion is on screen

    function inView(el) {  // at least half of it shows below the sticky bars and above the window's bottom
      var r = el.getBoundingClientRect();
      if (r.height === 0) return false;
      var top = Math.max(r.top, hiddenTop()), bottom = Math.min(r.bottom, window.innerHeight);
      return bottom - top >= Math.min(r.height, window.innerHeight) / 2;
    }
    function firstFrom() {  // index of the first suggestion whose lower half is below the sticky bars (binary search)
      var top = hiddenTop(), lo = 0, hi = items.length;
      while (lo < hi) {
        var mid = (lo + hi) >> 1, r = items[mid].getBoundingClientRect();
        if (r.bottom - r.height / 2 > top) hi = mid; else lo = mid + 1;
      }
      return lo;
    }
    function firstInView() { var i = firstFrom(); return i < items.length && inView(items[i]) ? i : null; }
    function mark(i, quiet) {  // quiet: the mark moved with scrolling; the panel keeps the turn the person chose
      if (current !== null && items[current]) items[current].classList.remove("current");
      current = i;
      if (i === null) return;
      items[i].classList.add("current");
      if (!quiet) setTurn(items[i].closest("section.turn"));
    }
    function show(i, scroll) {
      if (!items.length) return;
      mark(Math.max(0, Math.min(items.length - 1, i)));
      if (scroll && !inView(items[current])) items[current].scrollIntoView({block: "center"});
    }
    function save(i) {  // the suggestion acted on, for the page the server sends back after the action
      if (i === null || !items[i]) return;
      sessionStorage.setItem(key, JSON.stringify({id: items[i].getAttribute("data-id"), index: i, at: Date.now(),
                                                  top: Math.round(items[i].getBoundingClientRect().top)}));
    }
    function taken(k) {  // a stored place, used once, and only just after the action that stored it (2 minutes)
      var st = null;
      try { st = JSON.parse(sessionStorage.getItem(k) || "null"); } catch (e) { st = null; }
      sessionStorage.removeItem(k);
      return st && Date.now() - (st.at || 0) < 120000 ? st : null;
    }
    // Run fn now and once more two frames later, when turns first estimated (content-visibility) have been
    // laid out at their real height and may have moved what fn placed, unless the person moved meanwhile.
    function settle(fn) {
      var moved = false;
      function stop() { moved = true; }
      ["wheel", "touchmove", "keydown", "mousedown"].forEach(function (t) {
        window.addEventListener(t, stop, {once: true, passive: true});
      });
      fn();
      requestAnimationFrame(function () { requestAnimationFrame(function () { if (!moved) fn(); }); });
    }
    function toAnchor() {  // #turn-N: that turn's first (strongest) suggestion, else the first one in view
      var target = location.hash && /^#turn-\d+$/.test(location.hash) ? document.getElementById(location.hash.slice(1)) : null;
      if (!target) return false;
      settle(function () {
        target.scrollIntoView({block: "start"});  // again, now that the sticky bars' heights are known
        var own = target.querySelector(".sugg");
        mark(own && inView(own) ? items.indexOf(own) : firstInView());
      });
      return true;
    }
    function restore() {
      var place = taken(placeKey), st = taken(key);
      if (toAnchor()) return;
      var turn = place && document.getElementById(place.turn);
      var el = st && items.length ? document.getElementById("s-" + st.id) ||
        items[Math.min(st.index | 0, items.length - 1)] : null;
      settle(function () {
        // after any action (a memo, a span, undo): the turn that was at the top is at the top again
        if (turn) window.scrollBy(0, turn.getBoundingClientRect().top - place.top);
        if (!el) return mark(firstInView());
        window.scrollBy(0, el.getBoundingClientRect().top - (st.top || 0));  // the next one where the last one was
        if (!inView(el)) el.scrollIntoView({block: "center"});
        mark(items.indexOf(el));
      });
    }
    function submit(form, button) {
      if (!form) return;
      if (form.requestSubmit) form.requestSubmit(button || undefined); else form.submit();
    }
    // acting on the current suggestion only when it is on screen; otherwise mark the one on screen first
    function actOn() {
      if (current !== null && inView(items[current])) return items[current];
      var i = firstInView();
      mark(i);
      if (i === null) hint("No suggestion on screen: press j to go to the next one.");
      else hint("Marked " + items[i].getAttribute("data-label") + " on turn " + items[i].getAttribute("data-turn") +
                ", the suggestion on screen: press the key again to act on it.");
      return null;
    }
    document.addEventListener("submit", function () {  // every form posts and comes back: keep the place
      var turns = document.querySelectorAll("section.turn"), top = hiddenTop(), lo = 0, hi = turns.length;
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (turns[mid].getBoundingClientRect().bottom > top) hi = mid; else lo = mid + 1;
      }
      if (lo < turns.length) {
        sessionStorage.setItem(placeKey, JSON.stringify({turn: turns[lo].id, at: Date.now(),
                                                         top: Math.round(turns[lo].getBoundingClientRect().top)}));
      }
    }, true);
    if (reviewForm) {
      reviewForm.addEventListener("submit", function (e) {
        var s = e.submitter && e.submitter.closest(".sugg");
        if (s) save(items.indexOf(s));
      });
    }
    items.forEach(function (el, k) { el.addEventListener("click", function () { mark(k); }); });
    restore();
    window.addEventListener("hashchange", toAnchor);
    var ticking = false;
    window.addEventListener("scroll", function () {  // the mark follows the screen: never left off it
      if (ticking) return;
      ticking = true;
      requestAnimationFrame(function () {
        ticking = false;
        if (current === null || !inView(items[current])) mark(firstInView(), true);
      });
    }, {passive: true});
    var shortcuts = {};
    document.querySelectorAll("#legend [data-shortcut]").forEach(function (li) {
      shortcuts[li.getAttribute("data-shortcut")] = li.getAttribute("data-code");
    });
    window.oqCurrent = function () { return current === null ? null : items[current].getAttribute("data-id"); };
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) return;
      var el;
      if (e.key === "j" || e.key === "k") {
        if (!items.length) return;
        var from = current !== null && inView(items[current]) ? current : null;
        if (from === null) { var f = firstFrom(); show(e.key === "j" ? f : f - 1, true); }
        else show(from + (e.key === "j" ? 1 : -1), true);
        e.preventDefault();
      }
      else if (e.key === "u") { submit(document.getElementById("undo-form")); }
      else if (e.key === "m" && document.getElementById("memo-text") && !document.getElementById("memo-submit").disabled) {
        var memo = document.getElementById("memo-text"), panel = document.getElementById("panel");
        memo.focus({preventScroll: true});
        if (panel) panel.scrollTop = Math.max(0, memo.offsetTop - 40);
        e.preventDefault();
      }
      else if (e.key === "a" || e.key === "r" || shortcuts[e.key]) {
        if (!items.length || !(el = actOn())) return;
        e.preventDefault();
        var what = el.getAttribute("data-label") + " on turn " + el.getAttribute("data-turn");
        if (e.key === "a") { hint("accepting " + what); submit(reviewForm, el.querySelector("button.accept")); }
        else if (e.key === "r") { hint("rejecting " + what); submit(reviewForm, el.querySelector("button.reject")); }
        else {
          document.getElementById("change-code").value = shortcuts[e.key];
          hint("changing " + what); submit(reviewForm, el.querySelector("button.change"));
        }
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
    setStickyVars();
    window.addEventListener("resize", setStickyVars);
    paint(document);
    setupSpan();
    setupFilter();
    setupTurns();
    setupKeys();
    setupChanges();
  });
})();
