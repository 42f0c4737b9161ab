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

  // « Voulez-vous dire … » suggestions fill their field in.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-fill]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-fill"));
    if (!input) return;
    input.value = button.value;
    input.focus();
  });

  // Repeated rows (channels, hours): "add" copies the last, blank, row with the next number.
  document.querySelectorAll("button[data-add-row]").forEach(function (button) {
    var name = button.getAttribute("data-add-row");
    var group = button.parentNode;
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = group.querySelectorAll(":scope > fieldset.row");
      var last = rows[rows.length - 1];
      var n = rows.length;
      var copy = last.cloneNode(true);
      var from = new RegExp(name + "([\\[-])" + (n - 1) + "(\\]|-)", "g");
      copy.innerHTML = copy.innerHTML.replace(from, function (_, open, close) {
        return name + open + n + close;
      });
      copy.querySelector("legend").textContent =
        last.querySelector("legend").textContent.replace(/\d+/, String(n + 1));
      copy.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
      copy.querySelectorAll("input").forEach(function (input) {
        if (input.type === "checkbox") input.checked = false;
        else input.value = "";
        input.removeAttribute("aria-invalid");
      });
      group.insertBefore(copy, button);
      wireCheck(copy);
      var first = copy.querySelector("input:not([type=checkbox]), select");
      if (first) first.focus();
    });
  });

  // A channel is checked when it is typed (the rule is the server's, the message its own).
  function wireCheck(scope) {
    scope.querySelectorAll("input[data-check=channel]").forEach(function (input) {
      input.addEventListener("change", function () {
        var kind = document.getElementById(input.id.replace(/-value$/, "-kind"));
        var query = "field=" + encodeURIComponent(input.name) + "&kind=" +
          encodeURIComponent(kind ? kind.value : "") + "&value=" + encodeURIComponent(input.value);
        fetch("/verifier-contact.json?" + query, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { message: "" }; })
          .then(function (answer) {
            var id = input.id + "-error";
            var shown = document.getElementById(id);
            if (!answer.message) {
              if (shown) shown.remove();
              input.removeAttribute("aria-invalid");
              return;
            }
            if (!shown) {
              shown = document.createElement("span");
              shown.className = "field-error";
              shown.id = id;
              input.parentNode.appendChild(shown);
            }
            shown.textContent = answer.message;
            input.setAttribute("aria-invalid", "true");
            var described = (input.getAttribute("aria-describedby") || "").split(" ");
            if (described.indexOf(id) < 0) described.unshift(id);
            input.setAttribute("aria-describedby", described.join(" ").trim());
          })
          .catch(function () { /* checked again when saved */ });
      });
    });
  }
  wireCheck(document);

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
