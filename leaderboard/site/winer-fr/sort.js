// Sort any table with class "sortable" by a click on a column header.
// Written for this site; reads only data-value attributes, never evaluates content.
"use strict";
(function () {
  function key(cell, numeric) {
    var raw = cell.getAttribute("data-value");
    if (raw === null) { raw = cell.textContent.trim(); }
    if (!numeric) { return raw.toLowerCase(); }
    return raw === "" ? null : parseFloat(raw);
  }
  function compare(a, b, numeric, direction) {
    if (numeric) {
      if (a === null && b === null) { return 0; }
      if (a === null) { return 1; }   // absent values last, whatever the direction
      if (b === null) { return -1; }
      return direction * (a - b);
    }
    return direction * (a < b ? -1 : a > b ? 1 : 0);
  }
  function sortBy(table, column, header) {
    var numeric = header.getAttribute("data-type") === "number";
    var direction = header.getAttribute("aria-sort") === "descending" ? 1 : -1;
    if (header.getAttribute("aria-sort") === null && !numeric) { direction = 1; }
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, index) {
      return { row: row, index: index, key: key(row.cells[column], numeric) };
    });
    rows.sort(function (a, b) {
      return compare(a.key, b.key, numeric, direction) || a.index - b.index;
    });
    rows.forEach(function (item) { body.appendChild(item.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, column) {
        var label = header.textContent;
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.title = "Sort by " + label;
        header.textContent = "";
        header.appendChild(button);
        button.addEventListener("click", function () { sortBy(table, column, header); });
      });
    });
  });
}());
