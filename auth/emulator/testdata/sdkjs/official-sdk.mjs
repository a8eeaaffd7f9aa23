// Drives Stytch's official browser SDK, @stytch/vanilla-js, against the
// emulator's /sdk/v1 routes, unchanged, inside a jsdom window whose origin is
// http://localhost:3000. Run by TestOfficialBrowserSDK (go test -tags sdkjs
// ./auth/emulator), which starts the emulator over TLS and sets:
//
//   STYTCH_EMULATOR_URL   https://127.0.0.1:PORT, the emulator's base URL
//   STYTCH_PUBLIC_TOKEN   the emulator's public token
//   SDKJS_PKCE_REQUIRED   "1" when the emulator runs with PKCE required for the SDK
//   NODE_EXTRA_CA_CERTS   the emulator's self-signed certificate (PEM), so TLS verifies
//
// The SDK keeps only the host name of customBaseUrl and always uses https on
// the default port, so the page's network layer (a wrapper around fetch that
// also does what a browser's CORS check does) sends https://HOST/sdk/v1/... to
// the emulator's port. Every other host is refused and recorded, and so is any
// script, iframe or other subresource the SDK tries to load.
//
// Prints one line per check and a closing "N passed, N failed" line; exits 1
// when a check failed.

import { JSDOM, VirtualConsole, requestInterceptor } from 'jsdom';
import { webcrypto } from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';

// Node's own fetch and console, before the page's replace them.
const realFetch = globalThis.fetch.bind(globalThis);
const print = console.log.bind(console);

const EMU = process.env.STYTCH_EMULATOR_URL;
const PUBLIC_TOKEN = process.env.STYTCH_PUBLIC_TOKEN;
const PKCE_REQUIRED = process.env.SDKJS_PKCE_REQUIRED === '1';
const PAGE_URL = 'http://localhost:3000/';
const REDIRECT_URL = 'http://localhost:3000/authenticate';
const CALL_TIMEOUT_MS = 15000;

if (!EMU || !PUBLIC_TOKEN) {
  console.error('STYTCH_EMULATOR_URL and STYTCH_PUBLIC_TOKEN must be set (run through go test -tags sdkjs ./auth/emulator)');
  process.exit(2);
}
const emu = new URL(EMU);
if (emu.protocol !== 'https:') {
  console.error(`STYTCH_EMULATOR_URL must be https (the SDK only speaks https), got ${EMU}`);
  process.exit(2);
}

// Nothing may keep this script alive for ever (the SDK's event logger runs a
// timer, and a bad answer can make its session refresh retry with back-off).
const watchdog = setTimeout(() => {
  print('FAIL watchdog: the script did not finish within 50 s');
  report();
  process.exit(1);
}, 50000);

// ---------------------------------------------------------------- checks

