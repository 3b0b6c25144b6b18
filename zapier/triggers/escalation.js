'use strict';

const { hookTrigger, envelopeFields } = require('../lib/hooks');

module.exports = hookTrigger({
  key: 'escalation',
  event: 'escalation.triggered',
  noun: 'Escalation',
  label: 'Escalation',
  description: 'Triggers when the chatbot hands a conversation to a person: it was unsure ' +
    'of its answer, or the user asked for a person.',
  filterFields: [
    {
      key: 'reason', label: 'Only for this reason', type: 'string', field: 'reason', op: 'eq',
      choices: { low_confidence: 'The chatbot was unsure', user_requested: 'The user asked for a person' },
      helpText: 'Leave empty for every escalation.',
    },
    {
      key: 'confidence_below', label: 'Only when confidence is below', type: 'number',
      field: 'confidence', op: 'lt', helpText: 'From 0 to 1.',
    },
  ],
  sample: {
    id: 'evt_2b7k9q4m1x8c5v3n6z0p',
    event: 'escalation.triggered',
    timestamp: '2025-01-15T10:30:00.000Z',
    data: {
      conversationId: 'conv_abc123',
      userId: 'user_xyz789',
      reason: 'low_confidence',
      confidence: 0.21,
      message: 'Can I pay with cryptocurrency?',
    },
  },
  outputFields: [
    ...envelopeFields,
    { key: 'data__conversationId', label: 'Conversation ID' },
    { key: 'data__userId', label: 'User ID' },
    { key: 'data__reason', label: 'Escalation reason (low_confidence or user_requested)' },
    { key: 'data__confidence', label: 'Confidence (0–1)', type: 'number' },
    { key: 'data__message', label: 'User message' },
  ],
});
