'use strict';

const { hookTrigger, envelopeFields } = require('../lib/hooks');

module.exports = hookTrigger({
  key: 'user_started',
  event: 'user.started',
  noun: 'User',
  label: 'User Started Chat',
  description: 'Triggers when a user opens the chat.',
  filterFields: [
    {
      key: 'email_contains', label: 'Only when the user\'s email contains', type: 'string',
      field: 'user.email', op: 'contains', helpText: 'For example @acme.com.',
    },
  ],
  sample: {
    id: 'evt_2b7k9q4m1x8c5v3n6z0p',
    event: 'user.started',
    timestamp: '2025-01-15T10:30:00.000Z',
    data: {
      userId: 'user_xyz789',
      user: { name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' },
      timestamp: '2025-01-15T10:29:58.120Z',
    },
  },
  outputFields: [
    ...envelopeFields,
    { key: 'data__userId', label: 'User ID' },
    { key: 'data__user__name', label: 'User name' },
    { key: 'data__user__email', label: 'User email' },
    { key: 'data__timestamp', label: 'Opened the chat at (UTC)', type: 'datetime' },
  ],
});
