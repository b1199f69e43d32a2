// Small behaviours that must work without inline scripts (strict Content-Security-Policy).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// The members list's bulk actions: each action checks only the fields of its own box (the empty dues amount
// must not stop printing cards). The server checks again.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[name=action]");
  var box = button && button.closest("fieldset");
  if (!box) return;
  var fields = box.querySelectorAll(".field.required input, .field.required select");
  for (var i = 0; i < fields.length; i++) {
    if (!fields[i].value.trim()) {
      event.preventDefault();
      var label = box.querySelector("label[for='" + fields[i].id + "']");
      fields[i].setCustomValidity("Hãy điền " + (label ? label.textContent.toLowerCase() : "ô này") + ".");
      fields[i].reportValidity();
      fields[i].addEventListener("input", function () { this.setCustomValidity(""); }, { once: true });
      return;
    }
  }
}, true);

// The menu button of phones: the navigation folds into one line.
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var toggle = event.target.closest(".menu-toggle");
  if (!toggle) return;
  var bar = toggle.closest(".topbar");
  var open = bar.classList.toggle("open");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});
