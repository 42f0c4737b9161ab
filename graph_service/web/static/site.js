// Small helpers of the pages; everything works without them.
(function () {
  "use strict";

  // Suggestions as one types, for inputs marked data-communes or data-suggest="URL" (fills
  // their <datalist> from the JSON the URL answers: [{value, label}]).
  function wire(input) {
    var source = input.getAttribute("data-suggest") || "/communes.json";
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = null, last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last || /\([0-9.]+\)\s*$/.test(q)) return;
      last = q;
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(source + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.textContent = "";
            items.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.value;
              option.label = item.label || item.province;
              list.appendChild(option);
            });
          })
          .catch(function () { /* no suggestions: the name typed is resolved by the server */ });
      }, 150);
    });
  }

  document.querySelectorAll("input[data-communes], input[data-suggest]").forEach(wire);
  // The plan's route map is posted into its frame (its fields never go in a URL).
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });
  // Filters folded on a phone are unfolded where there is room for them.
  if (window.matchMedia("(min-width: 48rem)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
