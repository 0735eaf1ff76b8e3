// The plan editor's "Add" buttons (plans app). Without JavaScript each list already ends with
// an empty row (and each goal with an empty objective), so one row at a time can be added by
// saving; with it, each button adds another empty row from the page's <template>s, numbered
// after the rows already there (the server reads the rows back from their field names). A
// button is disabled once its list is at the plan's limits (the form's data-max-*), which keep
// the post within the number of fields the server reads.
(function () {
  "use strict";
  var form = document.getElementById("plan-form");
  if (!form) { return; }

  function fromTemplate(id, numbers) {
    var template = document.getElementById(id);
    if (!template) { return null; }
    var html = template.innerHTML;
    Object.keys(numbers).forEach(function (placeholder) {
      html = html.split(placeholder).join(String(numbers[placeholder]));
    });
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function next(node, attribute) {
    var value = parseInt(node.getAttribute(attribute) || "0", 10) || 0;
    node.setAttribute(attribute, String(value + 1));
    return value;
  }

  function focusFirst(row) {
    var field = row && row.querySelector("textarea");
    if (field) { field.focus(); }
  }

  function limit(name) {
    return parseInt(form.getAttribute("data-max-" + name) || "0", 10) || 0;
  }

  function full(button) {
    var kind = button.dataset.planAdd;
    if (kind === "objective") {
      var goal = button.closest("[data-plan-goal]");
      return !goal ||
        form.querySelectorAll("[data-plan-objective]").length >= limit("objectives") ||
        goal.querySelectorAll("[data-plan-objective]").length >= limit("goal-objectives");
    }
    var list = form.querySelector("[data-plan-list='" + kind + "']");
    return !list || list.querySelectorAll(":scope > [data-plan-row]").length >= limit("rows");
  }

  function refresh() {
    form.querySelectorAll("[data-plan-add]").forEach(function (button) {
      button.disabled = full(button);
    });
  }

  function wire(root) {
    root.querySelectorAll("[data-plan-add]").forEach(function (button) {
      button.hidden = false;
      if (button.dataset.planWired) { return; }
      button.dataset.planWired = "1";
      button.addEventListener("click", function () { add(button); });
    });
    refresh();
  }

  function add(button) {
    if (full(button)) { return; }
    var kind = button.dataset.planAdd;
    var row = null;
    if (kind === "objective") {
      var goal = button.closest("[data-plan-goal]");
      var list = goal && goal.querySelector("[data-plan-objectives]");
      if (!list) { return; }
      row = fromTemplate("plan-template-objective", {
        "__G__": goal.dataset.planGoal, "__O__": next(list, "data-next")
      });
      if (row) { list.appendChild(row); }
    } else {
      var container = form.querySelector("[data-plan-list='" + kind + "']");
      var number = next(form, "data-next-" + kind);
      var numbers = { "__P__": number, "__G__": number, "__I__": number, "__O__": 0 };
      row = fromTemplate("plan-template-" + kind, numbers);
      if (row && container) {
        container.appendChild(row);
        wire(row);
        var objectives = row.querySelector("[data-plan-objectives]");
        if (objectives) { objectives.setAttribute("data-next", "1"); }
      }
    }
    refresh();
    focusFirst(row);
  }

  wire(form);
}());
