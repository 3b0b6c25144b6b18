'use strict';

// A REST-hook trigger for one Meta Chat event: Zapier subscribes its target URL with
// POST /v1/hooks, receives each event as the JSON body, and unsubscribes with DELETE.

const { apiUrl, requestData } = require('./api');

// Filter input fields become the subscription's `filters`, so a zap such as "only when
// confidence is below 0.5" needs no Zapier Filter step: Meta Chat sends only matching events.
// Each is {key, label, field, op, type: 'number' | 'integer' | 'string', helpText, choices}.
const filtersFrom = (z, inputData, filterFields) => {
  const filters = [];
  for (const spec of filterFields) {
    const raw = inputData[spec.key];
    if (raw === undefined || raw === null || raw === '') {
      continue;
    }
    let value = raw;
    if (spec.type === 'number' || spec.type === 'integer') {
      value = Number(raw);
      if (!Number.isFinite(value)) {
        throw new z.errors.Error(`"${spec.label}" must be a number, not ${JSON.stringify(raw)}.`,
          'InvalidInput', 400);
      }
    }
    filters.push({ field: spec.field, op: spec.op, value });
  }
  return filters;
};

// The event exactly as Meta Chat sent it (the same shape performList returns).
const eventOf = (payload) => ({
  id: payload.id,
  event: payload.event,
  timestamp: payload.timestamp,
  data: payload.data,
});

// `shape` turns the event into the trigger's item (default: the event as sent); a trigger
// whose item is a spreadsheet row flattens it here, for hooks and polled samples alike.
const hookTrigger = ({ key, event, noun, label, description, filterFields = [],
  sample, outputFields, shape = eventOf }) => ({
  key,
  noun,
  display: { label, description },
  operation: {
    type: 'hook',
    inputFields: filterFields.map((spec) => ({
      key: spec.key,
      label: spec.label,
      type: spec.type,
      helpText: spec.helpText,
      required: false,
      ...(spec.choices ? { choices: spec.choices } : {}),
    })),

    // What it returns Zapier keeps as bundle.subscribeData: the hook's id is what
    // unsubscribe needs.
    performSubscribe: async (z, bundle) => requestData(z, {
      url: apiUrl('hooks'),
      method: 'POST',
      body: {
        targetUrl: bundle.targetUrl,
        event,
        filters: filtersFrom(z, bundle.inputData || {}, filterFields),
      },
    }),

    performUnsubscribe: async (z, bundle) => {
      await z.request({
        url: apiUrl(`hooks/${encodeURIComponent(bundle.subscribeData.id)}`),
        method: 'DELETE',
      });
      return { id: bundle.subscribeData.id, unsubscribed: true };
    },

    perform: (z, bundle) => [shape(bundle.cleanedRequest)],

    // Recent real events of this type, for the zap editor's samples.
    performList: async (z, bundle) =>
      (await requestData(z, { url: apiUrl('events'), params: { type: event, limit: 3 } }))
        .map(shape),

    sample,
    outputFields,
  },
});

// Output fields every event has.
const envelopeFields = [
  { key: 'id', label: 'Event ID' },
  { key: 'event', label: 'Event type' },
  { key: 'timestamp', label: 'Time (UTC)', type: 'datetime' },
];

module.exports = { hookTrigger, filtersFrom, envelopeFields, eventOf };
