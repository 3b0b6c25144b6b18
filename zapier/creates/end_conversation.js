'use strict';

const { apiUrl } = require('../lib/api');
const { conversationFields, conversationSample } = require('../lib/conversations');

const perform = async (z, bundle) => {
  const id = encodeURIComponent(bundle.inputData.conversationId);
  const response = await z.request({ url: apiUrl(`conversations/${id}/end`), method: 'POST' });
  return response.data.data;
};

module.exports = {
  key: 'end_conversation',
  noun: 'Conversation',
  display: {
    label: 'End Conversation',
    description: 'Ends a conversation (Conversation Ended then triggers, once).',
  },
  operation: {
    inputFields: [
      { key: 'conversationId', label: 'Conversation ID', required: true, helpText: 'conv_…' },
    ],
    perform,
    sample: conversationSample,
    outputFields: conversationFields,
  },
};