const results = [];
function check(name, ok, detail = '') {
  results.push({ name, ok: !!ok });
  print(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ': ' + detail : ''}`);
  return !!ok;
}
function eq(name, got, want) {
  return check(name, got === want, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}
function withTimeout(p, what) {
  let t;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} did not settle within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(t));
}
// Runs an SDK call; returns {value} or {error}.
async function attempt(what, fn) {
  try {
    return { value: await withTimeout(fn(), what) };
  } catch (error) {
    return { error };
  }
}
function describeError(e) {
  if (!e) return 'no error';
  return `${e.name}: ${e.error_type ?? ''} ${e.status_code ?? ''} ${String(e.message).split('\n')[0]}`.replace(/\s+/g, ' ');
}
// An SDK call that must succeed; a failure is reported and stops the step.
async function must(name, fn) {
  const r = await attempt(name, fn);
  if (r.error) {
    check(name, false, describeError(r.error));
    throw new StepFailed(name);
  }
  check(name, true);
  return r.value;
}
class StepFailed extends Error {}
// An SDK call that must fail with the given error_type.
async function mustFail(name, wantType, fn) {
  const r = await attempt(name, fn);
  if (!r.error) return check(name, false, `succeeded, want error_type ${wantType}: ${JSON.stringify(r.value).slice(0, 300)}`);
  return check(name, r.error.error_type === wantType, `got ${describeError(r.error)}, want error_type ${wantType}`);
}

// ---------------------------------------------------------------- the page

// What the SDK and jsdom print, so that errors logged by the SDK fail the run.
const logged = [];
for (const level of ['error', 'warn', 'log', 'info', 'debug']) {
  const orig = console[level].bind(console);
  console[level] = (...args) => {
    logged.push({ level, phase, text: args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'string' ? a : safeJSON(a))).join(' ') });
    if (process.env.SDKJS_VERBOSE) orig(`  [page console.${level}]`, ...args);
  };
}
function safeJSON(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
let phase = 'setup';
// Phases in which the SDK is expected to log errors (a client with a wrong public token).
const errorPhases = new Set();

// Every request the page or this script makes: {who, method, url, target, status, blocked, body, response}.
const network = [];
const subresources = [];

const virtualConsole = new VirtualConsole();
virtualConsole.on('jsdomError', (e) => logged.push({ level: 'jsdomError', phase, text: `${e.type ?? ''} ${e.message}` }));
for (const level of ['error', 'warn']) virtualConsole.on(level, (...a) => logged.push({ level, phase, text: a.join(' ') }));

const dom = new JSDOM('<!doctype html><html><head><title>sdkjs</title></head><body></body></html>', {
  url: PAGE_URL,
  virtualConsole,
  // Any subresource jsdom would fetch (script, iframe, image, XHR, WebSocket) is recorded and refused.
  resources: {
    interceptors: [
      requestInterceptor((request, { element }) => {
        subresources.push({ url: request.url, element: element?.localName ?? null });
        return new Response('blocked by the sdkjs test', { status: 403 });
      }),
    ],
  },
});
const { window } = dom;
// A browser has WebCrypto; jsdom's window.crypto lacks subtle, which PKCE needs.
Object.defineProperty(window, 'crypto', { value: webcrypto, configurable: true });
window.fetch = browserFetch;
window.navigator.sendBeacon = (url) => {
  network.push({ who: 'sdk', method: 'BEACON', url: String(url), blocked: true });
  return false;
};

// Elements with a src or href the SDK adds (loadESModule's <script>, iframes).
new window.MutationObserver((records) => {
  for (const r of records)
    for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      for (const el of [n, ...n.querySelectorAll('[src],[href],[action]')]) {
        const u = el.getAttribute?.('src') ?? el.getAttribute?.('href') ?? el.getAttribute?.('action');
        if (u) subresources.push({ url: u, element: el.localName });
      }
    }
}).observe(window.document, { childList: true, subtree: true });

// The SDK is a browser module: it reads window, document, localStorage and
// fetch as globals, some of them when it is imported, so they are set first.
globalThis.window = window;
for (const key of Object.getOwnPropertyNames(window)) {
  if (key in globalThis || key === 'undefined') continue;
  Object.defineProperty(globalThis, key, { get: () => window[key], configurable: true });
}
globalThis.fetch = browserFetch;

// ---------------------------------------------------------------- the page's network layer

const pageOrigin = new URL(PAGE_URL).origin;
const inflight = new Set();

// The SDK's URL is https://HOST/sdk/v1/...: HOST must be the emulator's host;
// the request goes to the emulator's port.
function routeToEmulator(u) {
  if (u.protocol !== 'https:' || u.hostname !== emu.hostname) return null;
  if (u.port !== '' && u.port !== emu.port) return null;
  return new URL(u.pathname + u.search, emu.origin);
}

const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST']);
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
function unsafeHeaderNames(headers) {
  const names = [];
  for (const [name, value] of headers) {
    if (['accept', 'accept-language', 'content-language'].includes(name)) continue;
    if (name === 'content-type' && SIMPLE_CONTENT_TYPES.has(value.split(';')[0].trim().toLowerCase())) continue;
    names.push(name);
  }
  return names.sort();
}
function listHas(list, item) {
  return (list ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .includes(item.toLowerCase());
}

// What a browser's fetch does for a cross-origin request from PAGE_URL:
// a preflight when needed, then the request with Origin, then the CORS check
// of the answer. A refused request is a TypeError('Failed to fetch'), as in a
// browser, which the SDK turns into StytchAPIUnreachableError.
function browserFetch(input, init = {}) {
  const entry = { who: 'sdk' };
  network.push(entry);
  const p = browserFetchInner(entry, input, init).catch((e) => {
    if (e instanceof TypeError && e.message === 'Failed to fetch') throw e;
    // A network error (refused, TLS): a browser says only this.
    entry.netError = `${e.message}${e.cause ? ': ' + (e.cause.code ?? e.cause.message) : ''}`;
    throw new TypeError('Failed to fetch');
  });
  inflight.add(p);
  p.finally(() => inflight.delete(p)).catch(() => {});
  return p;
}
async function browserFetchInner(entry, input, init) {
  const req = new Request(input, init);
  entry.method = req.method;
  entry.url = req.url;
  let body;
  if (init.body != null) {
    entry.rawBody = String(init.body);
    try {
      entry.body = JSON.parse(entry.rawBody);
    } catch {}
    body = entry.rawBody;
  }
  const target = routeToEmulator(new URL(req.url));
  if (!target) {
    entry.blocked = true;
    throw new TypeError('Failed to fetch');
  }
  entry.target = target.href;
  const credentials = init.credentials ?? 'same-origin'; // cross-origin: cookies only with 'include'
  const withCreds = credentials === 'include';
  const corsFail = (why) => {
    entry.cors = why;
    throw new TypeError('Failed to fetch');
  };
  const allowsOrigin = (h) => {
    const acao = h.get('access-control-allow-origin');
    if (withCreds) {
      if (acao !== pageOrigin) return `Access-Control-Allow-Origin is ${JSON.stringify(acao)}, want ${pageOrigin} (credentials: include)`;
      if (h.get('access-control-allow-credentials') !== 'true') return `Access-Control-Allow-Credentials is ${JSON.stringify(h.get('access-control-allow-credentials'))}, want "true"`;
    } else if (acao !== '*' && acao !== pageOrigin) return `Access-Control-Allow-Origin is ${JSON.stringify(acao)}`;
    return null;
  };

  const headers = new Headers(req.headers);
  const unsafe = unsafeHeaderNames(headers);
  if (!SAFELISTED_METHODS.has(req.method) || unsafe.length) {
    const pre = await realFetch(target, {
      method: 'OPTIONS',
      headers: {
        Origin: pageOrigin,
        'Access-Control-Request-Method': req.method,
        ...(unsafe.length ? { 'Access-Control-Request-Headers': unsafe.join(',') } : {}),
      },
    });
    await pre.arrayBuffer();
    entry.preflight = pre.status;
    if (pre.status < 200 || pre.status > 299) corsFail(`preflight answered ${pre.status}`);
    const why = allowsOrigin(pre.headers);
    if (why) corsFail(`preflight: ${why}`);
    const acam = pre.headers.get('access-control-allow-methods');
    if (!SAFELISTED_METHODS.has(req.method) && !listHas(acam, req.method) && !(acam === '*' && !withCreds))
      corsFail(`preflight: Access-Control-Allow-Methods ${JSON.stringify(acam)} lacks ${req.method}`);
    const acah = pre.headers.get('access-control-allow-headers');
    for (const h of unsafe) {
      const wildcard = acah?.trim() === '*' && !withCreds && h !== 'authorization';
      if (!wildcard && !listHas(acah, h)) corsFail(`preflight: Access-Control-Allow-Headers ${JSON.stringify(acah)} lacks ${h}`);
    }
  }
  headers.set('Origin', pageOrigin);
  const resp = await realFetch(target, { method: req.method, headers, body });
  entry.status = resp.status;
  const text = await resp.text();
  entry.response = text.slice(0, 2000);
  const why = allowsOrigin(resp.headers);
  if (why) corsFail(why);
  return new Response(text, { status: resp.status, statusText: resp.statusText, headers: resp.headers });
}

// This script's own requests to the emulator (outbox, hosted redirect, /dev/).
async function testFetch(url, init = {}) {
  const u = new URL(url, emu.origin);
  const entry = { who: 'test', method: init.method ?? 'GET', url: u.href };
  network.push(entry);
  if (u.origin !== emu.origin) {
    entry.blocked = true;
    throw new Error(`refusing to fetch ${u.href}: not the emulator`);
  }
  const resp = await realFetch(u, { redirect: 'manual', ...init });
  entry.status = resp.status;
  return resp;
}
async function devJSON(path, body) {
  const resp = await testFetch(path, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await resp.text();
  if (!resp.ok) throw new Error(`${body === undefined ? 'GET' : 'POST'} ${path}: ${resp.status} ${text}`);
  return JSON.parse(text);
}
async function settle() {
  for (let i = 0; i < 50 && inflight.size; i++) await Promise.allSettled([...inflight]);
  await new Promise((r) => setTimeout(r, 20));
}
async function latestMessage(addr, kind) {
  for (let i = 0; i < 50; i++) {
    const msgs = await devJSON(`/dev/outbox?to=${encodeURIComponent(addr)}`);
    const m = msgs.find((x) => (kind === 'otp' ? x.code : x.link));
    if (m) return m;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}
async function sessionStatus(id) {
  const all = await devJSON('/dev/sessions');
  const list = Array.isArray(all) ? all : (all.sessions ?? []);
  return list.find((s) => s.session_id === id)?.status ?? null;
}
function lastSDKRequest(pathSuffix) {
  return [...network].reverse().find((e) => e.who === 'sdk' && new URL(e.url).pathname.endsWith(pathSuffix));
}
function storageKeys() {
  return Object.keys(window.localStorage);
}
const pkceKey = `stytch_sdk_state_${PUBLIC_TOKEN}::PKCE_VERIFIER:magic_links`;
const stamp = `${Date.now()}-${process.pid}`;

// ---------------------------------------------------------------- the run

async function main() {
  const sdk = await import('@stytch/vanilla-js/headless');
  const { StytchClient, UNRECOVERABLE_ERROR_TYPES } = sdk;
  const internals = (c) => c[Symbol.for('stytch__internal_b2c')];

  // 0. TLS is really verified: without the emulator's certificate (the
  // default roots only) the connection is refused, with it (the roots plus
  // NODE_EXTRA_CA_CERTS, which is what fetch uses) it is not.
  check('TLS verification is on', process.env.NODE_TLS_REJECT_UNAUTHORIZED !== '0');
  const tlsWithout = await tlsProbe(tls.rootCertificates);
  check('TLS: without the emulator certificate the connection is refused', /CERT|SIGNATURE|SELF_SIGNED|ISSUER/.test(tlsWithout), tlsWithout);
  const tlsWith = await tlsProbe(undefined);
  eq('TLS: with NODE_EXTRA_CA_CERTS the emulator certificate verifies', tlsWith, 'ok');

  // 1. Bootstrap
  phase = 'bootstrap';
  const client = new StytchClient(PUBLIC_TOKEN, { customBaseUrl: EMU });
  const boot = await withTimeout(internals(client).bootstrap.getAsync(), 'bootstrap');
  await settle();
  const bootReq = lastSDKRequest(`/projects/bootstrap/${PUBLIC_TOKEN}`);
  check('bootstrap: GET /sdk/v1/projects/bootstrap/{public_token} answered 200', bootReq?.status === 200, bootReq ? `status ${bootReq.status} ${bootReq.cors ?? ''} ${bootReq.response ?? ''}` : 'no request');
  const bootErrors = logged.filter((l) => l.phase === 'bootstrap' && (l.level === 'error' || l.level === 'jsdomError'));
  check('bootstrap: the SDK logged no errors', bootErrors.length === 0, bootErrors.map((l) => l.text).join(' | '));
  check('bootstrap: data cached in localStorage', window.localStorage.getItem(`stytch_sdk_state_${PUBLIC_TOKEN}::bootstrap`) !== null, storageKeys().join(','));
  check('bootstrap: captcha off, DFP off (nothing remote to load)', boot.captchaSettings?.enabled === false && boot.runDFPProtectedAuth === false, safeJSON(boot));
  eq('bootstrap: pkceRequiredForEmailMagicLinks', boot.pkceRequiredForEmailMagicLinks, PKCE_REQUIRED);
  check('bootstrap: a consumer project (vertical not B2B)', boot.vertical !== 'B2B', `vertical ${JSON.stringify(boot.vertical)}`);
  check('bootstrap: an RBAC policy (the SDK logs an error without one)', Array.isArray(boot.rbacPolicy?.roles) && Array.isArray(boot.rbacPolicy?.resources), safeJSON(boot.rbacPolicy));
  const perms = await attempt('rbac.allPermissions', () => client.rbac.allPermissions());
  check('rbac.allPermissions resolves', !perms.error && typeof perms.value === 'object', describeError(perms.error));
  // With customBaseUrl the SDK asks for the session at start; with none it must get an error it does not retry.
  const startRefresh = lastSDKRequest('/sessions/authenticate');
  if (startRefresh) {
    let t = null;
    try {
      t = JSON.parse(startRefresh.response ?? '').error_type;
    } catch {}
    check('start-up session refresh without a session ends (error the SDK does not retry)', UNRECOVERABLE_ERROR_TYPES.includes(t), `status ${startRefresh.status}, error_type ${t}, SDK stops only on ${UNRECOVERABLE_ERROR_TYPES.join('|')}`);
  }

  // 2. Magic link
  phase = 'magic-link';
  const mlAddr = `sdkjs-ml-${stamp}@example.com`;
  let session;
  await step('magic link', async () => {
    const sent = await must('magicLinks.email.loginOrCreate', () =>
      client.magicLinks.email.loginOrCreate(mlAddr, {
        login_magic_link_url: REDIRECT_URL,
        signup_magic_link_url: REDIRECT_URL,
        login_expiration_minutes: 60,
        signup_expiration_minutes: 60,
      }),
    );
    check('loginOrCreate: a MagicLinksLoginOrCreateResponse (request_id, status_code 200)', sent.status_code === 200 && typeof sent.request_id === 'string' && sent.request_id !== '', safeJSON(sent));
    const sendReq = lastSDKRequest('/magic_links/email/login_or_create');
    if (PKCE_REQUIRED) {
      check('loginOrCreate sent a PKCE code_challenge', /^[A-Za-z0-9_-]{43}$/.test(sendReq?.body?.code_challenge ?? ''), safeJSON(sendReq?.body));
      check('the PKCE verifier is in the SDK storage', window.localStorage.getItem(pkceKey) !== null, storageKeys().join(','));
    }
    const msg = await latestMessage(mlAddr, 'link');
    if (!check('outbox has the link', !!msg?.link, safeJSON(msg))) throw new StepFailed();
    eq('the link is a signup link (new address)', msg.kind, 'signup');
    check('the link is on the emulator', new URL(msg.link).origin === emu.origin, msg.link);
    const redir = await testFetch(msg.link);
    const loc = redir.headers.get('location') ?? '';
    eq('hosted redirect answers 302', redir.status, 302);
    check('redirect goes to the signup URL with the token', loc.startsWith(REDIRECT_URL + '?') && /[?&]token=/.test(loc), loc);
    const parsed = client.parseAuthenticateUrl(loc);
    if (!check('the SDK parses the redirect (parseAuthenticateUrl)', parsed?.handled === true && parsed.tokenType === 'magic_links', safeJSON(parsed))) throw new StepFailed();
    const auth = await must('magicLinks.authenticate(token, {session_duration_minutes: 60})', () => client.magicLinks.authenticate(parsed.token, { session_duration_minutes: 60 }));
    const authReq = lastSDKRequest('/magic_links/authenticate');
    if (PKCE_REQUIRED) {
      check('authenticate sent the code_verifier from the SDK storage', typeof authReq?.body?.code_verifier === 'string' && authReq.body.code_verifier.length >= 43, safeJSON(authReq?.body));
      check('the SDK cleared its PKCE verifier', window.localStorage.getItem(pkceKey) === null);
    }
    check('authenticate returned the user with that email', auth.user?.emails?.some((e) => e.email === mlAddr) && /^user-test-/.test(auth.user_id ?? '') && auth.user.user_id === auth.user_id, safeJSON(auth.user));
    check('authenticate returned a session, token and JWT', /^session-test-/.test(auth.session?.session_id ?? '') && !!auth.session_token && auth.session_jwt?.split('.').length === 3, safeJSON(auth.session));
    check('the session is the SDK state', client.session.getSync()?.session_id === auth.session?.session_id);
    check('the session cookie is set', window.document.cookie.includes('stytch_session='), window.document.cookie);
    session = auth;
  });

  // 3. Session, user, revoke
  phase = 'session';
  if (session) {
    await step('session', async () => {
      const s = await must('session.authenticate', () => client.session.authenticate({ session_duration_minutes: 60 }));
      eq('session.authenticate: same session', s.session?.session_id, session.session.session_id);
      check('session.authenticate: user, user_id, token and JWT (AuthenticateResponse)', s.user?.user_id === session.user_id && s.user_id === session.user_id && !!s.session_token && !!s.session_jwt, safeJSON({ ...s, session_token: !!s.session_token, session_jwt: !!s.session_jwt }));
      eq('the SDK state keeps the user', client.user.getSync()?.user_id, session.user_id);
      const u = await must('user.get', () => client.user.get());
      check('user.get: the user', u.user_id === session.user_id && u.emails?.some((e) => e.email === mlAddr), safeJSON(u));
      eq('/dev/sessions: active', await sessionStatus(session.session.session_id), 'active');
      await must('session.revoke', () => client.session.revoke());
      check('revoke cleared the SDK state and cookie', client.session.getSync() === null && !window.document.cookie.includes('stytch_session='), window.document.cookie);
      eq('/dev/sessions: revoked', await sessionStatus(session.session.session_id), 'revoked');
      // The revoked token itself, put back: the emulator must refuse it.
      client.session.updateSession({ session_token: session.session_token, session_jwt: session.session_jwt });
      await mustFail('session.authenticate with the revoked token fails', 'session_not_found', () => client.session.authenticate());
    });
  }

  // 4. Email OTP (and 5c, a wrong code)
  phase = 'otp';
  const otpAddr = `sdkjs-otp-${stamp}@example.com`;
  await step('otp', async () => {
    const sent = await must('otps.email.loginOrCreate', () => client.otps.email.loginOrCreate(otpAddr, { expiration_minutes: 5 }));
    check('otps loginOrCreate: method_id', /^email-test-/.test(sent.method_id ?? ''), safeJSON(sent));
    const msg = await latestMessage(otpAddr, 'otp');
    if (!check('outbox has the code', /^\d{6}$/.test(msg?.code ?? ''), safeJSON(msg))) throw new StepFailed();
    const wrong = msg.code === '000000' ? '111111' : '000000';
    await mustFail('otps.authenticate with a wrong code', 'otp_code_not_found', () => client.otps.authenticate(wrong, sent.method_id, { session_duration_minutes: 60 }));
    const auth = await must('otps.authenticate(code, method_id)', () => client.otps.authenticate(msg.code, sent.method_id, { session_duration_minutes: 60 }));
    check('otps.authenticate: the user and a session', auth.user?.emails?.some((e) => e.email === otpAddr) && /^session-test-/.test(auth.session?.session_id ?? ''), safeJSON(auth));
    check('otps.authenticate: the factor is an email OTP', auth.session?.authentication_factors?.some((f) => f.type === 'otp' && f.delivery_method === 'email'), safeJSON(auth.session?.authentication_factors));
    eq('/dev/sessions: OTP session active', await sessionStatus(auth.session?.session_id), 'active');
    await must('session.revoke (OTP session)', () => client.session.revoke());
  });

  // 5. Errors as the SDK sees them
  phase = 'disable';
  await step('sdk disable', async () => {
    await devJSON('/dev/sdk', { disabled: ['magic_links'] });
    await mustFail('magic links disabled: loginOrCreate', 'endpoint_not_authorized_for_sdk', () =>
      client.magicLinks.email.loginOrCreate(`sdkjs-off-${stamp}@example.com`, { login_magic_link_url: REDIRECT_URL, signup_magic_link_url: REDIRECT_URL }),
    );
    await must('magic links disabled: OTP still works', () => client.otps.email.loginOrCreate(`sdkjs-off-${stamp}@example.com`));
  }).finally(async () => {
    await devJSON('/dev/sdk', { disabled: [] }).catch((e) => check('/dev/sdk re-enable', false, e.message));
  });
  await step('sdk re-enable', async () => {
    await must('magic links re-enabled: loginOrCreate works', () =>
      client.magicLinks.email.loginOrCreate(`sdkjs-on-${stamp}@example.com`, { login_magic_link_url: REDIRECT_URL, signup_magic_link_url: REDIRECT_URL }),
    );
  });

  phase = 'bad-token';
  errorPhases.add('bad-token');
  await step('wrong public token', async () => {
    const badToken = PUBLIC_TOKEN.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const bad = new StytchClient(badToken, { customBaseUrl: EMU });
    await withTimeout(internals(bad).bootstrap.getAsync(), 'bootstrap (wrong token)');
    const bootBad = lastSDKRequest(`/projects/bootstrap/${badToken}`);
    check('wrong public token: bootstrap refused', bootBad && bootBad.status >= 400, `status ${bootBad?.status} ${bootBad?.response ?? ''}`);
    await mustFail('wrong public token: magicLinks.email.loginOrCreate', 'unauthorized_credentials', () =>
      bad.magicLinks.email.loginOrCreate(`sdkjs-bad-${stamp}@example.com`, { login_magic_link_url: REDIRECT_URL, signup_magic_link_url: REDIRECT_URL }),
    );
    await mustFail('wrong public token: otps.email.loginOrCreate', 'unauthorized_credentials', () => bad.otps.email.loginOrCreate(`sdkjs-bad-${stamp}@example.com`));
    await settle();
  });
  // The SDK's telemetry: its event logger flushes every 800 ms; flush now.
  phase = 'events';
  await withTimeout(internals(client).networkClient.eventLogger.flush(), 'eventLogger.flush');
  await settle();
  const ev = lastSDKRequest('/events');
  check('telemetry: POST /sdk/v1/events accepted', ev?.status === 200 && !ev.cors, ev ? `status ${ev.status} ${ev.cors ?? ''} ${ev.netError ?? ''} ${ev.response ?? ''}` : 'no request');
  phase = 'end';
  await settle();
}

// Connects to the emulator with the given CA list (undefined: Node's
// default, which includes NODE_EXTRA_CA_CERTS); "ok" or the error code.
function tlsProbe(ca) {
  return new Promise((resolve) => {
    const req = https.get(new URL('/dev/outbox', emu.origin), { ca, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve('ok');
    });
    req.on('error', (e) => resolve(e.code ?? e.message));
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof StepFailed)) check(`${name}: unexpected exception`, false, e?.stack ?? String(e));
  }
}

function report() {
  // 6. Nothing but the emulator
  const foreign = network.filter((e) => e.blocked || (e.target ? new URL(e.target).origin !== emu.origin : e.who === 'sdk'));
  check('every request went to the emulator', foreign.length === 0, foreign.map((e) => `${e.method} ${e.url}`).join(', '));
  const corsRefused = network.filter((e) => e.cors);
  check('every SDK request passed the browser CORS check', corsRefused.length === 0, corsRefused.map((e) => `${e.method} ${e.url}: ${e.cors}`).join(' | '));
  check('the SDK loaded no script, iframe or other subresource', subresources.length === 0, subresources.map((s) => `${s.element} ${s.url}`).join(', '));
  const errs = logged.filter((l) => (l.level === 'error' || l.level === 'jsdomError') && !errorPhases.has(l.phase));
  check('the SDK logged no errors (outside the wrong-token step)', errs.length === 0, errs.map((l) => `[${l.phase}] ${l.text}`).join(' | '));

  print('\nrequests:');
  for (const e of network) {
    const path = e.target ? new URL(e.target).pathname : e.url;
    print(`  ${e.who.padEnd(4)} ${(e.method ?? '?').padEnd(7)} ${path}${e.preflight ? ` (preflight ${e.preflight})` : ''} -> ${e.blocked ? 'BLOCKED' : (e.status ?? e.cors ?? e.netError ?? '?')}`);
  }
  const notes = logged.filter((l) => l.level === 'warn' || l.level === 'error' || l.level === 'jsdomError');
  if (notes.length) {
    print('page console:');
    for (const l of notes) print(`  [${l.phase}] ${l.level}: ${l.text.slice(0, 400)}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  print(`\n${results.length - failed} passed, ${failed} failed`);
  return failed;
}

main()
  .catch((e) => check('script', false, e?.stack ?? String(e)))
  .finally(() => {
    clearTimeout(watchdog);
    const failed = report();
    // The SDK's event logger keeps a timer running; end here.
    process.exit(failed ? 1 : 0);
  });
