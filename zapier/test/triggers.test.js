'use strict';

const assert = require('assert');
const { Webhook } = require('standardwebhooks');
const zapier = require('zapier-platform-core');

const App = require('../index');
const { Receiver } = require('./support/receiver');
const { state, api, waitFor, manageCommand } = require('./support/server');

const appTester = zapier.createAppTester(App);
// The triggers a chat fires; the daily report has its own test below.
const CONVERSATION_TRIGGERS = Object.keys(App.triggers).filter((key) => key !== 'daily_report');
const authData = () => ({ apiKey: state.apiKey });

// The shape of a JSON value: its keys, all the way down.
const shape = (value) => {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape(value[k])]));
  }
  return value === null ? 'null' : typeof value;
};

const fieldValue = (item, key) => key.split('__').reduce((v, part) => (v == null ? v : v[part]), item);

const subscribe = (triggerKey, targetUrl, inputData = {}) =>
  appTester(App.triggers[triggerKey].operation.performSubscribe,
    { authData: authData(), targetUrl, inputData });

const unsubscribe = (triggerKey, subscribeData) =>
  appTester(App.triggers[triggerKey].operation.performUnsubscribe,
    { authData: authData(), subscribeData });

// A subscription made straight through the API: it receives every event of a type, so once
// it has an event, the zaps' subscriptions have been dispatched that event too.
const canary = async (receiver, event, path) =>
  (await api('POST', 'hooks', { targetUrl: receiver.url(path), event })).body.data;

