// Content types (a JSON Schema editor), content items, the contact inbox and the mailing list.
import { api, all, session, download } from "./api.js";
import { h, ok, fill, form, input, select, textarea, table, paged, problem, when, int, dangerButton, actionButton, query } from "./ui.js";

const parseJSON = (text, field) => {
  try { return JSON.parse(text); } catch (error) { throw Object.assign(new Error(`\`${field}\` is not JSON: ${error.message}`), { field }); }
};

const EXAMPLE_SCHEMA = {
  type: "object",
  properties: { title: { type: "string", maxLength: 200 }, body: { type: "string" } },
  required: ["title"],
};

export const contentTypes = {
  title: "Content types",
  async render(view) {
    const notice = h("div");
    const editor = h("div");
    const list = paged((cursor) => api("GET", `/content-types${query({ limit: 50, cursor })}`), (items) => table([
      { label: "Name", value: (t) => h("code", {}, t.name) },
      { label: "Description", value: (t) => t.description || "" },
      { label: "Who may write", value: (t) => t.accessLevel },
      { label: "Version", value: (t) => String(t.version), num: true },
      { label: "Updated", value: (t) => when(t.updatedAt) },
      {
        label: "", value: (t) => (t.builtin ? h("span", { class: "badge" }, "built in") : h("div", { class: "actions" },
          h("button", { type: "button", onclick: () => edit(t) }, "Edit schema"),
          dangerButton("Delete", `Delete the type “${t.name}”?`, async () => { await api("DELETE", `/content-types/${t.id}`); list.reload(); },
            (e) => notice.replaceChildren(problem(e))))),
      },
    ], items, "No content types yet."));

    function edit(type) {
      const creating = !type;
      fill(editor, h("section", { class: "panel" },
        h("h2", {}, creating ? "New content type" : `The schema of “${type.name}”`),
        form({
          submit: creating ? "Create type" : "Save schema", label: creating ? "Create a content type" : "Edit the schema",
          fields: [
            creating ? input("Name", "name", { required: true, maxlength: 100 }) : null,
            creating ? input("Description", "description", { maxlength: 500 }) : null,
            creating ? select("Who may write items", "accessLevel", ["user", "elevated", "moderator", "admin"], { value: "admin" }) : null,
            textarea("Schema (JSON Schema, draft 2020-12)", "schema", { value: JSON.stringify(creating ? EXAMPLE_SCHEMA : type.schema, null, 2), rows: 16 }),
          ],
          action: async (v) => {
            const schema = parseJSON(v.schema, "schema");
            const saved = creating
              ? await api("POST", "/content-types", { name: v.name.trim(), description: v.description.trim() || undefined, accessLevel: v.accessLevel, schema })
              : await api("PATCH", `/content-types/${type.id}`, { schema });
            editor.replaceChildren();
            notice.replaceChildren(ok(`Saved the type ${saved.name} (version ${saved.version}).`));
            list.reload();
          },
        }),
        h("button", { type: "button", onclick: () => editor.replaceChildren() }, "Close")));
      editor.querySelector("input, textarea").focus();
    }

    fill(view,
      h("p", { class: "hint" }, "Each type's schema validates its items' data; a schema that cannot be used is refused with the place in it that is wrong."),
      h("div", { class: "toolbar" }, h("button", { type: "button", class: "primary", onclick: () => edit(null) }, "New type")),
      editor, notice, list);
  },
};

