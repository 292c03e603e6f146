// epiloop checkpoint entry: a crossing typed from the keyboard alone, as an
// officer in gloves or an ID card reader (which types the number and
// presses Enter) does it. Enter moves to the next field; a complete ID
// number shows the sex and birth date it holds and moves on by itself;
// Enter at the end of the last occupant, or Alt+N, adds an occupant;
// Ctrl+Enter saves. Loaded on every page (defer), inert without the form.
// The form works without it: the server adds rows and shows the decisions.
(function () {
  "use strict";

  function theForm() { return document.getElementById("screening-form"); }

  // The fields Enter walks through, in order: a radio group counts once.
  function fields(f) {
    return Array.prototype.filter.call(f.querySelectorAll("input, select, textarea"), function (el) {
      return !el.disabled && el.type !== "hidden" && el.offsetParent !== null && (el.type !== "radio" || el.checked);
    });
  }

  function focus(el) {
    el.focus();
    if (el.select && el.type !== "checkbox" && el.type !== "radio") { el.select(); }
  }

  // ID numbers (GB 11643): 17 digits and a check character, or the old
  // 15 digits. The server checks again; this is for the officer's eyes. A
  // number that fails says why, with the server's reason code
  // ({bad: "id_checksum"}), so the officer reads the same words.
  var weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var checks = "10X98765432";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function idInfo(raw) {
    var v = raw.replace(/\s+/g, "").toUpperCase();
    var birth, sex, i, sum = 0;
    if (/^\d{17}[\dX]$/.test(v)) {
      for (i = 0; i < 17; i++) { sum += (v.charCodeAt(i) - 48) * weights[i]; }
      if (checks.charAt(sum % 11) !== v.charAt(17)) { return { bad: "id_checksum" }; }
      birth = v.substr(6, 8);
      sex = +v.charAt(16);
    } else if (/^\d{15}$/.test(v)) {
      birth = "19" + v.substr(6, 6);
      sex = +v.charAt(14);
    } else {
      return { bad: "id_format" };
    }
    var y = +birth.substr(0, 4), m = +birth.substr(4, 2), d = +birth.substr(6, 2);
    var dt = new Date(Date.UTC(y, m - 1, d));
    if (y < 1900 || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) { return { bad: "id_birthdate" }; }
    return { male: sex % 2 === 1, birth: y + "-" + pad(m) + "-" + pad(d) };
  }

  // showID writes what the number says beside it; it reports whether the
  // number is complete and well formed.
  function showID(input) {
    var f = theForm();
    var out = document.getElementById(input.id + "info");
    if (!f || !out) { return false; }
    var v = input.value.trim();
    var info = v ? idInfo(v) : null;
    out.classList.remove("bad", "ok");
    if (!v) {
      out.textContent = "";
    } else if (info && !info.bad) {
      out.textContent = (info.male ? f.getAttribute("data-t-male") : f.getAttribute("data-t-female")) + " · " +
        f.getAttribute("data-t-born").replace("{d}", info.birth);
      out.classList.add("ok");
    } else {
      out.textContent = (info && f.getAttribute("data-t-" + info.bad)) || f.getAttribute("data-t-badid");
      out.classList.add("bad");
    }
    return !!info && !info.bad;
  }

  function rows(f) { return f.querySelectorAll("#occupants .occ"); }

  function blank(row) {
    return Array.prototype.every.call(row.querySelectorAll("input"), function (el) {
      return el.type === "checkbox" ? !el.checked : el.value.trim() === "";
    });
  }

  // addRow appends an occupant from the template and focuses its ID.
  function addRow(f) {
    var tpl = document.getElementById("occupant-template");
    var list = f.querySelector("#occupants");
    var n = rows(f).length;
    if (!tpl || !list || n >= 120) { return; }
    list.insertAdjacentHTML("beforeend", tpl.innerHTML.replace(/__i__/g, String(n)).replace(/__n__/g, String(n + 1)));
    var row = list.lastElementChild;
    if (window.htmx) { window.htmx.process(row); }
    focus(row.querySelector(".id-number"));
  }

  // swallow is the field the form moved to by itself after a complete ID
  // number: the reader's Enter that follows lands there and is not a
  // request to move on again.
  var swallow = null;

  function next(f, el) {
    var list = fields(f);
    var i = list.indexOf(el);
    var row = el.closest(".occ");
    var all = rows(f);
    if (row && row === all[all.length - 1] && i === list.length - 1) {
      if (!blank(row)) { addRow(f); }
      return;
    }
    if (i >= 0 && i + 1 < list.length) { focus(list[i + 1]); }
  }

  function isN(e) { return e.code === "KeyN" || e.key === "n" || e.key === "N"; }

  document.addEventListener("keydown", function (e) {
    var f = theForm();
    if (!f || !f.contains(e.target)) { return; }
    var el = e.target;
    var wasSwallow = swallow === el;
    swallow = null;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      f.requestSubmit(document.getElementById("submit-screening"));
      return;
    }
    if (e.altKey && isN(e)) {
      e.preventDefault();
      addRow(f);
      return;
    }
    if (e.key !== "Enter" || el.tagName === "BUTTON" || el.tagName === "TEXTAREA") { return; }
    e.preventDefault();
    if (wasSwallow) { return; }
    if (el.classList.contains("id-number")) { showID(el); }
    next(f, el);
  }, true);

  // Enter never submits the form by itself (implicit submission runs on
  // keypress, which a prevented keydown does not always stop: some
  // keyboard wedges send it on their own).
  document.addEventListener("keypress", function (e) {
    var f = theForm();
    if (!f || !f.contains(e.target)) { return; }
    if ((e.key === "Enter" && e.target.tagName !== "BUTTON" && e.target.tagName !== "TEXTAREA") || (e.altKey && isN(e))) {
      e.preventDefault();
    }
  }, true);

  document.addEventListener("input", function (e) {
    var el = e.target;
    var f = theForm();
    if (!f || !el.classList || !el.classList.contains("id-number")) { return; }
    var v = el.value.replace(/\s+/g, "");
    if (v.length < 18) {
      var out = document.getElementById(el.id + "info");
      if (out) { out.textContent = ""; out.classList.remove("bad", "ok"); }
      return;
    }
    if (showID(el) && v.length === 18) {
      next(f, el);
      swallow = document.activeElement;
    }
  });

  // Without the script "add occupant" posts the form; with it, a row
  // appears at once.
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("#add-occupant");
    var f = theForm();
    if (!b || !f) { return; }
    e.preventDefault();
    addRow(f);
  }, true);

  // After a save (or a refusal) the answer replaces the form: go to the
  // first field in error, or back to the top for the next vehicle.
  function settle() {
    var f = theForm();
    if (!f) { return; }
    f.querySelectorAll(".id-number").forEach(function (el) { if (el.value) { showID(el); } });
    var bad = f.querySelector('[aria-invalid="true"]');
    if (bad) { focus(bad); return; }
    var first = f.querySelector("[autofocus]");
    if (first && document.activeElement !== first) { focus(first); }
  }
  document.addEventListener("htmx:afterSettle", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "ck-main") { settle(); }
  });
  settle();
})();
