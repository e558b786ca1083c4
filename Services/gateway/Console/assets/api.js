// The console's way to the REST API. The caller's credential lives in this module's memory only:
// never in localStorage, sessionStorage or a URL. A user's refresh token is an HttpOnly cookie the
// page cannot read; `restore()` trades it for an access token after a reload.

/** A problem (RFC 9457) the API answered, or a network failure. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `the request failed (${status})`);
    this.status = status;
    this.problem = problem || {};
  }

  /** The field the problem's detail names (`name`, `targets[1].weight`, ...), if any. */
  get field() {
    const named = /`([A-Za-z][A-Za-z0-9_.\[\]]*)`/.exec(this.message);
    return named ? named[1] : null;
  }
}

/** Who is signed in: `{kind: "user"|"apiKey"|"platform", tenant?, user?, role}`; null when nobody. */
export let session = null;
let credential = null; // the access token, API key or admin key
let refreshTimer = null;

const listeners = new Set();
/** Calls `fn` whenever the session changes (signed in, refreshed, signed out, expired). */
export function onSessionChange(fn) { listeners.add(fn); }
function changed() { for (const fn of listeners) fn(session); }

function headers() {
  if (!session) return {};
  if (session.kind === "platform") return { "x-admin-key": credential };
  if (session.kind === "apiKey") return { "x-api-key": credential };
  return { authorization: `Bearer ${credential}` };
}

async function problemOf(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try { return await response.json(); } catch { /* not JSON after all */ }
  }
  return { detail: `${response.status} ${response.statusText}` };
}

/**
 * Sends a request to the API and returns the parsed JSON body (null for 204).
 * `options.raw` returns the Response itself (CSV exports). A 401 on a user session tries one refresh.
 */
export async function api(method, path, body, options = {}) {
  const init = { method, headers: { ...headers() }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, { detail: `the gateway could not be reached (${error.message})` });
  }
  if (response.status === 401 && session?.kind === "user" && !options.retried) {
    if (await refresh()) return api(method, path, body, { ...options, retried: true });
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && session) expire(problem.detail);
    throw new ApiError(response.status, problem);
  }
  if (options.raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

/** Every page of a list endpoint, up to `max` items. */
export async function all(path, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const page = await api("GET", `${path}${separator}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}

function start(kind, secret, details) {
  credential = secret;
  session = { kind, ...details };
  changed();
}

function schedule(expiresIn) {
  clearTimeout(refreshTimer);
  // A minute before the access token expires (tokens live at most 15 minutes).
  refreshTimer = setTimeout(refresh, Math.max(10, expiresIn - 60) * 1000);
}

async function userSession(answer) {
  schedule(answer.expiresIn);
  if (session?.kind === "user" && session.user.id === answer.user.id && session.role === answer.user.role) {
    credential = answer.accessToken; // a refresh: the page stays as it is
    return;
  }
  const me = await fetch("/auth/me", { headers: { authorization: `Bearer ${answer.accessToken}` } });
  if (!me.ok) throw new ApiError(me.status, await problemOf(me));
  const who = await me.json();
  start("user", answer.accessToken, { user: answer.user, tenant: who.tenant, role: answer.user.role });
}

/** Signs a tenant user in; the refresh token goes into the console's cookie. */
export async function signInUser(tenant, identifier, password) {
  const response = await fetch("/console/session", {
    method: "POST", headers: { "content-type": "application/json" }, credentials: "same-origin",
    body: JSON.stringify({ tenant, identifier, password }),
  });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  await userSession(await response.json());
}

/** Signs in with a tenant API key (role admin or readonly), kept in memory for this page only. */
export async function signInKey(key) {
  const response = await fetch("/auth/me", { headers: { "x-api-key": key } });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  const me = await response.json();
  if (me.kind !== "apiKey" || !["admin", "readonly"].includes(me.apiKey.role)) {
    throw new ApiError(403, { detail: `this key's role is \`${me.apiKey?.role}\`: the console needs an admin or readonly key` });
  }
  start("apiKey", key, { tenant: me.tenant, role: me.apiKey.role, keyId: me.apiKey.id });
}

/** Signs the platform admin in with the admin key (in memory for this page only). */
export async function signInPlatform(key) {
  const response = await fetch("/tenants?limit=1", { headers: { "x-admin-key": key } });
  if (!response.ok) {
    const problem = await problemOf(response);
    throw new ApiError(response.status, response.status === 401 ? { ...problem, detail: "this is not the platform's admin key" } : problem);
  }
  start("platform", key, { role: "superadmin" });
}

/** Trades the console's cookie for a new access token; false when there is no live session. */
export async function refresh() {
  const response = await fetch("/console/session/refresh", { method: "POST", credentials: "same-origin" });
  if (!response.ok) return false;
  await userSession(await response.json());
  return true;
}

/** After a reload: a user's session comes back from its cookie; keys must be entered again. */
export async function restore() {
  try { return await refresh(); } catch { return false; }
}

/** Signs out: a user's session is revoked on the server, a key forgotten. */
export async function signOut() {
  clearTimeout(refreshTimer);
  if (session?.kind === "user") {
    await fetch("/console/session", { method: "DELETE", credentials: "same-origin" }).catch(() => {});
  }
  credential = null;
  session = null;
  changed();
}

export let expiredReason = null;
function expire(reason) {
  clearTimeout(refreshTimer);
  expiredReason = reason || "the session ended";
  credential = null;
  session = null;
  changed();
}

/** A GET of `path` as a file download, reporting the bytes received so far to `progress(n)`. */
export async function download(path, filename, progress) {
  const response = await api("GET", path, undefined, { raw: true });
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    progress(received);
  }
  const url = URL.createObjectURL(new Blob(chunks, { type: response.headers.get("content-type") || "text/csv" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return received;
}
