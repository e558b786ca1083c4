// API keys, provider credentials and users.
import { api, session } from "./api.js";
import { h, ok, fill, form, input, select, table, paged, problem, when, dangerButton, shownOnce, query } from "./ui.js";

const SERVICES = ["openai", "anthropic", "cohere", "mistral", "groq", "gemini", "azure-openai", "openrouter", "together", "deepseek", "ollama"];

export const keys = {
  title: "API keys",
  async render(view) {
    const notice = h("div");
    const list = paged((cursor) => api("GET", `/api-keys${query({ limit: 50, cursor })}`), (items) => table([
      { label: "Name", value: (k) => k.name },
      { label: "Role", value: (k) => h("span", { class: "badge" }, k.role) },
      { label: "Key", value: (k) => h("code", {}, `${k.prefix}…`) },
      { label: "Created", value: (k) => when(k.createdAt) },
      {
        label: "", value: (k) => dangerButton("Revoke", `Revoke the key “${k.name}”? Calls with it fail at once, on every gateway.`,
          async () => { await api("DELETE", `/api-keys/${k.id}`); list.reload(); }, (e) => notice.replaceChildren(problem(e))),
      },
    ], items, "No API keys yet."));
    fill(view,
      h("section", { class: "panel" }, h("h2", {}, "Create a key"),
        h("p", { class: "hint" }, "A proxy key is the one to embed in an application: it may call only /proxy and /v1. The key is shown once."),
        form({
          inline: true, submit: "Create key", label: "Create an API key",
          fields: [input("Name", "name", { required: true, maxlength: 200 }), select("Role", "role", ["proxy", "readonly", "admin"])],
          action: async (v, node) => {
            const created = await api("POST", "/api-keys", { name: v.name.trim(), role: v.role });
            node.reset();
            notice.replaceChildren(shownOnce(`The key “${created.name}”`, created.key,
              "Copy it now: it is stored only as a hash and will never be shown again."));
            list.reload();
          },
        })),
      notice, list);
  },
};

export const credentials = {
  title: "Credentials",
  async render(view) {
    const notice = h("div");
    const editor = h("div");
    const list = paged((cursor) => api("GET", `/credentials${query({ limit: 50, cursor })}`), (items) => table([
      { label: "Service", value: (c) => c.service },
      { label: "Name", value: (c) => c.name },
      { label: "Key", value: (c) => h("code", { class: "preview" }, c.keyPreview) },
      { label: "Base URL", value: (c) => c.meta?.baseUrl || "" },
      { label: "Key version", value: (c) => String(c.keyVersion), num: true },
      { label: "Updated", value: (c) => when(c.updatedAt) },
      {
        label: "", value: (c) => h("div", { class: "actions" },
          h("button", { type: "button", onclick: () => replace(c) }, "Replace key"),
          dangerButton("Delete", `Delete the ${c.service} credential “${c.name}”? Calls needing it fail at once.`,
            async () => { await api("DELETE", `/credentials/${c.id}`); list.reload(); }, (e) => notice.replaceChildren(problem(e)))),
      },
    ], items, "No provider keys stored yet: add one above to call that provider."));

    function replace(credential) {
      fill(editor, h("section", { class: "panel" }, h("h2", {}, `Replace the ${credential.service} key “${credential.name}”`),
        form({
          inline: true, submit: "Replace", label: "Replace the key",
          fields: [input("New key", "key", { type: "password", autocomplete: "off", required: true })],
          action: async (v, node) => {
            await api("PATCH", `/credentials/${credential.id}`, { key: v.key });
            node.reset();
            editor.replaceChildren();
            notice.replaceChildren(ok(`Replaced: ${credential.service}/${credential.name}.`));
            list.reload();
          },
        }),
        h("button", { type: "button", onclick: () => editor.replaceChildren() }, "Cancel")));
      editor.querySelector("input").focus();
    }

    fill(view,
      h("section", { class: "panel" }, h("h2", {}, "Add a provider key"),
        h("p", { class: "hint" }, "The key goes to the vault, encrypted; only its preview is ever shown again. Adding a service and name that exist replaces that key."),
        form({
          submit: "Store key", label: "Add a credential",
          fields: [
            select("Service", "service", SERVICES),
            input("Name", "name", { placeholder: "default", maxlength: 64 }),
            input("Key", "key", { type: "password", autocomplete: "off", required: true }),
            input("Base URL (optional: Azure, a self-hosted OpenAI-compatible server)", "baseUrl", { type: "url" }),
          ],
          action: async (v, node) => {
            const body = { service: v.service, key: v.key };
            if (v.name.trim()) body.name = v.name.trim();
            if (v.baseUrl.trim()) body.meta = { baseUrl: v.baseUrl.trim() };
            const stored = await api("POST", "/credentials", body);
            node.reset();
            notice.replaceChildren(ok(`Stored ${stored.service}/${stored.name}: `, h("code", {}, stored.keyPreview)));
            list.reload();
          },
        })),
      notice, editor, list);
  },
};

const ROLES = ["user", "elevated", "moderator", "admin"];

export const users = {
  title: "Users",
  async render(view) {
    const notice = h("div");
    const canEdit = session.role === "admin";
    const list = paged((cursor) => api("GET", `/users${query({ limit: 50, cursor })}`), (items) => table([
      { label: "Username", value: (u) => u.username },
      { label: "Email", value: (u) => u.email },
      { label: "Name", value: (u) => u.name || "" },
      {
        label: "Role", value: (u) => (canEdit && u.id !== session.user?.id
          ? select(`Role of ${u.username}`, "role", ROLES, {
            value: u.role,
            onchange: async (event) => {
              try {
                await api("PATCH", `/users/${u.id}`, { role: event.target.value });
                notice.replaceChildren(ok(`${u.username} is now ${event.target.value}.`));
              } catch (error) {
                notice.replaceChildren(problem(error));
                event.target.value = u.role;
              }
            },
          })
          : h("span", { class: "badge" }, u.role)),
      },
      { label: "Created", value: (u) => when(u.createdAt) },
      {
        label: "", value: (u) => (canEdit && u.id !== session.user?.id
          ? dangerButton("Delete", `Delete the user ${u.username}? Their sessions end at once.`,
            async () => { await api("DELETE", `/users/${u.id}`); list.reload(); }, (e) => notice.replaceChildren(problem(e)))
          : ""),
      },
    ], items, "No users yet: they register through POST /auth/register with one of your keys."));
    fill(view, h("p", { class: "hint" }, "Users register through your application (POST /auth/register); here you change their roles."), notice, list);
  },
};
