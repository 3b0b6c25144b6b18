'use strict';

// The Meta Chat app for Zapier: REST-hook triggers on conversation events, actions that
// talk to the chatbot and its knowledge base, and a conversation search.

const authentication = require('./authentication');
const { addApiKey, handleErrors } = require('./lib/api');

const triggers = [
  require('./triggers/new_message'),
  require('./triggers/escalation'),
  require('./triggers/new_conversation'),
  require('./triggers/conversation_ended'),
  require('./triggers/user_started'),
  require('./triggers/daily_report'),
];
const creates = [
  require('./creates/send_message'),
  require('./creates/add_document'),
  require('./creates/end_conversation'),
];
const searches = [require('./searches/find_conversation')];

const byKey = (items) => Object.fromEntries(items.map((item) => [item.key, item]));

module.exports = {
  version: require('./package.json').version,
  platformVersion: require('zapier-platform-core').version,
  authentication,
  beforeRequest: [addApiKey],
  afterResponse: [handleErrors],
  triggers: byKey(triggers),
  creates: byKey(creates),
  searches: byKey(searches),
};
