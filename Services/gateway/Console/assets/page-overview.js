// Overview: the last 30 days of the tenant's AI calls (cost and tokens per day as charts), calls and
// error rate, the top models and keys.
import { api, all } from "./api.js";
import { h, fill, table, int, usd, day } from "./ui.js";

const DAYS = 30;

/** Every day of the last 30 (UTC), oldest first, with zeros where nothing was called. */
function dailySeries(items) {
  const byDay = new Map(items.map((item) => [item.key, item]));
  const today = new Date();
  const days = [];
  for (let back = DAYS - 1; back >= 0; back -= 1) {
    const date = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - back));
    const key = day(date);
    const item = byDay.get(key) || {};
    days.push({ day: key, requests: item.requests || 0, totalTokens: item.totalTokens || 0, promptTokens: item.promptTokens || 0, completionTokens: item.completionTokens || 0, costMicroUsd: item.costMicroUsd || 0 });
  }
  return days;
}

function card(label, value) {
  return h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
}

/** A Chart.js chart, with the same figures as a table for screen readers and without Chart.js. */
function chart(id, title, labels, datasets, format) {
  const canvas = h("canvas", { id, role: "img", "aria-label": `${title}, per day for ${DAYS} days` });
  const box = h("figure", { class: "chart" }, h("figcaption", {}, title), canvas);
  if (window.Chart) {
    requestAnimationFrame(() => {
      new window.Chart(canvas, {
        type: "bar",
        data: { labels, datasets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          scales: { x: { stacked: true, ticks: { maxTicksLimit: 10 } }, y: { stacked: true, beginAtZero: true, ticks: { callback: format } } },
          plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${format(c.parsed.y)}` } } },
        },
      });
    });
  } else {
    box.append(h("p", { class: "hint" }, "Charts need Chart.js on the gateway (libjs-chart.js); the figures are in the table below."));
  }
  return box;
}

export default {
  title: "Overview",
  async render(view) {
    const from = new Date(Date.now() - (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const [daily, models, byKey, stats, keys] = await Promise.all([
      api("GET", `/usage/summary?groupBy=day&from=${from}`),
      api("GET", `/usage/summary?groupBy=model&from=${from}`),
      api("GET", `/usage/summary?groupBy=apiKey&from=${from}`),
      api("GET", "/proxy/stats"),
      all("/api-keys").catch(() => []),
    ]);
    const days = dailySeries(daily.items);
    const labels = days.map((d) => d.day.slice(5));
    const errorRate = stats.totalRequests ? (100 * stats.failedRequests) / stats.totalRequests : 0;
    const keyNames = new Map(keys.map((k) => [k.id, `${k.name} (${k.prefix}…)`]));
    const top = (items) => [...items].sort((a, b) => b.costMicroUsd - a.costMicroUsd || b.totalTokens - a.totalTokens).slice(0, 8);

    const dailyTable = table([
      { label: "Day", value: (d) => d.day },
      { label: "Calls", value: (d) => int(d.requests), num: true },
      { label: "Tokens", value: (d) => int(d.totalTokens), num: true },
      { label: "Cost", value: (d) => usd(d.costMicroUsd), num: true },
    ], days);
    dailyTable.id = "daily-figures";

    fill(view,
      h("p", { class: "hint" }, `The last ${DAYS} days (UTC), priced with table ${daily.priceVersion}.`),
      h("div", { class: "cards" },
        card(`Calls, ${DAYS} days`, int(daily.totals.requests)),
        card(`Tokens, ${DAYS} days`, int(daily.totals.totalTokens)),
        card(`Cost, ${DAYS} days`, usd(daily.totals.costMicroUsd)),
        card("Calls, all time", int(stats.totalRequests)),
        card("Error rate, all time", `${errorRate.toFixed(1)} %`),
        card("Average latency", `${int(Math.round(stats.avgResponseMs || 0))} ms`)),
      h("div", { class: "charts" },
        chart("cost-chart", "Cost per day (USD)", labels,
          [{ label: "Cost", data: days.map((d) => d.costMicroUsd / 1_000_000), backgroundColor: "#1f4e79" }],
          (v) => usd(Math.round(Number(v) * 1_000_000))),
        chart("tokens-chart", "Tokens per day", labels, [
          { label: "Prompt", data: days.map((d) => d.promptTokens), backgroundColor: "#1f4e79" },
          { label: "Completion", data: days.map((d) => d.completionTokens), backgroundColor: "#7aa6cf" },
        ], (v) => int(v))),
      h("details", {}, h("summary", {}, "The daily figures as a table"), dailyTable),
      h("h2", {}, "Top models"),
      table([
        { label: "Model", value: (m) => h("code", {}, m.key) },
        { label: "Calls", value: (m) => int(m.requests), num: true },
        { label: "Tokens", value: (m) => int(m.totalTokens), num: true },
        { label: "Cost", value: (m) => usd(m.costMicroUsd), num: true },
      ], top(models.items), "No model calls in the last 30 days."),
      h("h2", {}, "Top API keys"),
      table([
        { label: "Key", value: (k) => (k.key === "none" ? "users' sessions" : keyNames.get(k.key) || `a revoked key (${k.key.slice(0, 8)}…)`) },
        { label: "Calls", value: (k) => int(k.requests), num: true },
        { label: "Tokens", value: (k) => int(k.totalTokens), num: true },
        { label: "Cost", value: (k) => usd(k.costMicroUsd), num: true },
      ], top(byKey.items), "No model calls in the last 30 days."));
  },
};
