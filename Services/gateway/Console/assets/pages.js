// Every page of the console: where it sits in the navigation and who may open it.
// `module`: the tenant module it needs; `admin`: tenant admins only (`readable`: readonly keys too).
import overview from "./page-overview.js";
import { keys, credentials, users } from "./page-access.js";
import usage from "./page-usage.js";
import { limits, routes } from "./page-governance.js";
import { contentTypes, contentItems, contact, mailingList } from "./page-content.js";
import { tenants, vault } from "./page-platform.js";

export const tenantPages = [
  { ...overview, path: "overview", group: "AI gateway", module: "ai_proxy", admin: true, readable: true },
  { ...usage, path: "usage", group: "AI gateway", module: "ai_proxy", admin: true, readable: true },
  { ...limits, path: "limits", group: "AI gateway", module: "ai_proxy", admin: true, readable: true },
  { ...routes, path: "routes", group: "AI gateway", module: "ai_proxy", admin: true },
  { ...credentials, path: "credentials", group: "AI gateway", admin: true },
  { ...keys, path: "keys", group: "Access", admin: true },
  { ...users, path: "users", group: "Access", module: "users", admin: true, readable: true },
  { ...contentTypes, path: "content-types", group: "Content", module: "content", admin: true },
  { ...contentItems, path: "content", group: "Content", module: "content", admin: true, readable: true },
  { ...contact, path: "contact", group: "Content", module: "contact", minimumRole: "moderator", readable: true },
  { ...mailingList, path: "mailing-list", group: "Content", module: "mailing_list", admin: true, readable: true },
];

export const platformPages = [
  { ...tenants, path: "tenants", group: "Platform" },
  { ...vault, path: "vault", group: "Platform" },
];
