'use strict';

const { apiUrl } = require('./lib/api');

// GET /v1/me answers for any working key, whatever its scopes.
const test = async (z) => {
  const response = await z.request({ url: apiUrl('me') });
  return response.data.data;
};

module.exports = {
  type: 'custom',
  fields: [
    {
      key: 'apiKey',
      label: 'API Key',
      type: 'password',
      required: true,
      helpText:
        'In Meta Chat, go to Settings → API Keys, create a key (scopes `webhooks:read`, ' +
        '`webhooks:write`, `chat:write`, `conversations:read`, `conversations:write`, ' +
        '`documents:write`) and paste it here. It starts with `mc_live_`.',
    },
  ],
  test,
  // The connection is named after the workspace the key belongs to.
  connectionLabel: (z, bundle) => bundle.inputData.workspaceName,
};
