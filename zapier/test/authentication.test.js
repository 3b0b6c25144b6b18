'use strict';

const assert = require('assert');
const zapier = require('zapier-platform-core');

const App = require('../index');
const { state, WORKSPACE_NAME } = require('./support/server');

const appTester = zapier.createAppTester(App);

describe('authentication', () => {
  it('succeeds with a real key and names the connection after the workspace', async () => {
    const bundle = { authData: { apiKey: state.apiKey } };

    const me = await appTester(App.authentication.test, bundle);
    const label = await appTester(App.authentication.connectionLabel,
      { ...bundle, inputData: me });

    assert.strictEqual(me.workspaceName, WORKSPACE_NAME);
    assert.strictEqual(me.workspaceId, state.workspaceId);
    assert.strictEqual(label, WORKSPACE_NAME);
  });

  it('fails with a revoked key, as an auth error carrying our message', async () => {
    const failure = await appTester(App.authentication.test,
      { authData: { apiKey: state.revokedKey } }).then(() => null, (err) => err);

    assert.ok(failure, 'a revoked key must not authenticate');
    const error = JSON.parse(failure.message);
    assert.strictEqual(error.code, 'AuthenticationError');
    assert.strictEqual(error.status, 401);
    assert.match(error.message, /revoked/i);
  });

  it('fails with a key that is not one of ours', async () => {
    const failure = await appTester(App.authentication.test,
      { authData: { apiKey: 'not-a-key' } }).then(() => null, (err) => err);

    const error = JSON.parse(failure.message);
    assert.strictEqual(error.code, 'AuthenticationError');
    assert.ok(error.message.length > 0);
  });
});
