// Starts the real `bonsai` binary for black-box tests and gives tests the
// pieces they need: accounts made with the admin CLI, OAuth tokens obtained
// with plain fetch() (password grant), and masto.js clients.
//
// Environment:
//   BONSAI_BIN                 path of the binary (default: <repo>/target/debug/bonsai)
//   BONSAI_TEST_DATABASE_URL   postgres://user@host:port/db — when set, every server
//                              gets a fresh PostgreSQL database (createdb/dropdb);
//                              otherwise SQLite in the server's temp data dir.
//   BONSAI_KEEP_DATA=1         keep the temp data dir (and the server log) after the run
//   BONSAI_TEST_LOG=1          echo the server's output to stderr

import { spawn, execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, rm, open } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { createRestAPIClient } from "masto";

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, "../../../..");
export const BONSAI_BIN =
  process.env.BONSAI_BIN || path.join(REPO_ROOT, "target/debug/bonsai");

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pgParts(urlString) {
  const u = new URL(urlString);
  return {
    url: u,
    host: u.hostname || "127.0.0.1",
    port: u.port || "5432",
    user: decodeURIComponent(u.username || "postgres"),
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

async function pgCommand(cmd, args, parts) {
  const env = { ...process.env };
  if (parts.password) env.PGPASSWORD = parts.password;
  return execFileP(
    cmd,
    ["-h", parts.host, "-p", parts.port, "-U", parts.user, ...args],
    { env },
  );
}

/**
 * Start a bonsai server.
 * @param {object} opts
 * @param {"open"|"approval"|"closed"} [opts.registrations]
 * @param {Array<{username:string,email?:string,password?:string,role?:string}>} [opts.accounts]
 *        accounts created with `bonsai admin account create` before `serve`
 * @param {Record<string,string>} [opts.env] extra environment
 */
export async function startServer(opts = {}) {
  if (!existsSync(BONSAI_BIN)) {
    throw new Error(
      `bonsai binary not found at ${BONSAI_BIN}; build it with ` +
        "`cargo build -p bonsai --bin bonsai` or set BONSAI_BIN",
    );
  }
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), "bonsai-masto-"));
  const env = {
    ...process.env,
    BONSAI_DOMAIN: host,
    BONSAI_LISTEN: host,
    BONSAI_DATA_DIR: dataDir,
    BONSAI_PROTOCOL: "http",
    BONSAI_REGISTRATIONS: opts.registrations ?? "open",
    ...(opts.env ?? {}),
  };
  delete env.BONSAI_DATABASE_URL;

  let pg = null;
  if (process.env.BONSAI_TEST_DATABASE_URL) {
    const parts = pgParts(process.env.BONSAI_TEST_DATABASE_URL);
    const dbName = `bonsai_masto_${process.pid}_${port}_${Date.now() % 100000}`;
    await pgCommand("createdb", [dbName], parts);
    const dbUrl = new URL(parts.url.toString());
    dbUrl.pathname = `/${dbName}`;
    env.BONSAI_DATABASE_URL = dbUrl.toString();
    pg = { parts, dbName };
  }

  const server = {
    url: `http://${host}`,
    host,
    port,
    dataDir,
    env,
    accounts: {},
    proc: null,
    logPath: path.join(dataDir, "server.log"),
    async stop() {
      await stopServer(server, pg);
    },
    log() {
      try {
        return readFileSync(server.logPath, "utf8");
      } catch {
        return "";
      }
    },
  };

  try {
    for (const a of opts.accounts ?? []) {
      const acct = {
        username: a.username,
        email: a.email ?? `${a.username}@example.com`,
        password: a.password ?? `pw-${a.username}-Secret123!`,
        role: a.role,
      };
      const args = [
        "admin",
        "account",
        "create",
        "--username",
        acct.username,
        "--email",
        acct.email,
        "--password",
        acct.password,
      ];
      if (acct.role) args.push("--role", acct.role);
      let out;
      try {
        out = await execFileP(BONSAI_BIN, args, { env, timeout: 60_000 });
      } catch (e) {
        throw new Error(
          `\`bonsai ${args.join(" ")}\` failed (exit ${e.code}):\n${e.stdout}\n${e.stderr}`,
        );
      }
      const m = out.stdout.match(/\d+/);
      if (!m) {
        throw new Error(
          `\`bonsai admin account create\` printed no account id: ${JSON.stringify(out.stdout)}`,
        );
      }
      acct.id = m[0];
      server.accounts[acct.username] = acct;
    }

    const logFile = await open(server.logPath, "w");
    const echo = process.env.BONSAI_TEST_LOG === "1";
    const proc = spawn(BONSAI_BIN, ["serve"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.proc = proc;
    server.exited = new Promise((resolve) => proc.on("exit", resolve));
    for (const stream of [proc.stdout, proc.stderr]) {
      stream.on("data", (chunk) => {
        logFile.write(chunk).catch(() => {});
        if (echo) process.stderr.write(chunk);
      });
    }
    server.logFile = logFile;

    const deadline = Date.now() + 30_000;
    let lastErr = null;
    while (true) {
      if (proc.exitCode !== null) {
        throw new Error(
          `bonsai serve exited with ${proc.exitCode} before becoming ready:\n${server.log()}`,
        );
      }
      try {
        const r = await fetch(`${server.url}/api/v1/instance`, {
          signal: AbortSignal.timeout(2000),
        });
        if (r.status === 200) break;
        lastErr = `HTTP ${r.status}`;
      } catch (e) {
        lastErr = e.message;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `bonsai not ready on ${server.url} after 30 s (${lastErr}):\n${server.log()}`,
        );
      }
      await sleep(100);
    }
  } catch (e) {
    await stopServer(server, pg);
    throw e;
  }
  return server;
}

