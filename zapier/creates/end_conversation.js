'use strict';

const { apiUrl, requestData } = require('../lib/api');
const { conversationFields, conversationSample } = require('../lib/conversations');

const perform = async (z, bundle) => {
  const id = encodeURIComponent(bundle.inputData.conversationId);
  return requestData(z, { url: apiUrl(`conversations/${id}/end`), method: 'POST' });
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
