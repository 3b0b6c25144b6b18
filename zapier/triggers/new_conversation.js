'use strict';

const { hookTrigger, envelopeFields } = require('../lib/hooks');

module.exports = hookTrigger({
  key: 'new_conversation',
  event: 'conversation.created',
  noun: 'Conversation',
  label: 'New Conversation',
  description: 'Triggers when a new conversation starts (a user\'s first message).',
  sample: {
    id: 'evt_2b7k9q4m1x8c5v3n6z0p',
    event: 'conversation.created',
    timestamp: '2025-01-15T10:30:00.000Z',
    data: { conversationId: 'conv_abc123', userId: 'user_xyz789' },
  },
  outputFields: [
    ...envelopeFields,
    { key: 'data__conversationId', label: 'Conversation ID' },
    { key: 'data__userId', label: 'User ID' },
  ],
});
