// Small helpers shared by pages. No external assets.
(function () {
  "use strict";
  // Forms with data-idempotent get a fresh client_id (UUID) once per page load, so a double
  // submit on a bad network sends the same key twice and the server keeps one record.
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-idempotent] input[name=client_id]").forEach(function (el) {
      if (!el.value) el.value = uuid4();
    });
    // Confirm before anything destructive.
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
      });
    });
  });
  window.zoufang = { uuid4: uuid4 };
})();
