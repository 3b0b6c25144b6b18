'use strict';

const { apiUrl, handleErrors, requestData } = require('../lib/api');
const { conversationFields, conversationSample } = require('../lib/conversations');

// Searches return an array, best match first; [] means nothing was found.
const perform = async (z, bundle) => {
  const { conversationId, userId } = bundle.inputData;
  if (conversationId) {
    const response = await z.request({
      url: apiUrl(`conversations/${encodeURIComponent(conversationId)}`),
      skipThrowForStatus: true,
    });
    if (response.status === 404) {
      return [];
    }
    // Anything else that went wrong is reported as for every other request.
    handleErrors({ ...response, skipThrowForStatus: false }, z);
    return [response.data.data];
  }
  if (userId) {
    return requestData(z, { url: apiUrl('conversations'), params: { userId, limit: 1 } });
  }
  throw new z.errors.Error('Give a conversation ID or a user ID to look for.', 'InvalidInput', 400);
};

module.exports = {
  key: 'find_conversation',
  noun: 'Conversation',
  display: {
    label: 'Find Conversation',
    description: 'Finds a conversation by its ID, or the latest conversation of a user.',
  },
  operation: {
    inputFields: [
      { key: 'conversationId', label: 'Conversation ID', required: false, helpText: 'conv_…' },
      { key: 'userId', label: 'User ID', required: false,
        helpText: 'Finds this user\'s latest conversation (used when no conversation ID is given).' },
    ],
    perform,
    sample: conversationSample,
    outputFields: conversationFields,
  },
};
