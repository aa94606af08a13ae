// Ledger: "select all" for bulk actions.
document.addEventListener("DOMContentLoaded", function () {
  var all = document.getElementById("check-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll('#bulk-form input[name="ids"]').forEach(function (box) { box.checked = all.checked; });
  });
});
