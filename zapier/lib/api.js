'use strict';

// Where the Meta Chat API lives. The same app runs against any deployment: set
// METACHAT_BASE_URL with `zapier-platform env:set 1.0.0 METACHAT_BASE_URL=https://…`.
const DEFAULT_BASE_URL = 'https://api.metachats.ai';

const baseUrl = () =>
  (process.env.METACHAT_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, '');

// Exact paths, never one that redirects: Zapier refuses redirects to loopback hosts, and
// the API answers /v1/hooks, not /v1/hooks/.
const apiUrl = (path) => `${baseUrl()}/v1/${path.replace(/^\/+/, '')}`;

// beforeRequest: every request carries the connection's API key.
const addApiKey = (request, z, bundle) => {
  request.headers = { Accept: 'application/json', ...(request.headers || {}) };
  if (bundle.authData && bundle.authData.apiKey) {
    request.headers.Authorization = `Bearer ${bundle.authData.apiKey}`;
  }
  return request;
};

const errorOf = (response) => {
  try {
    const body = response.data || JSON.parse(response.content || '{}');
    return (body && body.error) || {};
  } catch (err) {
    return {};
  }
};

// afterResponse: our error envelope {"error": {"code", "message", "fields"}} becomes a
// Zapier error with our message; a 401 is an authentication error, so Zapier asks the
// user to reconnect. A request that handles its own errors sets skipThrowForStatus.
const handleErrors = (response, z) => {
  if (response.status < 400 || response.skipThrowForStatus) {
    return response;
  }
  const error = errorOf(response);
  const message = error.message || `Meta Chat answered HTTP ${response.status}.`;
  if (response.status === 401) {
    throw new z.errors.Error(message, 'AuthenticationError', 401);
  }
  const fields = Object.entries(error.fields || {})
    .map(([field, problems]) => `${field}: ${[].concat(problems).join(' ')}`)
    .join('; ');
  throw new z.errors.Error(
    fields ? `${message} (${fields})` : message,
    error.code || 'ApiError',
    response.status,
  );
};

// The `data` of the API's {"data": …} envelope; errors are handleErrors' to report.
const requestData = async (z, request) => (await z.request(request)).data.data;

module.exports = { baseUrl, apiUrl, addApiKey, handleErrors, requestData };
