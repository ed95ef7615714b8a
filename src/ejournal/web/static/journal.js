/* The course journal grid: keyboard navigation and quick mark entry (no framework;
   the saving is htmx's, vendored in htmx.min.js).

   DOM contract (what the server renders; browser tests drive it):
   - table#journal-grid.grid.journal — the grid; data-editable="1" when the visitor
     may write some lesson; data-focus="<lesson id>" for the lesson to start on.
   - th#lesson-<lesson id>.lesson[data-lesson] — a lesson's column header, with
     data-editable="1" when the visitor may write that lesson (and the page is
     not "as of" a past moment); class "focus-col" on the focused lesson,
     "substituted" (and a span.tag.sub "замена: …") when a substitute taught it.
   - Every cell is a td.cell with tabindex (-1; the current one 0) and
     data-lesson="<lesson id>":
       * pupil cells td.cell[data-lesson][data-student="<student id>"] — span.att
         (н б уп оп), then per mark a span.entry with .mark[data-mark="<mark id>"]
         (an a.mark linking its history, for those who may read it), span.tag
         (work type: уст кл дз тест кр пис лаб пр) and span.tag.late "поздно";
         the td has class "late-entry" when a mark was entered late, "out" when
         the pupil was not in the class that day (never editable), "att-<code>"
         for attendance, "focus-col" in the focused lesson;
       * td.cell.topic#topic-<lesson id>[data-field="topic"] in tr[data-row="topic"]
         above the pupils, td.cell.homework#homework-<lesson id>
         [data-field="homework"] in tr[data-row="homework"] below them.
     Each row of cells is a tr[data-row] (a pupil's: data-row="<student id>"); a
     column is the same index among its row's td.cell.
   - select#work-type — the work type a quick mark is saved with.
   - An open editor is div.cell-editor inside its td (its forms post with htmx
     and answer with the new td; button[data-cancel] closes it); a refusal comes
     back as the td with its editor and .field-error / .cell-message.error;
     #grid-status announces failed requests; #mark-history receives a mark's
     history (a click on an a.mark).
   - td.cell.pending[data-pending="4"]: a typed mark not saved yet.

   Keys, on a focused cell (not inside an editor's field):
     ArrowUp/Down/Left/Right — move between cells; Home/End — first/last cell of
     the row;
     1–5 — on an editable pupil cell, type that mark (pending);
     Enter — with a pending mark, save it (record-mark, work type from
     #work-type); otherwise open the cell's editor (editable cells);
     Escape — drop the pending mark.
   Inside an editor: Enter submits the form the field is in; Escape closes the
   editor and returns to the cell. A click on a cell focuses it; a click on the
   focused editable cell opens its editor.
*/
(function () {
  "use strict";

  var grid = null;
  var active = null; // the key of the cell that has (or should get back) focus

  function keyOf(td) {
    return td.getAttribute("data-lesson") + "|" +
      (td.getAttribute("data-student") || td.getAttribute("data-field"));
  }

  function findCell(key) {
    var parts = key.split("|");
    var kind = /^(topic|homework)$/.test(parts[1]) ? "data-field" : "data-student";
    return grid.querySelector('td.cell[data-lesson="' + parts[0] + '"][' + kind + '="' + parts[1] + '"]');
  }

  function editable(td) {
    if (td.classList.contains("out")) return false;
    var header = document.getElementById("lesson-" + td.getAttribute("data-lesson"));
    return !!header && header.getAttribute("data-editable") === "1";
  }

  function cells(row) {
    return Array.prototype.filter.call(row.children, function (el) {
      return el.classList && el.classList.contains("cell");
    });
  }

  function rows() {
    return Array.prototype.filter.call(grid.querySelectorAll("tr[data-row]"), function (r) {
      return cells(r).length > 0;
    });
  }

  function focusCell(td) {
    if (!td) return;
    var old = grid.querySelector('td.cell[tabindex="0"]');
    if (old && old !== td) old.setAttribute("tabindex", "-1");
    td.setAttribute("tabindex", "0");
    active = keyOf(td);
    td.focus();
  }

  function move(td, dRow, dCol, edge) {
    var all = rows();
    var row = td.parentElement;
    var r = all.indexOf(row);
    var c = cells(row).indexOf(td);
    if (edge === "home") c = 0;
    else if (edge === "end") c = cells(row).length - 1;
    else {
      r = Math.max(0, Math.min(all.length - 1, r + dRow));
      c = c + dCol;
    }
    var target = cells(all[r]);
    c = Math.max(0, Math.min(target.length - 1, c));
    focusCell(target[c]);
  }

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function workType() {
    var select = document.getElementById("work-type");
    return select ? select.value : "";
  }

  function cellUrl(td) {
    var lesson = td.getAttribute("data-lesson");
    var field = td.getAttribute("data-field");
    if (field) return "/lessons/" + lesson + "/" + field;
    return "/lessons/" + lesson + "/cells/" + td.getAttribute("data-student");
  }

  function request(method, url, td, values) {
    active = keyOf(td);
    return htmx.ajax(method, url, {
      source: td,
      target: td,
      swap: "outerHTML",
      values: values || {},
      headers: { "X-CSRF-Token": csrf() },
    });
  }

  function clearPending(td) {
    td.classList.remove("pending");
    td.removeAttribute("data-pending");
  }

  function openEditor(td) {
    if (!editable(td) || td.querySelector(".cell-editor")) return;
    clearPending(td);
    // One editor at a time: another one open is dropped (its cell is as saved).
    Array.prototype.forEach.call(grid.querySelectorAll(".cell-editor"), function (ed) {
      ed.parentNode.removeChild(ed);
    });
    var url = cellUrl(td) + "/edit";
    if (!td.getAttribute("data-field")) url += "?work_type=" + encodeURIComponent(workType());
    request("GET", url, td);
  }

  function closeEditor(td) {
    request("GET", cellUrl(td), td);
  }

  function saveMark(td) {
    var value = td.getAttribute("data-pending");
    clearPending(td);
    request("POST", cellUrl(td) + "/mark", td, { value: value, work_type: workType() });
  }

  function onKey(event) {
    var td = event.target.closest ? event.target.closest("td.cell") : null;
    if (!td || !grid.contains(td)) return;
    var inEditor = event.target !== td;
    if (inEditor) {
      if (event.key === "Escape") {
        event.preventDefault();
        closeEditor(td);
      } else if (event.key === "Enter" && event.target.tagName === "SELECT") {
        var form = event.target.form;
        if (form) {
          event.preventDefault();
          if (form.requestSubmit) form.requestSubmit();
          else htmx.trigger(form, "submit");
        }
      }
      return;
    }
    var key = event.key;
    if (key === "ArrowUp") move(td, -1, 0);
    else if (key === "ArrowDown") move(td, 1, 0);
    else if (key === "ArrowLeft") move(td, 0, -1);
    else if (key === "ArrowRight") move(td, 0, 1);
    else if (key === "Home") move(td, 0, 0, "home");
    else if (key === "End") move(td, 0, 0, "end");
    else if (/^[1-5]$/.test(key) && td.hasAttribute("data-student") && editable(td)) {
      td.setAttribute("data-pending", key);
      td.classList.add("pending");
    } else if (key === "Enter") {
      if (td.hasAttribute("data-pending")) saveMark(td);
      else openEditor(td);
    } else if (key === "Escape") {
      clearPending(td);
    } else return;
    event.preventDefault();
  }

  function onClick(event) {
    var mark = event.target.closest ? event.target.closest("a.mark[data-mark]") : null;
    if (mark && document.getElementById("mark-history")) {
      event.preventDefault();
      htmx.ajax("GET", mark.getAttribute("href"), { target: "#mark-history", swap: "innerHTML" });
      return;
    }
    var td = event.target.closest ? event.target.closest("td.cell") : null;
    if (!td || !grid.contains(td)) return;
    if (event.target.closest("a, button, input, select, textarea, label, .cell-editor")) return;
    if (document.activeElement === td) openEditor(td);
    else focusCell(td);
  }

  function afterSettle() {
    var status = document.getElementById("grid-status");
    if (status) status.textContent = "";
    if (!active) return;
    var td = findCell(active);
    if (!td) return;
    var header = document.getElementById("lesson-" + td.getAttribute("data-lesson"));
    if (header && header.classList.contains("focus-col")) td.classList.add("focus-col");
    var field = td.querySelector(".cell-editor .field-error")
      ? td.querySelector(".cell-editor form:has(.field-error) select, .cell-editor form:has(.field-error) input:not([type=hidden]), .cell-editor form:has(.field-error) textarea")
      : td.querySelector(".cell-editor select, .cell-editor input:not([type=hidden]), .cell-editor textarea");
    place(td);
    if (field) field.focus();
    else focusCell(td);
  }

  // The editor is fixed to the viewport (a scrolling grid would clip it): below
  // its cell, or above it near the bottom. Narrow screens show it as a sheet at
  // the bottom (teacher.css), so it is left where the stylesheet puts it.
  function place(td) {
    var editor = td.querySelector(".cell-editor");
    if (!editor || window.innerWidth <= 600) return;
    var cell = td.getBoundingClientRect();
    var box = editor.getBoundingClientRect();
    var top = cell.bottom + 2;
    if (top + box.height > window.innerHeight - 8) top = Math.max(8, cell.top - box.height - 2);
    var left = Math.max(8, Math.min(cell.left, window.innerWidth - box.width - 8));
    editor.style.top = top + "px";
    editor.style.left = left + "px";
  }

  function onError(event) {
    var status = document.getElementById("grid-status");
    if (!status) return;
    var code = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    status.textContent = code === 403
      ? "Нет прав на запись в этот урок."
      : "Не удалось сохранить (" + (code || "нет связи") + "): обновите страницу.";
  }

  function start() {
    grid = document.getElementById("journal-grid");
    if (!grid) return;
    var focus = grid.getAttribute("data-focus");
    var first = (focus && grid.querySelector('td.cell[data-student][data-lesson="' + focus + '"]')) ||
      grid.querySelector("td.cell[data-student]") || grid.querySelector("td.cell");
    if (first) {
      first.setAttribute("tabindex", "0");
      if (focus && first.scrollIntoView) first.scrollIntoView({ block: "nearest", inline: "center" });
    }
    grid.addEventListener("keydown", onKey);
    grid.addEventListener("click", onClick);
    grid.addEventListener("focusin", function (event) {
      if (event.target.classList && event.target.classList.contains("cell")) active = keyOf(event.target);
    });
    var replace = function () {
      var editor = grid.querySelector(".cell-editor");
      if (editor) place(editor.parentNode);
    };
    window.addEventListener("scroll", replace, { passive: true });
    if (grid.parentNode) grid.parentNode.addEventListener("scroll", replace, { passive: true });
    document.body.addEventListener("htmx:afterSettle", afterSettle);
    document.body.addEventListener("htmx:responseError", onError);
    document.body.addEventListener("htmx:sendError", onError);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
