// Limits and budgets (current use against each limit), and routes.
import { api, all, session } from "./api.js";
import { h, ok, fill, form, input, select, textarea, table, paged, problem, int, usd, when, dangerButton, bar, query } from "./ui.js";

/** What a limit covers, in words. */
export function scope(limit, names = new Map()) {
  const parts = [];
  if (limit.apiKeyId) parts.push(`key ${names.get(limit.apiKeyId) || limit.apiKeyId}`);
  if (limit.userId) parts.push(`user ${names.get(limit.userId) || limit.userId}`);
  if (limit.model) parts.push(limit.model);
  else if (limit.service) parts.push(limit.service);
  return parts.length ? parts.join(", ") : "the whole tenant";
}

/** One row per measure a limit has: requests, tokens, budget, each with its bar. */
function measures(limit) {
  const rows = [];
  const current = limit.current;
  if (limit.requests !== null) rows.push([`${int(current.requests)} of ${int(limit.requests)} requests per ${limit.window}`, current.requests, limit.requests]);
  if (limit.tokens !== null) rows.push([`${int(current.tokens)} of ${int(limit.tokens)} tokens per ${limit.window}`, current.tokens, limit.tokens]);
  if (limit.budgetMicroUsd !== null) rows.push([`${usd(current.spentMicroUsd)} of ${usd(limit.budgetMicroUsd)} (${limit.period})`, current.spentMicroUsd, limit.budgetMicroUsd]);
  return h("div", {}, rows.map(([text, used, of]) => h("div", { class: "measure" }, bar(used, of, text), h("small", {}, text))));
}

export function limitsTable(items, names, remove) {
  return table([
    { label: "Name", value: (l) => l.name || "" },
    { label: "Covers", value: (l) => scope(l, names) },
    { label: "Use", value: (l) => measures(l) },
    { label: "Resets", value: (l) => when(l.current.resetsAt) },
    { label: "Owner", value: (l) => h("span", { class: "badge" }, l.owner) },
    { label: "", value: (l) => (remove && (l.owner === "tenant" || session.kind === "platform") ? remove(l) : "") },
  ], items, "No limits: every call is admitted.");
}

/** The limit form's values as the API's body. */
export function limitBody(v) {
  const body = {};
  const number = (field) => {
    if (!v[field].trim()) return undefined;
    const n = Number(v[field]);
    if (!Number.isInteger(n) || n < 0) throw Object.assign(new Error(`\`${field}\` must be a whole number of at least 0`), { field });
    return n;
  };
  for (const field of ["name", "service", "model", "apiKeyId", "userId"]) if (v[field]?.trim()) body[field] = v[field].trim();
  const requests = number("requests");
  const tokens = number("tokens");
  const budget = v.budgetUsd.trim() ? Math.round(Number(v.budgetUsd) * 1_000_000) : undefined;
  if (v.budgetUsd.trim() && !(budget >= 0)) throw Object.assign(new Error("`budgetUsd` must be an amount in USD"), { field: "budgetUsd" });
  if (requests !== undefined) body.requests = requests;
  if (tokens !== undefined) body.tokens = tokens;
  if (requests !== undefined || tokens !== undefined) body.window = v.window;
  if (budget !== undefined) { body.budgetMicroUsd = budget; body.period = v.period; }
  return body;
}

export function limitFields(keys = []) {
  return [
    input("Name", "name", { maxlength: 200 }),
    keys.length ? select("API key (empty: the whole tenant)", "apiKeyId", [["", "—"], ...keys.map((k) => [k.id, k.name])]) : null,
    input("Service", "service", { placeholder: "openai" }),
    input("Model (service/model or a route)", "model", { placeholder: "openai/gpt-4o-mini" }),
    input("Requests", "requests", { inputmode: "numeric" }),
    input("Tokens", "tokens", { inputmode: "numeric" }),
    select("per", "window", ["minute", "hour", "day"]),
    input("Budget (USD)", "budgetUsd", { inputmode: "decimal" }),
    select("per", "period", ["day", "month", "total"]),
  ];
}

export const limits = {
  title: "Limits",
  async render(view) {
    const notice = h("div");
    const keys = await all("/api-keys").catch(() => []);
    const names = new Map(keys.map((k) => [k.id, k.name]));
    const list = h("div");
    const admin = session.role === "admin";
    async function reload() {
      try {
        const { items } = await api("GET", "/limits");
        fill(list, limitsTable(items, names, admin ? (l) => dangerButton("Delete", `Delete the limit “${l.name || scope(l, names)}”?`,
          async () => { await api("DELETE", `/limits/${l.id}`); reload(); }, (e) => notice.replaceChildren(problem(e))) : null));
      } catch (error) {
        fill(list, problem(error));
      }
    }
    fill(view,
      h("p", { class: "hint" }, "Limits hold across every gateway and proxy instance. Platform-owned limits are set by the operator and cannot be changed here."),
      admin ? h("section", { class: "panel" }, h("h2", {}, "Add a limit"), form({
        inline: true, submit: "Add limit", label: "Add a limit", fields: limitFields(keys),
        action: async (v, node) => { await api("POST", "/limits", limitBody(v)); node.reset(); reload(); },
      })) : null,
      notice, list);
    await reload();
  },
};

const EXAMPLE = {
  name: "smart",
  strategy: "fallback",
  targets: [
    { service: "openai", model: "gpt-4o-mini", credential: "default" },
    { service: "anthropic", model: "claude-3-5-haiku-latest" },
  ],
  retryOn: ["429", "5xx", "timeout", "connect"],
  cooldownSeconds: 30,
};

export const routes = {
  title: "Routes",
  async render(view) {
    const notice = h("div");
    const list = paged((cursor) => api("GET", `/routes${query({ limit: 50, cursor })}`), (items) => table([
      { label: "Name", value: (r) => h("code", {}, r.name) },
      { label: "Strategy", value: (r) => r.strategy },
      {
        label: "Targets", value: (r) => h("ol", {}, r.targets.map((t) => h("li", {},
          h("code", {}, `${t.service}/${t.model}`), ` with ${t.credential}`, r.strategy === "weighted" ? ` (weight ${t.weight})` : ""))),
      },
      { label: "Moves on after", value: (r) => r.retryOn.join(", ") },
      { label: "Cooldown", value: (r) => `${r.cooldownSeconds} s`, num: true },
      {
        label: "", value: (r) => dangerButton("Delete", `Delete the route “${r.name}”? Calls naming it fail from now on.`,
          async () => { await api("DELETE", `/routes/${r.id}`); list.reload(); }, (e) => notice.replaceChildren(problem(e))),
      },
    ], items, "No routes yet."));
    fill(view,
      h("p", { class: "hint" }, "A call whose model is a route's name is served by the route's targets: in order (fallback) or by weight, moving on after the outcomes listed."),
      h("section", { class: "panel" }, h("h2", {}, "Add a route"), form({
        submit: "Add route", label: "Add a route",
        fields: [textarea("The route, as JSON (see docs/routes.md)", "route", { value: JSON.stringify(EXAMPLE, null, 2), rows: 14 })],
        action: async (v) => {
          let body;
          try { body = JSON.parse(v.route); } catch (error) { throw Object.assign(new Error(`\`route\` is not JSON: ${error.message}`), { field: "route" }); }
          const created = await api("POST", "/routes", body);
          notice.replaceChildren(ok(`Added the route ${created.name}.`));
          list.reload();
        },
      })),
      notice, list);
  },
};
