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

// Searchable pickers (a unit among thousands, a member by name, card or phone). The page holds a plain input
// that works without scripts (a unit's code, a member's number); here it becomes a search box with a list, and
// the plain input, hidden, keeps the chosen value.
function setupPicker(input) {
  var box = document.createElement("input");
  var list = document.createElement("ul");
  var listId = input.id + "-choices";
  var timer = null, items = [], active = -1, request = 0;
  box.type = "search";
  box.className = "picker-box";
  box.autocomplete = "off";
  box.placeholder = input.placeholder || "Gõ để tìm";
  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-expanded", "false");
  box.setAttribute("aria-controls", listId);
  box.value = input.getAttribute("data-picker-label") || input.value;
  list.id = listId;
  list.className = "picker-list";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  // The label and error messages point at the box the person types in.
  box.id = input.id;
  input.id = input.id + "-value";
  if (input.getAttribute("aria-describedby")) box.setAttribute("aria-describedby", input.getAttribute("aria-describedby"));
  if (input.getAttribute("aria-invalid")) box.setAttribute("aria-invalid", input.getAttribute("aria-invalid"));
  input.type = "hidden";
  input.parentNode.insertBefore(box, input);
  input.parentNode.insertBefore(list, input.nextSibling);

  function close() { list.hidden = true; box.setAttribute("aria-expanded", "false"); active = -1; }
  function highlight(index) {
    active = index;
    for (var i = 0; i < list.children.length; i++) {
      list.children[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    if (index >= 0) box.setAttribute("aria-activedescendant", listId + "-" + index);
  }
  function choose(item) {
    input.value = item.value;
    box.value = item.label;
    close();
    var fill = input.getAttribute("data-picker-fill");
    var target = fill && input.form && input.form.elements[fill];
    if (target && !target.value) target.value = item.label;
    var set = (input.getAttribute("data-picker-choose") || "").split("=");
    var other = set.length === 2 && input.form && input.form.elements[set[0]];
    if (other) other.value = set[1];
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function show(results) {
    items = results;
    list.innerHTML = "";
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "picker-none";
      none.textContent = "Không tìm thấy. Thử gõ khác đi (không cần dấu).";
      list.appendChild(none);
    }
    results.forEach(function (item, index) {
      var li = document.createElement("li");
      li.id = listId + "-" + index;
      li.setAttribute("role", "option");
      li.textContent = item.label;
      if (item.detail) {
        var small = document.createElement("small");
        small.textContent = item.detail;
        li.appendChild(small);
      }
      li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item); });
      list.appendChild(li);
    });
    list.hidden = false;
    box.setAttribute("aria-expanded", "true");
    highlight(results.length ? 0 : -1);
  }
  function search() {
    var text = box.value.trim();
    if (text.length < 2) { close(); return; }
    var url = input.getAttribute("data-picker");
    var mine = ++request;
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(text), {
      headers: { "Accept": "application/json" }, credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (data) {
      if (mine === request) show(data.results || []);
    });
  }
  box.addEventListener("input", function () {
    input.value = "";
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  box.addEventListener("keydown", function (event) {
    if (list.hidden) return;
    if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
    else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(items[active]); }
    else if (event.key === "Escape") { close(); }
  });
  box.addEventListener("blur", function () {
    close();
    // Typed a code and went on without choosing: the server reads it as typed.
    if (!input.value && box.value.trim()) input.value = box.value.trim();
  });
}
document.querySelectorAll("input[data-picker]").forEach(setupPicker);
