'use strict';

const { hookTrigger, envelopeFields } = require('../lib/hooks');

module.exports = hookTrigger({
  key: 'conversation_ended',
  event: 'conversation.ended',
  noun: 'Conversation',
  label: 'Conversation Ended',
  description: 'Triggers when a conversation closes: ended through the API, or after the ' +
    'workspace\'s idle timeout.',
  filterFields: [
    {
      key: 'reason', label: 'Only when it ended this way', type: 'string', field: 'reason',
      op: 'eq',
      choices: { ended_by_user: 'Ended by the user or your system', idle_timeout: 'Idle timeout' },
      helpText: 'Leave empty for every ended conversation.',
    },
    {
      key: 'min_messages', label: 'Only with at least this many messages', type: 'integer',
      field: 'messageCount', op: 'gte',
    },
  ],
  sample: {
    id: 'evt_2b7k9q4m1x8c5v3n6z0p',
    event: 'conversation.ended',
    timestamp: '2025-01-15T10:30:00.000Z',
    data: {
      conversationId: 'conv_abc123',
      userId: 'user_xyz789',
      duration: 184,
      messageCount: 6,
      reason: 'ended_by_user',
    },
  },
  outputFields: [
    ...envelopeFields,
    { key: 'data__conversationId', label: 'Conversation ID' },
    { key: 'data__userId', label: 'User ID' },
    { key: 'data__duration', label: 'Duration (seconds)', type: 'integer' },
    { key: 'data__messageCount', label: 'Messages exchanged', type: 'integer' },
    { key: 'data__reason', label: 'Why it ended (ended_by_user or idle_timeout)' },
  ],
});