export const contentItems = {
  title: "Content",
  async render(view) {
    const notice = h("div");
    const types = (await all("/content-types")).filter((t) => !["comment", "reaction"].includes(t.name));
    const slug = session.tenant.slug;
    const writable = session.role !== "readonly";
    let filters = {};
    const publicURL = (item) => (item.slug ? `/public/${slug}/content/${item.type}/${item.slug}` : `/public/${slug}/content/${item.type}`);
    const setStatus = async (item, status) => {
      await api("PATCH", `/content/${item.id}`, { status, expectedVersion: item.version });
      notice.replaceChildren(ok(`${item.title || item.slug || item.id} is now ${status}.`));
      list.reload();
    };
    const showError = (e) => notice.replaceChildren(problem(e));
    const list = h("div");
    const load = () => fill(list, paged((cursor) => api("GET", `/content${query({ ...filters, limit: 50, cursor })}`), (items) => table([
      { label: "Title", value: (i) => i.title || "(untitled)" },
      { label: "Type", value: (i) => h("code", {}, i.type) },
      { label: "Slug", value: (i) => i.slug || "" },
      { label: "Status", value: (i) => h("span", { class: i.status === "published" ? "badge good" : "badge" }, i.status) },
      { label: "Access", value: (i) => i.accessType },
      { label: "Version", value: (i) => String(i.version), num: true },
      { label: "Updated", value: (i) => when(i.updatedAt) },
      {
        label: "", value: (i) => h("div", { class: "actions" },
          writable ? actionButton(i.status === "published" ? "Unpublish" : "Publish",
            () => setStatus(i, i.status === "published" ? "draft" : "published"), showError) : null,
          i.status === "published" && i.accessType === "public" ? h("a", { href: publicURL(i), class: "public-link", target: "_blank", rel: "noopener" }, "Public URL") : null,
          writable ? dangerButton("Delete", `Delete “${i.title || i.id}”?`, async () => { await api("DELETE", `/content/${i.id}`); load(); }, showError) : null),
      },
    ], items, "No content matches.")));
    list.reload = load;

    const filterForm = form({
      inline: true, submit: "Filter", label: "Filter the content",
      fields: [
        select("Type", "type", [["", "any"], ...types.map((t) => t.name)]),
        select("Status", "status", [["", "any"], "draft", "published"]),
      ],
      action: async (v) => { filters = v; load(); },
    });
    const create = writable && types.length ? h("details", { class: "panel" }, h("summary", {}, "New item"), form({
      submit: "Create item", label: "Create a content item",
      fields: [
        select("Type", "type", types.map((t) => t.name)),
        input("Title", "title", { maxlength: 500 }),
        input("Slug", "slug", { maxlength: 200, placeholder: "my-first-post" }),
        select("Access", "accessType", ["public", "private", "unlisted", "restricted"]),
        textarea("Data (JSON, validated by the type's schema)", "data", { value: "{\n  \"title\": \"Hello\"\n}", rows: 8 }),
      ],
      action: async (v, node) => {
        const item = await api("POST", "/content", {
          type: v.type, title: v.title.trim() || undefined, slug: v.slug.trim() || undefined,
          accessType: v.accessType, data: parseJSON(v.data, "data"), status: "draft",
        });
        node.reset();
        notice.replaceChildren(ok(`Created ${item.title || item.id} as a draft.`));
        load();
      },
    })) : null;
    fill(view, h("section", { class: "panel" }, filterForm), create, notice, list);
    load();
  },
};

const STATUSES = ["new", "read", "replied", "archived"];

export const contact = {
  title: "Contact inbox",
  async render(view) {
    const notice = h("div");
    let status = "new";
    const list = h("div");
    const load = () => fill(list, paged((cursor) => api("GET", `/contact${query({ status, limit: 50, cursor })}`), (items) => table([
      { label: "Received", value: (m) => when(m.createdAt) },
      { label: "From", value: (m) => h("div", {}, m.name, h("br"), h("small", {}, m.email)) },
      { label: "Subject", value: (m) => m.subject || "" },
      { label: "Message", value: (m) => h("div", { class: "message" }, m.message) },
      { label: "Category", value: (m) => m.category || "" },
      {
        label: "Status", value: (m) => select(`Status of the message from ${m.name}`, "status", STATUSES, {
          value: m.status,
          onchange: async (event) => {
            try {
              await api("PATCH", `/contact/${m.id}`, { status: event.target.value });
              notice.replaceChildren(ok(`Marked ${event.target.value}.`));
            } catch (error) {
              notice.replaceChildren(problem(error));
              event.target.value = m.status;
            }
          },
        }),
      },
    ], items, `No ${status || ""} messages.`)));
    const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": "Messages by status" },
      [...STATUSES, ""].map((s) => h("button", {
        type: "button", role: "tab", "aria-selected": String(s === status),
        onclick: (event) => {
          status = s;
          for (const tab of tabs.children) tab.setAttribute("aria-selected", String(tab === event.target));
          load();
        },
      }, s || "all")));
    fill(view, h("p", { class: "hint" }, "Messages sent through POST /public/{tenant}/contact; move each along new → read → replied → archived."), tabs, notice, list);
    load();
  },
};

export const mailingList = {
  title: "Mailing list",
  async render(view) {
    let status = "";
    const exportStatus = h("span", { "aria-live": "polite" });
    const list = h("div");
    const load = () => fill(list, paged((cursor) => api("GET", `/mailing-list${query({ status, limit: 50, cursor })}`), (items) => table([
      { label: "Email", value: (s) => s.email },
      { label: "Status", value: (s) => h("span", { class: s.status === "subscribed" ? "badge good" : "badge" }, s.status) },
      { label: "Source", value: (s) => s.source || "" },
      { label: "Signed up", value: (s) => when(s.createdAt) },
      { label: "Confirmed", value: (s) => when(s.confirmedAt) },
    ], items, "No subscribers match.")));
    const exportButton = actionButton("Export CSV", async () => {
      const progress = h("progress", { "aria-label": "Export progress" });
      fill(exportStatus, progress, " Exporting…");
      const bytes = await download("/mailing-list/export.csv", "mailing-list.csv", (n) => fill(exportStatus, progress, ` ${int(n)} bytes…`));
      fill(exportStatus, `Exported ${int(bytes)} bytes (mailing-list.csv).`);
    }, (error) => fill(exportStatus, problem(error)));
    fill(view,
      h("div", { class: "toolbar" },
        select("Status", "status", [["", "any"], "pending", "subscribed", "unsubscribed"], { onchange: (event) => { status = event.target.value; load(); } }),
        session.role === "admin" ? exportButton : null, exportStatus),
      list);
    load();
  },
};
