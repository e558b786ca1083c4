// The platform admin's pages: tenants (with their platform-owned limits) and the vault.
import { api } from "./api.js";
import { h, ok, fill, form, input, checkbox, table, paged, problem, when, int, dangerButton, actionButton, shownOnce, query } from "./ui.js";
import { limitsTable, limitBody, limitFields } from "./page-governance.js";

const MODULES = ["content", "flows", "scenes", "contact", "mailing_list", "ai_proxy", "users"];
const chosen = (v) => MODULES.filter((m) => v[`module-${m}`]);
const moduleBoxes = (selected) => h("fieldset", { class: "modules" }, h("legend", {}, "Modules"),
  MODULES.map((m) => checkbox(m, `module-${m}`, selected.includes(m))));

export const tenants = {
  title: "Tenants",
  async render(view, { params, go }) {
    if (params[0]) return tenant(view, params[0], go);
    const notice = h("div");
    const list = paged((cursor) => api("GET", `/tenants${query({ limit: 50, cursor })}`), (items) => table([
      { label: "Name", value: (t) => h("a", { href: `#/tenants/${t.id}` }, t.name) },
      { label: "Slug", value: (t) => h("code", {}, t.slug) },
      { label: "Modules", value: (t) => t.modules.join(", ") },
      { label: "Created", value: (t) => when(t.createdAt) },
    ], items, "No tenants yet."));
    fill(view,
      h("section", { class: "panel" }, h("h2", {}, "Create a tenant"), form({
        submit: "Create tenant", label: "Create a tenant",
        fields: [
          input("Name", "name", { required: true, maxlength: 200 }),
          input("Slug (optional: from the name)", "slug", { maxlength: 64 }),
          moduleBoxes(MODULES),
        ],
        action: async (v, node) => {
          const body = { name: v.name.trim(), modules: chosen(v) };
          if (v.slug.trim()) body.slug = v.slug.trim();
          const created = await api("POST", "/tenants", body);
          node.reset();
          notice.replaceChildren(shownOnce(`The admin key of “${created.name}” (${created.slug})`, created.apiKey,
            "Give it to the tenant's administrator now: it is stored only as a hash and will never be shown again."));
          list.reload();
        },
      })),
      notice, list);
  },
};

async function tenant(view, id, go) {
  const notice = h("div");
  const current = await api("GET", `/tenants/${id}`);
  const limitsList = h("div");
  async function reloadLimits() {
    try {
      const { items } = await api("GET", `/tenants/${id}/limits`);
      fill(limitsList, limitsTable(items, new Map(), (l) => dangerButton("Delete", "Delete this platform-owned limit?",
        async () => { await api("DELETE", `/tenants/${id}/limits/${l.id}`); reloadLimits(); }, (e) => notice.replaceChildren(problem(e)))));
    } catch (error) {
      fill(limitsList, problem(error));
    }
  }
  fill(view,
    h("p", {}, h("a", { href: "#/tenants" }, "← All tenants")),
    h("h2", {}, `${current.name} `, h("code", {}, current.slug)),
    h("p", { class: "hint" }, `Created ${when(current.createdAt)} · id `, h("code", {}, current.id)),
    notice,
    h("section", { class: "panel" }, h("h2", {}, "Name and modules"), form({
      submit: "Save", label: "Edit the tenant",
      fields: [input("Name", "name", { value: current.name, required: true }), moduleBoxes(current.modules)],
      action: async (v) => {
        const saved = await api("PATCH", `/tenants/${id}`, { name: v.name.trim(), modules: chosen(v) });
        notice.replaceChildren(ok(`Saved: ${saved.modules.length} modules.`));
      },
    })),
    h("section", { class: "panel" }, h("h2", {}, "Admin key"),
      h("p", { class: "hint" }, "A new key revokes every admin key the tenant has."),
      dangerButton("Regenerate the admin key", `Revoke ${current.name}'s admin keys and issue a new one?`, async () => {
        const { apiKey } = await api("POST", `/tenants/${id}/regenerate-key`);
        notice.replaceChildren(shownOnce(`The new admin key of “${current.name}”`, apiKey, "Shown this once."));
      }, (e) => notice.replaceChildren(problem(e)))),
    h("section", { class: "panel" }, h("h2", {}, "Platform-owned limits"),
      h("p", { class: "hint" }, "The tenant sees these limits but cannot change them."),
      form({
        inline: true, submit: "Add limit", label: "Add a platform-owned limit", fields: limitFields(),
        action: async (v, node) => { await api("POST", `/tenants/${id}/limits`, limitBody(v)); node.reset(); reloadLimits(); },
      }),
      limitsList),
    h("section", { class: "panel" }, h("h2", {}, "Delete"),
      dangerButton("Delete the tenant", `Delete ${current.name} and all its data, everywhere? This cannot be undone.`,
        async () => { await api("DELETE", `/tenants/${id}`); go("#/tenants"); }, (e) => notice.replaceChildren(problem(e)))));
  await reloadLimits();
}

export const vault = {
  title: "Vault",
  async render(view) {
    const state = h("div", { "aria-live": "polite" });
    async function show() {
      try {
        const status = await api("GET", "/admin/vault/status");
        const { rewrap } = status;
        fill(state,
          h("p", {}, "Current master-key version: ", h("strong", {}, String(status.currentVersion))),
          table([
            { label: "Key version", value: (v) => String(v.version) },
            { label: "Credentials", value: (v) => int(v.credentials), num: true },
          ], status.versions, "No credentials stored."),
          h("h2", {}, "Rewrap"),
          h("p", {}, `State: ${rewrap.state}`, rewrap.total ? ` · ${int(rewrap.done)} of ${int(rewrap.total)}` : ""),
          rewrap.state === "running" ? h("progress", { max: rewrap.total || 1, value: rewrap.done, "aria-label": "Rewrap progress" }) : null);
        // Polled while running, until the page is left.
        if (rewrap.state === "running") setTimeout(() => { if (view.isConnected) show(); }, 1000);
      } catch (error) {
        fill(state, problem(error));
      }
    }
    const notice = h("div");
    fill(view,
      h("p", { class: "hint" }, "Rotation rewraps every credential to the current master key (CRED_ENCRYPT_KEY); set the new key and restart the vault first."),
      h("div", { class: "toolbar" }, actionButton("Rewrap to the current key", async () => {
        await api("POST", "/admin/vault/rotate");
        notice.replaceChildren(ok("Rewrap started."));
        await show();
      }, (e) => notice.replaceChildren(problem(e)), { class: "primary" })),
      notice, state);
    await show();
  },
};
