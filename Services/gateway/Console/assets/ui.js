// DOM helpers. Every value from the API becomes a text node: nothing is ever parsed as HTML.

/**
 * Creates an element. `props`: `class`, `text`, `on<event>` handlers, `dataset`, booleans (`hidden`,
 * `disabled`, `required`), anything else as an attribute. Children: nodes, strings (as text), arrays.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "text") element.textContent = String(value);
    else if (key === "value") element.value = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const loading = (what = "Loading…") => h("p", { class: "loading", role: "status" }, what);
/** A short confirmation of what an action did. */
export const ok = (...text) => h("p", { class: "ok", role: "status" }, ...text);
export const empty = (what) => h("p", { class: "empty" }, what);

/** A problem's detail, with the JSON pointer it names (if any) set apart. */
export function problem(error) {
  const text = error?.message || String(error);
  const node = h("p", { class: "problem", role: "alert" });
  const pointer = /(^|: )(\/[^:\s]*): /.exec(text);
  if (pointer) {
    const at = pointer.index + pointer[1].length;
    fill(node, text.slice(0, at), h("span", { class: "pointer mono", dataset: { pointer: pointer[2] } }, pointer[2]),
      text.slice(at + pointer[2].length));
  } else {
    node.textContent = text;
  }
  return node;
}

// Formatting.
const integer = new Intl.NumberFormat("en-US");
export const int = (n) => (n === null || n === undefined ? "—" : integer.format(n));
/** Micro-USD as dollars: cents when there are some, else to the micro-dollar (model calls are cheap). */
export function usd(micro) {
  if (micro === null || micro === undefined) return "—";
  const dollars = micro / 1_000_000;
  return Math.abs(micro) >= 10_000 || micro === 0 ? `$${dollars.toFixed(2)}` : `$${dollars.toFixed(6)}`;
}
export const when = (iso) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) + "Z" : "—");
export const day = (date) => date.toISOString().slice(0, 10);

/** A table: `columns` are `{label, value(row) → string|Node, num?}`. */
export function table(columns, rows, emptyText = "Nothing here yet.") {
  if (!rows.length) return empty(emptyText);
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => h("td", { class: c.num ? "num" : null }, c.value(row))))))));
}

/**
 * A form whose submit runs `action(values)` with the button disabled meanwhile. A problem is shown
 * beside the field its detail names (`name` → the input named `name`), else under the form.
 * `fields`: nodes (use `input()`, `select()`, `textarea()`).
 */
export function form({ fields, submit, action, inline = false, label }) {
  const button = h("button", { type: "submit", class: "primary" }, submit);
  const status = h("div", { "aria-live": "polite" });
  const node = h("form", { class: inline ? "inline" : "stack", "aria-label": label || submit, novalidate: true },
    fields, h("div", {}, button), status);
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const marked of node.querySelectorAll("[aria-invalid]")) marked.removeAttribute("aria-invalid");
    for (const old of node.querySelectorAll(".field-problem")) old.remove();
    status.replaceChildren();
    const values = Object.fromEntries(new FormData(node).entries());
    for (const box of node.querySelectorAll("input[type=checkbox][name]")) values[box.name] = box.checked;
    button.disabled = true;
    const original = button.textContent;
    button.textContent = `${original}…`;
    try {
      await action(values, node);
    } catch (error) {
      const target = error.field && node.querySelector(`[name="${CSS.escape(error.field.split(/[.\[]/)[0])}"]`);
      if (target) {
        target.setAttribute("aria-invalid", "true");
        const id = `problem-${target.name}`;
        target.setAttribute("aria-describedby", id);
        const note = problem(error);
        note.classList.replace("problem", "field-problem");
        note.id = id;
        target.closest("label")?.after(note);
        target.focus();
      } else {
        status.append(problem(error));
      }
    } finally {
      button.disabled = false;
      button.textContent = original;
    }
  });
  return node;
}

export function input(label, name, props = {}) {
  return h("label", {}, label, h("input", { name, type: "text", ...props }));
}

export function checkbox(label, name, checked = false) {
  return h("label", { class: "check" }, h("input", { type: "checkbox", name, checked }), label);
}

export function select(label, name, options, props = {}) {
  return h("label", {}, label,
    h("select", { name, ...props }, options.map((o) => {
      const [value, text] = Array.isArray(o) ? o : [o, o];
      return h("option", { value, selected: props.value === value }, text);
    })));
}

export function textarea(label, name, props = {}) {
  const { value, ...rest } = props;
  const area = h("textarea", { name, spellcheck: "false", ...rest });
  if (value !== undefined) area.value = value;
  return h("label", {}, label, area);
}

/** A button that asks before doing something it cannot undo, then runs `action`. */
export function dangerButton(text, question, action, onError) {
  const button = h("button", { type: "button", class: "danger" }, text);
  button.addEventListener("click", async () => {
    if (!window.confirm(question)) return;
    button.disabled = true;
    try { await action(); } catch (error) { onError(error); } finally { button.disabled = false; }
  });
  return button;
}

/** A button running `action`; a problem goes to `onError`. */
export function actionButton(text, action, onError, props = {}) {
  const button = h("button", { type: "button", ...props }, text);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try { await action(); } catch (error) { onError(error); } finally { button.disabled = false; }
  });
  return button;
}

/** A secret shown this once, with a copy button; it exists only in this node. */
export function shownOnce(title, secret, note) {
  const code = h("code", { class: "once" }, secret);
  const copied = h("span", { "aria-live": "polite" });
  const box = h("div", { class: "secret", role: "region", "aria-label": title },
    h("strong", {}, title), h("p", { class: "hint" }, note), code,
    h("div", { class: "actions" },
      h("button", {
        type: "button", class: "primary",
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(secret);
            copied.textContent = " Copied.";
          } catch {
            const range = document.createRange();
            range.selectNodeContents(code);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
            copied.textContent = " Selected: press Ctrl+C to copy.";
          }
        },
      }, "Copy"),
      h("button", { type: "button", onclick: () => box.remove() }, "Done, hide it"),
      copied));
  return box;
}

/**
 * A paged list: `load(cursor)` returns `{items, nextCursor}`; `render(items)` the node to show.
 * Returns the container; call `container.reload()` to start again from the first page.
 */
export function paged(load, render) {
  const container = h("div", { "aria-live": "polite" });
  const cursors = [null];
  let index = 0;
  async function show() {
    fill(container, loading());
    try {
      const page = await load(cursors[index]);
      cursors[index + 1] = page.nextCursor;
      const previous = h("button", { type: "button", disabled: index === 0, onclick: () => { index -= 1; show(); } }, "Previous");
      const next = h("button", { type: "button", disabled: !page.nextCursor, onclick: () => { index += 1; show(); } }, "Next");
      fill(container, render(page.items), h("div", { class: "pager" }, previous, h("span", {}, `Page ${index + 1}`), next));
    } catch (error) {
      fill(container, problem(error));
    }
  }
  container.reload = () => { cursors.length = 1; index = 0; return show(); };
  show();
  return container;
}

/** A bar showing `used` of `limit`. */
export function bar(used, limit, label) {
  const share = limit > 0 ? Math.min(1, used / limit) : 0;
  const fillNode = h("span");
  fillNode.style.width = `${(share * 100).toFixed(1)}%`;
  return h("div", {
    class: share >= 0.8 ? "bar high" : "bar", role: "meter", "aria-label": label,
    "aria-valuemin": 0, "aria-valuemax": limit, "aria-valuenow": Math.min(used, limit),
  }, fillNode);
}

/** A query string of the non-empty values. */
export function query(values) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== "" && value !== null && value !== undefined) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}
