// The console's shell: sign-in, navigation and the hash router (`/console#/keys`).
import * as API from "./api.js";
import { h, fill, form, input, problem, loading } from "./ui.js";
import { tenantPages, platformPages } from "./pages.js";

const view = document.getElementById("view");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const signOutButton = document.getElementById("sign-out");

signOutButton.addEventListener("click", async () => {
  await API.signOut();
  location.hash = "";
});

API.onSessionChange(() => route());
// After a link is followed, keyboard and screen-reader users continue in the page that opened.
window.addEventListener("hashchange", () => route({ focus: true }));

/** The pages the signed-in caller may open: by kind, role and the tenant's modules. */
function pagesFor(session) {
  if (!session) return [];
  if (session.kind === "platform") return platformPages;
  const modules = new Set(session.tenant?.modules || []);
  const admin = session.role === "admin";
  const readonly = session.kind === "apiKey" && session.role === "readonly";
  return tenantPages.filter((page) => {
    if (page.module && !modules.has(page.module)) return false;
    if (page.admin && !admin && !(readonly && page.readable)) return false;
    if (page.minimumRole === "moderator" && !["moderator", "admin"].includes(session.role)) return false;
    return true;
  });
}

function renderNav(session, pages, current) {
  nav.hidden = !session;
  signOutButton.hidden = !session;
  if (!session) {
    nav.replaceChildren();
    who.textContent = "";
    return;
  }
  who.textContent = session.kind === "platform" ? "Platform admin"
    : session.kind === "user" ? `${session.user.username} · ${session.tenant.slug} (${session.role})`
      : `API key (${session.role}) · ${session.tenant.slug}`;
  const groups = new Map();
  for (const page of pages) {
    if (!groups.has(page.group)) groups.set(page.group, []);
    groups.get(page.group).push(page);
  }
  fill(nav, [...groups].map(([group, members]) => [
    h("h2", {}, group),
    members.map((page) => h("a", { href: `#/${page.path}`, "aria-current": page === current ? "page" : null }, page.title)),
  ]));
}

// Each render takes a ticket; a page whose data arrives after another render started (the user
// moved on, or signed out) is dropped.
let rendering = 0;
async function route({ focus = false } = {}) {
  const ticket = ++rendering;
  const session = API.session;
  const pages = pagesFor(session);
  if (!session) {
    renderNav(null, [], null);
    return signIn();
  }
  const [path, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const page = pages.find((p) => p.path === path) || pages[0];
  renderNav(session, pages, page);
  document.title = `${page.title} · Strongbox console`;
  fill(view, h("h1", {}, page.title), loading());
  const body = h("div");
  try {
    await page.render(body, { session, params: rest.map(decodeURIComponent), go: (hash) => { location.hash = hash; } });
  } catch (error) {
    fill(body, problem(error));
  }
  if (ticket !== rendering) return;
  fill(view, h("h1", {}, page.title), body);
  if (focus) view.focus();
}

function signIn() {
  document.title = "Sign in · Strongbox console";
  const kinds = [
    ["user", "User account"],
    ["apiKey", "Tenant admin key"],
    ["platform", "Platform admin key"],
  ];
  const panel = h("div");
  const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": "Sign in with" });
  const show = (kind) => {
    for (const tab of tabs.children) tab.setAttribute("aria-selected", String(tab.dataset.kind === kind));
    fill(panel, formFor(kind));
    panel.querySelector("input")?.focus();
  };
  for (const [kind, label] of kinds) {
    tabs.append(h("button", { type: "button", role: "tab", dataset: { kind }, onclick: () => show(kind) }, label));
  }
  const reason = API.expiredReason ? h("p", { class: "problem", role: "alert" }, `Signed out: ${API.expiredReason}`) : null;
  fill(view, h("section", { class: "signin panel" }, h("h1", {}, "Sign in"), reason, tabs, panel));
  show("user");
}

function formFor(kind) {
  if (kind === "user") {
    return form({
      label: "Sign in with a user account", submit: "Sign in",
      fields: [
        input("Tenant (slug)", "tenant", { autocomplete: "organization", required: true }),
        input("Email or username", "identifier", { autocomplete: "username", required: true }),
        input("Password", "password", { type: "password", autocomplete: "current-password", required: true }),
      ],
      action: (v) => API.signInUser(v.tenant.trim(), v.identifier.trim(), v.password),
    });
  }
  const platform = kind === "platform";
  return form({
    label: platform ? "Sign in with the platform admin key" : "Sign in with a tenant admin key", submit: "Sign in",
    fields: [
      input(platform ? "Admin key (ADMIN_API_KEY)" : "API key (tnnt_…)", "key", { type: "password", autocomplete: "off", required: true }),
      h("p", { class: "hint" }, "The key stays in this page's memory only: reloading the page signs you out."),
    ],
    action: (v) => (platform ? API.signInPlatform(v.key.trim()) : API.signInKey(v.key.trim())),
  });
}

fill(view, loading("Resuming your session…"));
if (!(await API.restore())) route();
