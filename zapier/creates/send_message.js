'use strict';

const { apiUrl, requestData } = require('../lib/api');

const perform = async (z, bundle) => {
  const input = bundle.inputData;
  const body = { message: input.message };
  if (input.conversationId) body.conversationId = input.conversationId;
  if (input.userId) body.userId = input.userId;
  const user = {};
  if (input.userName) user.name = input.userName;
  if (input.userEmail) user.email = input.userEmail;
  if (Object.keys(user).length) body.user = user;
  return requestData(z, { url: apiUrl('chat'), method: 'POST', body });
};

module.exports = {
  key: 'send_message',
  noun: 'Message',
  display: {
    label: 'Send Message',
    description: 'Sends a user\'s message to the chatbot and returns its answer.',
  },
  operation: {
    inputFields: [
      { key: 'message', label: 'Message', type: 'text', required: true,
        helpText: 'What the user asks (up to 4,000 characters).' },
      { key: 'conversationId', label: 'Conversation ID', required: false,
        helpText: 'conv_… to continue a conversation; leave empty to start a new one.' },
      { key: 'userId', label: 'User ID', required: false,
        helpText: 'Your own id for the user (letters, digits and _ . : @ + -).' },
      { key: 'userName', label: 'User name', required: false },
      { key: 'userEmail', label: 'User email', required: false },
    ],
    perform,
    sample: {
      message: 'Shipping takes 3-5 business days.',
      conversationId: 'conv_abc123',
      messageId: 'msg_def456',
      confidence: 0.95,
      escalated: false,
      sources: [{ documentId: 'doc_ghi789', title: 'Shipping FAQ', score: 1.0 }],
    },
    outputFields: [
      { key: 'message', label: 'Bot response' },
      { key: 'conversationId', label: 'Conversation ID' },
      { key: 'messageId', label: 'Message ID' },
      { key: 'confidence', label: 'Confidence (0–1)', type: 'number' },
      { key: 'escalated', label: 'Escalated to a person', type: 'boolean' },
    ],
  },
};
