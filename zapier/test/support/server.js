'use strict';

// The real Meta Chat server for the tests: migrated into a throw-away SQLite database under
// a temporary folder, with a workspace and keys made by the project's own management
// commands, served by gunicorn beside a Celery worker (as the Procfile runs them), on
// 127.0.0.1. Everything stops, at once, when the tests end.

const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, '.venv', 'bin');
const WORKSPACE_NAME = 'Zapier Test Shop';

const state = { processes: [] };

const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

const environment = (varDir) => {
  const env = { ...process.env };
  // Its own database and broker, whatever services this machine runs.
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'CELERY_BROKER_URL']) delete env[name];
  return {
    ...env,
    METACHAT_VAR_DIR: varDir,
    DEBUG: 'false',
    // The receiver standing in for Zapier listens on 127.0.0.1.
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    LOG_LEVEL: 'WARNING',
    PYTHONUNBUFFERED: '1',
  };
};

const manage = (env, ...args) =>
  execFileSync(path.join(BIN, 'python'), ['manage.py', ...args], {
    cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  }).trim().split('\n').pop();

const startProcess = (name, command, args, env) => {
  const log = fs.openSync(path.join(state.varDir, `${name}.log`), 'a');
  // Its own process group, so stopping it stops its children (gunicorn's workers) too.
  const child = spawn(path.join(BIN, command), args, {
    cwd: ROOT, env, detached: true, stdio: ['ignore', log, log],
  });
  state.processes.push({ name, child });
  return child;
};

const logs = () =>
  state.processes
    .map(({ name }) => {
      const file = path.join(state.varDir, `${name}.log`);
      return `--- ${name}\n${fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-4000) : ''}`;
    })
    .join('\n');

const waitForHealth = async (url, deadline) => {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200) return;
    } catch (err) {
      // not listening yet
    }
    if (state.processes.some(({ child }) => child.exitCode !== null)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the Meta Chat server did not become healthy:\n${logs()}`);
};

const killAll = (signal) => {
  for (const { child } of state.processes) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, signal);
      } catch (err) {
        // already gone
      }
    }
  }
};

const start = async () => {
  if (!fs.existsSync(path.join(BIN, 'python'))) {
    throw new Error(`No ${BIN}/python: run \`make test\` at the top of the project first.`);
  }
  state.varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'metachat-zapier-'));
  const env = environment(state.varDir);
  manage(env, 'migrate', '--noinput', '-v', '0');
  state.workspaceId = manage(env, 'create_workspace', WORKSPACE_NAME);
  manage(env, 'load_demo_knowledge_base', state.workspaceId);
  state.apiKey = manage(env, 'create_api_key', state.workspaceId, '--name', 'Zapier',
    '--scopes', 'all');
  // A key that was revoked: --replace revokes the earlier key of that name.
  state.revokedKey = manage(env, 'create_api_key', state.workspaceId, '--name', 'Old Zapier',
    '--scopes', 'all');
  manage(env, 'create_api_key', state.workspaceId, '--name', 'Old Zapier', '--scopes', 'all',
    '--replace');

  const port = await freePort();
  state.baseUrl = `http://127.0.0.1:${port}`;
  process.env.METACHAT_BASE_URL = state.baseUrl; // what the Zapier app reads
  startProcess('web', 'gunicorn', ['metachat.wsgi', '--bind', `127.0.0.1:${port}`,
    '--workers', '1', '--threads', '8', '--graceful-timeout', '1'], env);
  startProcess('worker', 'celery', ['-A', 'metachat', 'worker', '-Q', 'celery,deliveries',
    '--pool', 'threads', '--concurrency', '8', '--without-gossip', '--without-mingle',
    '--loglevel', 'WARNING'], env);
  await waitForHealth(state.baseUrl, Date.now() + 60000);
};

const stop = async () => {
  // SIGQUIT: gunicorn's quick shutdown and Celery's cold one, then SIGKILL for anything left.
  killAll('SIGQUIT');
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline &&
    state.processes.some(({ child }) => child.exitCode === null && child.signalCode === null)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  killAll('SIGKILL');
  if (state.varDir) fs.rmSync(state.varDir, { recursive: true, force: true });
};

// Should mocha itself die, the servers die with it.
process.on('exit', () => killAll('SIGKILL'));

// The API called directly (not through Zapier), to act as a chat user would.
const api = async (method, apiPath, body, key = state.apiKey) => {
  const response = await fetch(`${state.baseUrl}/v1/${apiPath}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
};

const waitFor = async (condition, what, timeout = 30000) => {
  const deadline = Date.now() + timeout;
  for (;;) {
    const result = await condition();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

// A management command run against the test server's database (as an operator would).
const manageCommand = (...args) => manage(environment(state.varDir), ...args);

module.exports = { state, start, stop, api, waitFor, manageCommand, WORKSPACE_NAME };
