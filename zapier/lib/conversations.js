'use strict';

// A conversation as GET /v1/conversations/{id} returns it.
const conversationSample = {
  id: 'conv_abc123',
  userId: 'user_xyz789',
  status: 'ended',
  channel: 'api',
  startedAt: '2025-01-15T10:27:00.000000Z',
  lastActivityAt: '2025-01-15T10:30:00.000000Z',
  escalatedAt: null,
  escalationReason: '',
  endedAt: '2025-01-15T10:30:04.000000Z',
  endReason: 'ended_by_user',
  duration: 184,
  messageCount: 6,
};

const conversationFields = [
  { key: 'id', label: 'Conversation ID' },
  { key: 'userId', label: 'User ID' },
  { key: 'status', label: 'Status (open, escalated or ended)' },
  { key: 'startedAt', label: 'Started at (UTC)', type: 'datetime' },
  { key: 'lastActivityAt', label: 'Last message at (UTC)', type: 'datetime' },
  { key: 'escalationReason', label: 'Escalation reason' },
  { key: 'endedAt', label: 'Ended at (UTC)', type: 'datetime' },
  { key: 'endReason', label: 'Why it ended' },
  { key: 'duration', label: 'Duration (seconds)', type: 'integer' },
  { key: 'messageCount', label: 'Messages exchanged', type: 'integer' },
];

module.exports = { conversationSample, conversationFields };
