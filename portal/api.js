/* global document, window, localStorage, fetch, btoa, XMLHttpRequest */
/*
 * Every call the portal makes goes through here, to the public API of api.md only. Locally the
 * "Sign in as" picker chooses the identity sent as x-ms-client-principal; in Azure, App Service
 * Authentication supplies it (and strips a forged header).
 */

const root = document.documentElement;
export const MODE = root.dataset.mode === 'azure' ? 'azure' : 'local';
export const API = root.dataset.apiBase || '/api';
export const OFFER_ID = /^[a-z0-9][a-z0-9-]{2,49}$/;

/* Local mode only: the identities the picker offers, as App Service Authentication would describe them. */
export const IDENTITIES = {
  publisher: { name: 'ann@contoso.com', roles: ['Publisher'], publisherId: 'contoso' },
  marketing: { name: 'mia@marketplace.example', roles: ['MarketingReviewer'] },
  technical: { name: 'ted@marketplace.example', roles: ['TechnicalReviewer'] },
  admin: { name: 'ada@marketplace.example', roles: ['Admin'] },
};
const IDENTITY_KEY = 'portal.signInAs';

export function currentIdentityKey() {
  const stored = localStorage.getItem(IDENTITY_KEY);
  return stored && IDENTITIES[stored] ? stored : 'publisher';
}

export function setIdentity(key) {
  localStorage.setItem(IDENTITY_KEY, key);
}

/** Who the page acts as: in Azure it cannot know the roles, so every control is offered and the API decides. */
export function currentPerson() {
  return MODE === 'local' ? IDENTITIES[currentIdentityKey()] : null;
}

/** True for a reviewer who is not also a publisher or Admin (local mode; in Azure the page cannot tell). */
export function reviewerOnly() {
  const who = currentPerson();
  return Boolean(who) && !who.roles.some((r) => r === 'Publisher' || r === 'Admin');
}

function principalHeader(who) {
  const claims = [{ typ: 'name', val: who.name }];
  for (const role of who.roles) claims.push({ typ: 'roles', val: role });
  if (who.publisherId) claims.push({ typ: 'publisher_id', val: who.publisherId });
  return btoa(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims }));
}

function identityHeaders() {
  const who = currentPerson();
  return who ? { 'x-ms-client-principal': principalHeader(who) } : {};
}

/** api.md's error body as an Error: `code`, `message`, `details` [{path, message}]. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `The request failed (HTTP ${status}).`);
    this.status = status;
    this.code = error.code || `http_${status}`;
    this.details = Array.isArray(error.details) ? error.details : [];
  }
}

let signingIn = false;

/**
 * A 401 means the session is missing or expired: App Service Authentication's sign-in page
 * brings the person back here afterwards. Locally the page always sends the picked identity.
 */
function signIn() {
  if (signingIn) return;
  signingIn = true;
  const here = window.location.pathname + window.location.search + window.location.hash;
  window.location.assign(`/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(here)}`);
}

function parse(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** One API call with a raw body: `{status, body}` on success, an ApiError otherwise. */
export async function send(method, path, body, headers) {
  const response = await fetch(API + path, {
    method,
    headers: { accept: 'application/json', ...identityHeaders(), ...headers },
    body,
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const parsed = parse(await response.text());
  if (response.status === 401) signIn();
  if (!response.ok) throw new ApiError(response.status, parsed);
  return { status: response.status, body: parsed };
}

/** One JSON call: the parsed body, or an ApiError. */
export async function api(method, path, body) {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  const result = await send(method, path, body === undefined ? undefined : JSON.stringify(body), headers);
  return result.body;
}

/** A read whose 404 means "none": null then. */
export async function readOrNull(path) {
  try {
    return await api('GET', path);
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

export function offerPath(offerId, rest) {
  return `/offers/${encodeURIComponent(offerId)}${rest || ''}`;
}

/**
 * A PUT of bytes with upload progress (fetch cannot report it). `url` is absolute for storage,
 * relative to the API otherwise; `onProgress(fraction)` is called as the bytes leave.
 */
export function upload(url, file, headers, onProgress, toApi) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', toApi ? API + url : url);
    const all = toApi ? { accept: 'application/json', ...identityHeaders(), ...headers } : headers;
    for (const [name, value] of Object.entries(all)) request.setRequestHeader(name, value);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    });
    request.addEventListener('load', () => {
      const body = parse(request.responseText);
      if (toApi && request.status === 401) signIn();
      if (request.status >= 200 && request.status < 300) resolve({ status: request.status, body });
      else reject(new ApiError(request.status, body));
    });
    request.addEventListener('error', () => reject(new ApiError(0, null)));
    request.send(file);
  });
}
