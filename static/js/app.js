// Small helpers shared by pages. No external assets.
(function () {
  "use strict";
  // Forms with data-idempotent carry a client_id (UUID), so a double submit on a bad network
  // sends the same key twice and the server keeps one record.
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  // Back to a form already submitted and submitting it again must send the same key: the key is
  // kept per page for the tab (sessionStorage) and reused when the page is reached by Back, even
  // if the server made a new one for the page it sent again. Otherwise the page's own key stands
  // (made by the server when it showed the form, or the posted one on a re-render with errors).
  function formKey(el) {
    var nav = (performance.getEntriesByType && performance.getEntriesByType("navigation")[0]) || {};
    var slot = "client_id:" + location.pathname;
    var kept = null;
    try { kept = sessionStorage.getItem(slot); } catch (e) { kept = null; }
    var value = (nav.type === "back_forward" && kept) || el.value || uuid4();
    try { sessionStorage.setItem(slot, value); } catch (e) { /* private mode: the key lives in the page */ }
    return value;
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-idempotent] input[name=client_id]").forEach(function (el) {
      el.value = formKey(el);
    });
    // Print buttons (data-print): no inline handlers, the content security policy forbids them.
    document.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function () { window.print(); });
    });
    // Filters that apply on change (data-autosubmit).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    // Confirm before anything destructive.
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
      });
    });
  });
  // Category pickers (data-category-picker): the select holds every leaf in one <optgroup> per
  // parent. A parent select goes in front of it, and the select itself then offers the chosen
  // parent's leaves only. It keeps its name and id, so the form, drafts and error links see the
  // same field; without script it stays the grouped list.
  function categoryPicker(select) {
    var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (g) {
      return { label: g.label, options: Array.prototype.map.call(g.querySelectorAll("option"), function (o) {
        return { value: o.value, text: o.textContent };
      }) };
    });
    if (!groups.length) return;
    var placeholder = select.querySelector("option[value='']");
    var placeholderText = placeholder ? placeholder.textContent : "请选择";
    var parent = document.createElement("select");
    parent.className = "category-parent";
    parent.setAttribute("aria-label", "问题大类");
    parent.appendChild(new Option("请选择问题大类", ""));
    groups.forEach(function (g, i) { parent.appendChild(new Option(g.label, String(i))); });
    function groupOf(value) {
      for (var i = 0; i < groups.length; i++) {
        for (var j = 0; j < groups[i].options.length; j++) if (groups[i].options[j].value === value) return i;
      }
      return -1;
    }
    function fill(index, value) {
      while (select.firstChild) select.removeChild(select.firstChild);
      select.appendChild(new Option(index < 0 ? "先选问题大类" : placeholderText, ""));
      if (index >= 0) groups[index].options.forEach(function (o) { select.appendChild(new Option(o.text, o.value)); });
      select.value = value || "";
      select.disabled = index < 0;
    }
    function set(value) {
      var index = value ? groupOf(value) : -1;
      if (value && index < 0) return;
      parent.value = index < 0 ? "" : String(index);
      fill(index, value);
    }
    parent.addEventListener("change", function () {
      fill(parent.value === "" ? -1 : Number(parent.value), "");
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    select.parentNode.insertBefore(parent, select);
    select.classList.add("category-leaf");
    select.zoufangSetCategory = set;
    set(select.value);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-category-picker]").forEach(categoryPicker);
  });
  window.zoufang = { uuid4: uuid4 };
})();