async function stopServer(server, pg) {
  if (server.stopped) return;
  server.stopped = true;
  const proc = server.proc;
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    proc.kill("SIGTERM");
    const timedOut = await Promise.race([
      server.exited.then(() => false),
      sleep(10_000).then(() => true),
    ]);
    if (timedOut) {
      proc.kill("SIGKILL");
      await server.exited;
    }
  }
  if (server.logFile) await server.logFile.close().catch(() => {});
  if (pg) {
    await pgCommand("dropdb", ["--if-exists", pg.dbName], pg.parts).catch(
      (e) => console.error(`dropdb ${pg.dbName} failed: ${e.message}`),
    );
  }
  if (process.env.BONSAI_KEEP_DATA === "1") {
    console.error(`kept bonsai data dir ${server.dataDir}`);
  } else {
    await rm(server.dataDir, { recursive: true, force: true });
  }
}

/** POST a form or JSON body with fetch() and return {status, headers, json, text}. */
export async function http(server, method, pathname, { token, form, json, query } = {}) {
  const url = new URL(pathname, server.url);
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (Array.isArray(v)) v.forEach((x) => url.searchParams.append(k, x));
      else url.searchParams.set(k, v);
    }
  }
  const headers = {};
  let body;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (form) {
    body = new URLSearchParams(form);
  } else if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  const r = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(15_000) });
  const text = await r.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: r.status, headers: r.headers, json: parsed, text };
}

function describeResponse(method, pathname, r) {
  return `${method} ${pathname} -> ${r.status} ${r.text.slice(0, 500)}`;
}

/** Register an OAuth application with POST /api/v1/apps (form-encoded, as most clients do). */
export async function createApp(server, { scopes = "read write follow push", name = "masto-compat" } = {}) {
  const r = await http(server, "POST", "/api/v1/apps", {
    form: {
      client_name: name,
      redirect_uris: "urn:ietf:wg:oauth:2.0:oob",
      scopes,
      website: "https://example.com",
    },
  });
  if (r.status !== 200 || !r.json?.client_id || !r.json?.client_secret) {
    throw new Error(`creating an app failed: ${describeResponse("POST", "/api/v1/apps", r)}`);
  }
  return r.json;
}

/**
 * Password grant: username is the account's e-mail.
 * Returns the token response ({access_token, token_type, scope, created_at}).
 */
export async function passwordToken(server, account, { scope = "read write follow push", app } = {}) {
  app = app ?? (await createApp(server, { scopes: "read write follow push" }));
  const r = await http(server, "POST", "/oauth/token", {
    form: {
      grant_type: "password",
      username: account.email,
      password: account.password,
      client_id: app.client_id,
      client_secret: app.client_secret,
      scope,
    },
  });
  if (r.status !== 200 || !r.json?.access_token) {
    throw new Error(`password grant failed: ${describeResponse("POST", "/oauth/token", r)}`);
  }
  return r.json;
}

/** A masto.js REST client for `account` (an entry of server.accounts) with the given scope. */
export async function clientFor(server, account, { scope = "read write follow push" } = {}) {
  const tok = await passwordToken(server, account, { scope });
  const client = createRestAPIClient({ url: server.url, accessToken: tok.access_token, timeout: 15_000 });
  tokens.set(client, tok.access_token);
  return client;
}

// masto clients are Proxies (every property is an API path), so the token is kept aside.
const tokens = new WeakMap();
/** The access token behind a client made by clientFor(). */
export function tokenOf(client) {
  return tokens.get(client);
}

/** Compare two Mastodon ids (decimal strings) numerically. */
export function cmpId(a, b) {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Expect `promise` to reject with a MastoHttpError of the given status. */
export async function expectHttpError(promise, status) {
  const { MastoHttpError } = await import("masto");
  const allowed = Array.isArray(status) ? status : [status];
  let value;
  try {
    value = await promise;
  } catch (e) {
    if (!(e instanceof MastoHttpError)) {
      throw new Error(
        `expected MastoHttpError ${allowed.join("/")}, got ${e?.constructor?.name}: ${e?.message}`,
        { cause: e },
      );
    }
    if (!allowed.includes(e.statusCode)) {
      throw new Error(`expected HTTP ${allowed.join(" or ")}, got ${e.statusCode}: ${e.message}`, {
        cause: e,
      });
    }
    return e;
  }
  throw new Error(
    `expected HTTP ${allowed.join(" or ")} error, got success: ${JSON.stringify(value)?.slice(0, 300)}`,
  );
}