describe('REST-hook triggers against the running server', () => {
  let receiver;

  before(async () => {
    receiver = await new Receiver().start();
  });

  after(() => receiver.stop());

  it('every trigger subscribes, receives its event signed with the promised fields, ' +
     'lists the same shape and unsubscribes', async () => {
    const zaps = {};
    for (const key of CONVERSATION_TRIGGERS) {
      const path = `/hooks/${key}`;
      const subscribeData = await subscribe(key, receiver.url(path));
      assert.match(subscribeData.id, /^hook_/);
      assert.match(subscribeData.secret, /^whsec_/);
      zaps[key] = { path, subscribeData };
    }
    const listed = (await api('GET', 'hooks?limit=100')).body.data.map((h) => h.id);
    for (const { subscribeData } of Object.values(zaps)) assert.ok(listed.includes(subscribeData.id));

    // One conversation that produces every event type, as a chat user would.
    await api('POST', 'sessions', { userId: 'zap-user',
      user: { name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' } });
    const chat = (await api('POST', 'chat', { message: 'How long is shipping?',
      userId: 'zap-user' })).body.data;
    await api('POST', 'chat', { message: 'Can I talk to a human?',
      conversationId: chat.conversationId });
    await api('POST', `conversations/${chat.conversationId}/end`);

    for (const [key, { path, subscribeData }] of Object.entries(zaps)) {
      const trigger = App.triggers[key].operation;
      // This conversation's latest event (earlier tests' events may arrive here too).
      const ours = () => receiver.to(path)
        .filter((r) => JSON.parse(r.body).data.userId === 'zap-user').pop();
      const request = await waitFor(ours, `an event at ${path}`);
      // Signed with Standard Webhooks, with the secret the subscription was given.
      const payload = new Webhook(subscribeData.secret.replace(/^whsec_/, ''))
        .verify(request.body, request.headers);
      assert.strictEqual(request.headers['webhook-id'], payload.id);

      const [item] = await appTester(trigger.perform,
        { authData: authData(), cleanedRequest: JSON.parse(request.body) });
      assert.deepStrictEqual(item, payload);
      for (const field of trigger.outputFields) {
        assert.notStrictEqual(fieldValue(item, field.key), undefined, `${key}: ${field.key}`);
      }
      assert.deepStrictEqual(shape(trigger.sample), shape(item), `${key}: sample's shape`);

      const samples = await appTester(trigger.performList, { authData: authData(), inputData: {} });
      assert.ok(samples.length >= 1 && samples.length <= 3, key);
      const polled = samples.find((s) => s.id === payload.id);
      assert.deepStrictEqual(polled, item, `${key}: performList gives what the hook got`);
      for (const sample of samples) assert.deepStrictEqual(shape(sample), shape(item));
    }
    const message = receiver.to('/hooks/new_message').map((r) => JSON.parse(r.body).data)
      // Events of earlier tests may still be on their way: pick this conversation's.
      .find((data) => data.conversationId === chat.conversationId &&
        data.message === 'How long is shipping?');
    assert.strictEqual(message.conversationId, chat.conversationId);
    assert.strictEqual(message.message, 'How long is shipping?');
    assert.strictEqual(message.response, chat.message);
    assert.strictEqual(message.confidence, chat.confidence);

    for (const [key, { subscribeData }] of Object.entries(zaps)) {
      await unsubscribe(key, subscribeData);
      await unsubscribe(key, subscribeData); // Zapier may repeat it: still fine
      const hook = (await api('GET', `hooks/${subscribeData.id}`)).body.data;
      assert.strictEqual(hook.status, 'unsubscribed');
    }
    const live = (await api('GET', 'hooks?limit=100')).body.data.map((h) => h.id);
    for (const { subscribeData } of Object.values(zaps)) assert.ok(!live.includes(subscribeData.id));
    const seen = receiver.to('/hooks/new_message').length;
    const watcher = await canary(receiver, 'message.sent', '/hooks/canary-1');
    await api('POST', 'chat', { message: 'Can I return an item?', userId: 'zap-user' });
    await waitFor(() => receiver.to('/hooks/canary-1').length > 0, 'the canary');
    assert.strictEqual(receiver.to('/hooks/new_message').length, seen);
    await api('DELETE', `hooks/${watcher.id}`);
  });

  it('the Daily Report trigger receives the report as one flat row with line items', async () => {
    const path = '/hooks/daily_report';
    const subscribeData = await subscribe('daily_report', receiver.url(path));
    await api('POST', 'chat', { message: 'How long is shipping?', userId: 'report-user' });
    await api('POST', 'chat', { message: 'how long is shipping', userId: 'report-user' });
    const today = new Date().toISOString().slice(0, 10); // the workspace's zone is UTC
    const expected = (await api('GET', `reports/daily?date=${today}`)).body.data;

    manageCommand('send_daily_reports', '--workspace', state.workspaceId, '--date', today);

    const request = await waitFor(() => receiver.to(path)[0], 'the daily report');
    const payload = new Webhook(subscribeData.secret.replace(/^whsec_/, ''))
      .verify(request.body, request.headers);
    assert.strictEqual(payload.event, 'report.daily');
    const trigger = App.triggers.daily_report.operation;
    const [row] = await appTester(trigger.perform,
      { authData: authData(), cleanedRequest: payload });
    assert.strictEqual(row.date, today);
    assert.strictEqual(row.reportId, payload.data.reportId);
    assert.ok(row.conversationsStarted >= 2);
    assert.strictEqual(row.conversationsStarted, expected.conversationsStarted);
    assert.strictEqual(row.escalationsUserRequested,
      payload.data.escalationsByReason.user_requested);
    const shipping = row.topQuestions.find((q) => q.question === 'how long is shipping');
    assert.ok(shipping && shipping.count >= 2, JSON.stringify(row.topQuestions));
    assert.match(row.topQuestionsText, /how long is shipping \(\d+\)/);
    // Flat for a spreadsheet row: every field a plain value, but the line items.
    for (const [key, value] of Object.entries(row)) {
      if (key === 'topQuestions') continue;
      assert.ok(value === null || typeof value !== 'object', `${key} is flat`);
    }
    for (const field of trigger.outputFields) {
      const [top, sub] = field.key.split('[]');
      assert.notStrictEqual(sub ? row[top][0][sub] : row[top], undefined, field.key);
    }
    assert.deepStrictEqual(Object.keys(trigger.sample).sort(), Object.keys(row).sort());
    const samples = await appTester(trigger.performList, { authData: authData(), inputData: {} });
    assert.deepStrictEqual(samples.find((s) => s.id === payload.id), row);
    await unsubscribe('daily_report', subscribeData);
  });

  it('"Only when confidence is below" sends only the unsure answers', async () => {
    const path = '/hooks/unsure';
    const subscribeData = await subscribe('new_message', receiver.url(path),
      { confidence_below: '0.5' });
    const hook = (await api('GET', `hooks/${subscribeData.id}`)).body.data;
    assert.deepStrictEqual(hook.filters, [{ field: 'confidence', op: 'lt', value: 0.5 }]);
    const watcher = await canary(receiver, 'message.sent', '/hooks/canary-2');

    const sure = (await api('POST', 'chat', { message: 'How long is shipping?' })).body.data;
    const unsure = (await api('POST', 'chat', { message: 'Do you sell car insurance?' })).body.data;
    await waitFor(() => receiver.to('/hooks/canary-2').length === 2, 'both messages at the canary');
    await waitFor(() => receiver.to(path).length > 0, 'the unsure message');

    assert.ok(sure.confidence >= 0.5 && unsure.confidence < 0.5);
    const received = receiver.to(path).map((r) => JSON.parse(r.body).data);
    assert.deepStrictEqual(received.map((d) => d.conversationId), [unsure.conversationId]);
    assert.ok(received[0].confidence < 0.5);
    await unsubscribe('new_message', subscribeData);
    await api('DELETE', `hooks/${watcher.id}`);
  });

  it('a target that answers 410 Gone is unsubscribed at once, without retries', async () => {
    const path = '/hooks/gone';
    receiver.answer(path, 410);
    const subscribeData = await subscribe('escalation', receiver.url(path));

    await api('POST', 'chat', { message: 'Can I talk to a human?' });
    await waitFor(() => receiver.to(path).length === 1, 'the escalation');
    const hook = await waitFor(async () => {
      const got = (await api('GET', `hooks/${subscribeData.id}`)).body.data;
      return got.status === 'unsubscribed' && got;
    }, 'the subscription to end');

    assert.ok(hook.unsubscribedAt);
    const live = (await api('GET', 'hooks?limit=100')).body.data.map((h) => h.id);
    assert.ok(!live.includes(subscribeData.id));
    const watcher = await canary(receiver, 'escalation.triggered', '/hooks/canary-3');
    await api('POST', 'chat', { message: 'Can I talk to a human?' });
    await waitFor(() => receiver.to('/hooks/canary-3').length > 0, 'the canary');
    assert.strictEqual(receiver.to(path).length, 1);
    await api('DELETE', `hooks/${watcher.id}`);
  });

  it('a filter value that is not a number is refused before subscribing', async () => {
    const failure = await subscribe('new_message', receiver.url('/hooks/bad'),
      { confidence_below: 'low' }).then(() => null, (err) => err);

    assert.ok(failure);
    assert.match(JSON.parse(failure.message).message, /must be a number/);
  });

  it('a private target address is refused by the server with its reason', async () => {
    const failure = await subscribe('new_message', 'http://10.1.2.3/hooks/x')
      .then(() => null, (err) => err);

    const error = JSON.parse(failure.message);
    assert.strictEqual(error.status, 400);
    assert.match(error.message, /public addresses/);
  });
});
