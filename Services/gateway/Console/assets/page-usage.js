// The usage explorer: every metered call, filtered; a summary; the CSV export.
import { api, all, download } from "./api.js";
import { h, fill, form, input, select, table, paged, problem, int, usd, when, query } from "./ui.js";

export default {
  title: "Usage",
  async render(view) {
    const keys = await all("/api-keys").catch(() => []);
    const keyNames = new Map(keys.map((k) => [k.id, k.name]));
    const none = "00000000-0000-0000-0000-000000000000";
    const keyName = (event) => {
      if (event.apiKeyId && event.apiKeyId !== none) return keyNames.get(event.apiKeyId) || `a revoked key (${event.apiKeyId.slice(0, 8)}…)`;
      return event.userId && event.userId !== none ? "a user's session" : "";
    };
    const results = h("div");
    const summary = h("div");
    const exportStatus = h("span", { "aria-live": "polite" });
    let filters = {};

    const events = () => paged((cursor) => api("GET", `/usage${query({ ...filters, limit: 50, cursor })}`), (items) => table([
      { label: "At", value: (e) => when(e.event.at) },
      { label: "Model", value: (e) => h("code", {}, `${e.event.service}/${e.event.model || "?"}`) },
      { label: "Endpoint", value: (e) => e.event.endpoint },
      { label: "Status", value: (e) => h("span", { class: e.event.status < 400 ? "badge good" : "badge bad" }, String(e.event.status)) },
      { label: "Tokens", value: (e) => int(e.event.totalTokens), num: true },
      { label: "Cost", value: (e) => usd(e.costMicroUsd), num: true },
      { label: "Latency", value: (e) => `${int(e.event.latencyMs)} ms`, num: true },
      { label: "Key", value: (e) => keyName(e.event) },
      { label: "Route", value: (e) => (e.event.route ? `${e.event.route} #${e.event.attempt}` : "") },
      { label: "Request id", value: (e) => h("code", {}, e.event.id) },
    ], items, "No calls match these filters."));

    async function summarize(groupBy) {
      fill(summary, h("p", { class: "loading", role: "status" }, "Summing…"));
      try {
        const { from, to, service, model, apiKeyId } = filters;
        const answer = await api("GET", `/usage/summary${query({ from, to, service, model, apiKeyId, groupBy })}`);
        const name = (key) => (groupBy !== "apiKey" || key === "Total" ? key : key === "none" ? "users' sessions" : keyNames.get(key) || `a revoked key (${key.slice(0, 8)}…)`);
        fill(summary, table([
          { label: groupBy, value: (row) => name(row.key) },
          { label: "Calls", value: (row) => int(row.requests), num: true },
          { label: "Prompt tokens", value: (row) => int(row.promptTokens), num: true },
          { label: "Completion tokens", value: (row) => int(row.completionTokens), num: true },
          { label: "Cost", value: (row) => usd(row.costMicroUsd), num: true },
        ], [...answer.items, { key: "Total", ...answer.totals }], "Nothing to sum."));
      } catch (error) {
        fill(summary, problem(error));
      }
    }

    const filterForm = form({
      inline: true, submit: "Apply", label: "Filter the usage",
      fields: [
        input("From", "from", { type: "date" }),
        input("To (exclusive)", "to", { type: "date" }),
        input("Service", "service", { placeholder: "openai" }),
        input("Model", "model", { placeholder: "gpt-4o-mini" }),
        select("API key", "apiKeyId", [["", "any"], ...keys.map((k) => [k.id, k.name])]),
      ],
      action: async (v) => {
        filters = Object.fromEntries(Object.entries(v).map(([key, value]) => [key, value.trim()]));
        await api("GET", `/usage${query({ ...filters, limit: 1 })}`); // a bad filter is shown beside it
        fill(results, events());
        await summarize(groupSelect.value);
      },
    });
    const groupSelect = h("select", { name: "groupBy", onchange: () => summarize(groupSelect.value) },
      ["service", "model", "day", "apiKey"].map((g) => h("option", { value: g }, g)));
    const exportButton = h("button", {
      type: "button",
      onclick: async () => {
        exportButton.disabled = true;
        const progress = h("progress", { "aria-label": "Export progress" });
        fill(exportStatus, progress, " Exporting…");
        try {
          const { from, to } = filters;
          const bytes = await download(`/usage/export.csv${query({ from, to })}`, "usage.csv", (n) => {
            fill(exportStatus, progress, ` ${int(Math.round(n / 1024))} KB received…`);
          });
          fill(exportStatus, `Exported ${int(bytes)} bytes (usage.csv).`);
        } catch (error) {
          fill(exportStatus, problem(error));
        } finally {
          exportButton.disabled = false;
        }
      },
    }, "Export CSV");

    fill(results, events());
    fill(view,
      h("section", { class: "panel" }, filterForm),
      h("div", { class: "toolbar" }, exportButton, exportStatus),
      h("h2", {}, "Calls"), results,
      h("h2", {}, "Summary"), h("div", { class: "toolbar" }, h("label", {}, "Group by", groupSelect)), summary);
    summarize("service");
  },
};
