'use strict';

const assert = require('assert');
const schemaTools = require('zapier-platform-core/src/tools/schema');

const App = require('../index');

describe('the app definition', () => {
  it('is valid for the Zapier platform (what `zapier-platform validate` checks)', () => {
    const errors = schemaTools.validateApp(schemaTools.compileApp(App));

    assert.deepStrictEqual(errors.map((e) => `${e.property} ${e.message}`), []);
  });

  it('has the six REST-hook triggers, three actions and the search', () => {
    assert.deepStrictEqual(Object.keys(App.triggers),
      ['new_message', 'escalation', 'new_conversation', 'conversation_ended', 'user_started',
        'daily_report']);
    for (const trigger of Object.values(App.triggers)) {
      const operation = trigger.operation;
      assert.strictEqual(operation.type, 'hook');
      for (const method of ['performSubscribe', 'performUnsubscribe', 'perform', 'performList']) {
        assert.strictEqual(typeof operation[method], 'function', `${trigger.key}.${method}`);
      }
      for (const field of operation.outputFields) {
        assert.ok(field.label, `${trigger.key}.${field.key} has a label`);
      }
    }
    assert.deepStrictEqual(Object.keys(App.creates),
      ['send_message', 'add_document', 'end_conversation']);
    assert.deepStrictEqual(Object.keys(App.searches), ['find_conversation']);
  });
});
