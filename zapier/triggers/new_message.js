'use strict';

const { hookTrigger, envelopeFields } = require('../lib/hooks');

module.exports = hookTrigger({
  key: 'new_message',
  event: 'message.sent',
  noun: 'Message',
  label: 'New Message',
  description: 'Triggers when the chatbot answers a user\'s message.',
  filterFields: [
    {
      key: 'confidence_below', label: 'Only when confidence is below', type: 'number',
      field: 'confidence', op: 'lt',
      helpText: 'From 0 to 1. For example 0.5 sends only the answers the chatbot was unsure ' +
        'of. Leave empty for every message.',
    },
    {
      key: 'message_contains', label: 'Only when the user\'s message contains', type: 'string',
      field: 'message', op: 'contains',
      helpText: 'Text to look for in what the user asked (not case-sensitive).',
    },
  ],
  sample: {
    id: 'evt_2b7k9q4m1x8c5v3n6z0p',
    event: 'message.sent',
    timestamp: '2025-01-15T10:30:00.000Z',
    data: {
      conversationId: 'conv_abc123',
      userId: 'user_xyz789',
      message: 'How long is shipping?',
      response: 'Shipping takes 3-5 business days.',
      confidence: 0.95,
    },
  },
  outputFields: [
    ...envelopeFields,
    { key: 'data__conversationId', label: 'Conversation ID' },
    { key: 'data__userId', label: 'User ID' },
    { key: 'data__message', label: 'User message' },
    { key: 'data__response', label: 'Bot response' },
    { key: 'data__confidence', label: 'Confidence (0–1)', type: 'number' },
  ],
});
