'use strict';

const assert = require('assert');
const zapier = require('zapier-platform-core');

const App = require('../index');
const { state } = require('./support/server');

const appTester = zapier.createAppTester(App);
const run = (operation, inputData) =>
  appTester(operation.perform, { authData: { apiKey: state.apiKey }, inputData });
const failureOf = (promise) => promise.then(() => null, (err) => JSON.parse(err.message));

const sendMessage = (inputData) => run(App.creates.send_message.operation, inputData);
const findConversation = (inputData) => run(App.searches.find_conversation.operation, inputData);

describe('actions and the search against the running server', () => {
  it('Send Message answers, and continues a conversation when given its id', async () => {
    const first = await sendMessage({ message: 'How long is shipping?', userId: 'zap-actions',
      userName: 'Grace Hopper', userEmail: 'grace@example.com' });
    const second = await sendMessage({ message: 'Can I return an item?',
      conversationId: first.conversationId });

    assert.match(first.message, /Shipping takes 3/);
    assert.match(first.conversationId, /^conv_/);
    assert.match(first.messageId, /^msg_/);
    assert.strictEqual(typeof first.confidence, 'number');
    assert.strictEqual(first.escalated, false);
    assert.strictEqual(second.conversationId, first.conversationId);
  });

  it('Send Message reports our validation message', async () => {
    const error = await failureOf(sendMessage({ message: '   ' }));

    assert.strictEqual(error.status, 400);
    assert.strictEqual(error.code, 'validation_error');
    assert.match(error.message, /message/);
  });

  it('Add Document adds knowledge the chatbot then answers from', async () => {
    const document = await run(App.creates.add_document.operation, {
      title: 'Gift wrapping', sourceType: 'markdown',
      content: '## Do you offer gift wrapping?\nYes: gift wrapping costs $3 per order.',
    });
    const answer = await sendMessage({ message: 'Do you offer gift wrapping?' });

    assert.match(document.id, /^doc_/);
    assert.strictEqual(document.title, 'Gift wrapping');
    assert.ok(document.passageCount >= 1);
    assert.match(answer.message, /\$3 per order/);
  });

  it('End Conversation ends it, and ending it again changes nothing', async () => {
    const { conversationId } = await sendMessage({ message: 'How long is shipping?' });

    const ended = await run(App.creates.end_conversation.operation, { conversationId });
    const again = await run(App.creates.end_conversation.operation, { conversationId });

    assert.strictEqual(ended.id, conversationId);
    assert.strictEqual(ended.status, 'ended');
    assert.strictEqual(ended.endReason, 'ended_by_user');
    assert.strictEqual(again.endedAt, ended.endedAt);
    const missing = await failureOf(run(App.creates.end_conversation.operation,
      { conversationId: 'conv_doesnotexist' }));
    assert.strictEqual(missing.status, 404);
  });

  it('Find Conversation finds one by id, the latest of a user, or nothing', async () => {
    const older = await sendMessage({ message: 'How long is shipping?', userId: 'zap-finder' });
    const newer = await sendMessage({ message: 'Can I pay by card?', userId: 'zap-finder' });

    const byId = await findConversation({ conversationId: older.conversationId });
    const byUser = await findConversation({ userId: 'zap-finder' });
    const none = await findConversation({ conversationId: 'conv_doesnotexist' });
    const nobody = await findConversation({ userId: 'never-chatted' });
    const neither = await failureOf(findConversation({}));

    assert.deepStrictEqual(byId.map((c) => c.id), [older.conversationId]);
    assert.strictEqual(byId[0].userId, 'zap-finder');
    assert.deepStrictEqual(byUser.map((c) => c.id), [newer.conversationId]);
    assert.deepStrictEqual(none, []);
    assert.deepStrictEqual(nobody, []);
    assert.match(neither.message, /conversation ID or a user ID/);
  });
});
